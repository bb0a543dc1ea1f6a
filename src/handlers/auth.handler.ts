import type { FastifyReply, FastifyRequest } from 'fastify';
import { toUserView } from '../domain/types.ts';
import { principal } from '../middlewares/access.ts';
import type { AuthService, TokenPair } from '../services/auth.service.ts';
import type { LoginBody, RefreshBody, SignupBody } from '../types/user.schemas.ts';
import type { Req } from './request.ts';

const pairView = (t: TokenPair) => ({
  access_token: t.accessToken,
  refresh_token: t.refreshToken,
  token_type: 'Bearer' as const,
  expires_in: t.expiresIn,
  refresh_expires_in: t.refreshExpiresIn,
});

/** Responses that carry tokens must not be stored by any cache (RFC 6749 §5.1). */
const noStore = (reply: FastifyReply) => reply.headers({ 'cache-control': 'no-store', pragma: 'no-cache' });

/** HTTP handlers for §3: signup, login, refresh, logout. */
export function authHandlers({ auth }: { auth: AuthService }) {
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
      const result = await auth.login(req.body.email.trim().toLowerCase(), req.body.password, req.ip);
      noStore(reply);
      return { ...pairView(result), user: toUserView(result.user) };
    },

    async refresh(req: Req<{ body: typeof RefreshBody }>, reply: FastifyReply) {
      const result = await auth.refresh(req.body.refresh_token);
      noStore(reply);
      return { ...pairView(result), user: toUserView(result.user) };
    },

    async logout(req: FastifyRequest, reply: FastifyReply) {
      await auth.logout(principal(req));
      return reply.status(204).send();
    },

    async logoutAll(req: FastifyRequest, reply: FastifyReply) {
      await auth.logoutAll(principal(req));
      return reply.status(204).send();
    },
  };
}
