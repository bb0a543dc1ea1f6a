import { Group, Paper, SimpleGrid, Stack, Table, Text, Title, VisuallyHidden } from '@mantine/core';
import { lazy, Suspense } from 'react';
import { ErrorState } from '../../components/ErrorState';
import { LoadingState } from '../../components/LoadingState';
import { ChartBoundary } from './ChartBoundary';
import { chartRows, SERIES, type ChartRow } from './chart';
import { useLiveStats, useTimeline } from './hooks';
import { averageRate, formatDuration, formatRate, secondsLeft } from './rate';

const TimelineChart = lazy(() => import('./TimelineChart'));

/** The chart's data as a table for screen readers, with a one-line summary. */
function TimelineTable({ rows }: { rows: ChartRow[] }) {
  return (
    <VisuallyHidden>
      <Table>
        <caption>Messages per minute</caption>
        <thead>
          <tr>
            <th scope="col">Minute</th>
            {SERIES.map((s) => (
              <th key={s.name} scope="col">
                {s.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.at}>
              <th scope="row">{r.label}</th>
              {SERIES.map((s) => (
                <td key={s.name}>{r[s.name]}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </Table>
    </VisuallyHidden>
  );
}

function Figure({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <div>
      <Text component="dt" size="sm" c="dimmed">
        {label}
      </Text>
      <Text component="dd" m={0} fw={700} size="lg" data-testid={testId}>
        {value}
      </Text>
    </div>
  );
}

/** Live progress of a campaign: messages a second, time left and a chart of messages over time, refreshed every 2 s while it sends. */
export function LiveProgress({ campaignId }: { campaignId: number }) {
  const { stats, rate } = useLiveStats(campaignId);
  const timeline = useTimeline(campaignId, stats.data?.status);
  const sending = stats.data?.status === 'sending';
  const left = sending && stats.data ? secondsLeft(stats.data.pending, rate) : undefined;
  const average = !sending && stats.data ? averageRate(stats.data) : undefined;
  const rows = timeline.data ? chartRows(timeline.data.buckets) : [];

  return (
    <Paper withBorder p="lg" component="section" aria-labelledby="progress-title">
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={2} size="h4" id="progress-title">
            Messages over time
          </Title>
        </Group>
        {sending && (
          <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="xs" component="dl" m={0} aria-label="Sending speed">
            <Figure label="Messages per second" value={rate === undefined ? 'Measuring…' : formatRate(rate)} testId="rate" />
            {left !== undefined && <Figure label="Time left" value={`About ${formatDuration(left)}`} testId="time-left" />}
          </SimpleGrid>
        )}
        {average !== undefined && (
          <dl style={{ margin: 0 }}>
            <Figure label="Average messages per second" value={formatRate(average)} testId="average-rate" />
          </dl>
        )}
        {timeline.isPending && <LoadingState label="Loading the timeline" />}
        {timeline.isError && <ErrorState error={timeline.error} title="The timeline could not be loaded" onRetry={() => timeline.refetch()} />}
        {timeline.data && rows.length === 0 && (
          <Text size="sm" c="dimmed">
            No message has been sent yet.
          </Text>
        )}
        {rows.length > 0 && (
          <>
            <Text size="sm" data-testid="timeline-summary">
              Over {rows.length} {rows.length === 1 ? 'minute' : 'minutes'}:{' '}
              {SERIES.map((s) => `${rows.reduce((n, r) => n + r[s.name], 0).toLocaleString()} ${s.label.toLowerCase()}`).join(', ')}.
            </Text>
            <ChartBoundary>
              <Suspense fallback={<LoadingState label="Drawing the chart" />}>
                <TimelineChart rows={rows} />
              </Suspense>
            </ChartBoundary>
            <TimelineTable rows={rows} />
          </>
        )}
      </Stack>
    </Paper>
  );
}
