import { QueryClient } from '@tanstack/react-query';
import { ApiError } from '../api/errors';
import { subscribe, getSession } from '../api/session';

/**
 * Server state. Data is refetched whenever a page mounts (others change campaigns too); client
 * errors (4xx) are not retried: they will not change by asking again.
 */
export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      retry: (failures, err) => failures < 2 && !(err instanceof ApiError && err.status >= 400 && err.status < 500),
    },
    mutations: { retry: false },
  },
});

// Nothing one user loaded stays in memory for the next one.
let lastUserId: number | null = null;
subscribe(() => {
  const s = getSession();
  const id = s.status === 'signed-in' ? s.user.id : null;
  if (id !== lastUserId) queryClient.clear();
  lastUserId = id;
});
