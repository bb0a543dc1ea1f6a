import type { FastifyReply, FastifyRequest } from 'fastify';
import { ValidationError } from '../domain/errors.ts';
import { toUserView } from '../domain/types.ts';
import { principal } from '../middlewares/access.ts';
import type { AuthService, TokenPair } from '../services/auth.service.ts';
import type { LoginBody, RefreshBody, SignupBody } from '../types/user.schemas.ts';
import {
  assertBrowserRequest,
  clearQueueDashboardCookie,
  clearRefreshCookie,
  REFRESH_COOKIE,
  setQueueDashboardCookie,
  setRefreshCookie,
  type BrowserSessionOptions,
} from './browser-session.ts';
import type { Req } from './request.ts';

/** The token answer; in cookie mode the refresh token goes in the cookie, not the body. */
const pairView = (t: TokenPair, inCookie: boolean) => ({
  access_token: t.accessToken,
  ...(inCookie ? {} : { refresh_token: t.refreshToken }),
  token_type: 'Bearer' as const,
  expires_in: t.expiresIn,
  refresh_expires_in: t.refreshExpiresIn,
});

/** Responses that carry tokens must not be stored by any cache (RFC 6749 §5.1). */
const noStore = (reply: FastifyReply) => reply.headers({ 'cache-control': 'no-store', pragma: 'no-cache' });

/** HTTP handlers for signup, login, refresh, logout and the queue dashboard's pass, with tokens in bodies or cookies. */
export function authHandlers({ auth, browser }: { auth: AuthService; browser: BrowserSessionOptions }) {
  /** Rotates the session cookie's refresh token: a new access token, and the rotated cookie. */
  async function fromCookie(req: FastifyRequest, reply: FastifyReply, cookie: string) {
    assertBrowserRequest(req, browser);
    try {
      const result = await auth.refresh(cookie, 'cookie');
      setRefreshCookie(reply, result.refreshToken, browser);
      return { ...pairView(result, true), user: toUserView(result.user) };
    } catch (err) {
      // A cookie that no longer works is of no use to the browser: drop it with the 401.
      clearRefreshCookie(reply, browser);
      throw err;
    }
  }

  return {
    async signup(req: Req<{ body: typeof SignupBody }>, reply: FastifyReply) {
      const b = req.body;
      const user = await auth.signup({
        email: b.email.toLowerCase(),
        password: b.password,
        firstName: b.first_name.trim(),
        lastName: b.last_name.trim(),
      }, req.ip);
      return reply.status(201).send({ user: toUserView(user) });
    },

    async login(req: Req<{ body: typeof LoginBody }>, reply: FastifyReply) {
      const inCookie = req.body.cookie === true;
      // A cookie login is checked like a cookie-authenticated call, so no other site can sign a browser in.
      if (inCookie) assertBrowserRequest(req, browser);
      const result = await auth.login(req.body.email.trim().toLowerCase(), req.body.password, req.ip, inCookie ? 'cookie' : 'body');
      noStore(reply);
      if (inCookie) setRefreshCookie(reply, result.refreshToken, browser);
      return { ...pairView(result, inCookie), user: toUserView(result.user) };
    },

    async refresh(req: Req<{ body: typeof RefreshBody }>, reply: FastifyReply) {
      noStore(reply);
      const given = req.body.refresh_token;
      if (given !== undefined) {
        const result = await auth.refresh(given, 'body');
        return { ...pairView(result, false), user: toUserView(result.user) };
      }
      const cookie = req.cookies[REFRESH_COOKIE];
      if (!cookie) throw new ValidationError('refresh_token is required', [{ field: 'refresh_token', message: 'is required (or the session cookie)' }]);
      return fromCookie(req, reply, cookie);
    },

    /** A browser's start: its session from the cookie, as refresh; no cookie is no session (204), not an error. */
    async resume(req: FastifyRequest, reply: FastifyReply) {
      noStore(reply);
      const cookie = req.cookies[REFRESH_COOKIE];
      if (!cookie) return reply.status(204).send();
      return fromCookie(req, reply, cookie);
    },

    async logout(req: FastifyRequest, reply: FastifyReply) {
      await auth.logout(principal(req));
      clearRefreshCookie(reply, browser);
      clearQueueDashboardCookie(reply, browser);
      return reply.status(204).send();
    },

    async logoutAll(req: FastifyRequest, reply: FastifyReply) {
      await auth.logoutAll(principal(req));
      clearRefreshCookie(reply, browser);
      clearQueueDashboardCookie(reply, browser);
      return reply.status(204).send();
    },

    /** Sets the cookie that lets this browser open the queue dashboard (a navigation carries no bearer token). */
    async queueDashboard(req: FastifyRequest, reply: FastifyReply) {
      const { pass, expiresIn } = await auth.dashboardPass(principal(req));
      noStore(reply);
      setQueueDashboardCookie(reply, pass, expiresIn, browser);
      return reply.status(204).send();
    },
  };
}
