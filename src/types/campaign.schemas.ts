import { Type } from '@sinclair/typebox';
import { CAMPAIGN_SORTS, CAMPAIGN_STATUSES, CAMPAIGN_TYPES, DELIVERY_STATUSES, MAX_BODY_LENGTH, MAX_TEST_ADDRESSES } from '../domain/campaign.ts';
import { TIMELINE_MAX_BUCKETS, TIMELINE_UNITS } from '../domain/timeline.ts';
import { Email, Id, LiteralUnion, LongText, PageQuery, SearchText, Text, Timestamp } from './common.schemas.ts';

const strict = { additionalProperties: false } as const;
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const CampaignTypeSchema = LiteralUnion(CAMPAIGN_TYPES);
export const CampaignStatusSchema = LiteralUnion(CAMPAIGN_STATUSES);
export const DeliveryStatusSchema = LiteralUnion(DELIVERY_STATUSES);

const fields = {
  title: Text(1, 255),
  description: LongText(2000),
  remarks: LongText(2000),
  subject: Text(1, 255),
  body_html: Type.String({ minLength: 1, maxLength: MAX_BODY_LENGTH, description: 'HTML template (≤ 256 Ki characters)' }),
  body_text: Nullable(
    Type.String({
      maxLength: MAX_BODY_LENGTH,
      description: 'text template; derived from the HTML when absent (a derived text over 256 Ki characters is a 400 on body_html)',
    }),
  ),
  promo_code: Nullable(Text(1, 64, { description: 'promotions only' })),
  start_time: Nullable(Type.String({ format: 'date-time', description: 'when sending may begin; null: at approval' })),
  end_time: Nullable(Type.String({ format: 'date-time', description: 'offer end; nothing is sent after it' })),
};

export const CreateCampaignBody = Type.Object(
  {
    type: CampaignTypeSchema,
    title: fields.title,
    description: Type.Optional(fields.description),
    remarks: Type.Optional(fields.remarks),
    subject: fields.subject,
    body_html: fields.body_html,
    body_text: Type.Optional(fields.body_text),
    promo_code: Type.Optional(fields.promo_code),
    start_time: Type.Optional(fields.start_time),
    end_time: Type.Optional(fields.end_time),
  },
  strict,
);
export const UpdateCampaignBody = Type.Partial(CreateCampaignBody, strict);
/** The fields that make the message, unsaved: what POST /v1/campaigns/render renders (same limits as create). */
export const RenderCampaignBody = Type.Object(
  {
    type: CampaignTypeSchema,
    subject: fields.subject,
    body_html: fields.body_html,
    body_text: Type.Optional(fields.body_text),
    promo_code: Type.Optional(fields.promo_code),
  },
  strict,
);
const Version = Type.Integer({ minimum: 1, maximum: 4294967295, description: 'the version of the campaign the reviewer saw (from GET)' });
export const ApproveBody = Type.Object({ version: Version }, strict);
export const RejectBody = Type.Object({ version: Version, reason: Text(1, 2000) }, strict);

export const Stats = Type.Object({
  recipients: Type.Integer(),
  pending: Type.Integer(),
  sent: Type.Integer(),
  failed: Type.Integer(),
  skipped: Type.Integer(),
  bounced: Type.Integer({ description: 'sent, then bounced permanently (hard bounce)' }),
  complained: Type.Integer({ description: 'sent, then reported as spam' }),
});
const NullableTime = Type.Union([Timestamp, Type.Null()]);
const NullableId = Type.Union([Id, Type.Null()]);

const publicFields = {
  id: Id,
  type: CampaignTypeSchema,
  title: Type.String(),
  description: Type.String(),
  subject: Type.String(),
  promo_code: Type.Union([Type.String(), Type.Null()]),
  start_time: NullableTime,
  end_time: NullableTime,
};
const staffFields = {
  remarks: Type.String(),
  body_html: Type.String(),
  body_text: Type.String(),
  status: CampaignStatusSchema,
  version: Type.Integer({ minimum: 1, description: '1 at creation, +1 on every edit; approve and reject name it' }),
  rejection_reason: Type.Union([Type.String(), Type.Null()]),
  created_by: NullableId,
  updated_by: NullableId,
  approved_by: NullableId,
  approved_at: NullableTime,
  created_at: Timestamp,
  updated_at: Timestamp,
  stats: Stats,
};

export const Campaign = Type.Object({ ...publicFields, ...staffFields }, { $id: 'Campaign', title: 'Campaign' });
export const PublicCampaign = Type.Object(publicFields, {
  $id: 'PublicCampaign',
  title: 'PublicCampaign',
  description: 'What customers see',
});
// One object schema rather than a union, so responses serialise without trying each branch.
export const AnyCampaign = Type.Object(
  { ...publicFields, ...Type.Partial(Type.Object(staffFields)).properties },
  { description: 'A Campaign for admins and managers; customers get only the PublicCampaign fields' },
);
// List rows: no bodies for anyone, and for staff no description (customers keep the public view).
const { body_html: _h, body_text: _t, ...summaryStaffFields } = staffFields;
const { description, ...summaryPublicFields } = publicFields;
export const AnyCampaignSummary = Type.Object(
  { ...summaryPublicFields, description: Type.Optional(description), ...Type.Partial(Type.Object(summaryStaffFields)).properties },
  {
    description:
      'A list row: for admins and managers every Campaign field but body_html, body_text and description (a page stays small whatever the bodies; GET /v1/campaigns/:id has them); customers get the PublicCampaign fields',
  },
);
export const CampaignEnvelope = Type.Object({ campaign: Type.Ref('Campaign') });
export const AnyCampaignEnvelope = Type.Object({ campaign: AnyCampaign });

export const CampaignListQuery = Type.Object(
  {
    status: Type.Optional(CampaignStatusSchema),
    type: Type.Optional(CampaignTypeSchema),
    q: Type.Optional(SearchText),
    sort: Type.Optional(
      LiteralUnion(CAMPAIGN_SORTS, {
        description:
          'order: by creation (`created_at`) or last change (`updated_at`), `-` for newest first; default `-created_at`. Ties go by id. A pending campaign last changed when it was submitted, so `status=pending_approval&sort=updated_at` is the approval queue, oldest first',
      }),
    ),
    ...PageQuery,
  },
  strict,
);
export const DeliveryListQuery = Type.Object({ status: Type.Optional(DeliveryStatusSchema), q: Type.Optional(SearchText), ...PageQuery }, strict);

export const StatsResponse = Type.Object({
  status: CampaignStatusSchema,
  ...Stats.properties,
  started_at: NullableTime,
  completed_at: NullableTime,
});
export const Delivery = Type.Object({
  user_id: Id,
  email: Type.String(),
  status: DeliveryStatusSchema,
  attempts: Type.Integer(),
  last_error: Type.Union([Type.String(), Type.Null()]),
  sent_at: NullableTime,
});
export const PreviewResponse = Type.Object({
  recipient: Type.String({ description: 'the sample recipient (the caller)' }),
  subject: Type.String(),
  html: Type.String(),
  text: Type.String(),
});

export const HistoryQuery = Type.Object({ ...PageQuery }, strict);

export const AudienceResponse = Type.Object({
  eligible: Type.Integer({ description: 'customers the fan-out would reach if it ran now (active, opted in)' }),
});

export const TimelineUnitSchema = LiteralUnion(TIMELINE_UNITS);
export const TimelineQuery = Type.Object({ bucket: Type.Optional(LiteralUnion(TIMELINE_UNITS, { default: 'minute' })) }, strict);
export const TimelineResponse = Type.Object({
  bucket: TimelineUnitSchema,
  buckets: Type.Array(
    Type.Object({
      at: Timestamp,
      sent: Type.Integer(),
      failed: Type.Integer(),
      skipped: Type.Integer(),
      bounced: Type.Integer(),
      complained: Type.Integer(),
    }),
    {
      maxItems: TIMELINE_MAX_BUCKETS,
      description: `consecutive buckets, oldest first, from the first outcome to the latest (the latest ${TIMELINE_MAX_BUCKETS} at most); a bucket without outcomes has zeros`,
    },
  ),
});

export const TestSendBody = Type.Object(
  { emails: Type.Array(Email, { minItems: 1, maxItems: MAX_TEST_ADDRESSES, description: `1–${MAX_TEST_ADDRESSES} addresses to send the test to` }) },
  strict,
);
export const TestSendResponse = Type.Object({ emails: Type.Array(Type.String(), { description: 'the addresses queued (lower-cased, each once)' }) });
