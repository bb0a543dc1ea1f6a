import { describe, expect, it } from 'vitest';
import { campaignAudit } from '../../src/domain/audit.ts';
import { StaleVersionError } from '../../src/domain/errors.ts';
import type { CampaignFields } from '../../src/domain/repositories.ts';
import { createWorld } from './fakes/world.ts';

/**
 * The in-memory repositories keep the rules the real ones keep (and the service tests rely on):
 * conditional status changes, the version guard, counters that move with the ledger.
 */

const fields = (title: string): CampaignFields => ({
  type: 'campaign',
  title,
  description: '',
  remarks: '',
  subject: 'S',
  bodyHtml: '<p>x</p>',
  bodyText: 'x',
  promoCode: null,
  startTime: null,
  endTime: null,
});

describe('the fake campaign repository', () => {
  it('applies a transition only from the statuses it names, at the version it names, with its audit entry', async () => {
    const { repos, db } = createWorld();
    const c = await repos.campaigns.create(fields('A'), 1);
    expect(await repos.campaigns.transition(c.id, ['pending_approval'], { status: 'sending' }, campaignAudit(1, 'x', c.id))).toBe(false);
    expect(db.audit).toEqual([]);
    await expect(repos.campaigns.transition(c.id, ['draft'], { status: 'pending_approval' }, undefined, { expect: 2 })).rejects.toBeInstanceOf(StaleVersionError);
    expect(await repos.campaigns.transition(c.id, ['draft'], { subject: 'T' }, campaignAudit(1, 'edited', c.id), { expect: 1, bump: true })).toBe(true);
    expect(await repos.campaigns.findById(c.id)).toMatchObject({ subject: 'T', version: 2, status: 'draft' });
    expect(db.audit).toEqual([campaignAudit(1, 'edited', c.id)]);
  });

  it('returns copies: changing a record read changes nothing stored', async () => {
    const { repos } = createWorld();
    const c = await repos.campaigns.create(fields('A'), 1);
    c.stats.pending = 99;
    c.status = 'sending';
    expect(await repos.campaigns.findById(c.id)).toMatchObject({ status: 'draft', stats: { pending: 0 } });
  });

  it('keeps live titles unique; a deleted campaign frees its title and is gone', async () => {
    const { repos } = createWorld();
    const a = await repos.campaigns.create(fields('A'), 1);
    await expect(repos.campaigns.create(fields('A'), 1)).rejects.toMatchObject({ code: 'TITLE_TAKEN' });
    expect(await repos.campaigns.softDelete(a.id, ['draft'], 1)).toBe(true);
    expect(await repos.campaigns.findById(a.id)).toBeUndefined();
    expect(await repos.campaigns.transition(a.id, ['draft'], { subject: 'x' })).toBe(false);
    await repos.campaigns.create(fields('A'), 1);
  });
});

describe('the fake ledger', () => {
  it('saves a page only at the cursor it was read at; settles only pending rows; counters follow every move', async () => {
    const w = createWorld();
    const [a, b, c] = (await w.addCustomers(3)).map((u) => u.userId);
    const { repos } = w;
    const camp = await repos.campaigns.create(fields('A'), 1);
    const rows = [a!, b!, c!].map((userId) => ({ userId, email: `${userId}@x`, batchNo: a! }));
    expect(await repos.deliveries.savePage(camp.id, 5, rows, c!, true)).toBe(false);
    expect(await repos.deliveries.savePage(camp.id, 0, rows, c!, true)).toBe(true);
    expect(await repos.deliveries.savePage(camp.id, 0, rows, c!, true)).toBe(false);

    await repos.deliveries.markFailed(camp.id, a!, 'no');
    await repos.deliveries.markFailed(camp.id, a!, 'twice'); // not pending any more: no change
    await repos.deliveries.markAttempt(camp.id, b!, 'later');
    await repos.deliveries.markSkipped(camp.id, c!, 'gone');
    await repos.deliveries.markSent(camp.id, [a!, b!, c!]); // the failed row stays failed; the skipped one went out after all
    const ledger = (await repos.deliveries.list({ campaignId: camp.id, page: 1, perPage: 10 })).rows;
    expect(ledger.map((r) => [r.status, r.attempts, r.lastError])).toEqual([
      ['failed', 1, 'no'],
      ['sent', 2, null],
      ['sent', 1, null],
    ]);
    expect((await repos.campaigns.findById(camp.id))!.stats).toEqual({ recipients: 3, pending: 0, sent: 2, failed: 1, skipped: 0, bounced: 0, complained: 0 });
  });

  it('ends a campaign only from the statuses named, skipping what is pending, with its audit entry', async () => {
    const w = createWorld();
    const [a, b] = (await w.addCustomers(2)).map((u) => u.userId);
    const camp = await w.repos.campaigns.create(fields('A'), 1);
    await w.repos.deliveries.savePage(camp.id, 0, [a!, b!].map((userId) => ({ userId, email: 'e', batchNo: a! })), b!, true);
    await w.repos.deliveries.markSent(camp.id, [a!]);
    const audit = (n: number) => campaignAudit(null, 'expired', camp.id, { skipped: n });
    expect(await w.repos.deliveries.endCampaign(camp.id, ['sending'], 'completed', 'ended', audit)).toBeNull();
    expect(await w.repos.deliveries.endCampaign(camp.id, ['draft'], 'completed', 'ended', audit)).toBe(1);
    expect(await w.repos.campaigns.findById(camp.id)).toMatchObject({ status: 'completed', completedAt: w.clock.now(), stats: { sent: 1, skipped: 1, pending: 0 } });
    expect(w.db.audit).toEqual([audit(1)]);
  });
});

describe('the fake ledger over time, the fake audit log and the fake throttle', () => {
  it('stamps every move of a row and reads the timeline within the bound that ends at the latest outcome', async () => {
    const w = createWorld();
    const [a, b, c] = (await w.addCustomers(3)).map((u) => u.userId);
    const camp = await w.repos.campaigns.create(fields('A'), 1);
    await w.repos.deliveries.savePage(camp.id, 0, [a!, b!, c!].map((userId) => ({ userId, email: 'e', batchNo: a! })), c!, true);
    expect(await w.repos.deliveries.timeline(camp.id, 'minute', 10)).toBeNull();
    const t0 = w.clock.now().getTime();
    await w.repos.deliveries.markSent(camp.id, [a!]);
    w.clock.advance(5 * 60_000);
    await w.repos.deliveries.markFailed(camp.id, b!, '550');
    await w.repos.deliveries.markAttempt(camp.id, c!, '421'); // still pending: no outcome
    expect(await w.repos.deliveries.timeline(camp.id, 'minute', 3)).toEqual({
      first: new Date(t0),
      buckets: [{ at: new Date(t0 + 5 * 60_000), sent: 0, failed: 1, skipped: 0, bounced: 0, complained: 0 }],
    });
    expect((await w.repos.deliveries.timeline(camp.id, 'hour', 3))!.buckets).toEqual([{ at: new Date(t0), sent: 1, failed: 1, skipped: 0, bounced: 0, complained: 0 }]);
  });

  it('lists audit entries newest first, by action, actor and target', async () => {
    const { repos } = createWorld();
    await repos.audit.append(campaignAudit(1, 'approved', 7));
    await repos.audit.append(campaignAudit(2, 'paused', 7));
    await repos.audit.append(campaignAudit(2, 'paused', 8));
    const list = async (q: object) => (await repos.audit.list({ page: 1, perPage: 10, ...q })).rows.map((e) => [e.action, e.actorId, e.targetId]);
    expect(await list({ actorId: 2 })).toEqual([['campaign.paused', 2, 8], ['campaign.paused', 2, 7]]);
    expect(await list({ targetType: 'campaign', targetId: 7 })).toEqual([['campaign.paused', 2, 7], ['campaign.approved', 1, 7]]);
    expect(await list({ action: 'campaign.approved', actorId: 2 })).toEqual([]);
  });

  it('counts a throttle per subject in windows of the clock, and refuses past the limit with the time left', async () => {
    const w = createWorld({ testSendMaxPerHour: 2 });
    const t = w.testSendThrottle;
    await t.check({ user: '1' });
    await t.check({ user: '1' });
    await t.check({ user: '2' });
    w.clock.advance(15 * 60_000);
    await expect(t.check({ user: '1' })).rejects.toMatchObject({ status: 429, headers: { 'retry-after': String(45 * 60) } });
    w.clock.advance(45 * 60_000);
    await t.check({ user: '1' });
    expect(t.count('user', '1')).toBe(1);
  });
});
