import type { AuditEntry, AuditRecord } from './audit.ts';
import type { CampaignRecord, CampaignSort, CampaignStatus, CampaignSummary, CampaignType, DeliveryStatus } from './campaign.ts';
import type { DeliveryEventKind, DeliveryEventSource, SuppressionReason } from './deliverability.ts';
import type { SuppressionRecord, SuppressionSource } from './suppression.ts';
import type { Page, PageWindow } from './paging.ts';
import type { TimelineRows, TimelineUnit } from './timeline.ts';
import type { UserProfile, UserRecord, UserStatus } from './types.ts';
import type { AttributeDefinition, CustomerOrigin, TopicStatus } from './customer.ts';
import type { Filter } from './segment-filter.ts';

export interface NewUser {
  email: string;
  passwordHash: string;
  firstName: string;
  lastName: string;
  roleId: number;
}

export interface UserPatch {
  firstName?: string;
  lastName?: string;
  roleId?: number;
  status?: UserStatus;
  emailOptIn?: boolean;
  passwordHash?: string;
}

export interface UserQuery extends PageWindow {
  roleId?: number;
  q?: string;
}

/** The users table; the only writer of it. */
export interface UserRepository {
  /** The full row, password hash included, always from the database. */
  findById(id: number): Promise<UserRecord | undefined>;
  /** The user without the password hash: what requests read on every call, from the cache when there is one. */
  profile(id: number): Promise<UserProfile | undefined>;
  findByEmail(email: string): Promise<UserRecord | undefined>;
  /** Throws CONFLICT (EMAIL_TAKEN) when the email is in use. */
  create(input: NewUser): Promise<UserRecord>;
  /** Applies the patch and writes the audit entries in one transaction; the user afterwards, if any. */
  update(id: number, patch: UserPatch, audit?: AuditEntry[]): Promise<UserRecord | undefined>;
  /** Deletes the user and writes the audit entries in one transaction; false when there was no such user. */
  delete(id: number, audit?: AuditEntry[]): Promise<boolean>;
  list(query: UserQuery): Promise<Page<UserRecord>>;
  existsWithRole(roleId: number): Promise<boolean>;
}

/** The role → permission matrix. */
export interface PermissionRepository {
  matrix(): Promise<Map<number, Set<string>>>;
}

export interface AuditQuery extends PageWindow {
  action?: string;
  actorId?: number;
  targetType?: string;
  targetId?: number;
}

/** The audit log: appended to, never changed. */
export interface AuditRepository {
  append(entry: AuditEntry): Promise<void>;
  list(query: AuditQuery): Promise<Page<AuditRecord>>;
}

/** What a user writes; everything else on a campaign is set by its lifecycle. */
export type CampaignFields = Pick<
  CampaignRecord,
  'type' | 'title' | 'description' | 'remarks' | 'subject' | 'bodyHtml' | 'bodyText' | 'promoCode' | 'startTime' | 'endTime'
>;

/** What a transition may set: the written fields and the lifecycle's own. */
export type CampaignPatch = Partial<
  CampaignFields & Pick<CampaignRecord, 'status' | 'rejectionReason' | 'updatedBy' | 'approvedBy' | 'approvedAt' | 'startedAt' | 'completedAt'>
>;

/** A change's audit entry, or one made from the campaign's version once changed (an edit's, read under the row lock). */
export type CampaignAudit = AuditEntry | ((after: { version: number }) => AuditEntry);

/** Conditions on a campaign's version, checked under the same row lock as the change. */
export interface VersionGuard {
  /** The change applies only to this version; another one → STALE_VERSION. */
  expect?: number;
  /** The change is an edit: the version grows by one. */
  bump?: boolean;
}

export interface CampaignQuery extends PageWindow {
  status?: CampaignStatus;
  type?: CampaignType;
  createdBy?: number;
  /** Part of the title, matched case-insensitively and literally (no wildcards). */
  q?: string;
  /** Customers' view: sending or completed, offer not ended at `now`. */
  publicAt?: Date;
  /** The order (default `-created_at`); ties fall back on the id in the same direction. */
  sort?: CampaignSort;
}

/** The campaigns table. Status changes are conditional: they name the statuses they leave from. */
export interface CampaignRepository {
  findById(id: number): Promise<CampaignRecord | undefined>;
  /** Throws CONFLICT (TITLE_TAKEN) when a live campaign has the title. */
  create(fields: CampaignFields, userId: number): Promise<CampaignRecord>;
  /**
   * Applies `set` when the campaign is in one of `from` (and at the version `version.expect`, if
   * given), with its audit entry in the same transaction; false when it was not (or is gone).
   */
  transition(id: number, from: readonly CampaignStatus[], set: CampaignPatch, audit?: CampaignAudit, version?: VersionGuard): Promise<boolean>;
  softDelete(id: number, from: readonly CampaignStatus[], userId: number): Promise<boolean>;
  list(query: CampaignQuery): Promise<Page<CampaignSummary>>;
  /** Campaigns the reconciler watches: approved and not finished. */
  active(): Promise<CampaignRecord[]>;
  statusOf(id: number): Promise<CampaignStatus | undefined>;
}

/** One row of a campaign's ledger, as lists show it. */
export interface LedgerRow {
  userId: number;
  email: string;
  status: DeliveryStatus;
  attempts: number;
  lastError: string | null;
  sentAt: Date | null;
}

/** A ledger row the fan-out writes. */
export interface NewLedgerRow {
  userId: number;
  email: string;
  batchNo: number;
}

/** A recipient's current data, and whether they are still in the audience. */
export interface Recipient {
  id: number;
  email: string;
  firstName: string;
  lastName: string;
  eligible: boolean;
  /** On the suppression list (then not eligible either). */
  suppressed: boolean;
}

export interface DeliveryQuery extends PageWindow {
  campaignId: number;
  status?: DeliveryStatus;
  /** Part of the address, matched case-insensitively and literally (no wildcards). */
  q?: string;
}

/**
 * The per-recipient ledger: who is owed a message, and what happened to it. Every status change
 * moves the campaign's counters in the same transaction, so stats always equal the ledger.
 */
export interface DeliveryRepository {
  /** One keyset page of the audience: users in AUDIENCE with id > afterId, by id. */
  audiencePage(afterId: number, limit: number): Promise<{ id: number; email: string }[]>;
  /** How many users are in AUDIENCE now, counted without loading them. */
  audienceCount(): Promise<number>;
  /** Current data of the given users, with whether they are still in the audience. */
  recipients(ids: number[]): Promise<Map<number, Recipient>>;
  /**
   * Writes a page of ledger rows and moves the campaign's cursor in one transaction, only if the
   * cursor is still at `fromCursor`; false when another dispatcher moved it first.
   */
  savePage(campaignId: number, fromCursor: number, rows: NewLedgerRow[], toCursor: number, done: boolean): Promise<boolean>;
  pendingInBatch(campaignId: number, batchNo: number): Promise<{ userId: number }[]>;
  pendingBatches(campaignId: number): Promise<number[]>;
  /** Records accepted messages; a row skipped meanwhile becomes sent too, since the message did go out. */
  markSent(campaignId: number, userIds: number[]): Promise<void>;
  markFailed(campaignId: number, userId: number, error: string): Promise<void>;
  /** Records a failed attempt that will be retried; the row stays pending. */
  markAttempt(campaignId: number, userId: number, error: string): Promise<void>;
  markSkipped(campaignId: number, userId: number, reason: string): Promise<void>;
  /**
   * Ends a campaign that is in one of `from` and marks what is still pending skipped, in one
   * transaction with its audit entry; how many rows were skipped, or null when it was not in `from`.
   */
  endCampaign(
    campaignId: number,
    from: readonly CampaignStatus[],
    status: 'completed' | 'cancelled',
    reason: string,
    audit: (skipped: number) => AuditEntry,
  ): Promise<number | null>;
  list(query: DeliveryQuery): Promise<Page<LedgerRow>>;
  /**
   * The campaign's outcomes per `unit` of time they happened in: the buckets that have some, within
   * the `maxBuckets` buckets that end with the latest outcome, and when the first outcome happened;
   * null before any outcome.
   */
  timeline(campaignId: number, unit: TimelineUnit, maxBuckets: number): Promise<TimelineRows | null>;
}

/** A ledger row a bounce or complaint may be about, with its campaign's Message-ID key. */
export interface EventTarget {
  campaignId: number;
  userId: number;
  /** The address the message went to. */
  email: string;
  status: DeliveryStatus;
  messageKey: string;
}

/** A suppression list entry to add. */
export interface NewSuppression {
  email: string;
  reason: SuppressionReason;
  source: SuppressionSource;
  detail: string;
  campaignId: number | null;
  createdBy: number | null;
}

/** What one event does, applied in one transaction (and the campaign's row locked first, when there is a row). */
export interface EventChange {
  event: {
    source: DeliveryEventSource;
    eventId: string;
    kind: DeliveryEventKind;
    email: string | null;
    campaignId: number | null;
    userId: number | null;
  };
  /** The ledger row to move from `sent` to `status` (its counters with it). */
  row?: { campaignId: number; userId: number; status: 'bounced' | 'complained'; detail: string };
  /** The address to put on the suppression list, unless it is there already. */
  suppress?: NewSuppression;
  /** The user whose email_opt_in turns off (a complaint). */
  optOutUserId?: number;
  /** The audit entries, given what changed. */
  audit: (changed: { row: boolean; suppressed: boolean; optedOut: boolean }) => AuditEntry[];
}

export interface SuppressionQuery extends PageWindow {
  /** Part of the address, matched case-insensitively and literally. */
  q?: string;
  reason?: SuppressionReason;
}

/** Received bounces and complaints, and the suppression list. */
export interface DeliverabilityRepository {
  /** The ledger row of (campaign, user) of a live campaign, or undefined. */
  target(campaignId: number, userId: number): Promise<EventTarget | undefined>;
  /**
   * The latest `sent` row addressed to `email` among the `recentCampaigns` latest campaigns that
   * started (primary-key lookups only), or undefined.
   */
  latestSentTo(email: string, recentCampaigns: number): Promise<EventTarget | undefined>;
  /** The id of the user with this address, if any. */
  userIdByEmail(email: string): Promise<number | undefined>;
  /**
   * Records the event and applies the change in one transaction; 'duplicate' (nothing changed)
   * when an event with the same source and id was recorded before.
   */
  apply(change: EventChange): Promise<'applied' | 'duplicate'>;
  /** Soft bounces recorded for `email` since `since`. */
  softBounces(email: string, since: Date): Promise<number>;
  /** Deletes at most `limit` of the events received before `before` (oldest first); how many it deleted. */
  pruneEvents(before: Date, limit: number): Promise<number>;
  /** Adds the entry with its audit entry, unless the address is listed already: false then, and nothing changed. */
  suppress(entry: NewSuppression, audit: AuditEntry): Promise<boolean>;
  /** Removes the address with its audit entry, and forgets its soft bounces; false when it was not listed. */
  unsuppress(email: string, audit: AuditEntry): Promise<boolean>;
  findSuppression(email: string): Promise<SuppressionRecord | undefined>;
  listSuppressions(query: SuppressionQuery): Promise<Page<SuppressionRecord>>;
}

// ---- Audiences: attribute definitions, topics, segments, customers (see src/domain/customer.ts).

export interface TopicRecord {
  id: number;
  name: string;
  description: string;
  doubleOptIn: boolean;
  subscribeOnSignup: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface SegmentRecord {
  id: number;
  name: string;
  description: string;
  filter: Filter;
  version: number;
  createdBy: number | null;
  updatedBy: number | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface TopicSubscription {
  topicId: number;
  status: TopicStatus;
  source: string;
  changedAt: Date;
}

/** A customer: the user's profile and their customer data. */
export interface CustomerRecord extends UserProfile {
  externalId: string | null;
  origin: CustomerOrigin;
  attributes: Record<string, unknown>;
  tags: string[];
  topics: TopicSubscription[];
}

/** Attribute definitions (at most ATTRIBUTES_MAX of them). */
export interface AttributeRepository {
  list(): Promise<AttributeDefinition[]>;
  find(key: string): Promise<AttributeDefinition | undefined>;
  /** Throws CONFLICT when the key exists. */
  create(def: AttributeDefinition, audit: AuditEntry): Promise<void>;
  update(key: string, patch: { label?: string; options?: string[] }, audit: AuditEntry): Promise<boolean>;
  delete(key: string, audit: AuditEntry): Promise<boolean>;
}

export interface TopicRepository {
  list(): Promise<TopicRecord[]>;
  find(id: number): Promise<TopicRecord | undefined>;
  /** Throws CONFLICT (NAME_TAKEN) when the name is in use. */
  create(input: { name: string; description: string; doubleOptIn: boolean; subscribeOnSignup: boolean; createdBy: number }, audit: (id: number) => AuditEntry): Promise<number>;
  update(id: number, patch: { name?: string; description?: string; doubleOptIn?: boolean; subscribeOnSignup?: boolean }, audit: AuditEntry): Promise<boolean>;
  delete(id: number, audit: AuditEntry): Promise<boolean>;
}

export interface SegmentQuery extends PageWindow {
  q?: string;
}

/** What a compiled filter needs besides itself: the definitions and every segment it reaches. */
export interface FilterScope {
  attributes: ReadonlyMap<string, AttributeDefinition>;
  segments: ReadonlyMap<number, Filter>;
  now: Date;
}

export interface SegmentRepository {
  list(q: SegmentQuery): Promise<Page<SegmentRecord>>;
  find(id: number): Promise<SegmentRecord | undefined>;
  /** The filters of the given segments and of every segment they reach, by id (unknown ids left out). */
  reach(ids: number[]): Promise<Map<number, Filter>>;
  /** Ids of the segments whose filters name the given segment. */
  namedBy(id: number): Promise<number[]>;
  /** Whether any segment's filter names the attribute. */
  usesAttribute(key: string): Promise<boolean>;
  /** Whether any segment's filter names the topic. */
  usesTopic(id: number): Promise<boolean>;
  /** Throws CONFLICT (NAME_TAKEN) when the name is in use. */
  create(input: { name: string; description: string; filter: Filter; createdBy: number }, audit: (id: number) => AuditEntry): Promise<number>;
  /** Moves the version on by one; false when the segment is gone. Throws CONFLICT (NAME_TAKEN). */
  update(id: number, patch: { name?: string; description?: string; filter?: Filter; updatedBy: number }, audit: AuditEntry): Promise<boolean>;
  delete(id: number, audit: AuditEntry): Promise<boolean>;
  /** How many customers (role 3) the filter matches; 503 TRY_AGAIN past the statement limit. */
  count(filter: Filter, scope: FilterScope): Promise<number>;
}

export interface CustomerQuery extends PageWindow {
  q?: string;
  tag?: string;
  topicId?: number;
  status?: UserStatus;
  /** A checked segment filter and its scope. */
  segment?: { filter: Filter; scope: FilterScope };
}

export interface CustomerChange {
  firstName?: string;
  lastName?: string;
  externalId?: string | null;
  emailOptIn?: boolean;
  /** The whole new attributes object (merged by the service). */
  attributes?: Record<string, unknown>;
  /** Replaces the customer's tags (names already checked). */
  tags?: string[];
  topics?: Map<number, 'subscribed' | 'unsubscribed'>;
  /** The consent source of topic and opt-in changes (`admin:<id>`). */
  source: string;
}

export interface CustomerRepository {
  /** A customer (role 3) with their data; undefined for staff or nobody. */
  find(id: number): Promise<CustomerRecord | undefined>;
  list(q: CustomerQuery): Promise<Page<CustomerRecord>>;
  /**
   * Applies the change in one transaction: consent events for every topic or opt-in change that
   * changes something, and the audit entry (given what changed). Throws CONFLICT (EXTERNAL_ID_TAKEN).
   */
  update(id: number, change: CustomerChange, audit: (changed: Record<string, unknown>) => AuditEntry): Promise<boolean>;
  /** Tags and their customers. */
  tags(): Promise<{ name: string; customers: number }[]>;
  /** Adds and removes tags on customers (ids, or a segment's members); how many customers changed. */
  retag(target: { ids: number[] } | { filter: Filter; scope: FilterScope }, add: string[], remove: string[], audit: (changed: number) => AuditEntry): Promise<number>;
}
