import { AppShell, Badge, Burger, Button, Group, NavLink, Text, Title, VisuallyHidden } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useEffect } from 'react';
import { Link, Outlet, useLocation, useNavigate } from 'react-router';
import { logout, type Role } from '../api/session';
import { useSession } from '../api/useSession';
import { usePendingCount } from '../features/approvals/hooks';
import { QueueDashboardLink } from '../features/queue/QueueDashboardLink';

interface NavItem {
  to: string;
  label: string;
  roles: readonly Role[];
  badge?: 'pending';
}

/** The navigation: only what the role may do. */
const NAV: NavItem[] = [
  { to: '/approvals', label: 'Approvals', roles: ['admin'], badge: 'pending' },
  { to: '/campaigns', label: 'Campaigns', roles: ['admin', 'manager'] },
  { to: '/campaigns/new', label: 'New campaign', roles: ['admin', 'manager'] },
  { to: '/offers', label: 'Offers', roles: ['customer'] },
  { to: '/users', label: 'Users', roles: ['admin'] },
  { to: '/audit', label: 'Audit log', roles: ['admin'] },
  { to: '/suppressions', label: 'Suppressions', roles: ['admin'] },
  { to: '/profile', label: 'Profile', roles: ['admin', 'manager', 'customer'] },
];

function PendingBadge() {
  const count = usePendingCount();
  if (count === undefined) return null;
  return (
    <Badge size="sm" variant="filled" color={count > 0 ? 'red.9' : 'gray.7'}>
      {count}
      <VisuallyHidden> waiting</VisuallyHidden>
    </Badge>
  );
}

function isActive(pathname: string, to: string) {
  if (to === '/campaigns') return pathname === '/campaigns' || (/^\/campaigns\/\d+/.test(pathname));
  return pathname === to || pathname.startsWith(`${to}/`);
}

/** The page frame: header with the account and sign-out, navigation for the signed-in role. */
export function Layout() {
  const session = useSession();
  const [opened, { toggle, close }] = useDisclosure(false);
  const { pathname } = useLocation();
  const navigate = useNavigate();
  useEffect(close, [pathname, close]);
  const user = session.status === 'signed-in' ? session.user : null;

  const signOut = async () => {
    await logout();
    navigate('/signin', { replace: true });
  };

  return (
    <AppShell
      header={{ height: 60 }}
      navbar={user ? { width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } } : undefined}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            {user && <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={opened ? 'Close navigation' : 'Open navigation'} />}
            <Title order={2} size="h4">
              <Link to="/" style={{ color: 'inherit', textDecoration: 'none' }}>
                Campaign service
              </Link>
            </Title>
          </Group>
          {user && (
            <Group gap="sm" wrap="nowrap">
              <Text size="sm" c="dimmed" visibleFrom="xs" truncate maw={240}>
                {user.email} · {user.role}
              </Text>
              <Button variant="default" size="xs" onClick={signOut}>
                Sign out
              </Button>
            </Group>
          )}
        </Group>
      </AppShell.Header>
      {user && (
        <AppShell.Navbar p="xs" aria-label="Main navigation" component="nav">
          {NAV.filter((item) => item.roles.includes(user.role)).map((item) => (
            <NavLink
              key={item.to}
              component={Link}
              to={item.to}
              label={item.label}
              active={isActive(pathname, item.to)}
              aria-current={isActive(pathname, item.to) ? 'page' : undefined}
              rightSection={item.badge === 'pending' ? <PendingBadge /> : undefined}
            />
          ))}
          {user.role === 'admin' && <QueueDashboardLink />}
          <VisuallyHidden>Signed in as {user.email}</VisuallyHidden>
        </AppShell.Navbar>
      )}
      <AppShell.Main>
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}
