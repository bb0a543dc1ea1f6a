import type { AuditEntry } from '../../../src/domain/audit.ts';
import type { CampaignRecord, DeliveryStats } from '../../../src/domain/campaign.ts';
import type { LedgerRow } from '../../../src/domain/repositories.ts';
import type { UserRecord } from '../../../src/domain/types.ts';
import type { Page, PageWindow } from '../../../src/domain/paging.ts';
import type { FakeClock } from './clock.ts';

/** A row of the ledger as stored: LedgerRow plus the batch it belongs to and when it last changed (its outcome's time, once settled). */
export interface StoredDelivery extends LedgerRow {
  batchNo: number;
  updatedAt: Date;
}

/** A campaign as stored: soft-deleted rows stay, as in the table. */
export interface StoredCampaign extends CampaignRecord {
  deleted: boolean;
}

/**
 * The tables the fake repositories share, as the real ones share one database: the ledger moves
 * a campaign's counters and cursor, the audience is read from the users. Every repository method
 * runs synchronously between its awaits, so each is atomic as the real transaction is.
 */
export interface FakeDb {
  clock: FakeClock;
  users: Map<number, UserRecord>;
  campaigns: Map<number, StoredCampaign>;
  /** campaign id → user id → ledger row. */
  ledger: Map<number, Map<number, StoredDelivery>>;
  /** Every audit entry committed, in order. */
  audit: AuditEntry[];
  nextId: { users: number; campaigns: number };
}

export function createFakeDb(clock: FakeClock): FakeDb {
  return { clock, users: new Map(), campaigns: new Map(), ledger: new Map(), audit: [], nextId: { users: 1, campaigns: 1 } };
}

/** A copy, as a query returns a fresh object: a caller changing it changes nothing stored. */
export const copy = <T>(v: T): T => structuredClone(v);

/** The campaign's ledger rows, created empty on first use. */
export function ledgerOf(db: FakeDb, campaignId: number): Map<number, StoredDelivery> {
  let rows = db.ledger.get(campaignId);
  if (!rows) db.ledger.set(campaignId, (rows = new Map()));
  return rows;
}

/** Moves a campaign's counters, as the ledger's transactions do alongside each row change. */
export function bump(db: FakeDb, campaignId: number, delta: Partial<DeliveryStats>): void {
  const c = db.campaigns.get(campaignId);
  if (!c) return;
  for (const [k, n] of Object.entries(delta) as [keyof DeliveryStats, number][]) {
    c.stats[k] += n;
    if (c.stats[k] < 0) throw new Error(`fake db: stat_${k} of campaign ${campaignId} would go below zero (unsigned column)`);
  }
}

/** One page of `rows`, already ordered. */
export function page<T>(rows: T[], w: PageWindow): Page<T> {
  const from = (w.page - 1) * w.perPage;
  return { rows: rows.slice(from, from + w.perPage), total: rows.length };
}

/** The keys of a patch that carry a value: Drizzle's update leaves a column given as undefined unchanged. */
export const defined = <T extends object>(patch: T): Partial<T> =>
  Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>;
