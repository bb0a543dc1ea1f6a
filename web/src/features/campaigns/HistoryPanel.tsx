import { Blockquote, Paper, Stack, Text, Timeline, Title } from '@mantine/core';
import { useSession } from '../../api/useSession';
import { ErrorState } from '../../components/ErrorState';
import { LoadingState } from '../../components/LoadingState';
import { formatTime } from './dates';
import { useHistory } from './hooks';
import type { Campaign, HistoryEntry } from './types';

const ACTION: Record<string, string> = {
  'campaign.updated': 'Edited',
  'campaign.approved': 'Approved',
  'campaign.rejected': 'Rejected',
  'campaign.paused': 'Paused',
  'campaign.auto_paused': 'Paused automatically',
  'campaign.resumed': 'Resumed',
  'campaign.cancelled': 'Cancelled',
  'campaign.completed': 'Sending completed',
  'campaign.expired': 'Offer ended',
  'campaign.test_sent': 'Test sent',
};
/** The API's field names as the form labels them. */
const FIELD_LABEL: Record<string, string> = {
  type: 'type',
  title: 'title',
  description: 'description',
  remarks: 'remarks',
  subject: 'subject',
  body_html: 'HTML body',
  body_text: 'text body',
  promo_code: 'promo code',
  start_time: 'start',
  end_time: 'end',
};
const COLOR: Record<string, string> = { 'campaign.rejected': 'red.9', 'campaign.approved': 'teal.9', 'campaign.test_sent': 'blue.8' };

const percent = (x: unknown) => (typeof x === 'number' ? `${(x * 100).toLocaleString(undefined, { maximumFractionDigits: 2 })}%` : '?');

/** Why the service paused a campaign on its own, in words, from the audit entry's figures. */
function autoPauseReason(d: Record<string, unknown>): string {
  const of = typeof d.delivered === 'number' ? ` of ${d.delivered.toLocaleString()} messages that went out` : '';
  if (d.reason === 'bounces') return `Too many bounces: ${percent(d.ratio)}${of} bounced (the limit is ${percent(d.threshold)}).`;
  if (d.reason === 'complaints') return `Too many spam complaints: ${percent(d.ratio)}${of} were reported as spam (the limit is ${percent(d.threshold)}).`;
  return 'Paused by the service.';
}

function Entry({ e, me }: { e: HistoryEntry; me?: number }) {
  const d = e.details ?? {};
  // Only the author and admins act on a campaign: anyone else here is an admin.
  const who = e.actor_id === null ? 'by the service' : e.actor_id === me ? 'by you' : `by an admin (user #${e.actor_id})`;
  return (
    <>
      <Text size="sm">
        {formatTime(e.created_at)} · {who}
        {typeof d.version === 'number' ? ` · version ${d.version}` : ''}
      </Text>
      {e.action === 'campaign.auto_paused' && <Text size="sm">{autoPauseReason(d)}</Text>}
      {typeof d.reason === 'string' && e.action === 'campaign.rejected' && (
        <Blockquote color="red.9" p="xs" mt={4} fz="sm" style={{ whiteSpace: 'pre-wrap' }}>
          {d.reason}
        </Blockquote>
      )}
      {Array.isArray(d.emails) && <Text size="sm">To {d.emails.join(', ')}</Text>}
      {e.action === 'campaign.updated' && Array.isArray(d.fields) && (
        <Text size="sm">{d.fields.length ? `Changed: ${d.fields.map((f) => FIELD_LABEL[String(f)] ?? String(f)).join(', ')}` : 'Saved without changes'}</Text>
      )}
    </>
  );
}

/** What happened to the campaign (from the audit log): each edit, decisions with their reasons, test sends; and its creation. */
export function HistoryPanel({ campaign }: { campaign: Campaign }) {
  const history = useHistory(campaign.id);
  const session = useSession();
  const me = session.user?.id;
  return (
    <Paper withBorder p="lg" component="section" aria-labelledby="history-heading">
      <Stack gap="sm">
        <Title order={2} size="h4" id="history-heading">
          History
        </Title>
        {history.isPending && <LoadingState label="Loading the history" />}
        {history.isError && <ErrorState error={history.error} onRetry={() => history.refetch()} />}
        {history.data && (
          <Timeline bulletSize={14} lineWidth={2} active={history.data.data.length + 2}>
            {/* Edits made before edits were audited show as the last one. */}
            {campaign.version > 1 && !history.data.data.some((e) => e.action === 'campaign.updated') && (
              <Timeline.Item title={`Last edited (now version ${campaign.version})`} color="gray.7">
                <Text size="sm">{formatTime(campaign.updated_at)}</Text>
              </Timeline.Item>
            )}
            {history.data.data.map((e) => (
              <Timeline.Item key={e.id} title={ACTION[e.action] ?? e.action} color={COLOR[e.action] ?? 'gray.7'}>
                <Entry e={e} me={me} />
              </Timeline.Item>
            ))}
            <Timeline.Item title="Created" color="gray.7">
              <Text size="sm">
                {formatTime(campaign.created_at)}
                {campaign.created_by === me ? ' · by you' : ''}
              </Text>
            </Timeline.Item>
          </Timeline>
        )}
        {history.data && history.data.total > history.data.data.length && (
          <Text size="sm">The latest {history.data.data.length} of {history.data.total} entries.</Text>
        )}
      </Stack>
    </Paper>
  );
}
