import { Suspense, type ComponentType, type LazyExoticComponent } from 'react';
import { Navigate, useLocation } from 'react-router';
import { useSession } from '../api/useSession';
import { LoadingState } from '../components/LoadingState';
import { NotAllowed } from '../components/NotAllowed';
import type { Access } from './routes';
import { HOME } from './home';

/** Renders a route's page if the session may see it: else sign-in (coming back here after), or "not allowed". */
export function Guard({ access, page: Page, home }: { access: Access; page?: LazyExoticComponent<ComponentType>; home?: boolean }) {
  const session = useSession();
  const location = useLocation();
  const page = Page ? (
    <Suspense fallback={<LoadingState label="Loading the page" />}>
      <Page />
    </Suspense>
  ) : null;
  if (access === 'public') return page;
  if (session.status === 'restoring') return <LoadingState label="Loading your session" />;
  if (session.status === 'signed-out') {
    const here = location.pathname + location.search;
    return <Navigate to={here === '/' ? '/signin' : `/signin?next=${encodeURIComponent(here)}`} replace />;
  }
  if (home) return <Navigate to={HOME[session.user.role]} replace />;
  if (Array.isArray(access) && !access.includes(session.user.role)) return <NotAllowed />;
  return page;
}
