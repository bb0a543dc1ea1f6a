// A list page of 100 campaigns is built per request: its rows must cost about what a plain object
// literal costs. Built with rest and spread copies they cost about 20 times as much, and the
// list endpoint spent more time there than in its query.
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

function perPage(build: () => unknown[], pages: number): number {
  for (let i = 0; i < pages / 4; i++) build();
  const t0 = performance.now();
  for (let i = 0; i < pages; i++) build();
  return performance.now() - t0;
}

describe('campaign list rows', () => {
  const views = Array.from({ length: 100 }, (_, i) => ({ record: record(i) }));

  it('are the summary fields, without bodies or description', () => {
    const row = summaryView(views[0]!);
    expect(row).toEqual(reference(views[0]!.record));
    expect(row).not.toHaveProperty('description');
  });

  it('cost about what one object literal per row costs', () => {
    // Best of three, interleaved, so that a busy machine slows both alike.
    const mine: number[] = [];
    const ref: number[] = [];
    for (let k = 0; k < 3; k++) {
      mine.push(perPage(() => views.map(summaryView), 400));
      ref.push(perPage(() => views.map((v) => reference(v.record)), 400));
    }
    expect(Math.min(...mine)).toBeLessThan(4 * Math.min(...ref));
  });
});
