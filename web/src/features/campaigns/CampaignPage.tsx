import { Alert, Anchor, Button, Paper, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useState, type ReactNode } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { describeError } from '../../api/errors';
import { useSession } from '../../api/useSession';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorState } from '../../components/ErrorState';
import { LoadingState } from '../../components/LoadingState';
import { PageFrame } from '../../components/PageFrame';
import { LiveProgress } from '../progress/LiveProgress';
import { formatTime } from './dates';
import { HistoryPanel } from './HistoryPanel';
import { useCampaign, useCampaignAction, useDeleteCampaign, usePreview } from './hooks';
import { PreviewPanel } from './PreviewPanel';
import { StatsPanel } from './StatsPanel';
import { StatusBadge } from './StatusBadge';
import { TestSendButton } from './TestSendButton';
import { DELIVERING, EDITABLE, TYPE_LABEL, type Campaign } from './types';
import { FactList } from '../../components/FactList';

type Confirm = 'delete' | 'pause' | 'resume' | 'cancel' | null;

const CONFIRM: Record<Exclude<Confirm, null>, { title: string; body: string; label: string; color: string }> = {
  delete: { title: 'Delete this campaign?', body: 'The campaign and its content are removed. This cannot be undone.', label: 'Delete campaign', color: 'red.9' },
  pause: { title: 'Pause sending?', body: 'Messages stop within about a second; those already on their way finish. You can resume later.', label: 'Pause sending', color: 'grape.9' },
  resume: { title: 'Resume sending?', body: 'Sending continues with the recipients who have not received it yet.', label: 'Resume sending', color: 'blue' },
  cancel: { title: 'Cancel this campaign?', body: 'Nobody else will receive it: every pending recipient is skipped. This cannot be undone.', label: 'Cancel campaign', color: 'red.9' },
};

function Facts({ c }: { c: Campaign }) {
  const rows: [string, ReactNode][] = [
    ['Status', <StatusBadge status={c.status} />],
    ['Type', TYPE_LABEL[c.type]],
    ['Subject (template)', c.subject],
    ...(c.type === 'promotion' ? ([['Promo code', c.promo_code ?? '—']] as [string, ReactNode][]) : []),
    ['Starts', c.start_time ? formatTime(c.start_time) : 'When approved'],
    ['Ends', c.end_time ? formatTime(c.end_time) : 'No end'],
    ['Version', c.version],
    ['Last changed', formatTime(c.updated_at)],
  ];
  return (
    <Paper withBorder p="lg">
      <FactList cols={{ base: 1, xs: 2 }} facts={rows} />
    </Paper>
  );
}

export default function CampaignPage() {
  const id = Number(useParams().id);
  const session = useSession();
  const isAdmin = session.user?.role === 'admin';
  const campaign = useCampaign(id);
  const preview = usePreview(id, { enabled: campaign.isSuccess });
  const action = useCampaignAction(id);
  const remove = useDeleteCampaign(id);
  const navigate = useNavigate();
  const [confirm, setConfirm] = useState<Confirm>(null);

  if (campaign.isPending) return <LoadingState label="Loading the campaign" />;
  if (campaign.isError) return <ErrorState error={campaign.error} onRetry={() => campaign.refetch()} />;
  const c = campaign.data;

  const run = (name: 'submit' | 'pause' | 'resume' | 'cancel', done: string) =>
    action.mutate(name, {
      onSuccess: () => {
        setConfirm(null);
        notifications.show({ color: 'green', message: done });
      },
      onError: () => setConfirm(null),
    });

  const onConfirm = () => {
    if (confirm === 'delete') {
      remove.mutate(undefined, {
        onSuccess: () => {
          notifications.show({ color: 'green', message: 'The campaign was deleted.' });
          navigate('/campaigns', { replace: true });
        },
        onError: () => setConfirm(null),
      });
    } else if (confirm === 'pause') run('pause', 'Sending is paused.');
    else if (confirm === 'resume') run('resume', 'Sending resumed.');
    else if (confirm === 'cancel') run('cancel', 'The campaign was cancelled.');
  };

  const error = action.error ?? remove.error;
  const actions = (
    <>
      {EDITABLE.has(c.status) && (
        <Button component={Link} to={`/campaigns/${id}/edit`} variant="default">
          Edit
        </Button>
      )}
      {c.status === 'draft' && (
        <Button onClick={() => run('submit', 'Submitted for approval.')} loading={action.isPending && action.variables === 'submit'}>
          Submit for approval
        </Button>
      )}
      <TestSendButton campaign={c} />
      {isAdmin && c.status === 'pending_approval' && (
        <Button component={Link} to={`/approvals/${id}`}>
          Review
        </Button>
      )}
      {isAdmin && c.status === 'sending' && (
        <Button color="grape.9" onClick={() => setConfirm('pause')}>
          Pause
        </Button>
      )}
      {isAdmin && c.status === 'paused' && <Button onClick={() => setConfirm('resume')}>Resume</Button>}
      {isAdmin && (c.status === 'scheduled' || c.status === 'sending' || c.status === 'paused') && (
        <Button color="red.9" variant="outline" onClick={() => setConfirm('cancel')}>
          Cancel campaign
        </Button>
      )}
      {EDITABLE.has(c.status) && (
        <Button color="red.9" variant="outline" onClick={() => setConfirm('delete')}>
          Delete
        </Button>
      )}
    </>
  );

  return (
    <PageFrame title={c.title} actions={actions}>
      <Anchor component={Link} to="/campaigns" size="sm">
        ← All campaigns
      </Anchor>
      {error && (
        <Alert color="red" variant="light" role="alert" title="That did not work">
          {describeError(error)}
        </Alert>
      )}
      {c.rejection_reason && (c.status === 'rejected' || c.status === 'draft') && (
        <Alert color={c.status === 'rejected' ? 'red' : 'gray'} variant="light" title={c.status === 'rejected' ? 'Rejected' : 'Rejected earlier'}>
          <Text size="sm" style={{ whiteSpace: 'pre-wrap' }} data-testid="rejection-reason">
            {c.rejection_reason}
          </Text>
          {c.status === 'rejected' && (
            <Text size="sm" mt="xs">
              Edit the campaign and submit it again.
            </Text>
          )}
        </Alert>
      )}
      {c.status === 'pending_approval' && !isAdmin && (
        <Alert color="blue" variant="light">
          Waiting for an admin’s approval. Editing it returns it to draft.
        </Alert>
      )}
      <Facts c={c} />
      {DELIVERING.has(c.status) && <StatsPanel campaignId={id} />}
      {DELIVERING.has(c.status) && <LiveProgress campaignId={id} />}
      {DELIVERING.has(c.status) && (
        <Anchor component={Link} to={`/campaigns/${id}/deliveries`} fw={600}>
          Deliveries to each recipient →
        </Anchor>
      )}
      <Stack gap="md">
        <PreviewPanel query={preview} />
      </Stack>
      <HistoryPanel campaign={c} />
      {confirm && (
        <ConfirmDialog
          opened
          title={CONFIRM[confirm].title}
          confirmLabel={CONFIRM[confirm].label}
          color={CONFIRM[confirm].color}
          loading={action.isPending || remove.isPending}
          onConfirm={onConfirm}
          onClose={() => setConfirm(null)}
        >
          {CONFIRM[confirm].body}
        </ConfirmDialog>
      )}
    </PageFrame>
  );
}
