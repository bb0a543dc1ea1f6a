import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../domain/errors.ts';

/** The cookie that holds a browser's refresh token: script never sees it, and only /v1/auth receives it. */
export const REFRESH_COOKIE = 'cns_refresh';
const COOKIE_PATH = '/v1/auth';

/** How the refresh cookie is set: Secure when the service is served over https. */
export interface BrowserSessionOptions {
  secure: boolean;
  /** The origin the dashboard is served from (PUBLIC_BASE_URL's), besides the request's own host. */
  publicOrigin: string;
  refreshTtlSec: number;
}

const csrfRefused = (why: string) => new AppError(403, 'CSRF_CHECK_FAILED', `Refused: ${why}`);

/**
 * Refuses a request whose cookie would authenticate it unless it proves it came from a script of
 * this origin: it must carry `X-Requested-With` (a cross-site form cannot set a header), and an
 * `Origin`, when sent, must be this host's or the public base URL's.
 */
export function assertBrowserRequest(req: FastifyRequest, opts: BrowserSessionOptions): void {
  const marker = req.headers['x-requested-with'];
  if (typeof marker !== 'string' || marker.trim() === '') throw csrfRefused('the X-Requested-With header is required with the session cookie');
  if (req.headers.origin !== undefined) assertOwnOrigin(req, opts);
}

/** Refuses a request whose `Origin` is missing, or is neither this host's nor the public base URL's. */
export function assertOwnOrigin(req: FastifyRequest, opts: BrowserSessionOptions): void {
  const origin = req.headers.origin;
  if (origin === undefined) throw csrfRefused('the Origin header is required');
  let host: string | undefined;
  try {
    host = new URL(origin).host;
  } catch {
    throw csrfRefused('the Origin header is not a URL');
  }
  if (origin !== opts.publicOrigin && host !== req.headers.host) throw csrfRefused(`requests from ${origin} are not accepted`);
}

/** Puts a refresh token in the HttpOnly, SameSite=Strict cookie scoped to /v1/auth. */
export function setRefreshCookie(reply: FastifyReply, token: string, opts: BrowserSessionOptions): void {
  reply.setCookie(REFRESH_COOKIE, token, {
    httpOnly: true,
    sameSite: 'strict',
    secure: opts.secure,
    path: COOKIE_PATH,
    maxAge: opts.refreshTtlSec,
  });
}

/** Removes the refresh cookie. */
export function clearRefreshCookie(reply: FastifyReply, opts: BrowserSessionOptions): void {
  reply.clearCookie(REFRESH_COOKIE, { httpOnly: true, sameSite: 'strict', secure: opts.secure, path: COOKIE_PATH });
}

/** Where the queue dashboard is served; its pass cookie is sent there only. */
export const QUEUE_DASHBOARD_PATH = '/admin/queues';
/** The cookie that holds a pass to the queue dashboard. */
export const QUEUE_DASHBOARD_COOKIE = 'cns_queue_dashboard';

/** Puts a dashboard pass in an HttpOnly, SameSite=Strict cookie scoped to the dashboard's path. */
export function setQueueDashboardCookie(reply: FastifyReply, pass: string, maxAgeSec: number, opts: BrowserSessionOptions): void {
  reply.setCookie(QUEUE_DASHBOARD_COOKIE, pass, { httpOnly: true, sameSite: 'strict', secure: opts.secure, path: QUEUE_DASHBOARD_PATH, maxAge: maxAgeSec });
}

/** Removes the dashboard pass cookie. */
export function clearQueueDashboardCookie(reply: FastifyReply, opts: BrowserSessionOptions): void {
  reply.clearCookie(QUEUE_DASHBOARD_COOKIE, { httpOnly: true, sameSite: 'strict', secure: opts.secure, path: QUEUE_DASHBOARD_PATH });
}
