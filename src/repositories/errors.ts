/** True when a MySQL error is a duplicate-key violation (possibly wrapped by Drizzle). */
export function isDuplicateKey(err: unknown): boolean {
  let e = err as { code?: string; cause?: unknown } | undefined;
  for (let i = 0; e && i < 3; i++) {
    if (e.code === 'ER_DUP_ENTRY') return true;
    e = e.cause as typeof e;
  }
  return false;
}

/** MySQL errors that end a transaction someone else's lock beat: nothing was written, and a retry works. */
export const TRANSIENT_LOCK_CODES: ReadonlySet<string> = new Set(['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT']);

/** True when a MySQL error (possibly wrapped once by Drizzle) is a deadlock or a lock-wait timeout. */
export function isTransientLock(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string } } | undefined;
  return TRANSIENT_LOCK_CODES.has(e?.code ?? '') || TRANSIENT_LOCK_CODES.has(e?.cause?.code ?? '');
}
