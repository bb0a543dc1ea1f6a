import { Alert, Anchor, Button, Group, Modal, Paper, Stack, Text, Textarea, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError, describeError, fieldErrors } from '../../api/errors';
import { ErrorState } from '../../components/ErrorState';
import { LoadingState } from '../../components/LoadingState';
import { PageFrame } from '../../components/PageFrame';
import { formatTime } from '../campaigns/dates';
import { PreviewView } from '../campaigns/PreviewPanel';
import { StatusBadge } from '../campaigns/StatusBadge';
import { TYPE_LABEL, type Campaign } from '../campaigns/types';
import { useApprove, useAudience, useReject, useReloadReview, useReview } from './hooks';
import { FactList } from '../../components/FactList';

const WIDTHS = [{ label: 'Desktop' }, { label: 'Phone (375 px)', width: 375 }];

/** The audience estimate, in words: how many customers the campaign would reach if sent now. */
function AudienceEstimate({ id }: { id: number }) {
  const audience = useAudience(id);
  if (audience.isPending) return <>Counting the customers…</>;
  if (audience.isError) return <>Could not be counted: {describeError(audience.error)}</>;
  const n = audience.data;
  return <span data-testid="audience-estimate">{n === 0 ? 'Would reach nobody now: no customer can receive it' : `Will reach about ${n.toLocaleString()} ${n === 1 ? 'customer' : 'customers'} now`}</span>;
}

const isStale = (err: unknown) => err instanceof ApiError && err.code === 'STALE_VERSION';

function RejectDialog({ campaign, onClose }: { campaign: Campaign; onClose: () => void }) {
  const reject = useReject(campaign.id);
  const navigate = useNavigate();
  const form = useForm({
    initialValues: { reason: '' },
    validate: { reason: (v) => (v.trim() ? null : 'Say why, so the author can fix it') },
  });
  const submit = form.onSubmit(({ reason }) =>
    reject.mutate(
      { version: campaign.version, reason: reason.trim() },
      {
        onSuccess: () => {
          notifications.show({ color: 'green', message: `“${campaign.title}” was rejected; its author sees your reason.` });
          navigate('/approvals');
        },
        onError: (err) => form.setErrors(fieldErrors(err)),
      },
    ),
  );
  return (
    <Modal opened onClose={onClose} title="Reject this campaign" centered>
      <form onSubmit={submit} noValidate>
        <Stack>
          <Textarea label="Reason" description="The author reads this" required autosize minRows={3} data-autofocus {...form.getInputProps('reason')} />
          {reject.error && (
            <Alert color="red" variant="light" role="alert">
              {describeError(reject.error)}
              {isStale(reject.error) && ' Nothing was rejected: close this and reload the campaign.'}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Back to the review
            </Button>
            <Button type="submit" color="red.9" loading={reject.isPending}>
              Reject
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

export default function ReviewPage() {
  const id = Number(useParams().id);
  const { campaign, preview } = useReview(id);
  const approve = useApprove(id);
  const reload = useReloadReview(id);
  const navigate = useNavigate();
  const [rejecting, setRejecting] = useState(false);

  if (campaign.isPending) return <LoadingState label="Loading the campaign" />;
  if (campaign.isError) return <ErrorState error={campaign.error} onRetry={() => campaign.refetch()} />;
  const c = campaign.data;
  const waiting = c.status === 'pending_approval';

  const onApprove = () =>
    approve.mutate(
      { version: c.version },
      {
        onSuccess: (done) => {
          notifications.show({ color: 'green', message: `“${done.title}” was approved.` });
          navigate(`/campaigns/${id}`);
        },
      },
    );

  const onReload = async () => {
    approve.reset();
    await reload();
  };

  return (
    <PageFrame title={`Review: ${c.title}`}>
      <Anchor component={Link} to="/approvals" size="sm">
        ← Approval queue
      </Anchor>
      {approve.error &&
        (isStale(approve.error) ? (
          <Alert color="red" variant="light" role="alert" title="This campaign changed since you opened it">
            <Text size="sm">Nothing was approved. Reload it to review the current version.</Text>
            <Button mt="sm" size="xs" onClick={onReload}>
              Reload the campaign
            </Button>
          </Alert>
        ) : (
          <Alert color="red" variant="light" role="alert" title="It was not approved">
            {describeError(approve.error)}
          </Alert>
        ))}
      {!waiting && (
        <Alert color="blue" variant="light" title="Not waiting for approval">
          Its status is now <StatusBadge status={c.status} />.{' '}
          <Anchor component={Link} to={`/campaigns/${id}`}>
            Open the campaign
          </Anchor>
        </Alert>
      )}
      <Paper withBorder p="lg">
        <FactList
          cols={{ base: 1, sm: 3 }}
          facts={[
            ['Subject (template)', c.subject],
            ['Starts', c.start_time ? formatTime(c.start_time) : 'As soon as it is approved'],
            ['Ends', c.end_time ? formatTime(c.end_time) : 'No end'],
            ['Audience', <AudienceEstimate id={id} />],
            ['Type', TYPE_LABEL[c.type]],
            ['Promo code', c.type === 'promotion' ? (c.promo_code ?? '—') : 'None'],
            ['Version', `${c.version} · changed ${formatTime(c.updated_at)}`],
          ]}
        />
      </Paper>
      {waiting && (
        <Group>
          <Button onClick={onApprove} loading={approve.isPending} disabled={isStale(approve.error)}>
            Approve
          </Button>
          <Button color="red.9" variant="outline" onClick={() => setRejecting(true)} disabled={isStale(approve.error)}>
            Reject…
          </Button>
        </Group>
      )}
      <Paper withBorder p="lg">
        <Stack gap="sm">
          <Title order={2} size="h4">
            The message as sent
          </Title>
          {preview.isPending && <LoadingState label="Rendering the message" />}
          {preview.isError && <ErrorState error={preview.error} title="The message could not be rendered" onRetry={() => preview.refetch()} />}
          {preview.data && <PreviewView preview={preview.data} widths={WIDTHS} />}
        </Stack>
      </Paper>
      {rejecting && <RejectDialog campaign={c} onClose={() => setRejecting(false)} />}
    </PageFrame>
  );
}
