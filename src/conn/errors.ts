const DEPENDENCY_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'POOL_ACQUIRE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'POOL_CLOSED',
  'ER_SERVER_SHUTDOWN',
  'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
]);

/** True for errors that mean MySQL or Redis is unreachable rather than a bug. */
export function isDependencyError(err: unknown): 'MySQL' | 'Redis' | undefined {
  let e = err as { code?: string; name?: string; message?: string; cause?: unknown; sqlMessage?: string } | undefined;
  for (let i = 0; e && i < 4; i++) {
    if (e.name === 'MaxRetriesPerRequestError') return 'Redis';
    if (typeof e.message === 'string' && /enableOfflineQueue|Connection is closed|Stream isn't writeable|Command timed out/.test(e.message)) return 'Redis';
    if (e.code && DEPENDENCY_CODES.has(e.code)) return 'MySQL';
    if (typeof e.message === 'string' && /Pool is closed|connect ETIMEDOUT|Can't add new command when connection is in closed state/.test(e.message)) return 'MySQL';
    e = e.cause as typeof e;
  }
  return undefined;
}
