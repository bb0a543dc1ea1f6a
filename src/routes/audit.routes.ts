import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { can } from '../middlewares/access.ts';
import type { App } from '../server/app.ts';
import type { AppContext } from '../server/context.ts';
import { errors, Id, PageOf, PageQuery, Text, Timestamp } from '../types/common.schemas.ts';

const AuditEvent = Type.Object({
  id: Type.Integer(),
  actor_id: Type.Union([Type.Integer(), Type.Null()]),
  action: Type.String(),
  target_type: Type.String(),
  target_id: Type.Union([Type.Integer(), Type.Null()]),
  details: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  created_at: Timestamp,
});
const AuditQuery = Type.Object(
  { action: Type.Optional(Text(1, 64)), target_type: Type.Optional(Text(1, 32)), target_id: Type.Optional(Id), ...PageQuery },
  { additionalProperties: false },
);
type Query = { action?: string; target_type?: string; target_id?: number; page: number; per_page: number };

export function auditRoutes(app: App, { repos }: AppContext) {
  app.get('/v1/audit', {
    config: { access: can('audit.list') },
    schema: {
      tags: ['audit'],
      security: [{ bearer: [] }],
      summary: 'The audit log, newest first',
      querystring: AuditQuery,
      response: { 200: PageOf(AuditEvent), ...errors(400, 401, 403) },
    },
    handler: async (req: FastifyRequest<{ Querystring: Query }>) => {
      const q = req.query;
      const { rows, total } = await repos.audit.list({
        action: q.action,
        targetType: q.target_type,
        targetId: q.target_id,
        page: q.page,
        perPage: q.per_page,
      });
      const data = rows.map((r) => ({
        id: r.id,
        actor_id: r.actorId,
        action: r.action,
        target_type: r.targetType,
        target_id: r.targetId,
        details: r.details ?? null,
        created_at: r.createdAt.toISOString(),
      }));
      return { data, page: q.page, per_page: q.per_page, total };
    },
  });
}
