import { Alert, Anchor, Button, Group, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useState } from 'react';
import { Link } from 'react-router';
import { useListParams } from '../../app/useListParams';
import { describeError } from '../../api/errors';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { Empty } from '../../components/Empty';
import { ErrorState } from '../../components/ErrorState';
import { ListFooter } from '../../components/ListFooter';
import { LoadingState } from '../../components/LoadingState';
import { PageFrame } from '../../components/PageFrame';
import { formatTime } from '../campaigns/dates';
import { AddSuppressionDialog } from './AddSuppressionDialog';
import { REASONS, REASON_LABEL, REASON_SHORT, SOURCE_LABEL, useRemoveSuppression, useSuppressions, type Suppression, type SuppressionReason } from './hooks';

const PER_PAGE = 20;

/** The campaign an entry came from, by its title. */
function CampaignLink({ id, title }: { id: number; title: string | null }) {
  return (
    <Anchor component={Link} to={`/campaigns/${id}`} size="sm" style={{ overflowWrap: 'anywhere' }}>
      {title ?? `Campaign ${id}`}
    </Anchor>
  );
}

export default function SuppressionsPage() {
  const remove = useRemoveSuppression();
  // Search, filter and page live in the address; a refusal belongs to the list it was shown with.
  const { page, q, search, setSearch, oneOf, set, setPage, pages: pagesOf } = useListParams({ onChange: () => remove.reset() });
  const reason = oneOf<SuppressionReason>('reason', REASONS);
  const list = useSuppressions({ q: q || undefined, reason, page, perPage: PER_PAGE });
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<Suppression | null>(null);

  const confirmRemove = () => {
    if (!removing) return;
    const email = removing.email;
    remove.mutate(email, {
      onSuccess: () => notifications.show({ color: 'green', message: `${email} was removed from the list: campaigns are sent to it again.` }),
      onSettled: () => setRemoving(null),
    });
  };

  const pages = pagesOf(list.data?.total, PER_PAGE);
  const filtered = Boolean(q || reason);

  return (
    <PageFrame title="Suppressions" actions={<Button onClick={() => setAdding(true)}>Add address</Button>}>
      <Text size="sm">
        No campaign is sent to these addresses. A hard bounce, three soft bounces within 30 days or a spam complaint puts an address here; an admin can add
        or remove one.
      </Text>
      <Group gap="sm" align="flex-end" wrap="wrap">
        <TextInput
          label="Search"
          description="Part of an email address"
          placeholder="ada@example.com"
          type="search"
          value={search}
          maxLength={100}
          onChange={(e) => setSearch(e.currentTarget.value)}
          w={280}
        />
        <Select
          label="Reason"
          placeholder="Any reason"
          clearable
          data={REASONS.map((r) => ({ value: r, label: REASON_SHORT[r] }))}
          value={reason ?? null}
          onChange={(v) => set('reason', v)}
          clearButtonProps={{ 'aria-label': 'Clear the reason filter', 'aria-hidden': false, tabIndex: 0 }}
          w={220}
        />
      </Group>
      {remove.error && (
        <Alert color="red" variant="light" role="alert" title="That did not work" withCloseButton closeButtonLabel="Dismiss" onClose={() => remove.reset()}>
          {describeError(remove.error)}
        </Alert>
      )}
      {list.isPending && <LoadingState label="Loading the suppression list" />}
      {list.isError && <ErrorState error={list.error} onRetry={() => list.refetch()} />}
      {list.data && list.data.data.length === 0 && (
        <Empty
          title={filtered ? 'No suppressed address matches this search' : 'No suppressed addresses'}
          description={filtered ? 'Change the search or clear the reason filter.' : 'Campaigns go to every opted-in customer. Bounces and complaints will add addresses here.'}
        />
      )}
      {list.data && list.data.data.length > 0 && (
        <Stack gap="sm">
          <Table.ScrollContainer minWidth={900}>
            <Table striped verticalSpacing="sm" aria-label="Suppressed addresses">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Address</Table.Th>
                  <Table.Th>Reason</Table.Th>
                  <Table.Th>Reported by</Table.Th>
                  <Table.Th>Detail</Table.Th>
                  <Table.Th>Added</Table.Th>
                  <Table.Th>Campaign</Table.Th>
                  <Table.Th>Actions</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.data.data.map((s) => (
                  <Table.Tr key={s.email}>
                    <Table.Td style={{ overflowWrap: 'anywhere' }}>{s.email}</Table.Td>
                    <Table.Td>
                      <Text size="sm" fw={600} data-reason={s.reason}>
                        {REASON_LABEL[s.reason]}
                      </Text>
                    </Table.Td>
                    <Table.Td>{SOURCE_LABEL[s.source] ?? s.source}</Table.Td>
                    <Table.Td>
                      {s.detail ? (
                        <Text size="sm" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
                          {s.detail}
                        </Text>
                      ) : (
                        '—'
                      )}
                    </Table.Td>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatTime(s.created_at)}</Table.Td>
                    <Table.Td>{s.campaign_id ? <CampaignLink id={s.campaign_id} title={s.campaign_title} /> : '—'}</Table.Td>
                    <Table.Td>
                      <Button
                        size="xs"
                        color="red.9"
                        variant="outline"
                        aria-label={`Remove ${s.email}`}
                        disabled={remove.isPending && remove.variables === s.email}
                        onClick={() => {
                          remove.reset();
                          setRemoving(s);
                        }}
                      >
                        Remove
                      </Button>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <ListFooter total={list.data.total} one="address" many="addresses" pages={pages} page={page} onPage={setPage} />
        </Stack>
      )}
      <AddSuppressionDialog
        opened={adding}
        onClose={() => setAdding(false)}
        onAdded={(s) => {
          setAdding(false);
          notifications.show({ color: 'green', message: `${s.email} is on the list: no campaign is sent to it.` });
        }}
      />
      {removing && (
        <ConfirmDialog
          opened
          title="Remove this address from the list?"
          confirmLabel="Remove from the list"
          color="red.9"
          loading={remove.isPending}
          onConfirm={confirmRemove}
          onClose={() => setRemoving(null)}
        >
          {removing.email} will receive campaigns again (if its owner is opted in). If mail to it bounces or is reported as spam again, it comes back on the
          list.
        </ConfirmDialog>
      )}
    </PageFrame>
  );
}
