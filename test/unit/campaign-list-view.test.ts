// A list page of 100 campaigns is built per request: its rows must cost about what a plain object
// literal costs. Built with rest and spread copies they cost about 20 times as much, and the
// list endpoint spent more time there than in its query. What a row costs is measured by the
// benchmark (`npm run bench`, GET /v1/campaigns?per_page=100); here, the work a row does: each
// field it shows read once, nothing copied.
import { describe, expect, it } from 'vitest';
import type { CampaignSummary } from '../../src/domain/campaign.ts';
import { summaryView } from '../../src/handlers/campaign.handler.ts';

const at = new Date('2026-11-30T12:00:00Z');
const record = (i: number): CampaignSummary => ({
  id: i,
  messageKey: `key${i}`,
  type: 'promotion',
  title: `Campaign ${i}`,
  description: 'A description',
  remarks: '',
  subject: 'Hello {{first_name}}',
  promoCode: 'CODE20',
  startTime: null,
  endTime: null,
  status: 'draft',
  version: 1,
  rejectionReason: null,
  createdBy: 1,
  updatedBy: 1,
  approvedBy: null,
  approvedAt: null,
  startedAt: null,
  completedAt: null,
  fanoutCursor: 0,
  fanoutDone: false,
  createdAt: at,
  updatedAt: at,
  stats: { recipients: 0, pending: 0, sent: 0, failed: 0, skipped: 0, bounced: 0, complained: 0 },
});

/** The same row as one literal: the cost a row should have. */
const reference = (c: CampaignSummary) => ({
  id: c.id, type: c.type, title: c.title, subject: c.subject, promo_code: c.promoCode,
  start_time: c.startTime?.toISOString() ?? null, end_time: c.endTime?.toISOString() ?? null,
  remarks: c.remarks, status: c.status, version: c.version, rejection_reason: c.rejectionReason,
  created_by: c.createdBy, updated_by: c.updatedBy, approved_by: c.approvedBy,
  approved_at: c.approvedAt?.toISOString() ?? null, created_at: c.createdAt.toISOString(),
  updated_at: c.updatedAt.toISOString(), stats: c.stats,
});

/** `c` behind a Proxy that counts the reads of each of its fields and the listings of its keys (what a spread or a rest copy does). */
function watched(c: CampaignSummary) {
  const reads: Record<string, number> = {};
  let listings = 0;
  const record = new Proxy(c, {
    get(target, key, receiver) {
      if (typeof key === 'string') reads[key] = (reads[key] ?? 0) + 1;
      return Reflect.get(target, key, receiver) as unknown;
    },
    ownKeys(target) {
      listings++;
      return Reflect.ownKeys(target);
    },
  });
  return { record, reads, listings: () => listings };
}

describe('campaign list rows', () => {
  const views = [0, 1].map((i) => ({ record: record(i) }));

  it('are the summary fields, without bodies or description', () => {
    const row = summaryView(views[0]!);
    expect(row).toEqual(reference(views[0]!.record));
    expect(row).not.toHaveProperty('description');
  });

  it('are built as one literal: each field shown read once, the record never listed or copied', () => {
    const { record, reads, listings } = watched(views[1]!.record);
    const row = summaryView({ record });
    expect(row).toEqual(reference(views[1]!.record));
    expect(listings()).toBe(0);
    const shown = ['id', 'type', 'title', 'subject', 'promoCode', 'startTime', 'endTime', 'remarks', 'status', 'version', 'rejectionReason', 'createdBy', 'updatedBy', 'approvedBy', 'approvedAt', 'createdAt', 'updatedAt', 'stats'];
    expect(reads).toEqual(Object.fromEntries(shown.map((k) => [k, 1])));
    // The counters object is handed on, not copied.
    expect('stats' in row && row.stats).toBe(views[1]!.record.stats);
  });
});
