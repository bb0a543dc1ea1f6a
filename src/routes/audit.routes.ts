import type { FastifyInstance } from 'fastify';
import { auditHandlers } from '../handlers/audit.handler.ts';
import { can } from '../middlewares/access.ts';
import type { AuditService } from '../services/audit.service.ts';
import { AuditEvent, AuditQuery } from '../types/audit.schemas.ts';
import { errors, PageOf } from '../types/common.schemas.ts';

export function auditRoutes(app: FastifyInstance, deps: { audit: AuditService }) {
  const h = auditHandlers(deps);
  app.get('/v1/audit', {
    config: { access: can('audit.list') },
    schema: {
      tags: ['audit'],
      security: [{ bearer: [] }],
      summary: 'The audit log, newest first',
      querystring: AuditQuery,
      response: { 200: PageOf(AuditEvent), ...errors(400, 401, 403) },
    },
    handler: h.list,
  });
}
