/** True when a MySQL error is a duplicate-key violation (possibly wrapped by Drizzle). */
export function isDuplicateKey(err: unknown): boolean {
  let e = err as { code?: string; cause?: unknown } | undefined;
  for (let i = 0; e && i < 3; i++) {
    if (e.code === 'ER_DUP_ENTRY') return true;
    e = e.cause as typeof e;
  }
  return false;
}
