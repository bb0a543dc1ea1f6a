import { Anchor, Code, Group, Select, Stack, Table, Text } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import { useListParams } from '../../app/useListParams';
import type { Role } from '../../api/session';
import { Empty } from '../../components/Empty';
import { ErrorState } from '../../components/ErrorState';
import { LoadingState } from '../../components/LoadingState';
import { PageFrame } from '../../components/PageFrame';
import { formatTime } from '../campaigns/dates';
import { ROLE_ID, ROLE_LABEL, useUser, useUsers } from '../users/hooks';
import { ACTION_LABEL, useAudit, type AuditEntry } from './hooks';
import { ListFooter } from '../../components/ListFooter';

const PER_PAGE = 25;
const ROLE_BY_ID = Object.fromEntries(Object.entries(ROLE_ID).map(([role, id]) => [id, ROLE_LABEL[role as Role]])) as Record<number, string>;

/** Who did it: their email (resolved through the users API), or what is known when that is gone. */
function Actor({ id, onPick }: { id: number | null; onPick: (id: number) => void }) {
  const user = useUser(id);
  if (id === null) return <Text size="sm">The service</Text>;
  const name = user.data ? user.data.email : user.data === null ? `Deleted user #${id}` : `User #${id}`;
  return (
    <Anchor component="button" type="button" size="sm" onClick={() => onPick(id)} aria-label={`Show only actions by ${name}`} style={{ overflowWrap: 'anywhere', textAlign: 'left' }}>
      {name}
    </Anchor>
  );
}

function TargetUser({ id }: { id: number }) {
  const user = useUser(id);
  return <>{user.data ? `User ${user.data.email}` : user.data === null ? `Deleted user #${id}` : `User #${id}`}</>;
}

function Target({ e }: { e: AuditEntry }) {
  if (e.target_id === null) return <>—</>;
  if (e.target_type === 'campaign') {
    return (
      <Anchor component={Link} to={`/campaigns/${e.target_id}`} size="sm">
        Campaign #{e.target_id}
      </Anchor>
    );
  }
  // A deleted user's own entry keeps their email in its details.
  if (e.target_type === 'user') return <TargetUser id={e.target_id} />;
  return (
    <>
      {e.target_type} #{e.target_id}
    </>
  );
}

const KEY_LABEL: Record<string, string> = { role_id: 'role', from: 'from', to: 'to', last_error: 'server reply' };

function value(key: string, v: unknown, action: string): ReactNode {
  // Role ids read as role names.
  if (action.startsWith('user.') && (key === 'role_id' || key === 'from' || key === 'to') && typeof v === 'number') return ROLE_BY_ID[v] ?? String(v);
  if (Array.isArray(v)) return v.map(String).join(', ');
  if (v !== null && typeof v === 'object') return <Code>{JSON.stringify(v)}</Code>;
  return String(v);
}

/** An entry's details as "key: value" lines. */
function Details({ e }: { e: AuditEntry }) {
  const pairs = Object.entries(e.details ?? {});
  if (pairs.length === 0) return <>—</>;
  return (
    <Stack gap={2} component="dl" m={0}>
      {pairs.map(([k, v]) => (
        <Text key={k} size="sm" component="div" style={{ overflowWrap: 'anywhere' }}>
          <Text span fw={600} component="dt" display="inline">
            {(KEY_LABEL[k] ?? k.replace(/_/g, ' '))}:
          </Text>{' '}
          <Text span component="dd" display="inline" m={0}>
            {value(k, v, e.action)}
          </Text>
        </Text>
      ))}
    </Stack>
  );
}

/** Picks a person by typing part of their email or name. */
function ActorFilter({ actorId, onChange }: { actorId: number | undefined; onChange: (id: string | null) => void }) {
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search.trim(), 250);
  const current = useUser(actorId ?? null);
  const found = useUsers({ q: q || undefined, page: 1, perPage: 20 });
  const options = new Map<string, string>();
  if (actorId !== undefined) options.set(String(actorId), current.data?.email ?? `User #${actorId}`);
  for (const u of found.data?.data ?? []) options.set(String(u.id), u.email);
  return (
    <Select
      label="Actor"
      placeholder="Anyone"
      searchable
      clearable
      nothingFoundMessage={found.isFetching ? 'Searching…' : 'Nobody matches'}
      data={[...options].map(([value, label]) => ({ value, label }))}
      value={actorId !== undefined ? String(actorId) : null}
      onChange={onChange}
      onSearchChange={setSearch}
      clearButtonProps={{ 'aria-label': 'Clear the actor filter', 'aria-hidden': false, tabIndex: 0 }}
      w={280}
    />
  );
}

export default function AuditPage() {
  const { page, get, set, setPage, pages: pagesOf } = useListParams();
  const action = get('action');
  const actorId = Number(get('actor')) || undefined;
  const log = useAudit({ action, actorId, page, perPage: PER_PAGE });
  const pages = pagesOf(log.data?.total, PER_PAGE);
  const filtered = Boolean(action || actorId);

  return (
    <PageFrame title="Audit log">
      <Group gap="sm" align="flex-end" wrap="wrap">
        <Select
          label="Action"
          placeholder="Any action"
          clearable
          searchable
          data={[
            { group: 'Campaigns', items: Object.keys(ACTION_LABEL).filter((a) => a.startsWith('campaign.')).map((a) => ({ value: a, label: ACTION_LABEL[a]! })) },
            { group: 'Users', items: Object.keys(ACTION_LABEL).filter((a) => a.startsWith('user.')).map((a) => ({ value: a, label: ACTION_LABEL[a]! })) },
            { group: 'Suppression list', items: Object.keys(ACTION_LABEL).filter((a) => a.startsWith('suppression.')).map((a) => ({ value: a, label: ACTION_LABEL[a]! })) },
          ]}
          value={action ?? null}
          onChange={(v) => set('action', v)}
          clearButtonProps={{ 'aria-label': 'Clear the action filter', 'aria-hidden': false, tabIndex: 0 }}
          w={260}
        />
        <ActorFilter actorId={actorId} onChange={(v) => set('actor', v)} />
      </Group>
      {log.isPending && <LoadingState label="Loading the audit log" />}
      {log.isError && <ErrorState error={log.error} onRetry={() => log.refetch()} />}
      {log.data && log.data.data.length === 0 && (
        <Empty title={filtered ? 'No entry matches these filters' : 'Nothing recorded yet'} description={filtered ? 'Clear a filter to see more.' : 'Approvals, rejections, sending controls and account changes appear here.'} />
      )}
      {log.data && log.data.data.length > 0 && (
        <Stack gap="sm">
          <Table.ScrollContainer minWidth={760}>
            <Table striped verticalSpacing="sm" aria-label="Audit log">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>When</Table.Th>
                  <Table.Th>Action</Table.Th>
                  <Table.Th>Who</Table.Th>
                  <Table.Th>On</Table.Th>
                  <Table.Th>Details</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {log.data.data.map((e) => (
                  <Table.Tr key={e.id}>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatTime(e.created_at)}</Table.Td>
                    <Table.Td>
                      <Text size="sm" fw={600}>
                        {ACTION_LABEL[e.action] ?? e.action}
                      </Text>
                      <Text size="xs" c="dimmed">
                        {e.action}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Actor id={e.actor_id} onPick={(id) => set('actor', String(id))} />
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" component="div" style={{ overflowWrap: 'anywhere' }}>
                        <Target e={e} />
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Details e={e} />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <ListFooter total={log.data.total} one="entry" many="entries" pages={pages} page={page} onPage={setPage} />
        </Stack>
      )}
    </PageFrame>
  );
}
