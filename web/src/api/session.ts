// The browser session. The access token lives only in this module's memory, never in storage; the
// refresh token lives in an HttpOnly cookie (login with `cookie: true`) that script never sees and
// only /v1/auth receives. So a reload keeps the session: restore() trades the cookie for a new token.
import createClient from 'openapi-fetch';
import { ApiError } from './errors.ts';
import type { components, paths } from './schema.d.ts';

export type User = components['schemas']['User'];
export type Role = User['role'];

/** Sent on every call: a cross-site form cannot set it, so the API can refuse cookie-authenticated forgeries. */
export const CSRF_HEADER = { 'X-Requested-With': 'cns' } as const;

export type SessionState =
  | { status: 'restoring'; user: null }
  | { status: 'signed-out'; user: null; expired: boolean }
  | { status: 'signed-in'; user: User };

let accessToken: string | null = null;
let state: SessionState = { status: 'restoring', user: null };
const listeners = new Set<() => void>();

// The auth routes are called without the retry-on-401 below (a refresh must never trigger a refresh).
const auth = createClient<paths>({ headers: CSRF_HEADER, credentials: 'same-origin' });

function publish(next: SessionState) {
  state = next;
  for (const listener of listeners) listener();
}

function signedIn(tokens: { access_token: string; user: User }) {
  accessToken = tokens.access_token;
  publish({ status: 'signed-in', user: tokens.user });
}

function signedOut(expired: boolean) {
  accessToken = null;
  publish({ status: 'signed-out', user: null, expired });
}

/** For useSyncExternalStore. */
export function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
export const getSession = (): SessionState => state;

/** Signs in; throws ApiError (INVALID_CREDENTIALS, RATE_LIMITED…) on refusal. */
export async function login(email: string, password: string): Promise<User> {
  const { data, error, response } = await auth.POST('/v1/auth/login', { body: { email, password, cookie: true } }).catch(() => {
    throw new ApiError(0, undefined);
  });
  if (!data) throw new ApiError(response.status, error, response.headers.get('retry-after'));
  signedIn(data);
  return data.user;
}

let refreshing: Promise<boolean> | null = null;

/** Trades the refresh cookie for a new access token (and a rotated cookie), once at a time; false when that fails. */
export function refresh(): Promise<boolean> {
  // Cleared in a later turn, after the assignment: a refresh that ends at once must not stay shared.
  refreshing ??= renew().finally(() => (refreshing = null));
  return refreshing;
}

async function renew(): Promise<boolean> {
  try {
    // No body: the browser sends the HttpOnly cookie, and the CSRF header goes with every auth call.
    const { data } = await auth.POST('/v1/auth/refresh', { body: {} });
    if (!data) return false;
    signedIn(data);
    return true;
  } catch {
    return false;
  }
}

/**
 * At start-up (or a reload): resumes the session if the browser still holds its cookie, else signs
 * out. Script cannot see the HttpOnly cookie, so the server says: without one the answer is 204 (no
 * session), not a refusal, and a first visit shows no failed request.
 */
export async function restore(): Promise<void> {
  if (state.status !== 'restoring') return;
  refreshing ??= resume().finally(() => (refreshing = null));
  if (!(await refreshing)) signedOut(false);
}

async function resume(): Promise<boolean> {
  try {
    const { data } = await auth.POST('/v1/auth/resume', {});
    if (!data) return false;
    signedIn(data);
    return true;
  } catch {
    return false;
  }
}

/** Ends the session on the server, which also clears the cookie (best effort), and here. */
export async function logout(): Promise<void> {
  const token = accessToken;
  signedOut(false);
  if (token) await auth.POST('/v1/auth/logout', { headers: { authorization: `Bearer ${token}` } }).catch(() => undefined);
}

/** Replaces the signed-in user's profile (after an edit). */
export function updateUser(user: User) {
  if (state.status === 'signed-in') publish({ status: 'signed-in', user });
}

const TOKEN_REFUSALS = new Set(['UNAUTHORIZED', 'INVALID_TOKEN', 'TOKEN_EXPIRED', 'SESSION_REVOKED']);

function withAuth(request: Request, token: string | null): Request {
  const headers = new Headers(request.headers);
  for (const [k, v] of Object.entries(CSRF_HEADER)) headers.set(k, v);
  if (token) headers.set('authorization', `Bearer ${token}`);
  return new Request(request, { headers });
}

/**
 * fetch for the API client: adds the token and the CSRF header; a 401 refreshes the session once and
 * retries; if that fails the session ends as expired (the app then asks to sign in, and comes back).
 */
export async function authorizedFetch(request: Request): Promise<Response> {
  const retry = request.clone();
  const used = accessToken;
  const res = await fetch(withAuth(request, used));
  if (res.status !== 401 || state.status !== 'signed-in') return res;
  // Only a refused token is worth a refresh (not, say, a wrong password).
  const body = (await res.clone().json().catch(() => null)) as { error?: { code?: string } } | null;
  if (!TOKEN_REFUSALS.has(body?.error?.code ?? '')) return res;
  // A request that raced a refresh already done by another one just retries with the new token.
  if (accessToken === used && !(await refresh())) {
    signedOut(true);
    return res;
  }
  return fetch(withAuth(retry, accessToken));
}
