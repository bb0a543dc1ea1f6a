import { Switch, Text } from '@mantine/core';
import { describeError } from '../../api/errors';
import type { User } from '../../api/session';
import { useUpdateMe } from './hooks';

/** The opt-in to campaign email, saved as soon as it is switched. */
export function EmailPreference({ user }: { user: User }) {
  const update = useUpdateMe();
  const checked = update.isPending ? Boolean(update.variables?.email_opt_in) : user.email_opt_in;
  return (
    <>
      <Switch
        label="Email me campaigns and offers"
        description={checked ? 'You receive campaign emails.' : 'You receive no campaign emails.'}
        checked={checked}
        disabled={update.isPending}
        onChange={(e) => update.mutate({ email_opt_in: e.currentTarget.checked })}
      />
      {update.error && (
        <Text size="sm" c="red.9" role="alert">
          {describeError(update.error)}
        </Text>
      )}
    </>
  );
}
