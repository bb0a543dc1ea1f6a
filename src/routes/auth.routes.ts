import type { FastifyInstance } from 'fastify';
import { authHandlers } from '../handlers/auth.handler.ts';
import type { BrowserSessionOptions } from '../handlers/browser-session.ts';
import { can, PUBLIC, SIGNED_IN } from '../middlewares/access.ts';
import type { AuthService } from '../services/auth.service.ts';
import { errors, NoContent } from '../types/common.schemas.ts';
import { LoginBody, RefreshBody, SignupBody, TokenResponse, UserEnvelope } from '../types/user.schemas.ts';

const tags = ['auth'];
const bearer = [{ bearer: [] }];

export function authRoutes(app: FastifyInstance, deps: { auth: AuthService; browser: BrowserSessionOptions }) {
  const h = authHandlers(deps);
  app.post('/v1/auth/signup', {
    config: { access: PUBLIC },
    schema: { tags, summary: 'Create a customer account', body: SignupBody, response: { 201: UserEnvelope, ...errors(400, 409, 413, 415, 429, 503) } },
    handler: h.signup,
  });
  app.post('/v1/auth/login', {
    config: { access: PUBLIC },
    schema: { tags, summary: 'Log in; returns an access and a refresh token (or sets the refresh cookie)', body: LoginBody, response: { 200: TokenResponse, ...errors(400, 401, 403, 429, 503) } },
    handler: h.login,
  });
  app.post('/v1/auth/refresh', {
    config: { access: PUBLIC },
    schema: { tags, summary: 'Rotate a refresh token (from the body or the session cookie) for a new pair', body: RefreshBody, response: { 200: TokenResponse, ...errors(400, 401, 403) } },
    // No body at all is the cookie form of the call (the dashboard sends none).
    preValidation: async (req) => {
      req.body ??= {};
    },
    handler: h.refresh,
  });
  app.post('/v1/auth/resume', {
    config: { access: PUBLIC },
    schema: {
      tags,
      summary: "Resume a browser's session at start-up: with the session cookie, as refresh; without one, 204 (there is no session)",
      response: { 200: TokenResponse, 204: NoContent, ...errors(401, 403) },
    },
    handler: h.resume,
  });
  app.post('/v1/auth/logout', {
    config: { access: SIGNED_IN },
    schema: { tags, summary: 'End this session (and clear the session cookie)', security: bearer, response: { 204: NoContent, ...errors(401) } },
    handler: h.logout,
  });
  app.post('/v1/auth/logout-all', {
    config: { access: SIGNED_IN },
    schema: { tags, summary: 'End every session of the caller', security: bearer, response: { 204: NoContent, ...errors(401) } },
    handler: h.logoutAll,
  });
  app.post('/v1/auth/queue-dashboard', {
    config: { access: can('queue.dashboard') },
    schema: {
      tags,
      summary: 'Set the short-lived cookie that opens the queue dashboard at /admin/queues (admins)',
      security: bearer,
      response: { 204: NoContent, ...errors(401, 403) },
    },
    handler: h.queueDashboard,
  });
}
