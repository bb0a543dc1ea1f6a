import { Badge, Button, Card, Group, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import { Empty } from '../../components/Empty';
import { ErrorState } from '../../components/ErrorState';
import { LoadingState } from '../../components/LoadingState';
import { PageFrame } from '../../components/PageFrame';
import { formatTime } from '../campaigns/dates';
import { TYPE_LABEL } from '../campaigns/types';
import { useApprovalQueue } from './hooks';

export default function ApprovalQueuePage() {
  const queue = useApprovalQueue();
  return (
    <PageFrame title="Approval queue" actions={queue.data && <Badge size="lg" variant="light">{queue.data.total} waiting</Badge>}>
      <Text size="sm" c="dimmed">
        Oldest first. Each campaign is sent only once you approve it.
      </Text>
      {queue.isPending && <LoadingState label="Loading the queue" />}
      {queue.isError && <ErrorState error={queue.error} onRetry={() => queue.refetch()} />}
      {queue.data && queue.data.items.length === 0 && <Empty title="Nothing waits for approval" description="New submissions appear here." />}
      {queue.data && queue.data.items.length > 0 && (
        <Stack gap="sm" component="ul" p={0} m={0} style={{ listStyle: 'none' }} aria-label="Campaigns waiting for approval">
          {queue.data.items.map((c) => (
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
      )}
    </PageFrame>
  );
}
