import { Loader, NavLink } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { describeError } from '../../api/errors';

/** The navigation entry to bull-board: asks the API for the dashboard's cookie, then loads /admin/queues as a whole page. */
export function QueueDashboardLink() {
  const open = useMutation({
    mutationFn: () => unwrap(api.POST('/v1/auth/queue-dashboard')),
    // A navigation carries no bearer token: the HttpOnly cookie just set opens the page.
    onSuccess: () => window.location.assign('/admin/queues'),
    onError: (err) => notifications.show({ color: 'red', title: 'The queue dashboard could not be opened', message: describeError(err) }),
  });
  return (
    <NavLink
      component="button"
      type="button"
      label="Queue dashboard"
      description="Opens bull-board"
      onClick={() => open.mutate()}
      disabled={open.isPending}
      rightSection={open.isPending ? <Loader size="xs" aria-label="Opening" /> : undefined}
    />
  );
}
