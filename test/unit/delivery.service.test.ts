import { describe, expect, it, vi } from 'vitest';
import type { DeliveryStatus } from '../../src/domain/campaign.ts';
import type { CampaignInput } from '../../src/services/campaign.service.ts';
import { RetryLaterError, type DeliverySettings } from '../../src/services/delivery.service.ts';
import type { Outcome } from './fakes/mailer.ts';
import type { RecordedJob } from './fakes/queue.ts';
import { createWorld, type World } from './fakes/world.ts';

/**
 * The delivery engine over the in-memory ledger, a scripted mailer and a recording queue: the
 * fan-out, one batch at a time, the failure kinds, pauses, completion and end_time. Jobs run when
 * the test runs them, so every step can be looked at in between.
 */

const HOUR = 3_600_000;

async function setup(opts: { customers?: number; settings?: Partial<DeliverySettings>; campaign?: Partial<CampaignInput> } = {}) {
  const w = createWorld({ settings: opts.settings });
  const svc = w.campaignService();
  const delivery = w.deliveryService();
  const admin = await w.addUser('admin');
  const customers = await w.addCustomers(opts.customers ?? 0);
  const { record } = await svc.create(admin, {
    type: 'promotion',
    title: 'Sale',
    subject: 'Hello {{first_name}}',
    bodyHtml: '<p>Dear {{first_name}}, use {{promo_code}}.</p>',
    promoCode: 'SAVE10',
    ...opts.campaign,
  });
  await svc.submit(admin, record.id);
  await svc.approve(admin, record.id, record.version);
  return { w, svc, delivery, admin, customers, id: record.id };
}

type Setup = Awaited<ReturnType<typeof setup>>;

const sendJobs = (jobs: RecordedJob[]) => jobs.filter((j) => j.name === 'send').map((j) => j.data.batchNo);
/** The send job of one batch, as the queue adapter names it. */
const sendJob = (campaignId: number, batchNo: number): RecordedJob => ({ name: 'send', data: { campaignId, batchNo }, jobId: `send-${campaignId}-${batchNo}`, delayMs: 0 });

/** The campaign's ledger, by user id. */
async function ledger(w: World, id: number) {
  return (await w.repos.deliveries.list({ campaignId: id, page: 1, perPage: 10_000 })).rows;
}

/** The campaign as stored; its counters must equal the ledger counted row by row. */
async function campaign(w: World, id: number) {
  const c = (await w.repos.campaigns.findById(id))!;
  const rows = await ledger(w, id);
  const count = (s: DeliveryStatus) => rows.filter((r) => r.status === s).length;
  expect(c.stats).toEqual({
    recipients: rows.length,
    pending: count('pending'),
    sent: count('sent'),
    failed: count('failed'),
    skipped: count('skipped'),
    bounced: count('bounced'),
    complained: count('complained'),
  });
  return c;
}

/** Runs every send job on the queue, as a worker would (first attempts), until none is left; what each threw. */
async function drain({ w, delivery }: Pick<Setup, 'w' | 'delivery'>, finalAttempt = false) {
  const thrown: unknown[] = [];
  for (let jobs = w.queue.take(); jobs.length > 0; jobs = w.queue.take()) {
    for (const j of jobs) {
      if (j.name === 'dispatch') await delivery.dispatch(j.data.campaignId);
      if (j.name === 'send') await delivery.sendBatch(j.data.campaignId, j.data.batchNo, finalAttempt).catch((err: unknown) => thrown.push(err));
    }
  }
  return thrown;
}

/** Resolves once the batch's status watcher has read the campaign's status again and acted on it. */
function nextWatch(w: World): Promise<void> {
  const statusOf = w.repos.campaigns.statusOf;
  return new Promise((resolve) => {
    w.repos.campaigns.statusOf = async (id) => {
      w.repos.campaigns.statusOf = statusOf;
      const s = await statusOf(id);
      // The watcher's own continuation runs in the microtasks after this answer; setImmediate comes after them.
      setImmediate(resolve);
      return s;
    };
  });
}

describe('delivery: fan-out', () => {
  it('writes a ledger row per member of the audience, page by page, and enqueues each page’s send batches', async () => {
    const { w, delivery, customers, id } = await setup({ customers: 9, settings: { dispatchPageSize: 4, sendBatchSize: 2 } });
    // Not in the audience: an opted-out customer, a disabled one, staff.
    await w.addUser('customer', { emailOptIn: false });
    await w.addUser('customer', { status: 'disabled' });
    await w.addUser('manager');
    expect(w.queue.take()).toEqual([{ name: 'dispatch', data: { campaignId: id }, jobId: `dispatch-${id}`, delayMs: 0 }]);

    await delivery.dispatch(id);
    const ids = customers.map((c) => c.userId);
    // Batches are named by their first user id: pages [1..4] [5..8] [9], two per batch.
    expect(w.queue.take()).toEqual([ids[0]!, ids[2]!, ids[4]!, ids[6]!, ids[8]!].map((batchNo) => sendJob(id, batchNo)));
    const rows = await ledger(w, id);
    expect(rows.map((r) => [r.userId, r.email, r.status, r.attempts])).toEqual(customers.map((c) => [c.userId, c.email, 'pending', 0]));
    expect(await campaign(w, id)).toMatchObject({ status: 'sending', fanoutDone: true, fanoutCursor: ids[8], stats: { recipients: 9, pending: 9 } });
    expect((await w.repos.deliveries.pendingInBatch(id, ids[2]!)).map((r) => r.userId)).toEqual([ids[2], ids[3]]);
  });

  it('an audience that fills its last page exactly ends with an empty page; running the dispatch again adds nothing', async () => {
    const { w, delivery, id } = await setup({ customers: 8, settings: { dispatchPageSize: 4, sendBatchSize: 4 } });
    w.queue.take();
    await delivery.dispatch(id);
    expect(sendJobs(w.queue.take())).toHaveLength(2);
    expect((await campaign(w, id)).stats.recipients).toBe(8);
    await delivery.dispatch(id);
    expect(w.queue.take()).toEqual([]);
    expect((await campaign(w, id)).stats.recipients).toBe(8);
  });

  it('does not write a page twice when another dispatcher saved it first', async () => {
    const { w, delivery, id } = await setup({ customers: 6, settings: { dispatchPageSize: 4, sendBatchSize: 4 } });
    w.queue.take();
    const savePage = w.repos.deliveries.savePage;
    let raced = false;
    w.repos.deliveries.savePage = async (...args) => {
      if (!raced) {
        raced = true;
        await savePage(...args); // the other dispatcher commits the same page first
      }
      return savePage(...args);
    };
    await delivery.dispatch(id);
    expect((await campaign(w, id)).stats).toMatchObject({ recipients: 6, pending: 6 });
    expect((await ledger(w, id)).map((r) => r.userId)).toHaveLength(6);
  });

  it('leaves a scheduled campaign alone before start_time, and starts it at start_time', async () => {
    const w0 = Date.UTC(2030, 0, 1, 12);
    const { w, delivery, id } = await setup({ customers: 2, campaign: { startTime: new Date(w0 + HOUR) } });
    expect(w.queue.take()).toEqual([{ name: 'dispatch', data: { campaignId: id }, jobId: `dispatch-${id}`, delayMs: HOUR }]);
    w.clock.advance(HOUR - 1);
    await delivery.dispatch(id);
    expect(await campaign(w, id)).toMatchObject({ status: 'scheduled', startedAt: null, stats: { recipients: 0 } });
    expect(w.queue.take()).toEqual([]);
    w.clock.advance(1);
    await delivery.dispatch(id);
    expect(await campaign(w, id)).toMatchObject({ status: 'sending', startedAt: new Date(w0 + HOUR), stats: { recipients: 2 } });
    expect(sendJobs(w.queue.take())).toHaveLength(1);
  });

  it('completes at once a campaign whose audience is empty', async () => {
    const { w, delivery, id } = await setup({ customers: 0 });
    await delivery.dispatch(id);
    expect(await campaign(w, id)).toMatchObject({ status: 'completed', completedAt: w.clock.now(), stats: { recipients: 0 } });
  });
});

describe('delivery: sending a batch', () => {
  it('sends one personalised message to each pending row of the batch only, and marks them sent', async () => {
    const { w, delivery, customers, id } = await setup({ customers: 4, settings: { sendBatchSize: 4 } });
    await delivery.dispatch(id);
    const [a, b, c, d] = customers;
    await w.repos.deliveries.markFailed(id, b!.userId, 'earlier failure');
    await w.repos.deliveries.markSent(id, [c!.userId]);
    w.clock.advance(1_000);

    await delivery.sendBatch(id, a!.userId, false);
    expect(w.mailer.tries.map((m) => m.to)).toEqual([a!.email, d!.email]);
    const first = w.mailer.accepted[0]!;
    const user = (await w.repos.users.findById(a!.userId))!;
    expect(first).toMatchObject({ to: a!.email, subject: `Hello ${user.firstName}` });
    expect(first.text).toContain(`Dear ${user.firstName}, use SAVE10.`);
    expect(first.messageId).toMatch(new RegExp(`^<c${id}\\.u${a!.userId}\\.[0-9a-f]{24}@mail\\.example\\.test>$`));

    const rows = await ledger(w, id);
    expect(rows.map((r) => [r.userId, r.status, r.attempts])).toEqual([
      [a!.userId, 'sent', 1],
      [b!.userId, 'failed', 1],
      [c!.userId, 'sent', 1],
      [d!.userId, 'sent', 1],
    ]);
    expect(rows[0]!.sentAt).toEqual(w.clock.now());
    expect(await campaign(w, id)).toMatchObject({ status: 'completed', stats: { sent: 3, failed: 1 } });
  });

  it('runs a campaign to completion: one message per recipient, then completed with its audit entry', async () => {
    const s = await setup({ customers: 7, settings: { dispatchPageSize: 3, sendBatchSize: 2, sendConcurrency: 3 } });
    const { w, id, customers } = s;
    expect(await drain(s)).toEqual([]);
    expect([...w.mailer.counts()]).toEqual(customers.map((c) => [c.email, 1]));
    const c = await campaign(w, id);
    expect(c).toMatchObject({ status: 'completed', completedAt: w.clock.now(), stats: { recipients: 7, sent: 7, pending: 0 } });
    expect(w.db.audit.at(-1)).toEqual({
      actorId: null,
      action: 'campaign.completed',
      targetType: 'campaign',
      targetId: id,
      details: { recipients: 7, pending: 0, sent: 7, failed: 0, skipped: 0, bounced: 0, complained: 0 },
    });
  });

  it('skips recipients who opted out, were disabled or deleted after the fan-out, with the reason', async () => {
    const s = await setup({ customers: 4, settings: { sendBatchSize: 4 } });
    const { w, delivery, customers, id } = s;
    await delivery.dispatch(id);
    const [a, b, c, d] = customers.map((x) => x.userId);
    await w.repos.users.update(a!, { emailOptIn: false });
    await w.repos.users.update(b!, { status: 'disabled' });
    await w.repos.users.delete(c!);
    expect(await drain(s)).toEqual([]);
    expect((await ledger(w, id)).map((r) => [r.userId, r.status, r.lastError])).toEqual([
      [a, 'skipped', 'opted out or disabled'],
      [b, 'skipped', 'opted out or disabled'],
      [c, 'skipped', 'user deleted'],
      [d, 'sent', null],
    ]);
    expect(w.mailer.tries.map((m) => m.to)).toEqual([customers[3]!.email]);
    expect((await campaign(w, id)).status).toBe('completed');
  });

  it('a recipient-permanent refusal fails only that recipient, with the server’s reply, and the batch goes on', async () => {
    const s = await setup({ customers: 3, settings: { sendBatchSize: 3 } });
    const { w, customers, id } = s;
    const reply = `550 5.1.1 <${customers[1]!.email}>: Recipient address rejected: User unknown`;
    w.mailer.scriptPerRecipient({ [customers[1]!.email]: [{ kind: 'recipient-permanent', message: reply }] });
    expect(await drain(s)).toEqual([]);
    expect((await ledger(w, id)).map((r) => [r.status, r.attempts, r.lastError])).toEqual([
      ['sent', 1, null],
      ['failed', 1, reply],
      ['sent', 1, null],
    ]);
    expect(await campaign(w, id)).toMatchObject({ status: 'completed', stats: { sent: 2, failed: 1 } });
  });

  it('keeps a reply longer than last_error holds to its 1000 characters', async () => {
    const s = await setup({ customers: 1 });
    s.w.mailer.setScript(() => ({ kind: 'recipient-permanent', message: `550 ${'x'.repeat(1500)}` }));
    await drain(s);
    const [row] = await ledger(s.w, s.id);
    expect(row!.lastError).toBe(`550 ${'x'.repeat(1500)}`.slice(0, 999) + '…');
  });

  it('a transient refusal leaves the row pending with the attempt counted and asks for a retry; the retry delivers', async () => {
    const s = await setup({ customers: 3, settings: { sendBatchSize: 3 } });
    const { w, delivery, customers, id } = s;
    const batch = customers[0]!.userId;
    w.mailer.scriptPerRecipient({ [customers[2]!.email]: [{ kind: 'transient', message: '451 4.3.0 try again later' }] });
    await delivery.dispatch(id);

    const err = await delivery.sendBatch(id, batch, false).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryLaterError);
    expect((err as Error).message).toBe(`1 recipient(s) of batch ${batch} to retry: 451 4.3.0 try again later`);
    expect((await ledger(w, id)).map((r) => [r.status, r.attempts, r.lastError])).toEqual([
      ['sent', 1, null],
      ['sent', 1, null],
      ['pending', 1, '451 4.3.0 try again later'],
    ]);
    expect((await campaign(w, id)).status).toBe('sending');

    await delivery.sendBatch(id, batch, false);
    expect(w.mailer.tries.map((m) => m.to)).toEqual([...customers.map((c) => c.email), customers[2]!.email]);
    expect((await ledger(w, id))[2]).toMatchObject({ status: 'sent', attempts: 2, lastError: null });
    expect(await campaign(w, id)).toMatchObject({ status: 'completed', stats: { sent: 3 } });
  });

  it('a transient refusal on the final attempt fails the row; so does an unexpected error, taken as transient', async () => {
    const s = await setup({ customers: 2, settings: { sendBatchSize: 2 } });
    const { w, delivery, customers, id } = s;
    w.mailer.setScript((to) => {
      if (to === customers[0]!.email) throw new Error('socket hang up');
      return { kind: 'transient', message: '421 closing' };
    });
    await delivery.dispatch(id);
    await expect(delivery.sendBatch(id, customers[0]!.userId, false)).rejects.toBeInstanceOf(RetryLaterError);
    expect((await ledger(w, id)).map((r) => [r.status, r.lastError])).toEqual([
      ['pending', 'socket hang up'],
      ['pending', '421 closing'],
    ]);
    await delivery.sendBatch(id, customers[0]!.userId, true);
    expect((await ledger(w, id)).map((r) => [r.status, r.attempts])).toEqual([
      ['failed', 2],
      ['failed', 2],
    ]);
    expect(await campaign(w, id)).toMatchObject({ status: 'completed', stats: { failed: 2 } });
  });

  it('a sender-side refusal pauses the campaign with one audit entry and leaves every row pending, attempts untouched', async () => {
    const s = await setup({ customers: 6, settings: { sendBatchSize: 6, sendConcurrency: 3 } });
    const { w, delivery, svc, admin, customers, id } = s;
    const error = '535 5.7.8 Authentication credentials invalid';
    w.mailer.setScript(() => ({ kind: 'sender', message: error }));
    await delivery.dispatch(id);
    w.queue.take();

    await delivery.sendBatch(id, customers[0]!.userId, false); // no retry asked: resume is what sends again
    expect(await campaign(w, id)).toMatchObject({ status: 'paused', stats: { recipients: 6, pending: 6, sent: 0, failed: 0, skipped: 0 } });
    expect((await ledger(w, id)).filter((r) => r.status !== 'pending' || r.attempts !== 0 || r.lastError !== null)).toEqual([]);
    expect(w.db.audit.filter((e) => e.action === 'campaign.auto_paused')).toEqual([
      { actorId: null, action: 'campaign.auto_paused', targetType: 'campaign', targetId: id, details: { reason: 'sender', error } },
    ]);
    // The lanes already in flight stop there: at most one try per lane.
    expect(w.mailer.tries.length).toBeLessThanOrEqual(3);
    expect(w.mailer.accepted).toEqual([]);

    w.mailer.setScript(() => 'accept');
    await svc.resume(admin, id);
    expect(await drain(s)).toEqual([]);
    expect([...w.mailer.counts()]).toEqual(customers.map((c) => [c.email, 1]));
    expect(await campaign(w, id)).toMatchObject({ status: 'completed', stats: { sent: 6 } });
  });

  it('pauses itself past the failure threshold and says why', async () => {
    const s = await setup({ customers: 6, settings: { sendBatchSize: 2, autoPauseMinFailures: 3, autoPauseFailureRatio: 0.5 } });
    const { w, id } = s;
    w.mailer.setScript(() => ({ kind: 'recipient-permanent', message: '554 rejected' }));
    await drain(s);
    const c = await campaign(w, id);
    expect(c).toMatchObject({ status: 'paused', stats: { failed: 4, pending: 2 } });
    const [entry] = w.db.audit.filter((e) => e.action === 'campaign.auto_paused');
    expect(entry).toMatchObject({ actorId: null, targetId: id, details: { last_error: '554 rejected', failed: 4, sent: 0 } });
    expect(entry!.details!.reason).toMatch(/^4 of 4 messages failed/);
  });

  it('a batch of a campaign that is not sending sends nothing', async () => {
    const s = await setup({ customers: 2, settings: { sendBatchSize: 2 } });
    const { w, delivery, svc, admin, customers, id } = s;
    await delivery.dispatch(id);
    await svc.pause(admin, id);
    await delivery.sendBatch(id, customers[0]!.userId, false);
    expect(w.mailer.tries).toEqual([]);
    expect((await campaign(w, id)).stats.pending).toBe(2);
  });

  it('a pause during a batch stops new sends once the status check sees it; the message in flight finishes', async () => {
    const s = await setup({ customers: 6, settings: { sendBatchSize: 6, statusCheckMs: 1 } });
    const { w, delivery, svc, admin, customers, id } = s;
    w.mailer.setScript(async (to): Promise<Outcome> => {
      if (to === customers[1]!.email) {
        await svc.pause(admin, id);
        await nextWatch(w);
      }
      return 'accept';
    });
    await delivery.dispatch(id);
    await delivery.sendBatch(id, customers[0]!.userId, false);
    expect(w.mailer.tries.map((m) => m.to)).toEqual([customers[0]!.email, customers[1]!.email]);
    expect(w.rate.taken).toBe(2); // no sending slot is taken for a message that will not be sent
    expect(await campaign(w, id)).toMatchObject({ status: 'paused', stats: { sent: 2, pending: 4 } });
  });

  it('by default a batch reads its campaign\'s status once a second: a pause stops new sends at the first read after it', async () => {
    // The promise "a pause stops new sends within about a second", counted in status reads on a
    // clock the test moves (the integration tests wait for the stop, however long a busy machine takes).
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const s = await setup({ customers: 4, settings: { sendBatchSize: 4, statusCheckMs: undefined } });
      const { w, delivery, svc, admin, customers, id } = s;
      const statusOf = w.repos.campaigns.statusOf;
      let reads = 0;
      w.repos.campaigns.statusOf = (campaignId) => (reads++, statusOf(campaignId));
      const readsAt: Record<string, number> = {};
      w.mailer.setScript(async (to): Promise<Outcome> => {
        if (to === customers[0]!.email) {
          await svc.pause(admin, id);
          await vi.advanceTimersByTimeAsync(999);
          readsAt['999 ms'] = reads;
          await vi.advanceTimersByTimeAsync(1);
          readsAt['1 s'] = reads;
          await new Promise((resolve) => setImmediate(resolve)); // the watcher acts on its answer
        }
        return 'accept';
      });
      await delivery.dispatch(id);
      await delivery.sendBatch(id, customers[0]!.userId, false);
      expect(readsAt).toEqual({ '999 ms': 0, '1 s': 1 });
      expect(w.mailer.tries.map((m) => m.to)).toEqual([customers[0]!.email]);
      expect(await campaign(w, id)).toMatchObject({ status: 'paused', stats: { sent: 1, pending: 3 } });
    } finally {
      vi.useRealTimers();
    }
  });

  it('end_time reached during a batch stops new sends, and the expiry skips what is left', async () => {
    const end = Date.UTC(2030, 0, 1, 12) + HOUR;
    const s = await setup({ customers: 5, settings: { sendBatchSize: 5, statusCheckMs: 1 }, campaign: { endTime: new Date(end) } });
    const { w, delivery, customers, id } = s;
    expect(w.queue.take().map((j) => [j.name, j.delayMs])).toEqual([
      ['expire', HOUR],
      ['dispatch', 0],
    ]);
    w.mailer.setScript(async (to): Promise<Outcome> => {
      if (to === customers[2]!.email) {
        w.clock.set(end);
        await nextWatch(w);
      }
      return 'accept';
    });
    await delivery.dispatch(id);
    await delivery.sendBatch(id, customers[0]!.userId, false);
    expect(w.mailer.accepted).toHaveLength(3);
    expect((await campaign(w, id)).stats).toMatchObject({ sent: 3, pending: 2 });

    await delivery.expire(id);
    expect(await campaign(w, id)).toMatchObject({ status: 'completed', completedAt: new Date(end), stats: { sent: 3, skipped: 2, pending: 0 } });
    expect((await ledger(w, id)).filter((r) => r.status === 'skipped').map((r) => r.lastError)).toEqual(Array(2).fill('offer ended (end_time passed)'));
    expect(w.db.audit.at(-1)).toEqual({ actorId: null, action: 'campaign.expired', targetType: 'campaign', targetId: id, details: { skipped: 2 } });
  });
});

describe('delivery: end_time between two messages', () => {
  it('is checked before every message, without waiting for the status watch', async () => {
    const end = Date.UTC(2030, 0, 1, 12) + HOUR;
    // A watch that never fires in this test: only the per-message check can stop the batch.
    const s = await setup({ customers: 5, settings: { sendBatchSize: 5, sendConcurrency: 1, statusCheckMs: 3_600_000 }, campaign: { endTime: new Date(end) } });
    const { w, delivery, customers, id } = s;
    w.queue.take();
    w.mailer.setScript((to): Outcome => {
      if (to === customers[2]!.email) w.clock.set(end); // the offer ends while the third message is in flight
      return 'accept';
    });
    await delivery.dispatch(id);
    await delivery.sendBatch(id, customers[0]!.userId, false);
    expect(w.mailer.accepted).toHaveLength(3);
    expect((await campaign(w, id)).stats).toMatchObject({ sent: 3, pending: 2 });
  });
});

describe('delivery: end_time and the reconciler', () => {
  it('expire does nothing before end_time; at it, pending rows are skipped and nothing more is sent', async () => {
    const end = Date.UTC(2030, 0, 1, 12) + HOUR;
    const s = await setup({ customers: 4, settings: { sendBatchSize: 2 }, campaign: { endTime: new Date(end) } });
    const { w, delivery, customers, id } = s;
    await delivery.dispatch(id);
    await delivery.sendBatch(id, customers[0]!.userId, false);
    await delivery.expire(id);
    expect((await campaign(w, id)).status).toBe('sending');

    w.clock.set(end);
    await delivery.sendBatch(id, customers[2]!.userId, false); // a batch running after end_time expires the campaign instead
    expect(w.mailer.tries).toHaveLength(2);
    expect(await campaign(w, id)).toMatchObject({ status: 'completed', stats: { sent: 2, skipped: 2, pending: 0 } });
    await delivery.expire(id); // again: harmless
    expect(w.db.audit.filter((e) => e.action === 'campaign.expired')).toHaveLength(1);
  });

  it('a dispatch that runs after end_time expires the campaign without fanning out', async () => {
    const end = Date.UTC(2030, 0, 1, 12) + HOUR;
    const { w, delivery, id } = await setup({ customers: 3, campaign: { endTime: new Date(end) } });
    w.clock.set(end + 1);
    await delivery.dispatch(id);
    expect(await campaign(w, id)).toMatchObject({ status: 'completed', stats: { recipients: 0 } });
  });

  it('the reconciler re-enqueues a sending campaign’s missing work, a scheduled one’s delayed start, and expires an ended one', async () => {
    const { w, delivery, svc, admin, id } = await setup({ customers: 3, settings: { sendBatchSize: 2 } });
    const now = w.clock.now().getTime();
    const later = (await svc.create(admin, { type: 'campaign', title: 'Later', subject: 'S', bodyHtml: '<p>x</p>', startTime: new Date(now + HOUR) })).record;
    await svc.submit(admin, later.id);
    await svc.approve(admin, later.id, 1);
    const ending = (await svc.create(admin, { type: 'campaign', title: 'Ending', subject: 'S', bodyHtml: '<p>x</p>', endTime: new Date(now + HOUR) })).record;
    await svc.submit(admin, ending.id);
    await svc.approve(admin, ending.id, 1);
    await delivery.dispatch(id);
    w.queue.take(); // lost, as if the process died after the commits

    w.clock.advance(HOUR / 2);
    await delivery.reconcile();
    const batches = await w.repos.deliveries.pendingBatches(id);
    expect(w.queue.take()).toEqual([
      ...batches.map((batchNo) => sendJob(id, batchNo)),
      { name: 'dispatch', data: { campaignId: later.id }, jobId: `dispatch-${later.id}`, delayMs: HOUR / 2 },
      { name: 'expire', data: { campaignId: ending.id }, jobId: `expire-${ending.id}`, delayMs: HOUR / 2 },
      { name: 'dispatch', data: { campaignId: ending.id }, jobId: `dispatch-${ending.id}`, delayMs: 0 },
    ]);

    w.clock.advance(HOUR / 2);
    await delivery.reconcile();
    expect((await campaign(w, ending.id)).status).toBe('completed');
  });
});
