import type { FastifyReply, FastifyRequest } from 'fastify';
import { toUserView, type UserStatus } from '../domain/types.ts';
import { principal } from '../middlewares/access.ts';
import type { AppContext } from '../server/context.ts';

type Req<B = unknown, P = unknown, Q = unknown> = FastifyRequest<{ Body: B; Params: P; Querystring: Q }>;
type IdParam = { id: number };

const trimmed = (s: string | undefined) => (s === undefined ? undefined : s.trim());

/** HTTP handlers for /v1/users (profile and admin management). */
export function userHandlers({ services }: AppContext) {
  const { users, auth } = services;
  return {
    async me(req: FastifyRequest) {
      return { user: toUserView(await users.get(principal(req).userId)) };
    },

    async updateMe(req: Req<{ first_name?: string; last_name?: string; email_opt_in?: boolean }>) {
      const b = req.body;
      const user = await users.updateMe(principal(req), {
        firstName: trimmed(b.first_name),
        lastName: trimmed(b.last_name),
        emailOptIn: b.email_opt_in,
      });
      return { user: toUserView(user) };
    },

    async changePassword(req: Req<{ current_password: string; new_password: string }>, reply: FastifyReply) {
      await auth.changePassword(principal(req), req.body.current_password, req.body.new_password, req.ip);
      return reply.status(204).send();
    },

    async create(
      req: Req<{ email: string; password: string; first_name: string; last_name: string; role_id: number }>,
      reply: FastifyReply,
    ) {
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

    async list(req: Req<unknown, unknown, { role_id?: number; q?: string; page: number; per_page: number }>) {
      const q = req.query;
      const { rows, total } = await users.list({ roleId: q.role_id, q: q.q, page: q.page, perPage: q.per_page });
      return { data: rows.map(toUserView), page: q.page, per_page: q.per_page, total };
    },

    async get(req: Req<unknown, IdParam>) {
      return { user: toUserView(await users.get(req.params.id)) };
    },

    async update(req: Req<{ first_name?: string; last_name?: string; role_id?: number; status?: UserStatus }, IdParam>) {
      const b = req.body;
      const user = await users.update(principal(req), req.params.id, {
        firstName: trimmed(b.first_name),
        lastName: trimmed(b.last_name),
        roleId: b.role_id,
        status: b.status,
      });
      return { user: toUserView(user) };
    },

    async delete(req: Req<unknown, IdParam>, reply: FastifyReply) {
      await users.delete(principal(req), req.params.id);
      return reply.status(204).send();
    },
  };
}
