import { randomBytes } from 'node:crypto';
import { and, asc, count, desc, eq, getTableColumns, gt, inArray, isNull, or, sql, type SQL } from 'drizzle-orm';
import type { MySqlUpdateSetSource } from 'drizzle-orm/mysql-core';
import type { Db } from '../conn/mysql.ts';
import { PUBLIC_STATUSES, type CampaignRecord, type CampaignSort, type CampaignStatus } from '../domain/campaign.ts';
import { ConflictError, StaleVersionError } from '../domain/errors.ts';
import type { CampaignAudit, CampaignFields, CampaignPatch, CampaignQuery, CampaignRepository, VersionGuard } from '../domain/repositories.ts';
import type { ListCache } from '../domain/stores.ts';
import { campaigns } from '../models/schema.ts';
import { insertAudit } from './audit.repository.ts';
import { isDuplicateKey } from './errors.ts';
import { paged } from './paging.ts';
import { contains } from './search.ts';

const TITLE_TAKEN = 'A campaign with this title already exists';
const live = isNull(campaigns.deletedAt);
const {
  deletedAt: _d,
  liveTitle: _l,
  statRecipients: recipients,
  statPending: pending,
  statSent: sent,
  statFailed: failed,
  statSkipped: skipped,
  statBounced: bounced,
  statComplained: complained,
  ...fields
} = getTableColumns(campaigns);
// Drizzle builds each row with its `stats` in place: copying rows with rest and spread to regroup
// them cost about 4 µs a row (a list page of 100 rows spent more there than in the query).
const columns = { ...fields, stats: { recipients, pending, sent, failed, skipped, bounced, complained } };
// A list page reads no bodies: it stays small whatever they hold.
const { bodyHtml: _h, bodyText: _t, ...summaryColumns } = columns;

/** A Drizzle handle that runs in a transaction: the campaign repository's own, or a ledger transaction's. */
export type CampaignTx = Pick<Db, 'select' | 'update'>;

/**
 * The one way a campaign's row leaves a status: within the caller's transaction, the row is locked
 * by primary key before anything else (the order every ledger transaction uses too: an
 * `UPDATE … WHERE status IN (…)` may walk the status index first and deadlock against a writer that
 * holds the row), then `set` applies if the campaign is live, in one of `from` and, when
 * `version.expect` is given, at that version (else STALE_VERSION). The campaign's version after
 * the change, or false when it did not apply.
 */
export async function updateCampaignFrom(
  tx: CampaignTx,
  id: number,
  from: readonly CampaignStatus[],
  set: MySqlUpdateSetSource<typeof campaigns>,
  version: VersionGuard = {},
): Promise<number | false> {
  const [row] = await tx
    .select({ status: campaigns.status, version: campaigns.version })
    .from(campaigns)
    .where(and(eq(campaigns.id, id), live))
    .for('update');
  if (!row || !from.includes(row.status)) return false;
  if (version.expect !== undefined && row.version !== version.expect) throw new StaleVersionError(row.version, version.expect);
  await tx
    .update(campaigns)
    .set(version.bump ? { ...set, version: sql`${campaigns.version} + 1` } : set)
    .where(eq(campaigns.id, id));
  return version.bump ? row.version + 1 : row.version;
}

/**
 * The ORDER BY of a sort, always ending on the id so that pages never overlap or skip a row. Each
 * walks an index: creation order is the primary key's (ids grow with creation), last change is
 * `campaigns_updated_idx`, or `campaigns_status_updated_idx` under a status filter (the approval queue).
 */
function orderOf(sort: CampaignSort = '-created_at'): SQL[] {
  const dir = sort.startsWith('-') ? desc : asc;
  return sort.endsWith('updated_at') ? [dir(campaigns.updatedAt), dir(campaigns.id)] : [dir(campaigns.id)];
}

/**
 * Queries on the campaigns table. Status changes are conditional updates: they name the statuses
 * they leave from. With `lists`, staff list pages are served from it and every write here tells it.
 */
export function createCampaignRepository({ db, lists }: { db: Db; lists?: ListCache }): CampaignRepository {
  const byId = db.select(columns).from(campaigns).where(and(eq(campaigns.id, sql.placeholder('id')), live)).limit(1).prepare();

  async function findById(id: number): Promise<CampaignRecord | undefined> {
    const [row] = await byId.execute({ id });
    return row;
  }

  async function guardTitle<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (isDuplicateKey(err)) throw new ConflictError(TITLE_TAKEN, 'TITLE_TAKEN');
      throw err;
    }
  }

  /** updateCampaignFrom in a transaction of its own, with the audit entry (if any) committed alongside. */
  async function updateFrom(
    id: number,
    from: readonly CampaignStatus[],
    set: MySqlUpdateSetSource<typeof campaigns>,
    audit?: CampaignAudit,
    version: VersionGuard = {},
  ): Promise<boolean> {
    const done = await db.transaction(
      async (tx) => {
        const after = await updateCampaignFrom(tx, id, from, set, version);
        if (after === false) return false;
        if (audit) await insertAudit(tx, [typeof audit === 'function' ? audit({ version: after }) : audit]);
        return true;
      },
      { isolationLevel: 'read committed' },
    );
    if (done) await lists?.changed();
    return done;
  }

  async function query(q: CampaignQuery) {
    const filters: SQL[] = [live];
    if (q.status) filters.push(eq(campaigns.status, q.status));
    if (q.type) filters.push(eq(campaigns.type, q.type));
    if (q.createdBy !== undefined) filters.push(eq(campaigns.createdBy, q.createdBy));
    if (q.q) filters.push(contains(campaigns.title, q.q));
    if (q.publicAt) {
      filters.push(inArray(campaigns.status, [...PUBLIC_STATUSES]));
      filters.push(or(isNull(campaigns.endTime), gt(campaigns.endTime, q.publicAt))!);
    }
    const where = and(...filters);
    const { rows, total } = await paged(
      q,
      (limit, offset) => db.select(summaryColumns).from(campaigns).where(where).orderBy(...orderOf(q.sort)).limit(limit).offset(offset),
      db.select({ n: count() }).from(campaigns).where(where),
    );
    return { rows, total };
  }

  return {
    findById,

    async create(fields: CampaignFields, userId: number): Promise<CampaignRecord> {
      const [{ id }] = (await guardTitle(() =>
        db
          .insert(campaigns)
          .values({ ...fields, messageKey: randomBytes(16).toString('hex'), liveTitle: fields.title, createdBy: userId, updatedBy: userId })
          .$returningId(),
      )) as [{ id: number }];
      await lists?.changed();
      return (await findById(id))!;
    },

    transition(id: number, from: readonly CampaignStatus[], set: CampaignPatch, audit?: CampaignAudit, version?: VersionGuard): Promise<boolean> {
      const patch = { ...set, ...(set.title !== undefined ? { liveTitle: set.title } : {}), updatedAt: sql`CURRENT_TIMESTAMP(3)` };
      return guardTitle(() => updateFrom(id, from, patch, audit, version));
    },

    softDelete(id: number, from: readonly CampaignStatus[], userId: number): Promise<boolean> {
      return updateFrom(id, from, { deletedAt: sql`CURRENT_TIMESTAMP(3)`, liveTitle: null, updatedBy: userId });
    },

    list(q: CampaignQuery) {
      // A customer's page depends on the time (offers that ended drop out): always read.
      if (!lists || q.publicAt) return query(q);
      // Every field of the query is in the key (the handler builds them in one order).
      return lists.read(JSON.stringify(q), () => query(q));
    },

    active(): Promise<CampaignRecord[]> {
      return db
        .select(columns)
        .from(campaigns)
        .where(and(live, inArray(campaigns.status, ['scheduled', 'sending', 'paused'])));
    },

    async statusOf(id: number): Promise<CampaignStatus | undefined> {
      const [row] = await db.select({ status: campaigns.status }).from(campaigns).where(eq(campaigns.id, id)).limit(1);
      return row?.status;
    },
  };
}
