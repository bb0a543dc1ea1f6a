import type { components } from './schema.d.ts';

export type ErrorBody = components['schemas']['Error'];
export type FieldProblem = NonNullable<ErrorBody['error']['details']>[number];

/** Every error code the API answers with, in plain words for the person reading the screen. */
export const ERROR_SENTENCES: Record<string, string> = {
  VALIDATION_FAILED: 'Some fields need attention.',
  MALFORMED_JSON: 'The app sent a request the server could not read. Reload the page and try again.',
  MALFORMED_URL: 'That address is not valid.',
  MALFORMED_REQUEST: 'The app sent a request the server could not read. Reload the page and try again.',
  BAD_REQUEST: 'The server could not accept this request.',
  UNAUTHORIZED: 'Please sign in to continue.',
  INVALID_TOKEN: 'Your session is no longer valid. Please sign in again.',
  TOKEN_EXPIRED: 'Your session has expired. Please sign in again.',
  SESSION_REVOKED: 'Your session was ended, for example by a password change. Please sign in again.',
  TOKEN_REUSED: 'For your safety this session was ended. Please sign in again.',
  INVALID_CREDENTIALS: 'That email and password do not match an account.',
  INVALID_SIGNATURE: 'The call was not signed with the right key, so it was refused.',
  FORBIDDEN: 'Your role does not allow this.',
  CSRF_CHECK_FAILED: 'The request did not come from this dashboard, so it was refused. Reload the page and try again.',
  NOT_FOUND: 'This does not exist, or it is not yours.',
  CONFLICT: 'This conflicts with something that already exists, such as an account with this email.',
  TITLE_TAKEN: 'Another campaign already has this title.',
  INVALID_STATE: 'The campaign’s current status does not allow this.',
  STALE_VERSION: 'This campaign changed since you opened it.',
  END_TIME_PASSED: 'The campaign’s end time has passed, so it can no longer be approved.',
  SELF_CHANGE: 'You cannot change your own role or status, or delete your own account.',
  ALREADY_SUPPRESSED: 'This address is already on the suppression list.',
  REQUEST_TIMEOUT: 'The request took too long to arrive. Check your connection and try again.',
  PAYLOAD_TOO_LARGE: 'This is too large to save.',
  UNSUPPORTED_MEDIA_TYPE: 'The app sent data in a form the server does not accept. Reload the page and try again.',
  EXPECTATION_FAILED: 'The server refused the request. Reload the page and try again.',
  URI_TOO_LONG: 'That address is too long.',
  RATE_LIMITED: 'Too many attempts.',
  TOO_MANY_CONNECTIONS: 'Too many connections from your network.',
  HEADERS_TOO_LARGE: 'The request was too large. Sign out and in again.',
  SERVICE_UNAVAILABLE: 'The service is unavailable right now. Try again in a moment.',
  TRY_AGAIN: 'The server is busy. Try again in a moment.',
  NETWORK: 'The server cannot be reached. Check your connection and try again.',
};

/** An API error in the one shape, with the status and any Retry-After. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: FieldProblem[];
  readonly retryAfterSec: number | undefined;
  /** The server's own message (for the fields and states a sentence does not cover). */
  readonly serverMessage: string;

  constructor(status: number, body: Partial<ErrorBody> | undefined, retryAfter?: string | null) {
    const code = body?.error?.code ?? (status === 0 ? 'NETWORK' : `HTTP_${status}`);
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = code;
    this.details = body?.error?.details ?? [];
    this.serverMessage = body?.error?.message ?? '';
    const seconds = retryAfter ? Number(retryAfter) : NaN;
    this.retryAfterSec = Number.isFinite(seconds) ? seconds : undefined;
  }
}

/** The sentence to show for an error: the code's sentence, with when to try again if the server said. */
export function describeError(err: unknown): string {
  if (!(err instanceof ApiError)) return 'Something went wrong. Try again.';
  let sentence = ERROR_SENTENCES[err.code];
  if (!sentence) return err.status >= 500 ? 'The server had a problem. Try again in a moment.' : `The request was refused (${err.code}).`;
  if (err.code === 'INVALID_STATE' && err.serverMessage) sentence = `${sentence} ${err.serverMessage}`;
  if (err.retryAfterSec !== undefined && (err.code === 'RATE_LIMITED' || err.code === 'TOO_MANY_CONNECTIONS')) {
    sentence = `${sentence} Try again in ${waitFor(err.retryAfterSec)}.`;
  }
  return sentence;
}

function waitFor(sec: number): string {
  if (sec < 90) return `${Math.max(1, Math.round(sec))} seconds`;
  return `${Math.round(sec / 60)} minutes`;
}

/** The API's field problems keyed by field, several problems of one field joined; for @mantine/form's setErrors. */
export function fieldErrors(err: unknown): Record<string, string> {
  if (!(err instanceof ApiError)) return {};
  const out: Record<string, string> = {};
  for (const d of err.details) out[d.field] = out[d.field] ? `${out[d.field]}\n${d.message}` : d.message;
  return out;
}

// The API's schema wording, in the words of a form.
const PLAIN: [RegExp, (m: RegExpExecArray) => string][] = [
  [/must match format "email"|must be an email address/, () => 'Enter a valid email address, such as ada@example.com'],
  [/must NOT have fewer than (\d+) characters/, (m) => `Use at least ${m[1]} characters`],
  [/must NOT have more than (\d+) characters/, (m) => `Use at most ${m[1]} characters`],
];
const plain = (message: string) => {
  for (const [re, say] of PLAIN) {
    const m = re.exec(message);
    if (m) return say(m);
  }
  return message;
};

/** fieldErrors, each message in plain words where the API gave the schema's wording: for a form's fields. */
export function plainFieldErrors(err: unknown): Record<string, string> {
  return Object.fromEntries(Object.entries(fieldErrors(err)).map(([field, message]) => [field, message.split('\n').map(plain).join('\n')]));
}
