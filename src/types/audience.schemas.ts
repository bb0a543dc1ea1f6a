import { Type } from '@sinclair/typebox';
import { AUDIENCE_LIMITS as L } from '../domain/customer-data.ts';
import { ATTRIBUTE_KEY_RE, ATTRIBUTE_LABEL_MAX, ATTRIBUTE_TYPES, CUSTOMER_ORIGINS, EXTERNAL_ID_MAX, SEGMENT_NAME_MAX, TAG_NAME_MAX, TOPIC_NAME_MAX, TOPIC_STATUSES } from '../domain/customer.ts';
import { USER_STATUSES } from '../domain/types.ts';
import { Id, LiteralUnion, LongText, Name, PageQuery, SearchText, Text, Timestamp } from './common.schemas.ts';
import { User } from './user.schemas.ts';

const strict = { additionalProperties: false } as const;

const AttributeKey = Type.String({ pattern: ATTRIBUTE_KEY_RE.source, maxLength: 40, description: 'lower-case letters, digits and _, starting with a letter' });
/** A tag name's shape is checked by the service (letters of every script), so that each problem names its place. */
const TagName = Type.String({ minLength: 1, maxLength: TAG_NAME_MAX, description: '1–64 letters, digits, spaces, _, . or -' });
const Description = LongText(L.description);
const Option = Text(1, L.optionMax);
const Options = Type.Array(Option, { minItems: L.optionsMin, maxItems: L.optionsMax });
const TopicStatus = LiteralUnion(TOPIC_STATUSES);
const FilterBody = Type.Unknown({
  description: 'a segment filter (docs/audiences.md): checked by the service, whose problems name the path to the node (filter.all.1.op)',
});

// ---- Attributes

export const Attribute = Type.Object(
  {
    key: Type.String(),
    label: Type.String(),
    type: LiteralUnion(ATTRIBUTE_TYPES),
    options: Type.Union([Type.Array(Type.String()), Type.Null()]),
    indexed: Type.Boolean(),
  },
  { $id: 'Attribute', title: 'Attribute' },
);
export const AttributeEnvelope = Type.Object({ attribute: Type.Ref('Attribute') });
export const AttributeList = Type.Object({ data: Type.Array(Type.Ref('Attribute')) });
export const KeyParams = Type.Object({ key: AttributeKey }, strict);
export const CreateAttributeBody = Type.Object(
  {
    key: AttributeKey,
    label: Text(1, ATTRIBUTE_LABEL_MAX),
    type: LiteralUnion(ATTRIBUTE_TYPES),
    options: Type.Optional(Options),
    indexed: Type.Optional(Type.Boolean({ description: 'at most 10 attributes; recorded, the indexed column comes later' })),
  },
  strict,
);
export const UpdateAttributeBody = Type.Object({ label: Type.Optional(Text(1, ATTRIBUTE_LABEL_MAX)), options: Type.Optional(Options) }, strict);

// ---- Topics

export const Topic = Type.Object(
  {
    id: Id,
    name: Type.String(),
    description: Type.String(),
    double_opt_in: Type.Boolean(),
    subscribe_on_signup: Type.Boolean(),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'Topic', title: 'Topic' },
);
export const TopicEnvelope = Type.Object({ topic: Type.Ref('Topic') });
export const TopicList = Type.Object({ data: Type.Array(Type.Ref('Topic')) });
const topicFields = {
  name: Text(1, TOPIC_NAME_MAX),
  description: Type.Optional(Description),
  double_opt_in: Type.Optional(Type.Boolean({ description: 'recorded; the confirmation email comes later' })),
  subscribe_on_signup: Type.Optional(Type.Boolean()),
};
export const CreateTopicBody = Type.Object(topicFields, strict);
export const UpdateTopicBody = Type.Object({ ...topicFields, name: Type.Optional(topicFields.name) }, strict);

// ---- Segments

export const Segment = Type.Object(
  {
    id: Id,
    name: Type.String(),
    description: Type.String(),
    filter: Type.Unknown({ description: 'the segment filter' }),
    version: Type.Integer(),
    customers: Type.Integer({ description: 'customers the filter matches now, whatever their status, opt-in or topics' }),
    created_by: Type.Union([Id, Type.Null()]),
    updated_by: Type.Union([Id, Type.Null()]),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'Segment', title: 'Segment' },
);
export const SegmentEnvelope = Type.Object({ segment: Type.Ref('Segment') });
export const SegmentListQuery = Type.Object({ q: Type.Optional(SearchText), ...PageQuery }, strict);
export const CreateSegmentBody = Type.Object({ name: Text(1, SEGMENT_NAME_MAX), description: Type.Optional(Description), filter: FilterBody }, strict);
export const UpdateSegmentBody = Type.Object(
  { name: Type.Optional(Text(1, SEGMENT_NAME_MAX)), description: Type.Optional(Description), filter: Type.Optional(FilterBody) },
  strict,
);
export const EstimateBody = Type.Object({ filter: FilterBody }, strict);
export const EstimateResponse = Type.Object({ customers: Type.Integer() });
export const PageQueryOnly = Type.Object(PageQuery, strict);

// ---- Customers

export const Customer = Type.Object(
  {
    ...User.properties,
    external_id: Type.Union([Type.String(), Type.Null()]),
    origin: LiteralUnion(CUSTOMER_ORIGINS),
    attributes: Type.Record(Type.String(), Type.Unknown()),
    tags: Type.Array(Type.String()),
    topics: Type.Array(Type.Object({ topic_id: Id, status: TopicStatus, source: Type.String(), changed_at: Timestamp })),
  },
  { $id: 'Customer', title: 'Customer' },
);
export const CustomerEnvelope = Type.Object({ customer: Type.Ref('Customer') });
export const CustomerListQuery = Type.Object(
  {
    q: Type.Optional(SearchText),
    tag: Type.Optional(TagName),
    topic_id: Type.Optional(Id),
    segment_id: Type.Optional(Id),
    status: Type.Optional(LiteralUnion(USER_STATUSES)),
    ...PageQuery,
  },
  strict,
);
export const UpdateCustomerBody = Type.Object(
  {
    first_name: Type.Optional(Name),
    last_name: Type.Optional(Name),
    external_id: Type.Optional(Type.Union([Text(1, EXTERNAL_ID_MAX), Type.Null()])),
    email_opt_in: Type.Optional(Type.Boolean()),
    attributes: Type.Optional(
      Type.Object({}, { additionalProperties: true, maxProperties: L.attributes, description: 'merged: a key set to null is removed; each value checked against its definition' }),
    ),
    tags: Type.Optional(Type.Array(TagName, { maxItems: L.tagsPerCustomer, description: 'replaces the customer’s tags' })),
    topics: Type.Optional(
      Type.Record(Type.String({ pattern: '^[1-9][0-9]{0,9}$' }), LiteralUnion(['subscribed', 'unsubscribed'] as const), {
        maxProperties: 100,
        description: '{topic_id: status}',
      }),
    ),
  },
  strict,
);

// ---- Tags

export const TagList = Type.Object({ data: Type.Array(Type.Object({ name: Type.String(), customers: Type.Integer() })) });
export const RetagBody = Type.Object(
  {
    add: Type.Optional(Type.Array(TagName, { maxItems: L.bulkTags })),
    remove: Type.Optional(Type.Array(TagName, { maxItems: L.bulkTags })),
    ids: Type.Optional(Type.Array(Id, { minItems: 1, maxItems: L.bulkIds })),
    segment_id: Type.Optional(Id),
  },
  strict,
);
export const RetagResponse = Type.Object({ changed: Type.Integer({ description: 'tag assignments added or removed' }) });
