import { Anchor, Button, Group, Select, Stack, Table, TextInput } from '@mantine/core';
import { Link } from 'react-router';
import { useListParams } from '../../app/useListParams';
import { Empty } from '../../components/Empty';
import { ErrorState } from '../../components/ErrorState';
import { LoadingState } from '../../components/LoadingState';
import { PageFrame } from '../../components/PageFrame';
import { formatTime } from './dates';
import { useCampaigns } from './hooks';
import { StatusBadge } from './StatusBadge';
import { STATUSES, STATUS_LABEL, TYPES, TYPE_LABEL } from './types';
import { ListFooter } from '../../components/ListFooter';

const PER_PAGE = 20;

export default function CampaignListPage() {
  // Filters and page live in the address; the search box writes it 400 ms after the last keystroke.
  const { page, q, search, setSearch, oneOf, set, setPage, pages: pagesOf } = useListParams({ debounceMs: 400 });
  const status = oneOf('status', STATUSES);
  const type = oneOf('type', TYPES);
  const list = useCampaigns({ status, type, q, page, perPage: PER_PAGE });
  const pages = pagesOf(list.data?.total, PER_PAGE);
  const filtered = Boolean(status || type || q);

  return (
    <PageFrame
      title="Campaigns"
      actions={
        <Button component={Link} to="/campaigns/new">
          New campaign
        </Button>
      }
    >
      <Group gap="sm" align="flex-end" wrap="wrap">
        <TextInput
          type="search"
          label="Search titles"
          placeholder="Part of a title"
          value={search}
          onChange={(e) => setSearch(e.currentTarget.value)}
          maxLength={100}
          w={260}
        />
        <Select
          label="Status"
          placeholder="Any status"
          clearable
          data={STATUSES.map((s) => ({ value: s, label: STATUS_LABEL[s] }))}
          value={status ?? null}
          onChange={(v) => set('status', v)}
          clearButtonProps={{ 'aria-label': 'Clear the status filter' }}
          w={220}
        />
        <Select
          label="Type"
          placeholder="Any type"
          clearable
          data={[
            { value: 'promotion', label: 'Promotion' },
            { value: 'campaign', label: 'Campaign' },
          ]}
          value={type ?? null}
          onChange={(v) => set('type', v)}
          clearButtonProps={{ 'aria-label': 'Clear the type filter' }}
          w={180}
        />
      </Group>
      {list.isPending && <LoadingState label="Loading campaigns" />}
      {list.isError && <ErrorState error={list.error} onRetry={() => list.refetch()} />}
      {list.data && list.data.data.length === 0 && (
        <Empty
          title={filtered ? (q ? `No campaign title contains “${q}”` : 'No campaign matches these filters') : 'No campaigns yet'}
          description={filtered ? 'Change the search or clear a filter to see more.' : 'Write your first campaign; an admin approves it before it is sent.'}
          action={
            !filtered && (
              <Button component={Link} to="/campaigns/new">
                New campaign
              </Button>
            )
          }
        />
      )}
      {list.data && list.data.data.length > 0 && (
        <Stack gap="sm">
          <Table.ScrollContainer minWidth={560}>
            <Table striped highlightOnHover verticalSpacing="sm" aria-label="Campaigns">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Title</Table.Th>
                  <Table.Th>Type</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>Last changed</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.data.data.map((c) => (
                  <Table.Tr key={c.id}>
                    <Table.Td>
                      <Anchor component={Link} to={`/campaigns/${c.id}`} fw={600}>
                        {c.title}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>{TYPE_LABEL[c.type]}</Table.Td>
                    <Table.Td>{c.status && <StatusBadge status={c.status} />}</Table.Td>
                    <Table.Td>{formatTime(c.updated_at)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <ListFooter total={list.data.total} one="campaign" many="campaigns" pages={pages} page={page} onPage={setPage} />
        </Stack>
      )}
    </PageFrame>
  );
}
