import type { FastifyReply, FastifyRequest } from 'fastify';
import { toUserView } from '../domain/types.ts';
import { principal } from '../middlewares/access.ts';
import type { AuthService } from '../services/auth.service.ts';
import type { UserService } from '../services/user.service.ts';
import type { IdParams } from '../types/common.schemas.ts';
import type { ChangePasswordBody, CreateUserBody, UpdateMeBody, UpdateUserBody, UserListQuery } from '../types/user.schemas.ts';
import type { Req } from './request.ts';
import { pageBody, pageWindow } from '../types/common.schemas.ts';

const trimmed = (s: string | undefined) => (s === undefined ? undefined : s.trim());

/** HTTP handlers for /v1/users (profile and admin management). */
export function userHandlers({ users, auth }: { users: UserService; auth: AuthService }) {
  return {
    async me(req: FastifyRequest) {
      return { user: toUserView(await users.get(principal(req).userId)) };
    },

    async updateMe(req: Req<{ body: typeof UpdateMeBody }>) {
      const b = req.body;
      const user = await users.updateMe(principal(req), {
        firstName: trimmed(b.first_name),
        lastName: trimmed(b.last_name),
        emailOptIn: b.email_opt_in,
      });
      return { user: toUserView(user) };
    },

    async changePassword(req: Req<{ body: typeof ChangePasswordBody }>, reply: FastifyReply) {
      await auth.changePassword(principal(req), req.body.current_password, req.body.new_password, req.ip);
      return reply.status(204).send();
    },

    async create(req: Req<{ body: typeof CreateUserBody }>, reply: FastifyReply) {
      const b = req.body;
      const user = await users.create(principal(req), {
        email: b.email.toLowerCase(),
        password: b.password,
        firstName: b.first_name.trim(),
        lastName: b.last_name.trim(),
        roleId: b.role_id,
      });
      return reply.status(201).send({ user: toUserView(user) });
    },

    async list(req: Req<{ querystring: typeof UserListQuery }>) {
      const q = req.query;
      const { rows, total } = await users.list({ roleId: q.role_id, q: q.q, ...pageWindow(q) });
      return pageBody(q, rows.map(toUserView), total);
    },

    async get(req: Req<{ params: typeof IdParams }>) {
      return { user: toUserView(await users.get(req.params.id)) };
    },

    async update(req: Req<{ body: typeof UpdateUserBody; params: typeof IdParams }>) {
      const b = req.body;
      const user = await users.update(principal(req), req.params.id, {
        firstName: trimmed(b.first_name),
        lastName: trimmed(b.last_name),
        roleId: b.role_id,
        status: b.status,
      });
      return { user: toUserView(user) };
    },

    async delete(req: Req<{ params: typeof IdParams }>, reply: FastifyReply) {
      await users.delete(principal(req), req.params.id);
      return reply.status(204).send();
    },
  };
}
