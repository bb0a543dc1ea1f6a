import { Group, Paper, Progress, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { ErrorState } from '../../components/ErrorState';
import { LoadingState } from '../../components/LoadingState';
import { formatTime } from './dates';
import { useStats } from './hooks';
import { STATUS_LABEL, type Stats } from './types';

// The bar's parts, in the order they fill it. The filled colours are each at least 4:1 on white, and a
// white gap separates neighbours; the legend below gives every number in words.
const PARTS = [
  { key: 'sent', label: 'Sent', color: 'green.9' },
  { key: 'failed', label: 'Failed', color: 'red.9' },
  { key: 'skipped', label: 'Skipped', color: 'gray.7' },
  { key: 'bounced', label: 'Bounced', color: 'orange.9' },
  { key: 'complained', label: 'Complained', color: 'grape.9' },
  { key: 'pending', label: 'Pending', color: 'blue.2' },
] as const;

function Bar({ stats }: { stats: Stats }) {
  const total = Math.max(stats.recipients, 1);
  return (
    <Progress.Root size={22} aria-label="Delivery progress">
      {PARTS.map((p) =>
        stats[p.key] > 0 ? (
          <Progress.Section
            key={p.key}
            value={(stats[p.key] / total) * 100}
            color={p.color}
            style={{ borderRight: '2px solid var(--mantine-color-white)' }}
            aria-label={`${p.label}: ${stats[p.key]} of ${stats.recipients}`}
          />
        ) : null,
      )}
    </Progress.Root>
  );
}

/** Delivery counts with a progress bar; refreshed every 2 s while the campaign sends. */
export function StatsPanel({ campaignId }: { campaignId: number }) {
  const stats = useStats(campaignId);
  return (
    <Paper withBorder p="lg">
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={2} size="h4">
            Delivery
          </Title>
          {stats.data && (
            <Text size="sm" aria-live="polite">
              {STATUS_LABEL[stats.data.status]}
              {stats.data.status === 'sending' || stats.data.status === 'scheduled' ? ' · updating every 2 seconds' : ''}
            </Text>
          )}
        </Group>
        {stats.isPending && <LoadingState label="Loading the delivery counts" />}
        {stats.isError && <ErrorState error={stats.error} onRetry={() => stats.refetch()} />}
        {stats.data && (
          <>
            <Bar stats={stats.data} />
            <SimpleGrid cols={{ base: 2, xs: 4, md: 7 }} spacing="xs" component="dl" m={0} aria-label="Delivery counts">
              {[{ key: 'recipients', label: 'Recipients', color: 'dark.9' } as const, ...PARTS].map((p) => (
                <div key={p.key}>
                  <Text component="dt" size="sm" c="dimmed">
                    <span
                      aria-hidden
                      style={{
                        display: 'inline-block',
                        width: 10,
                        height: 10,
                        borderRadius: 2,
                        marginRight: 6,
                        background: `var(--mantine-color-${p.color.replace('.', '-')})`,
                      }}
                    />
                    {p.label}
                  </Text>
                  <Text component="dd" m={0} fw={700} size="lg" data-testid={`count-${p.key}`}>
                    {stats.data[p.key]}
                  </Text>
                </div>
              ))}
            </SimpleGrid>
            <Text size="sm" c="dimmed">
              Started {formatTime(stats.data.started_at)} · finished {formatTime(stats.data.completed_at)}
            </Text>
          </>
        )}
      </Stack>
    </Paper>
  );
}
