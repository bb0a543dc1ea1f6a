import type { AuditRecord } from '../domain/audit.ts';
import type { AuditService } from '../services/audit.service.ts';
import type { AuditQuery } from '../types/audit.schemas.ts';
import type { Req } from './request.ts';
import { pageBody, pageWindow } from '../types/common.schemas.ts';

/** The API shape of an audit entry. */
export const auditView = (r: AuditRecord) => ({
  id: r.id,
  actor_id: r.actorId,
  action: r.action,
  target_type: r.targetType,
  target_id: r.targetId,
  details: r.details ?? null,
  created_at: r.createdAt.toISOString(),
});

/** HTTP handlers for /v1/audit. */
export function auditHandlers({ audit }: { audit: AuditService }) {
  return {
    async list(req: Req<{ querystring: typeof AuditQuery }>) {
      const q = req.query;
      const { rows, total } = await audit.list({
        action: q.action,
        actorId: q.actor_id,
        targetType: q.target_type,
        targetId: q.target_id,
        ...pageWindow(q),
      });
      return pageBody(q, rows.map(auditView), total);
    },
  };
}
