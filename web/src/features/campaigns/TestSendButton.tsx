import { Button } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { ApiError, describeError } from '../../api/errors';
import { useSession } from '../../api/useSession';
import { useTestSend } from './hooks';
import type { Campaign } from './types';

const TESTABLE: ReadonlySet<Campaign['status']> = new Set(['draft', 'pending_approval', 'rejected', 'scheduled', 'sending', 'paused']);

/** "Send a test": the campaign to the caller's own address, subject prefixed [Test]. */
export function TestSendButton({ campaign }: { campaign: Campaign }) {
  const session = useSession();
  const send = useTestSend(campaign.id);
  const email = session.user?.email;
  if (!email || !TESTABLE.has(campaign.status)) return null;
  const onClick = () =>
    send.mutate([email], {
      onSuccess: () =>
        notifications.show({ color: 'green', title: 'Test on its way', message: `A test was sent to ${email}; its subject starts with “[Test]”.` }),
      onError: (err) =>
        notifications.show({
          color: 'red',
          title: 'The test was not sent',
          message:
            err instanceof ApiError && err.code === 'RATE_LIMITED'
              ? `You have sent as many tests as allowed for this hour.${err.retryAfterSec !== undefined ? ` ${describeError(err).replace(/^Too many attempts\. /, '')}` : ''}`
              : describeError(err),
        }),
    });
  return (
    <Button variant="default" onClick={onClick} loading={send.isPending}>
      Send a test
    </Button>
  );
}
