import { useEffect } from 'react';
import { Badge, Button, Card, Group, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import { useListParams } from '../../app/useListParams';
import { Empty } from '../../components/Empty';
import { ErrorState } from '../../components/ErrorState';
import { ListFooter } from '../../components/ListFooter';
import { LoadingState } from '../../components/LoadingState';
import { PageFrame } from '../../components/PageFrame';
import { formatTime } from '../campaigns/dates';
import { TYPE_LABEL } from '../campaigns/types';
import { useApprovalQueue } from './hooks';

const PER_PAGE = 20;

export default function ApprovalQueuePage() {
  const list = useListParams();
  const queue = useApprovalQueue({ page: list.page, perPage: PER_PAGE });
  const pages = list.pages(queue.data?.total, PER_PAGE);
  // Past the last page (its campaigns were just decided): show the last page there is.
  const { page, setPage } = list;
  useEffect(() => {
    if (queue.data && page > pages) setPage(pages);
  }, [queue.data, page, pages, setPage]);
  return (
    <PageFrame title="Approval queue" actions={queue.data && <Badge size="lg" variant="light">{queue.data.total} waiting</Badge>}>
      <Text size="sm" c="dimmed">
        Oldest first. Each campaign is sent only once you approve it.
      </Text>
      {queue.isPending && <LoadingState label="Loading the queue" />}
      {queue.isError && <ErrorState error={queue.error} onRetry={() => queue.refetch()} />}
      {queue.data && queue.data.data.length === 0 && <Empty title="Nothing waits for approval" description="New submissions appear here." />}
      {queue.data && queue.data.data.length > 0 && (
        <Stack gap="sm">
          <Stack gap="sm" component="ul" p={0} m={0} style={{ listStyle: 'none' }} aria-label="Campaigns waiting for approval">
            {queue.data.data.map((c) => (
              <Card key={c.id} withBorder component="li" padding="md">
                <Group justify="space-between" wrap="wrap" gap="sm">
                  <Stack gap={2} style={{ minWidth: 0, flex: 1 }}>
                    <Title order={2} size="h5" style={{ overflowWrap: 'anywhere' }}>
                      {c.title}
                    </Title>
                    <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
                      {c.subject}
                    </Text>
                    <Text size="sm" c="dimmed">
                      {TYPE_LABEL[c.type]} · submitted {formatTime(c.updated_at)} · starts {c.start_time ? formatTime(c.start_time) : 'when approved'}
                    </Text>
                  </Stack>
                  <Button component={Link} to={`/approvals/${c.id}`} aria-label={`Review ${c.title}`}>
                    Review
                  </Button>
                </Group>
              </Card>
            ))}
          </Stack>
          <ListFooter
            total={queue.data.total}
            one="campaign waiting"
            many="campaigns waiting"
            pages={pages}
            page={list.page}
            onPage={list.setPage}
          />
        </Stack>
      )}
    </PageFrame>
  );
}
