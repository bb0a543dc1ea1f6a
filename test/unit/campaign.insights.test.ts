import { describe, expect, it } from 'vitest';
import { InvalidStateError, NotFoundError, RateLimitedError } from '../../src/domain/errors.ts';
import { fillTimeline, TIMELINE_MAX_BUCKETS, type TimelineBucket } from '../../src/domain/timeline.ts';
import { RetryLaterError } from '../../src/services/delivery.service.ts';
import type { CampaignInput } from '../../src/services/campaign.service.ts';
import { createWorld } from './fakes/world.ts';

/** The campaign service's audience count, timeline and test sends, and the test sender of the delivery engine, over the fakes. */

const MINUTE = 60_000;
const HOUR = 3_600_000;

const input = (over: Partial<CampaignInput> = {}): CampaignInput => ({
  type: 'promotion',
  title: `Sale ${Math.random()}`,
  subject: 'Hello {{first_name}} {{last_name}}',
  bodyHtml: '<p>Dear {{first_name}}, use {{promo_code}}.</p>',
  promoCode: 'SAVE10',
  ...over,
});

async function setup(opts: { testSendMaxPerHour?: number } = {}) {
  const w = createWorld(opts);
  const svc = w.campaignService();
  const delivery = w.deliveryService();
  const admin = await w.addUser('admin');
  const manager = await w.addUser('manager', { firstName: 'Grace' });
  const other = await w.addUser('manager');
  const customer = await w.addUser('customer');
  const draft = async () => (await svc.create(manager, input())).record;
  async function sending() {
    const c = (await svc.submit(manager, (await draft()).id)).record;
    const { record } = await svc.approve(admin, c.id, c.version);
    w.queue.take();
    return record;
  }
  return { w, svc, delivery, admin, manager, other, customer, draft, sending };
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => expect.unreachable('expected a rejection'),
    (err: unknown) => err,
  );
}

const bucket = (at: number, sent = 0, failed = 0, skipped = 0): TimelineBucket => ({ at: new Date(at), sent, failed, skipped, bounced: 0, complained: 0 });

describe('audience count', () => {
  it('counts whom the audience rule admits now, as the fan-out then writes them', async () => {
    const { w, svc, delivery, manager, sending } = await setup();
    await w.addCustomers(3);
    await w.addUser('customer', { emailOptIn: false });
    await w.addUser('customer', { status: 'disabled' });
    const c = await sending();
    // The setup's customer and the three added; not staff, the opted-out or the disabled.
    expect(await svc.audience(manager, c.id)).toEqual({ eligible: 4 });
    await delivery.dispatch(c.id);
    expect((await w.repos.campaigns.findById(c.id))!.stats.recipients).toBe(4);
    await w.addUser('customer');
    expect(await svc.audience(manager, c.id)).toEqual({ eligible: 5 });
  });

  it('is staff only: customers and other managers get 404', async () => {
    const { svc, admin, other, customer, sending } = await setup();
    const c = await sending();
    await expect(svc.audience(customer, c.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(svc.audience(other, c.id)).rejects.toBeInstanceOf(NotFoundError);
    expect(await svc.audience(admin, c.id)).toEqual({ eligible: 1 });
  });
});

describe('timeline', () => {
  it('fills the buckets between the first outcome and the latest with zeros, oldest first', () => {
    const t0 = Date.UTC(2030, 0, 1, 12);
    const rows = [bucket(t0 + 3 * MINUTE, 1, 0, 2), bucket(t0, 4, 1, 0)];
    expect(fillTimeline(rows, 'minute')).toEqual([bucket(t0, 4, 1, 0), bucket(t0 + MINUTE), bucket(t0 + 2 * MINUTE), bucket(t0 + 3 * MINUTE, 1, 0, 2)]);
    expect(fillTimeline([], 'hour')).toEqual([]);
  });

  it('keeps only the latest buckets when the outcomes span more than the bound', () => {
    const t0 = Date.UTC(2030, 0, 1);
    const filled = fillTimeline([bucket(t0, 1), bucket(t0 + 2000 * MINUTE, 2)], 'minute');
    expect(filled).toHaveLength(TIMELINE_MAX_BUCKETS);
    expect(filled[0]!.at).toEqual(new Date(t0 + (2000 - TIMELINE_MAX_BUCKETS + 1) * MINUTE));
    expect(filled.at(-1)).toEqual(bucket(t0 + 2000 * MINUTE, 2));
    expect(fillTimeline([bucket(t0, 1), bucket(t0 + 5 * HOUR, 1)], 'hour', 3).map((b) => b.at.getTime())).toEqual([3, 4, 5].map((h) => t0 + h * HOUR));
  });

  it('starts at the first outcome even when its bucket fell outside the rows read, bounded as ever', () => {
    const t0 = Date.UTC(2030, 0, 1);
    const latest = [bucket(t0 + 10 * MINUTE, 1)];
    expect(fillTimeline(latest, 'minute', TIMELINE_MAX_BUCKETS, new Date(t0 + 7 * MINUTE + 5)).map((b) => b.at.getTime() - t0)).toEqual([7, 8, 9, 10].map((m) => m * MINUTE));
    expect(fillTimeline(latest, 'minute', 4, new Date(t0))).toHaveLength(4);
  });

  it("counts each ledger row in the bucket of its outcome's time, pending ones not at all", async () => {
    const { w, svc, delivery, manager, sending } = await setup();
    const [a, b, c] = await w.addCustomers(3);
    const id = (await sending()).id;
    await delivery.dispatch(id);
    w.clock.set(Date.UTC(2030, 0, 1, 12, 0, 30));
    await w.repos.deliveries.markSent(id, [a!.userId]);
    w.clock.set(Date.UTC(2030, 0, 1, 12, 2, 10));
    await w.repos.deliveries.markFailed(id, b!.userId, '550 no such user');
    await w.repos.deliveries.markSkipped(id, c!.userId, 'opted out');
    const minutes = await svc.timeline(manager, id, 'minute');
    expect(minutes).toEqual([
      bucket(Date.UTC(2030, 0, 1, 12, 0), 1),
      bucket(Date.UTC(2030, 0, 1, 12, 1)),
      bucket(Date.UTC(2030, 0, 1, 12, 2), 0, 1, 1),
    ]);
    expect(await svc.timeline(manager, id, 'hour')).toEqual([bucket(Date.UTC(2030, 0, 1, 12), 1, 1, 1)]);
    // The setup's own customer is still pending: counted nowhere.
    expect((await w.repos.deliveries.list({ campaignId: id, status: 'pending', page: 1, perPage: 10 })).total).toBe(1);
  });

  it('is staff only: customers and other managers get 404', async () => {
    const { svc, other, customer, sending } = await setup();
    const c = await sending();
    await expect(svc.timeline(customer, c.id, 'minute')).rejects.toBeInstanceOf(NotFoundError);
    await expect(svc.timeline(other, c.id, 'hour')).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('test send', () => {
  it("queues one job per address (ids and the address only) and records the send in the audit log, not the ledger", async () => {
    const { w, svc, manager, draft } = await setup();
    const c = await draft();
    const res = await svc.testSend(manager, c.id, ['QA@Example.com', 'qa@example.com', ' boss@example.com']);
    expect(res).toEqual({ emails: ['qa@example.com', 'boss@example.com'] });
    const jobs = w.queue.take();
    expect(jobs.map((j) => [j.name, j.data])).toEqual([
      ['test_send', { campaignId: c.id, userId: manager.userId, email: 'qa@example.com', key: expect.any(String) }],
      ['test_send', { campaignId: c.id, userId: manager.userId, email: 'boss@example.com', key: expect.any(String) }],
    ]);
    const keys = jobs.map((j) => (j.data as { key: string }).key);
    expect(new Set(keys).size).toBe(2);
    expect(jobs.map((j) => j.jobId)).toEqual(keys.map((k) => `test-${c.id}-${k}`));
    expect(w.db.audit).toEqual([
      { actorId: manager.userId, action: 'campaign.test_sent', targetType: 'campaign', targetId: c.id, details: { emails: ['qa@example.com', 'boss@example.com'] } },
    ]);
    expect(w.db.ledger.get(c.id)?.size ?? 0).toBe(0);
  });

  it("is for the campaign's author or an admin: another manager and a customer get 404, and nothing is queued or counted", async () => {
    const { w, svc, admin, other, customer, sending } = await setup();
    const c = await sending(); // public to customers, yet not theirs to test
    for (const who of [other, customer]) expect(await failure(svc.testSend(who, c.id, ['x@example.com']))).toBeInstanceOf(NotFoundError);
    expect(w.queue.jobs).toEqual([]);
    expect(w.testSendThrottle.count('user', String(other.userId))).toBe(0);
    await svc.testSend(admin, c.id, ['x@example.com']);
    expect(w.queue.take()).toHaveLength(1);
  });

  it('is allowed in every status before the campaign ends; completed or cancelled is 409 INVALID_STATE', async () => {
    const { w, svc, admin, manager, draft, sending } = await setup();
    const [paused, cancelled, completed] = [await sending(), await sending(), await sending()];
    await svc.pause(admin, paused.id);
    await svc.cancel(admin, cancelled.id);
    w.repos.campaigns.updateFrom(completed.id, ['sending'], { status: 'completed' });
    await svc.testSend(manager, paused.id, ['qa@example.com']);
    for (const c of [cancelled, completed]) {
      const err = await failure(svc.testSend(manager, c.id, ['qa@example.com']));
      expect(err).toBeInstanceOf(InvalidStateError);
      expect(err).toMatchObject({ status: 409, code: 'INVALID_STATE', message: expect.stringContaining('test send') });
    }
    await svc.testSend(manager, (await draft()).id, ['qa@example.com']);
    expect(w.queue.take().filter((j) => j.name === 'test_send')).toHaveLength(2);
  });

  it('allows a user the configured number per hour; the next is 429 with the time left, and nothing is queued or audited', async () => {
    const { w, svc, manager, admin, draft } = await setup({ testSendMaxPerHour: 3 });
    const c = await draft();
    for (let i = 0; i < 3; i++) await svc.testSend(manager, c.id, ['qa@example.com']);
    w.clock.advance(10 * MINUTE);
    const err = await failure(svc.testSend(manager, c.id, ['qa@example.com']));
    expect(err).toBeInstanceOf(RateLimitedError);
    expect((err as RateLimitedError).headers).toEqual({ 'retry-after': String(50 * 60) });
    expect(w.queue.take()).toHaveLength(3);
    expect(w.db.audit.filter((e) => e.action === 'campaign.test_sent')).toHaveLength(3);
    await svc.testSend(admin, c.id, ['qa@example.com']); // another user's allowance
    w.clock.advance(50 * MINUTE);
    await svc.testSend(manager, c.id, ['qa@example.com']); // a new hour
  });
});

describe('test sender (worker side)', () => {
  it("renders the campaign as it is now for the user who asked, to the address given, under a <t…> Message-ID", async () => {
    const { w, svc, delivery, manager, draft } = await setup();
    const c = await draft();
    await svc.update(manager, c.id, { subject: 'Fresh {{first_name}}' });
    await svc.testSend(manager, c.id, ['qa@example.com']);
    const [job] = w.queue.take();
    if (job?.name !== 'test_send') throw new Error('expected a test_send job');
    await delivery.sendTest(job.data, false);
    const [mail] = w.mailer.accepted;
    expect(mail).toMatchObject({ to: 'qa@example.com', subject: '[Test] Fresh Grace' });
    expect(mail!.messageId).toBe(`<t${c.id}.u${manager.userId}.${job.data.key}@mail.example.test>`);
    expect(mail!.headers['List-Unsubscribe']).toBe(`<${w.unsubscribe.url(manager.userId)}>`);
    expect(mail!.text).toContain('Dear Grace, use SAVE10.');
    expect(w.rate.taken).toBe(1);
    expect((await w.repos.campaigns.findById(c.id))!.stats).toEqual({ recipients: 0, pending: 0, sent: 0, failed: 0, skipped: 0, bounced: 0, complained: 0 });
  });

  it('throws to be retried on a transient failure, but not on the final attempt or a permanent one', async () => {
    const { w, delivery, manager, draft } = await setup();
    const c = await draft();
    const job = { campaignId: c.id, userId: manager.userId, email: 'qa@example.com', key: 'k1' };
    w.mailer.setScript(() => ({ kind: 'transient', message: '421 try later' }));
    await expect(delivery.sendTest(job, false)).rejects.toBeInstanceOf(RetryLaterError);
    await expect(delivery.sendTest(job, true)).resolves.toBeUndefined();
    w.mailer.setScript(() => ({ kind: 'recipient-permanent', message: '550 no such user' }));
    await expect(delivery.sendTest(job, false)).resolves.toBeUndefined();
    expect(w.mailer.tries).toHaveLength(3);
  });

  it('sends nothing once the campaign or the user who asked is gone', async () => {
    const { w, svc, delivery, manager, draft } = await setup();
    const c = await draft();
    await delivery.sendTest({ campaignId: c.id, userId: 9999, email: 'qa@example.com', key: 'k' }, false);
    await svc.delete(manager, c.id);
    await delivery.sendTest({ campaignId: c.id, userId: manager.userId, email: 'qa@example.com', key: 'k' }, false);
    expect(w.mailer.tries).toEqual([]);
  });
});

describe('search in the fakes', () => {
  it('campaign titles and ledger addresses match case-insensitively as substrings', async () => {
    const { w, svc, manager, sending } = await setup();
    await svc.create(manager, input({ title: 'Spring SALE' }));
    await svc.create(manager, input({ title: 'Autumn' }));
    expect((await svc.list(manager, { q: 'sale', page: 1, perPage: 10 })).views.map((v) => v.record.title)).toEqual(['Spring SALE']);
    const c = await sending();
    await w.repos.deliveries.savePage(c.id, 0, [{ userId: 7, email: 'Ann.Lee@Example.com', batchNo: 7 }, { userId: 8, email: 'bob@example.com', batchNo: 7 }], 8, true);
    expect((await svc.deliveries(manager, c.id, { q: 'ann.lee@EXAMPLE', page: 1, perPage: 10 })).rows.map((r) => r.userId)).toEqual([7]);
  });
});
