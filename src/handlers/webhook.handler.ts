import type { FastifyReply } from 'fastify';
import { NotFoundError, UnauthorizedError } from '../domain/errors.ts';
import type { DeliverabilityService } from '../services/deliverability.service.ts';
import type { WebhookParams } from '../types/deliverability.schemas.ts';
import type { Req } from './request.ts';
import type { BounceWebhookProvider } from './webhooks/providers.ts';

/** HTTP handler of the bounce webhooks: the provider checks the signature on the raw body, then its events are recorded. */
export function webhookHandlers({ providers, deliverability }: { providers: ReadonlyMap<string, BounceWebhookProvider>; deliverability: DeliverabilityService }) {
  return {
    async bounces(req: Req<{ params: typeof WebhookParams }>, reply: FastifyReply) {
      const provider = providers.get(req.params.provider);
      if (!provider) throw new NotFoundError('Bounce webhook');
      const call = { rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0), headers: req.headers, now: new Date() };
      if (!(await provider.verify(call))) throw new UnauthorizedError('Missing or invalid webhook signature', 'INVALID_SIGNATURE');
      const counts = await deliverability.recordAll(await provider.parse(call));
      return reply.send(counts);
    },
  };
}
