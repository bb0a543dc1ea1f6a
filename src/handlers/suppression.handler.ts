import type { FastifyReply } from 'fastify';
import type { SuppressionRecord } from '../domain/suppression.ts';
import { principal } from '../middlewares/access.ts';
import type { SuppressionService } from '../services/suppression.service.ts';
import { pageBody, pageWindow } from '../types/common.schemas.ts';
import type { AddSuppressionBody, SuppressionParams, SuppressionQuery } from '../types/deliverability.schemas.ts';
import type { Req } from './request.ts';

/** The API shape of a suppression list entry. */
export const suppressionView = (s: SuppressionRecord) => ({
  email: s.email,
  reason: s.reason,
  source: s.source,
  detail: s.detail,
  campaign_id: s.campaignId,
  campaign_title: s.campaignTitle,
  created_by: s.createdBy,
  created_at: s.createdAt.toISOString(),
});

/** HTTP handlers for /v1/suppressions. */
export function suppressionHandlers({ suppressions }: { suppressions: SuppressionService }) {
  return {
    async list(req: Req<{ querystring: typeof SuppressionQuery }>) {
      const q = req.query;
      const { rows, total } = await suppressions.list({ q: q.q, reason: q.reason, ...pageWindow(q) });
      return pageBody(q, rows.map(suppressionView), total);
    },
    async add(req: Req<{ body: typeof AddSuppressionBody }>, reply: FastifyReply) {
      const entry = await suppressions.add(principal(req), { email: req.body.email, detail: req.body.detail });
      return reply.status(201).send({ suppression: suppressionView(entry) });
    },
    async remove(req: Req<{ params: typeof SuppressionParams }>, reply: FastifyReply) {
      await suppressions.remove(principal(req), req.params.email);
      return reply.status(204).send();
    },
  };
}
