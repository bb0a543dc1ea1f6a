import type { UserProfile } from './types.ts';

/**
 * How a session's refresh token travels, fixed when the session starts: in the browser's HttpOnly
 * cookie, or in JSON bodies. A token is only ever honoured the way it was issued.
 */
export type RefreshCarrier = 'cookie' | 'body';

/**
 * What presenting a refresh token id did: `rotated` to the new ids; `regranted` the ids of the
 * session's last rotation again (the token was the one that rotation replaced, presented again
 * within the grace, the way it was issued, for the first time: its answer was lost, or two tabs
 * refreshed at once); `reused` (any other stale id: the session is revoked); `misplaced` (the
 * current token, presented the other way than it was issued: refused, the session kept);
 * `unknown` (no such session).
 */
export type RotateResult =
  | { outcome: 'rotated' | 'regranted'; accessJti: string; refreshJti: string }
  | { outcome: 'unknown' }
  | { outcome: 'misplaced' }
  | { outcome: 'reused' };

/** Sessions and their token ids, shared by every process. */
export interface SessionStore {
  /** The user's revocation epoch: read it before the user's row that a new session is decided on. */
  epoch(userId: number): Promise<string>;
  /** Starts a session; false (nothing created) when the user's sessions were revoked after `epoch` was read. */
  create(s: { sessionId: string; userId: number; accessJti: string; refreshJti: string; epoch: string; carrier: RefreshCarrier }): Promise<boolean>;
  /** True when the access token id is live and belongs to the session. */
  isAccessLive(jti: string, sessionId: string): Promise<boolean>;
  /** True while the session has not ended (logout, revocation, expiry), whichever access token it has now. */
  isLive(sessionId: string): Promise<boolean>;
  /** Atomically swaps the session's token ids; a stale refresh id revokes the whole session (but see RotateResult). */
  rotate(sessionId: string, oldRefreshJti: string, carrier: RefreshCarrier, accessJti: string, refreshJti: string): Promise<RotateResult>;
  revoke(sessionId: string): Promise<void>;
  /** Revokes every session of the user but `keepSessionId`, and moves the user's epoch; how many were revoked. */
  revokeAll(userId: number, keepSessionId?: string): Promise<number>;
}

/** What a success does to a scope's count: start afresh, take back this attempt, or keep counting it. */
export type OnSuccess = 'clear' | 'give-back' | 'keep';

/** Attempt counts per subject in each scope (an account, a client address…). */
export interface Throttle<S extends string> {
  /** Counts this attempt; throws RateLimitedError when it is over any limit. */
  check(subjects: Record<S, string>): Promise<void>;
  /** The guarded work succeeded: each scope's count is cleared, given this attempt back, or kept. */
  recordSuccess(subjects: Record<S, string>): Promise<void>;
}
/** Login failures per account (its stored email) and per client address. */
export type LoginThrottle = Throttle<'email' | 'ip'>;
/** Failed checks of the current password per user and per client address. */
export type PasswordChangeThrottle = Throttle<'user' | 'ip'>;
/** Signups per client address. */
export type SignupThrottle = Throttle<'ip'>;
/** Test sends of campaigns per user. */
export type TestSendThrottle = Throttle<'user'>;

/** A send rate shared by every worker process. */
export interface RateLimiter {
  /** Resolves when the caller may send one message. */
  take(): Promise<void>;
}

/** User profiles (never password hashes) shared by every process. */
export interface UserCache {
  /** The cached profile, null for a deleted user, undefined when not cached. */
  get(id: number): Promise<UserProfile | null | undefined>;
  /** Caches a profile a reader loaded, unless a writer got there first. */
  fill(p: UserProfile): Promise<void>;
  /** Caches a writer's result (null: deleted) once its change has committed. */
  put(id: number, p: UserProfile | null): Promise<void>;
  /** Forgets an entry before a change, so that the change fails early if the cache is down. */
  drop(id: number): Promise<void>;
}

/**
 * Pages of the campaign list, kept in each process and invalidated by a generation number shared
 * by every process: a reader serves a page only if it was read under the current generation, and
 * every change to a campaign row moves the generation once it has committed.
 */
export interface ListCache {
  /** The cached result for `key` under the current generation, else `load()`'s, then cached. */
  read<T>(key: string, load: () => Promise<T>): Promise<T>;
  /** Called after a change to what a list shows has committed: every process's pages are stale. */
  changed(): Promise<void>;
}

/** Numbers worth keeping a short while (a segment's count of customers), shared by every process. */
export interface CountCache {
  /** The cached number for `key`, else `load()`'s, then kept for the cache's lifetime (Redis down: `load()`). */
  read(key: string, load: () => Promise<number>): Promise<number>;
}
