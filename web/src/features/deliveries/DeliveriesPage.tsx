import { Anchor, Badge, Group, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import { Link, useParams } from 'react-router';
import { useListParams } from '../../app/useListParams';
import { Empty } from '../../components/Empty';
import { ErrorState } from '../../components/ErrorState';
import { LoadingState } from '../../components/LoadingState';
import { PageFrame } from '../../components/PageFrame';
import { formatTime } from '../campaigns/dates';
import { useCampaign } from '../campaigns/hooks';
import { DELIVERY_LABEL, DELIVERY_STATUSES, useDeliveries, type DeliveryStatus } from './hooks';
import { ListFooter } from '../../components/ListFooter';

const PER_PAGE = 25;
const COLOR: Record<DeliveryStatus, string> = {
  pending: 'blue.9',
  sent: 'teal.9',
  failed: 'red.9',
  skipped: 'gray.7',
  bounced: 'orange.9',
  complained: 'grape.9',
};
const LIVE = new Set(['scheduled', 'sending', 'paused']);

export default function DeliveriesPage() {
  const id = Number(useParams().id);
  const campaign = useCampaign(id);
  const { page, q, search, setSearch, oneOf, set, setPage, pages: pagesOf } = useListParams();
  const status = oneOf<DeliveryStatus>('status', DELIVERY_STATUSES);
  const list = useDeliveries(id, { status, q: q || undefined, page, perPage: PER_PAGE }, { live: campaign.data ? LIVE.has(campaign.data.status) : false });
  const pages = pagesOf(list.data?.total, PER_PAGE);
  const filtered = Boolean(status || q);
  const title = campaign.data ? `Deliveries: ${campaign.data.title}` : 'Deliveries';

  return (
    <PageFrame title={title}>
      <Anchor component={Link} to={`/campaigns/${id}`} size="sm">
        ← Back to the campaign
      </Anchor>
      <Group gap="sm" align="flex-end" wrap="wrap">
        <Select
          label="Status"
          placeholder="Any status"
          clearable
          data={DELIVERY_STATUSES.map((s) => ({ value: s, label: DELIVERY_LABEL[s] }))}
          value={status ?? null}
          onChange={(v) => set('status', v)}
          clearButtonProps={{ 'aria-label': 'Clear the status filter', 'aria-hidden': false, tabIndex: 0 }}
          w={200}
        />
        <TextInput label="Address" description="Part of the recipient’s email" placeholder="ada@example.com" type="search" value={search} onChange={(e) => setSearch(e.currentTarget.value)} w={280} />
      </Group>
      {(list.isPending || campaign.isPending) && !list.isError && <LoadingState label="Loading the deliveries" />}
      {list.isError && <ErrorState error={list.error} onRetry={() => list.refetch()} />}
      {list.data && list.data.data.length === 0 && (
        <Empty
          title={filtered ? 'No recipient matches these filters' : 'No recipients yet'}
          description={filtered ? 'Change the search or clear the status filter.' : 'Recipients appear here once the campaign is approved and sending begins.'}
        />
      )}
      {list.data && list.data.data.length > 0 && (
        <Stack gap="sm">
          <Table.ScrollContainer minWidth={720}>
            <Table striped verticalSpacing="sm" aria-label="Deliveries">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Recipient</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>Attempts</Table.Th>
                  <Table.Th>Sent</Table.Th>
                  <Table.Th>Server’s reply</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.data.data.map((d) => (
                  <Table.Tr key={d.user_id}>
                    <Table.Td style={{ overflowWrap: 'anywhere' }}>{d.email}</Table.Td>
                    <Table.Td>
                      {/* White on orange 9 is 4.3:1, black 4.9:1. */}
                      <Badge color={COLOR[d.status]} variant="filled" c={d.status === 'bounced' ? 'black' : undefined}>
                        {DELIVERY_LABEL[d.status]}
                      </Badge>
                    </Table.Td>
                    <Table.Td>{d.attempts}</Table.Td>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatTime(d.sent_at)}</Table.Td>
                    <Table.Td>
                      {d.last_error ? (
                        <Text size="sm" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
                          {d.last_error}
                        </Text>
                      ) : (
                        '—'
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <ListFooter total={list.data.total} one="recipient" many="recipients" pages={pages} page={page} onPage={setPage} />
        </Stack>
      )}
    </PageFrame>
  );
}
