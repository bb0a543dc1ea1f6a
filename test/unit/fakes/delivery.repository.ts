import type { AuditEntry } from '../../../src/domain/audit.ts';
import { inAudience } from '../../../src/domain/audience.ts';
import type { CampaignStatus } from '../../../src/domain/campaign.ts';
import { clipText, SEND_ERROR_MAX } from '../../../src/domain/ports.ts';
import type { DeliveryQuery, DeliveryRepository, NewLedgerRow, Recipient } from '../../../src/domain/repositories.ts';
import { bucketStart, emptyBucket, TIMELINE_STATUSES, TIMELINE_UNIT_MS, type TimelineBucket, type TimelineStatus, type TimelineUnit } from '../../../src/domain/timeline.ts';
import type { createFakeCampaignRepository } from './campaign.repository.ts';
import { bump, copy, ledgerOf, page, type FakeDb, type StoredDelivery } from './db.ts';

const clip = (s: string) => clipText(s, SEND_ERROR_MAX);
const byUser = (a: { userId: number }, b: { userId: number }) => a.userId - b.userId;

/**
 * The per-recipient ledger in memory, with the real repository's rules: rows move only out of
 * pending (a skipped row may still become sent: the message went out), and every move shifts the
 * campaign's counters with it, so stats always equal the ledger; every move stamps updatedAt, the
 * time the timeline counts an outcome at. The audience comes from the users.
 */
export function createFakeDeliveryRepository(db: FakeDb, campaigns: ReturnType<typeof createFakeCampaignRepository>): DeliveryRepository {
  /** Moves one pending row to `status`, and the counters with it. */
  function settle(campaignId: number, userId: number, status: 'failed' | 'skipped', lastError: string) {
    const row = ledgerOf(db, campaignId).get(userId);
    if (row?.status !== 'pending') return;
    Object.assign(row, { status, lastError: clip(lastError), attempts: row.attempts + (status === 'failed' ? 1 : 0), updatedAt: db.clock.now() });
    bump(db, campaignId, { pending: -1, [status]: 1 });
  }

  return {
    async audiencePage(afterId: number, limit: number) {
      return [...db.users.values()]
        .filter((u) => inAudience({ ...u, suppressed: false }) && u.id > afterId)
        .sort((a, b) => a.id - b.id)
        .slice(0, limit)
        .map((u) => ({ id: u.id, email: u.email }));
    },

    async audienceCount() {
      return [...db.users.values()].filter((u) => inAudience({ ...u, suppressed: false })).length;
    },

    async recipients(ids: number[]) {
      const found = new Map<number, Recipient>();
      for (const id of ids) {
        const u = db.users.get(id);
        if (u) found.set(id, { id, email: u.email, firstName: u.firstName, lastName: u.lastName, eligible: inAudience({ ...u, suppressed: false }), suppressed: false });
      }
      return found;
    },

    async savePage(campaignId: number, fromCursor: number, rows: NewLedgerRow[], toCursor: number, done: boolean) {
      const c = db.campaigns.get(campaignId);
      if (!c || c.fanoutCursor !== fromCursor || c.fanoutDone) return false;
      const ledger = ledgerOf(db, campaignId);
      let n = 0;
      for (const r of rows) {
        if (ledger.has(r.userId)) continue; // INSERT IGNORE
        ledger.set(r.userId, { ...r, status: 'pending', attempts: 0, lastError: null, sentAt: null, updatedAt: db.clock.now() });
        n++;
      }
      Object.assign(c, { fanoutCursor: toCursor, fanoutDone: done });
      bump(db, campaignId, { recipients: n, pending: n });
      return true;
    },

    async pendingInBatch(campaignId: number, batchNo: number) {
      return [...ledgerOf(db, campaignId).values()]
        .filter((r) => r.batchNo === batchNo && r.status === 'pending')
        .sort(byUser)
        .map((r) => ({ userId: r.userId }));
    },

    async pendingBatches(campaignId: number) {
      return [...new Set([...ledgerOf(db, campaignId).values()].filter((r) => r.status === 'pending').map((r) => r.batchNo))];
    },

    async markSent(campaignId: number, userIds: number[]) {
      const ledger = ledgerOf(db, campaignId);
      const delta = { pending: 0, skipped: 0, sent: 0 };
      for (const id of userIds) {
        const row = ledger.get(id);
        if (row?.status !== 'pending' && row?.status !== 'skipped') continue;
        delta[row.status]--;
        delta.sent++;
        Object.assign(row, { status: 'sent', sentAt: db.clock.now(), attempts: row.attempts + 1, lastError: null, updatedAt: db.clock.now() });
      }
      bump(db, campaignId, delta);
    },

    async markFailed(campaignId: number, userId: number, error: string) {
      settle(campaignId, userId, 'failed', error);
    },

    async markAttempt(campaignId: number, userId: number, error: string) {
      const row = ledgerOf(db, campaignId).get(userId);
      if (row?.status === 'pending') Object.assign(row, { attempts: row.attempts + 1, lastError: clip(error), updatedAt: db.clock.now() });
    },

    async markSkipped(campaignId: number, userId: number, reason: string) {
      settle(campaignId, userId, 'skipped', reason);
    },

    async endCampaign(
      campaignId: number,
      from: readonly CampaignStatus[],
      status: 'completed' | 'cancelled',
      reason: string,
      audit: (skipped: number) => AuditEntry,
    ) {
      const now = db.clock.now();
      if (!campaigns.updateFrom(campaignId, from, { status, fanoutDone: true, ...(status === 'completed' ? { completedAt: now } : {}) })) return null;
      let n = 0;
      for (const row of ledgerOf(db, campaignId).values()) {
        if (row.status !== 'pending') continue;
        Object.assign(row, { status: 'skipped', lastError: clip(reason), updatedAt: now } satisfies Partial<StoredDelivery>);
        n++;
      }
      bump(db, campaignId, { pending: -n, skipped: n });
      db.audit.push(copy(audit(n)));
      return n;
    },

    async list(q: DeliveryQuery) {
      const needle = q.q?.toLowerCase();
      const rows = [...ledgerOf(db, q.campaignId).values()]
        .filter((r) => (q.status === undefined || r.status === q.status) && (needle === undefined || r.email.toLowerCase().includes(needle)))
        .sort(byUser);
      const p = page(rows, q);
      return { rows: p.rows.map(({ batchNo: _, updatedAt: _u, ...r }) => copy(r)), total: p.total };
    },

    async timeline(campaignId: number, unit: TimelineUnit, maxBuckets: number) {
      const settled = [...ledgerOf(db, campaignId).values()].filter((r) => (TIMELINE_STATUSES as readonly string[]).includes(r.status));
      if (settled.length === 0) return null;
      const times = settled.map((r) => r.updatedAt.getTime());
      const last = bucketStart(new Date(Math.max(...times)), unit).getTime();
      const from = last - (maxBuckets - 1) * TIMELINE_UNIT_MS[unit];
      const buckets = new Map<number, TimelineBucket>();
      for (const r of settled) {
        const at = bucketStart(r.updatedAt, unit).getTime();
        if (at < from) continue;
        if (!buckets.has(at)) buckets.set(at, emptyBucket(new Date(at)));
        buckets.get(at)![r.status as TimelineStatus]++;
      }
      return { first: new Date(Math.min(...times)), buckets: [...buckets.values()].sort((a, b) => a.at.getTime() - b.at.getTime()) };
    },
  };
}
