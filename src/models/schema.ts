import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  datetime,
  index,
  int,
  json,
  mediumtext,
  mysqlEnum,
  mysqlTable,
  primaryKey,
  smallint,
  tinyint,
  uniqueIndex,
  varchar,
} from 'drizzle-orm/mysql-core';
import { CAMPAIGN_STATUSES, CAMPAIGN_TYPES, DELIVERY_STATUSES } from '../domain/campaign.ts';
import { DELIVERY_EVENT_KINDS, DELIVERY_EVENT_SOURCES, EVENT_DETAIL_MAX, SUPPRESSION_REASONS } from '../domain/deliverability.ts';
import { EMAIL_MAX, EVENT_ID_MAX, SUPPRESSION_SOURCES } from '../domain/suppression.ts';
import {
  ATTRIBUTE_KEY_MAX,
  ATTRIBUTE_LABEL_MAX,
  ATTRIBUTE_TYPES,
  CONSENT_SOURCE_MAX,
  CUSTOMER_ORIGINS,
  DESCRIPTION_MAX,
  EXTERNAL_ID_MAX,
  SEGMENT_NAME_MAX,
  TAG_NAME_MAX,
  TOPIC_NAME_MAX,
  TOPIC_STATUSES,
} from '../domain/customer.ts';
import { USER_STATUSES } from '../domain/types.ts';

const now = sql`CURRENT_TIMESTAMP(3)`;
const createdAt = () => datetime('created_at', { mode: 'date', fsp: 3 }).notNull().default(now);
const updatedAt = () => datetime('updated_at', { mode: 'date', fsp: 3 }).notNull().default(now);

export const roles = mysqlTable('roles', {
  id: tinyint('id', { unsigned: true }).primaryKey(),
  name: varchar('name', { length: 32 }).notNull().unique(),
});

export const permissions = mysqlTable('permissions', {
  id: smallint('id', { unsigned: true }).autoincrement().primaryKey(),
  name: varchar('name', { length: 64 }).notNull().unique(),
});

export const rolePermissions = mysqlTable(
  'role_permissions',
  {
    roleId: tinyint('role_id', { unsigned: true })
      .notNull()
      .references(() => roles.id, { onDelete: 'cascade' }),
    permissionId: smallint('permission_id', { unsigned: true })
      .notNull()
      .references(() => permissions.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.roleId, t.permissionId] })],
);

export const users = mysqlTable(
  'users',
  {
    id: int('id', { unsigned: true }).autoincrement().primaryKey(),
    email: varchar('email', { length: 254 }).notNull().unique(),
    passwordHash: varchar('password_hash', { length: 255 }).notNull(),
    firstName: varchar('first_name', { length: 100 }).notNull(),
    lastName: varchar('last_name', { length: 100 }).notNull(),
    roleId: tinyint('role_id', { unsigned: true })
      .notNull()
      .references(() => roles.id),
    status: mysqlEnum('status', USER_STATUSES).notNull().default('active'),
    emailOptIn: boolean('email_opt_in').notNull().default(true),
    // Customer data (read only by the customer queries and the segment filter, not by the user cache).
    // Another system's key, unique byte for byte (utf8mb4_bin, set in the migration).
    externalId: varchar('external_id', { length: EXTERNAL_ID_MAX }).unique(),
    origin: mysqlEnum('origin', CUSTOMER_ORIGINS).notNull().default('signup'),
    // {key: value} of defined attributes only, each of its definition's type; ≤ ATTRIBUTES_MAX_BYTES.
    attributes: json('attributes').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('users_role_status_idx').on(t.roleId, t.status, t.emailOptIn, t.id)],
);

export const auditEvents = mysqlTable(
  'audit_events',
  {
    id: bigint('id', { mode: 'number', unsigned: true }).autoincrement().primaryKey(),
    actorId: int('actor_id', { unsigned: true }),
    action: varchar('action', { length: 64 }).notNull(),
    targetType: varchar('target_type', { length: 32 }).notNull(),
    targetId: int('target_id', { unsigned: true }),
    details: json('details').$type<Record<string, unknown>>(),
    createdAt: createdAt(),
  },
  (t) => [
    index('audit_events_target_idx').on(t.targetType, t.targetId),
    index('audit_events_created_idx').on(t.createdAt),
    index('audit_events_actor_idx').on(t.actorId),
  ],
);

export const campaigns = mysqlTable(
  'campaigns',
  {
    id: int('id', { unsigned: true }).autoincrement().primaryKey(),
    // Random, given at creation: makes Message-IDs unique across deployments and re-created databases.
    messageKey: varchar('message_key', { length: 32 }).notNull(),
    type: mysqlEnum('type', CAMPAIGN_TYPES).notNull(),
    title: varchar('title', { length: 255 }).notNull(),
    // Equal to title while the campaign is live, NULL once deleted: keeps titles unique among live campaigns.
    liveTitle: varchar('live_title', { length: 255 }).unique(),
    description: varchar('description', { length: 2000 }).notNull().default(''),
    remarks: varchar('remarks', { length: 2000 }).notNull().default(''),
    subject: varchar('subject', { length: 255 }).notNull(),
    bodyHtml: mediumtext('body_html').notNull(),
    bodyText: mediumtext('body_text').notNull(),
    promoCode: varchar('promo_code', { length: 64 }),
    startTime: datetime('start_time', { mode: 'date', fsp: 3 }),
    endTime: datetime('end_time', { mode: 'date', fsp: 3 }),
    status: mysqlEnum('status', CAMPAIGN_STATUSES).notNull().default('draft'),
    // Starts at 1 and grows by one on every edit; approve/reject name the version the reviewer saw.
    version: int('version', { unsigned: true }).notNull().default(1),
    rejectionReason: varchar('rejection_reason', { length: 2000 }),
    createdBy: int('created_by', { unsigned: true }).references(() => users.id, { onDelete: 'set null' }),
    updatedBy: int('updated_by', { unsigned: true }).references(() => users.id, { onDelete: 'set null' }),
    approvedBy: int('approved_by', { unsigned: true }).references(() => users.id, { onDelete: 'set null' }),
    approvedAt: datetime('approved_at', { mode: 'date', fsp: 3 }),
    startedAt: datetime('started_at', { mode: 'date', fsp: 3 }),
    completedAt: datetime('completed_at', { mode: 'date', fsp: 3 }),
    // Fan-out checkpoint: the highest user id whose ledger row exists; fanoutDone once the audience is exhausted.
    fanoutCursor: int('fanout_cursor', { unsigned: true }).notNull().default(0),
    fanoutDone: boolean('fanout_done').notNull().default(false),
    // Ledger counts, kept in the same transactions that change the ledger, so stats are one row read.
    statRecipients: int('stat_recipients', { unsigned: true }).notNull().default(0),
    statPending: int('stat_pending', { unsigned: true }).notNull().default(0),
    statSent: int('stat_sent', { unsigned: true }).notNull().default(0),
    statFailed: int('stat_failed', { unsigned: true }).notNull().default(0),
    statSkipped: int('stat_skipped', { unsigned: true }).notNull().default(0),
    statBounced: int('stat_bounced', { unsigned: true }).notNull().default(0),
    statComplained: int('stat_complained', { unsigned: true }).notNull().default(0),
    deletedAt: datetime('deleted_at', { mode: 'date', fsp: 3 }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('campaigns_status_idx').on(t.status, t.id),
    index('campaigns_created_by_idx').on(t.createdBy),
    // Lists sorted by last change (the approval queue: pending campaigns, oldest submission first).
    index('campaigns_status_updated_idx').on(t.status, t.updatedAt, t.id),
    index('campaigns_updated_idx').on(t.updatedAt, t.id),
  ],
);

export const campaignDeliveries = mysqlTable(
  'campaign_deliveries',
  {
    campaignId: int('campaign_id', { unsigned: true })
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    userId: int('user_id', { unsigned: true }).notNull(),
    email: varchar('email', { length: 254 }).notNull(),
    batchNo: int('batch_no', { unsigned: true }).notNull(),
    status: mysqlEnum('status', DELIVERY_STATUSES).notNull().default('pending'),
    attempts: smallint('attempts', { unsigned: true }).notNull().default(0),
    lastError: varchar('last_error', { length: 1000 }),
    sentAt: datetime('sent_at', { mode: 'date', fsp: 3 }),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.campaignId, t.userId] }),
    index('campaign_deliveries_batch_idx').on(t.campaignId, t.batchNo, t.status),
    index('campaign_deliveries_status_idx').on(t.campaignId, t.status, t.batchNo),
    // The timeline: the latest outcome of each status, and the outcomes since a time, from the index alone.
    index('campaign_deliveries_outcome_idx').on(t.campaignId, t.status, t.updatedAt),
  ],
);

/**
 * Addresses no campaign mails. The email's collation is the users table's, so the audience's
 * `suppressions.email = users.email` compares them as MySQL compares users' addresses (case-insensitively).
 */
export const suppressions = mysqlTable('suppressions', {
  email: varchar('email', { length: EMAIL_MAX }).primaryKey(),
  reason: mysqlEnum('reason', SUPPRESSION_REASONS).notNull(),
  source: mysqlEnum('source', SUPPRESSION_SOURCES).notNull(),
  detail: varchar('detail', { length: EVENT_DETAIL_MAX }).notNull().default(''),
  campaignId: int('campaign_id', { unsigned: true }).references(() => campaigns.id, { onDelete: 'set null' }),
  createdBy: int('created_by', { unsigned: true }).references(() => users.id, { onDelete: 'set null' }),
  createdAt: createdAt(),
});

/** Bounces and complaints received, once each (source + event id): the dedupe, and the soft-bounce count per address. */
export const deliveryEvents = mysqlTable(
  'delivery_events',
  {
    id: bigint('id', { mode: 'number', unsigned: true }).autoincrement().primaryKey(),
    source: mysqlEnum('source', DELIVERY_EVENT_SOURCES).notNull(),
    // Compared byte for byte: two providers' ids that differ only in case are two events.
    eventId: varchar('event_id', { length: EVENT_ID_MAX }).notNull(),
    kind: mysqlEnum('kind', DELIVERY_EVENT_KINDS).notNull(),
    email: varchar('email', { length: EMAIL_MAX }),
    campaignId: int('campaign_id', { unsigned: true }),
    userId: int('user_id', { unsigned: true }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('delivery_events_source_event_idx').on(t.source, t.eventId),
    index('delivery_events_email_kind_idx').on(t.email, t.kind, t.createdAt),
    // Pruning past EVENT_RETENTION_DAYS.
    index('delivery_events_created_idx').on(t.createdAt),
  ],
);

/** What a customer attribute may hold; users.attributes holds only defined keys. */
export const attributeDefinitions = mysqlTable('attribute_definitions', {
  key: varchar('key', { length: ATTRIBUTE_KEY_MAX }).primaryKey(),
  label: varchar('label', { length: ATTRIBUTE_LABEL_MAX }).notNull(),
  type: mysqlEnum('type', ATTRIBUTE_TYPES).notNull(),
  // The allowed values of an `enum` attribute; NULL for every other type.
  options: json('options').$type<string[]>(),
  indexed: boolean('indexed').notNull().default(false),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/**
 * Tag names keep their bytes (utf8mb4_bin); `name_key`, LOWER(name) stored, is unique: "VIP" and "vip"
 * are one tag, "Ärger" and "arger" two (migration 0010).
 */
export const tags = mysqlTable('tags', {
  id: int('id', { unsigned: true }).autoincrement().primaryKey(),
  name: varchar('name', { length: TAG_NAME_MAX }).notNull(),
  nameKey: varchar('name_key', { length: TAG_NAME_MAX })
    .generatedAlwaysAs(sql`LOWER(\`name\`)`, { mode: 'stored' })
    .unique('tags_name_key_unique'),
});

export const customerTags = mysqlTable(
  'customer_tags',
  {
    userId: int('user_id', { unsigned: true })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    tagId: int('tag_id', { unsigned: true })
      .notNull()
      .references(() => tags.id, { onDelete: 'cascade' }),
  },
  // The key answers "has this customer the tag"; the index, "who has the tag".
  (t) => [primaryKey({ columns: [t.userId, t.tagId] }), index('customer_tags_tag_idx').on(t.tagId)],
);

/** What a customer subscribes to; topic 1, General, is created by the migration. */
export const topics = mysqlTable('topics', {
  id: int('id', { unsigned: true }).autoincrement().primaryKey(),
  name: varchar('name', { length: TOPIC_NAME_MAX }).notNull().unique(),
  description: varchar('description', { length: DESCRIPTION_MAX }).notNull().default(''),
  doubleOptIn: boolean('double_opt_in').notNull().default(false),
  subscribeOnSignup: boolean('subscribe_on_signup').notNull().default(true),
  createdBy: int('created_by', { unsigned: true }).references(() => users.id, { onDelete: 'set null' }),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const topicSubscriptions = mysqlTable(
  'topic_subscriptions',
  {
    topicId: int('topic_id', { unsigned: true })
      .notNull()
      .references(() => topics.id, { onDelete: 'cascade' }),
    userId: int('user_id', { unsigned: true })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    status: mysqlEnum('status', TOPIC_STATUSES).notNull(),
    source: varchar('source', { length: CONSENT_SOURCE_MAX }).notNull(),
    changedAt: datetime('changed_at', { mode: 'date', fsp: 3 }).notNull().default(now),
  },
  // Topic first: a topic's subscribers are one range of the key; the index serves a customer's topics.
  (t) => [primaryKey({ columns: [t.topicId, t.userId] }), index('topic_subscriptions_user_idx').on(t.userId)],
);

/**
 * Every change of a customer's topic status or global opt-in (topic_id NULL), appended, never
 * updated. topic_id has no foreign key: the record outlives a deleted topic.
 */
export const consentEvents = mysqlTable(
  'consent_events',
  {
    id: bigint('id', { mode: 'number', unsigned: true }).autoincrement().primaryKey(),
    userId: int('user_id', { unsigned: true })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    topicId: int('topic_id', { unsigned: true }),
    status: mysqlEnum('status', TOPIC_STATUSES).notNull(),
    source: varchar('source', { length: CONSENT_SOURCE_MAX }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('consent_events_user_idx').on(t.userId, t.id)],
);

/** Saved filters over customers (src/domain/segment-filter.ts); `version` grows by one on every edit. */
export const segments = mysqlTable('segments', {
  id: int('id', { unsigned: true }).autoincrement().primaryKey(),
  name: varchar('name', { length: SEGMENT_NAME_MAX }).notNull().unique(),
  description: varchar('description', { length: DESCRIPTION_MAX }).notNull().default(''),
  filter: json('filter').$type<unknown>().notNull(),
  version: int('version', { unsigned: true }).notNull().default(1),
  createdBy: int('created_by', { unsigned: true }).references(() => users.id, { onDelete: 'set null' }),
  updatedBy: int('updated_by', { unsigned: true }).references(() => users.id, { onDelete: 'set null' }),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});
