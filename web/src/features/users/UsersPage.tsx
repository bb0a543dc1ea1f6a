import { Alert, Badge, Button, Group, NativeSelect, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useState } from 'react';
import { useListParams } from '../../app/useListParams';
import { ApiError, describeError } from '../../api/errors';
import type { Role, User } from '../../api/session';
import { useSession } from '../../api/useSession';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { Empty } from '../../components/Empty';
import { ErrorState } from '../../components/ErrorState';
import { LoadingState } from '../../components/LoadingState';
import { PageFrame } from '../../components/PageFrame';
import { CreateUserDialog } from './CreateUserDialog';
import { aRole, ROLES, ROLE_ID, ROLE_LABEL, useDeleteUser, useUpdateUser, useUsers } from './hooks';
import { ListFooter } from '../../components/ListFooter';

const PER_PAGE = 20;

/** A refusal in plain words; refusing a change to one's own account says which. */
function refusal(err: unknown): string {
  if (err instanceof ApiError && err.code === 'SELF_CHANGE') return 'You cannot change your own role or status, or delete your own account. Another admin can.';
  return describeError(err);
}

export default function UsersPage() {
  const session = useSession();
  const me = session.user?.id;
  const update = useUpdateUser();
  const remove = useDeleteUser();
  // Search, filter and page live in the address; a refusal belongs to the list it was shown with.
  const { page, q, search, setSearch, oneOf, set, setPage, pages: pagesOf } = useListParams({
    onChange: () => {
      update.reset();
      remove.reset();
    },
  });
  const role = oneOf<Role>('role', ROLES);
  const list = useUsers({ q: q || undefined, role, page, perPage: PER_PAGE });
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<User | null>(null);

  const change = (u: User, patch: { role_id?: number; status?: 'active' | 'disabled' }, done: string) => {
    remove.reset();
    update.mutate({ id: u.id, change: patch }, { onSuccess: () => notifications.show({ color: 'green', message: done }) });
  };

  const confirmDelete = () => {
    if (!deleting) return;
    update.reset();
    remove.mutate(deleting.id, {
      onSuccess: () => notifications.show({ color: 'green', message: `${deleting.email} was deleted.` }),
      onSettled: () => setDeleting(null),
    });
  };

  const pages = pagesOf(list.data?.total, PER_PAGE);
  const filtered = Boolean(q || role);
  const error = update.error ?? remove.error;

  return (
    <PageFrame title="Users" actions={<Button onClick={() => setCreating(true)}>Create user</Button>}>
      <Group gap="sm" align="flex-end" wrap="wrap">
        <TextInput
          label="Search"
          description="Part of an email or a name"
          placeholder="ada@example.com"
          type="search"
          value={search}
          onChange={(e) => setSearch(e.currentTarget.value)}
          w={280}
        />
        <Select
          label="Role"
          placeholder="Any role"
          clearable
          data={ROLES.map((r) => ({ value: r, label: ROLE_LABEL[r] }))}
          value={role ?? null}
          onChange={(v) => set('role', v)}
          clearButtonProps={{ 'aria-label': 'Clear the role filter', 'aria-hidden': false, tabIndex: 0 }}
          w={180}
        />
      </Group>
      {error && (
        <Alert
          color="red"
          variant="light"
          role="alert"
          title="That did not work"
          withCloseButton
          closeButtonLabel="Dismiss"
          onClose={() => {
            update.reset();
            remove.reset();
          }}
        >
          {refusal(error)}
        </Alert>
      )}
      {list.isPending && <LoadingState label="Loading users" />}
      {list.isError && <ErrorState error={list.error} onRetry={() => list.refetch()} />}
      {list.data && list.data.data.length === 0 && (
        <Empty title={filtered ? 'No user matches this search' : 'No users yet'} description={filtered ? 'Change the search or clear the role filter.' : undefined} />
      )}
      {list.data && list.data.data.length > 0 && (
        <Stack gap="sm">
          <Table.ScrollContainer minWidth={720}>
            <Table striped verticalSpacing="sm" aria-label="Users">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Email</Table.Th>
                  <Table.Th>Role</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>Actions</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.data.data.map((u) => {
                  const busy = (update.isPending && update.variables?.id === u.id) || (remove.isPending && remove.variables === u.id);
                  return (
                    <Table.Tr key={u.id}>
                      <Table.Td>
                        {u.first_name} {u.last_name}
                        {u.id === me && (
                          <Text span size="sm" c="dimmed">
                            {' '}
                            (you)
                          </Text>
                        )}
                      </Table.Td>
                      <Table.Td style={{ overflowWrap: 'anywhere' }}>{u.email}</Table.Td>
                      <Table.Td>
                        <NativeSelect
                          aria-label={`Role of ${u.email}`}
                          data={ROLES.map((r) => ({ value: r, label: ROLE_LABEL[r] }))}
                          value={u.role}
                          disabled={busy}
                          onChange={(e) => {
                            const next = e.currentTarget.value as Role;
                            change(u, { role_id: ROLE_ID[next] }, `${u.email} is now ${aRole(next)}.`);
                          }}
                          w={140}
                        />
                      </Table.Td>
                      <Table.Td>
                        <Badge color={u.status === 'active' ? 'teal.9' : 'gray.7'} variant="filled">
                          {u.status === 'active' ? 'Active' : 'Disabled'}
                        </Badge>
                      </Table.Td>
                      <Table.Td>
                        <Group gap="xs" wrap="nowrap">
                          {u.status === 'active' ? (
                            <Button size="xs" variant="default" aria-label={`Disable ${u.email}`} disabled={busy} onClick={() => change(u, { status: 'disabled' }, `${u.email} is disabled and signed out.`)}>
                              Disable
                            </Button>
                          ) : (
                            <Button size="xs" variant="default" aria-label={`Enable ${u.email}`} disabled={busy} onClick={() => change(u, { status: 'active' }, `${u.email} can sign in again.`)}>
                              Enable
                            </Button>
                          )}
                          <Button size="xs" color="red.9" variant="outline" aria-label={`Delete ${u.email}`} disabled={busy} onClick={() => setDeleting(u)}>
                            Delete
                          </Button>
                        </Group>
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <ListFooter total={list.data.total} one="user" many="users" pages={pages} page={page} onPage={setPage} />
        </Stack>
      )}
      <CreateUserDialog
        opened={creating}
        onClose={() => setCreating(false)}
        onCreated={(u) => {
          setCreating(false);
          notifications.show({ color: 'green', message: `${u.email} was created as ${aRole(u.role)}.` });
        }}
      />
      {deleting && (
        <ConfirmDialog
          opened
          title="Delete this user?"
          confirmLabel="Delete user"
          color="red.9"
          loading={remove.isPending}
          onConfirm={confirmDelete}
          onClose={() => setDeleting(null)}
        >
          {deleting.email} is signed out at once and their account is removed. This cannot be undone.
        </ConfirmDialog>
      )}
    </PageFrame>
  );
}
