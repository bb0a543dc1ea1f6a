import { Value } from '@sinclair/typebox/value';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { DeliveryEvent } from '../../domain/deliverability.ts';
import { ValidationError } from '../../domain/errors.ts';
import { normalizeEmail } from '../../domain/suppression.ts';
import { GenericWebhookBody } from '../../types/deliverability.schemas.ts';
import type { BounceWebhookProvider, WebhookRequest } from './types.ts';

/** How far the signed timestamp may be from the server's clock, either way. */
export const SIGNATURE_TOLERANCE_SEC = 300;
export const SIGNATURE_HEADER = 'x-cns-signature';
export const TIMESTAMP_HEADER = 'x-cns-timestamp';

const header = (req: WebhookRequest, name: string) => {
  const v = req.headers[name];
  return typeof v === 'string' ? v.trim() : undefined;
};

/** `sha256=` + the hex HMAC-SHA256 of `<timestamp>.<raw body>` under `secret`. */
export function signGeneric(secret: string, timestamp: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}

/**
 * The generic webhook: `{"events": [{id, type, email, message_id?, detail?, occurred_at?}]}`, signed
 * with HMAC-SHA256 over `<X-CNS-Timestamp>.<raw body>` (BOUNCE_WEBHOOK_SECRET) in `X-CNS-Signature:
 * sha256=<hex>`; a timestamp more than SIGNATURE_TOLERANCE_SEC away from now is refused.
 */
export function createGenericProvider({ secret }: { secret: string }): BounceWebhookProvider {
  return {
    verify(req) {
      const ts = header(req, TIMESTAMP_HEADER);
      const sig = header(req, SIGNATURE_HEADER);
      if (!ts || !sig || !/^\d{1,12}$/.test(ts) || !/^sha256=[0-9a-fA-F]{64}$/.test(sig)) return false;
      if (Math.abs(req.now.getTime() / 1000 - Number(ts)) > SIGNATURE_TOLERANCE_SEC) return false;
      const expected = Buffer.from(signGeneric(secret, ts, req.rawBody).slice(7), 'hex');
      return timingSafeEqual(Buffer.from(sig.slice(7), 'hex'), expected);
    },

    parse(req) {
      let body: unknown;
      try {
        body = JSON.parse(req.rawBody.toString('utf8'));
      } catch {
        throw new ValidationError('Request body is not valid JSON');
      }
      if (!Value.Check(GenericWebhookBody, body)) {
        const details = [...Value.Errors(GenericWebhookBody, body)].slice(0, 20).map((e) => ({
          field: e.path.replace(/^\//, '').replace(/\//g, '.').slice(0, 100) || 'body',
          message: e.message,
        }));
        throw new ValidationError(`Invalid body: ${details[0]?.field ?? 'body'} ${details[0]?.message ?? ''}`.trim(), details);
      }
      return body.events.map((e, i): DeliveryEvent => {
        if (!normalizeEmail(e.email)) {
          throw new ValidationError('email must be an email address', [{ field: `events.${i}.email`, message: 'must be an email address' }]);
        }
        const occurredAt = e.occurred_at === undefined ? undefined : new Date(e.occurred_at);
        if (occurredAt && Number.isNaN(occurredAt.getTime())) {
          throw new ValidationError('occurred_at must be an ISO 8601 time', [{ field: `events.${i}.occurred_at`, message: 'must be an ISO 8601 time' }]);
        }
        return {
          source: 'generic',
          eventId: e.id,
          kind: e.type,
          email: e.email,
          messageId: e.message_id ?? null,
          detail: e.detail ?? '',
          occurredAt,
          trusted: true,
        };
      });
    },
  };
}
