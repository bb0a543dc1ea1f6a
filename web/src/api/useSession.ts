import { useSyncExternalStore } from 'react';
import { getSession, subscribe, type SessionState } from './session';

/** The current session; re-renders on sign-in, sign-out and expiry. */
export function useSession(): SessionState {
  return useSyncExternalStore(subscribe, getSession);
}
