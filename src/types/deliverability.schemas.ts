import { Type } from '@sinclair/typebox';
import { DELIVERY_EVENT_KINDS, EVENT_DETAIL_MAX, SUPPRESSION_REASONS } from '../domain/deliverability.ts';
import { EMAIL_MAX, EVENT_ID_MAX, SUPPRESSION_SOURCES } from '../domain/suppression.ts';
import { Email, Id, LiteralUnion, LongText, PageQuery, SearchText, Timestamp } from './common.schemas.ts';

const strict = { additionalProperties: false } as const;

/** The most events one generic webhook call may carry. */
export const WEBHOOK_MAX_EVENTS = 100;

export const WebhookParams = Type.Object({ provider: Type.String({ minLength: 1, maxLength: 32, description: 'generic, ses, postmark or sendgrid: each answers only when this deployment configures it' }) }, strict);

/** The generic bounce webhook's body (checked after its signature, so not by the route's validation). */
export const GenericWebhookBody = Type.Object(
  {
    events: Type.Array(
      Type.Object(
        {
          id: Type.String({ minLength: 1, maxLength: EVENT_ID_MAX, description: 'unique per event: the same id twice counts once' }),
          type: LiteralUnion(DELIVERY_EVENT_KINDS),
          email: Type.String({ minLength: 3, maxLength: EMAIL_MAX }),
          message_id: Type.Optional(Type.String({ maxLength: 998, description: 'the Message-ID of the message that bounced, if known' })),
          detail: Type.Optional(Type.String({ maxLength: EVENT_DETAIL_MAX, description: "the server's reply or the feedback type" })),
          occurred_at: Type.Optional(Type.String({ maxLength: 64, description: 'when it happened (ISO 8601)' })),
        },
        strict,
      ),
      { minItems: 1, maxItems: WEBHOOK_MAX_EVENTS },
    ),
  },
  strict,
);

export const WebhookResponse = Type.Object({
  applied: Type.Integer({ description: 'events that changed something (a ledger row, the suppression list, an opt-in, a soft-bounce count)' }),
  duplicates: Type.Integer({ description: 'events received before (same id), ignored' }),
  unmatched: Type.Integer({ description: 'events that named nothing we sent, ignored' }),
});

export const SuppressionReasonSchema = LiteralUnion(SUPPRESSION_REASONS);

export const Suppression = Type.Object({
  email: Type.String(),
  reason: SuppressionReasonSchema,
  source: LiteralUnion(SUPPRESSION_SOURCES, { description: 'the bounce source that listed it, or admin' }),
  detail: Type.String(),
  campaign_id: Type.Union([Id, Type.Null()]),
  campaign_title: Type.Union([Type.String(), Type.Null()], { description: "the campaign's title, when the entry came from one" }),
  created_by: Type.Union([Id, Type.Null()]),
  created_at: Timestamp,
});

export const SuppressionQuery = Type.Object(
  { q: Type.Optional(SearchText), reason: Type.Optional(SuppressionReasonSchema), ...PageQuery },
  strict,
);

export const AddSuppressionBody = Type.Object(
  {
    email: Email,
    reason: Type.Optional(Type.Literal('manual', { description: 'the only reason an admin gives; the others are the bounces\' own' })),
    detail: Type.Optional(LongText(EVENT_DETAIL_MAX, { description: 'a note (why it was added)' })),
  },
  strict,
);

export const SuppressionEnvelope = Type.Object({ suppression: Suppression });

export const SuppressionParams = Type.Object({ email: Email }, strict);
