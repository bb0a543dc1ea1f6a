import { describe, expect, it } from 'vitest';
import { InvalidStateError, NotFoundError, StaleVersionError } from '../../src/domain/errors.ts';
import type { CampaignInput } from '../../src/services/campaign.service.ts';
import { createWorld, type World } from './fakes/world.ts';

/** The campaign service over in-memory repositories, a recording queue and a clock that moves only when told. */

const HOUR = 3_600_000;

const input = (over: Partial<CampaignInput> = {}): CampaignInput => ({
  type: 'promotion',
  title: `Sale ${Math.random()}`,
  subject: 'Hello {{first_name}}',
  bodyHtml: '<p>Dear {{first_name}}, use {{promo_code}}.</p>',
  promoCode: 'SAVE10',
  ...over,
});

async function setup() {
  const w = createWorld();
  const svc = w.campaignService();
  const admin = await w.addUser('admin');
  const manager = await w.addUser('manager');
  /** A campaign by `manager` moved to pending_approval: what a reviewer sees. */
  async function pending(over: Partial<CampaignInput> = {}) {
    const { record } = await svc.create(manager, input(over));
    return (await svc.submit(manager, record.id)).record;
  }
  /** A campaign approved with no start_time: sending, its dispatch job taken off the queue. */
  async function sending(over: Partial<CampaignInput> = {}) {
    const c = await pending(over);
    const { record } = await svc.approve(admin, c.id, c.version);
    w.queue.take();
    return record;
  }
  return { w, svc, admin, manager, pending, sending };
}

/** The error `p` rejects with; fails the test when it resolves. */
async function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => expect.unreachable('expected a rejection'),
    (err: unknown) => err,
  );
}

const auditOf = (w: World, id: number) => w.db.audit.filter((e) => e.targetType === 'campaign' && e.targetId === id);

describe('campaign service: writing', () => {
  it('creates a draft at version 1 with zero stats, derives body_text and records the author', async () => {
    const { w, svc, manager } = await setup();
    const { record } = await svc.create(manager, input({ title: 'Spring', description: undefined }));
    expect(record).toMatchObject({
      title: 'Spring',
      status: 'draft',
      version: 1,
      description: '',
      remarks: '',
      createdBy: manager.userId,
      updatedBy: manager.userId,
      approvedBy: null,
      stats: { recipients: 0, pending: 0, sent: 0, failed: 0, skipped: 0 },
    });
    expect(record.bodyText).toBe('Dear {{first_name}}, use {{promo_code}}.');
    expect(record.messageKey).toMatch(/^[0-9a-f]{32}$/);
    expect(w.queue.jobs).toEqual([]);
    expect(w.db.audit).toEqual([]);
  });

  it('refuses what the templates checker, the promo rule or the clock find wrong, naming the field', async () => {
    const { w, svc, manager } = await setup();
    await expect(svc.create(manager, input({ subject: 'Hi {{password}}' }))).rejects.toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
      details: [expect.objectContaining({ field: 'subject' })],
    });
    await expect(svc.create(manager, input({ type: 'campaign' }))).rejects.toMatchObject({
      details: [{ field: 'promo_code', message: 'is only allowed for promotions' }],
    });
    const now = w.clock.now().getTime();
    await expect(svc.create(manager, input({ endTime: new Date(now) }))).rejects.toMatchObject({
      details: [{ field: 'end_time', message: 'must be in the future' }],
    });
    await expect(svc.create(manager, input({ startTime: new Date(now + 2 * HOUR), endTime: new Date(now + HOUR) }))).rejects.toMatchObject({
      details: [{ field: 'end_time', message: 'must be after start_time' }],
    });
    expect(w.db.campaigns.size).toBe(0);
  });

  it('refuses a title a live campaign has (409 TITLE_TAKEN)', async () => {
    const { svc, manager, admin } = await setup();
    await svc.create(manager, input({ title: 'Taken' }));
    await expect(svc.create(admin, input({ title: 'Taken' }))).rejects.toMatchObject({ status: 409, code: 'TITLE_TAKEN' });
  });

  it('an edit bumps the version, returns to draft, clears the rejection, keeps unspecified fields and re-derives the text', async () => {
    const { svc, admin, manager, pending } = await setup();
    const c = await pending({ remarks: 'keep me' });
    const rejected = (await svc.reject(admin, c.id, c.version, 'too loud')).record;
    expect(rejected).toMatchObject({ status: 'rejected', rejectionReason: 'too loud', version: 1 });

    const { record } = await svc.update(manager, c.id, { bodyHtml: '<p>New {{first_name}}</p>' });
    expect(record).toMatchObject({ status: 'draft', version: 2, rejectionReason: null, remarks: 'keep me', subject: c.subject });
    expect(record.bodyText).toBe('New {{first_name}}');
    expect((await svc.update(manager, c.id, { subject: 'Again' })).record).toMatchObject({ status: 'draft', version: 3 });
    // From pending_approval too; submit itself does not bump.
    expect((await svc.submit(manager, c.id)).record).toMatchObject({ status: 'pending_approval', version: 3 });
    expect((await svc.update(manager, c.id, { title: 'Renamed' })).record).toMatchObject({ status: 'draft', version: 4, title: 'Renamed' });
  });

  it('an edit validates the merged campaign: dropping the type to campaign with a promo code kept is refused', async () => {
    const { svc, manager } = await setup();
    const { record } = await svc.create(manager, input());
    await expect(svc.update(manager, record.id, { type: 'campaign' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((await svc.get(manager, record.id)).record).toMatchObject({ type: 'promotion', version: 1 });
  });

  it('deletes before approval; after it, delete is INVALID_STATE naming the status', async () => {
    const { svc, manager, sending } = await setup();
    const { record } = await svc.create(manager, input());
    await svc.delete(manager, record.id);
    await expect(svc.get(manager, record.id)).rejects.toBeInstanceOf(NotFoundError);
    const live = await sending();
    await expect(svc.delete(manager, live.id)).rejects.toMatchObject({ code: 'INVALID_STATE', currentStatus: 'sending' });
  });
});

describe('campaign service: decisions', () => {
  it('submit: draft → pending_approval, by the author, with no job and no audit entry', async () => {
    const { w, svc, manager } = await setup();
    const { record } = await svc.create(manager, input());
    const { record: s } = await svc.submit(manager, record.id);
    expect(s).toMatchObject({ status: 'pending_approval', updatedBy: manager.userId, version: 1 });
    expect(w.queue.jobs).toEqual([]);
    expect(w.db.audit).toEqual([]);
  });

  it('approve with the version reviewed and no start_time: sending at once, and its dispatch job is on the queue', async () => {
    const { w, svc, admin, pending } = await setup();
    const c = await pending();
    w.clock.advance(5_000);
    const { record } = await svc.approve(admin, c.id, c.version);
    expect(record).toMatchObject({ status: 'sending', approvedBy: admin.userId, approvedAt: w.clock.now(), startedAt: w.clock.now(), version: 1 });
    expect(w.queue.jobs).toEqual([{ name: 'dispatch', data: { campaignId: c.id }, jobId: `dispatch-${c.id}`, delayMs: 0 }]);
    expect(auditOf(w, c.id)).toEqual([
      { actorId: admin.userId, action: 'campaign.approved', targetType: 'campaign', targetId: c.id, details: { status: 'sending', version: 1 } },
    ]);
  });

  it('approve with a start_time already past: sending too', async () => {
    const { w, svc, admin, pending } = await setup();
    const c = await pending({ startTime: new Date(w.clock.now().getTime() + 1_000) });
    w.clock.advance(HOUR);
    expect((await svc.approve(admin, c.id, c.version)).record.status).toBe('sending');
    expect(w.queue.jobs.map((j) => j.name)).toEqual(['dispatch']);
  });

  it('approve with a future start_time: scheduled, not started, with a dispatch delayed to start_time and the end_time cut-off', async () => {
    const { w, svc, admin, pending } = await setup();
    const now = w.clock.now().getTime();
    const c = await pending({ startTime: new Date(now + HOUR), endTime: new Date(now + 3 * HOUR) });
    const { record } = await svc.approve(admin, c.id, c.version);
    expect(record).toMatchObject({ status: 'scheduled', startedAt: null, approvedBy: admin.userId });
    expect(w.queue.jobs).toEqual([
      { name: 'expire', data: { campaignId: c.id }, jobId: `expire-${c.id}`, delayMs: 3 * HOUR },
      { name: 'dispatch', data: { campaignId: c.id }, jobId: `dispatch-${c.id}`, delayMs: HOUR },
    ]);
    expect(auditOf(w, c.id)).toMatchObject([{ action: 'campaign.approved', details: { status: 'scheduled', version: 1 } }]);
  });

  it('approve with a stale version: 409 STALE_VERSION naming the current one, nothing changes and nothing is enqueued', async () => {
    const { w, svc, admin, manager, pending } = await setup();
    const c = await pending();
    await svc.update(manager, c.id, { subject: 'Swapped {{first_name}}' });
    await svc.submit(manager, c.id);
    const err = await failure(svc.approve(admin, c.id, c.version));
    expect(err).toBeInstanceOf(StaleVersionError);
    expect(err).toMatchObject({ status: 409, code: 'STALE_VERSION', details: [{ field: 'version', message: 'current version is 2' }] });
    // A version from the future is as stale.
    await expect(svc.approve(admin, c.id, 3)).rejects.toMatchObject({ code: 'STALE_VERSION' });
    expect((await svc.get(admin, c.id)).record).toMatchObject({ status: 'pending_approval', version: 2, approvedBy: null });
    expect(w.queue.jobs).toEqual([]);
    // The edit's entry only: nothing approved.
    expect(w.db.audit.map((e) => e.action)).toEqual(['campaign.updated']);
    expect((await svc.approve(admin, c.id, 2)).record).toMatchObject({ status: 'sending', subject: 'Swapped {{first_name}}' });
  });

  it('approve passes the version to the repository: an edit landing between the read and the commit makes it STALE_VERSION', async () => {
    const { w, svc, admin, pending } = await setup();
    const c = await pending();
    const transition = w.repos.campaigns.transition;
    w.repos.campaigns.transition = async (...args) => {
      // Another request edits and resubmits first, under the row lock the approval then waits for.
      w.repos.campaigns.transition = transition;
      await transition(c.id, ['pending_approval'], { subject: 'Swapped' }, undefined, { bump: true });
      return transition(...args);
    };
    await expect(svc.approve(admin, c.id, c.version)).rejects.toMatchObject({ code: 'STALE_VERSION', details: [{ message: 'current version is 2' }] });
    expect((await svc.get(admin, c.id)).record).toMatchObject({ status: 'pending_approval', version: 2 });
    expect(w.queue.jobs).toEqual([]);
    expect(w.db.audit).toEqual([]);
  });

  it('approve once the offer has ended: 409 END_TIME_PASSED, still pending_approval, nothing enqueued', async () => {
    const { w, svc, admin, pending } = await setup();
    const c = await pending({ endTime: new Date(w.clock.now().getTime() + HOUR) });
    w.clock.advance(HOUR);
    await expect(svc.approve(admin, c.id, c.version)).rejects.toMatchObject({ status: 409, code: 'END_TIME_PASSED' });
    expect((await svc.get(admin, c.id)).record.status).toBe('pending_approval');
    expect(w.queue.jobs).toEqual([]);
    expect(w.db.audit).toEqual([]);
  });

  it('an enqueue that fails does not undo the approval: the reconciler will enqueue it', async () => {
    const { w, svc, admin, pending } = await setup();
    const c = await pending();
    w.queue.dispatch = async () => {
      throw new Error('redis down');
    };
    expect((await svc.approve(admin, c.id, c.version)).record.status).toBe('sending');
    expect(auditOf(w, c.id)).toHaveLength(1);
  });

  it('reject names the version too: stale is 409 STALE_VERSION, the current one rejects with the reason and its audit entry', async () => {
    const { w, svc, admin, manager, pending } = await setup();
    const c = await pending();
    await svc.update(manager, c.id, { subject: 'Swapped' });
    await svc.submit(manager, c.id);
    await expect(svc.reject(admin, c.id, 1, 'no')).rejects.toMatchObject({ code: 'STALE_VERSION' });
    expect((await svc.get(admin, c.id)).record).toMatchObject({ status: 'pending_approval', rejectionReason: null });
    const { record } = await svc.reject(admin, c.id, 2, 'still no');
    expect(record).toMatchObject({ status: 'rejected', rejectionReason: 'still no', updatedBy: admin.userId, version: 2 });
    expect(auditOf(w, c.id)).toEqual([
      { actorId: manager.userId, action: 'campaign.updated', targetType: 'campaign', targetId: c.id, details: { version: 2, fields: ['subject'] } },
      { actorId: admin.userId, action: 'campaign.rejected', targetType: 'campaign', targetId: c.id, details: { reason: 'still no', version: 2 } },
    ]);
    expect(w.queue.jobs).toEqual([]);
  });

  it('pause, resume and cancel: each moves the status and writes its audit entry with the actor; resume re-enqueues what is pending', async () => {
    const { w, svc, admin, sending } = await setup();
    const c = await sending({ endTime: new Date(w.clock.now().getTime() + HOUR) });
    await w.addCustomers(3);
    await w.deliveryService().dispatch(c.id);
    w.queue.take();

    expect((await svc.pause(admin, c.id)).record.status).toBe('paused');
    expect(w.queue.take()).toEqual([]);
    expect((await svc.resume(admin, c.id)).record.status).toBe('sending');
    const batches = await w.repos.deliveries.pendingBatches(c.id);
    expect(batches).toHaveLength(2);
    expect(w.queue.take()).toEqual([
      { name: 'expire', data: { campaignId: c.id }, jobId: `expire-${c.id}`, delayMs: HOUR },
      ...batches.map((batchNo) => ({ name: 'send', data: { campaignId: c.id, batchNo }, jobId: `send-${c.id}-${batchNo}`, delayMs: 0 })),
    ]);

    const { record } = await svc.cancel(admin, c.id);
    expect(record).toMatchObject({ status: 'cancelled', stats: { recipients: 3, pending: 0, skipped: 3 } });
    const rows = (await w.repos.deliveries.list({ campaignId: c.id, page: 1, perPage: 10 })).rows;
    expect(rows.map((r) => [r.status, r.lastError])).toEqual(Array(3).fill(['skipped', 'campaign cancelled']));

    expect(auditOf(w, c.id).map((e) => [e.actorId, e.action, e.details])).toEqual([
      [admin.userId, 'campaign.approved', { status: 'sending', version: 1 }],
      [admin.userId, 'campaign.paused', undefined],
      [admin.userId, 'campaign.resumed', undefined],
      [admin.userId, 'campaign.cancelled', { skipped: 3 }],
    ]);
  });

  it('refuses transitions the table does not allow with INVALID_STATE naming the current status, changing nothing', async () => {
    const { w, svc, admin, manager, pending, sending } = await setup();
    const { record: draft } = await svc.create(manager, input());
    const waiting = await pending();
    const live = await sending();
    const cases: [() => Promise<unknown>, string][] = [
      [() => svc.approve(admin, draft.id, 1), 'draft'],
      [() => svc.reject(admin, draft.id, 1, 'no'), 'draft'],
      [() => svc.pause(admin, draft.id), 'draft'],
      [() => svc.cancel(admin, draft.id), 'draft'],
      [() => svc.submit(manager, waiting.id), 'pending_approval'],
      [() => svc.resume(admin, waiting.id), 'pending_approval'],
      [() => svc.approve(admin, live.id, 1), 'sending'],
      [() => svc.resume(admin, live.id), 'sending'],
      [() => svc.update(manager, live.id, { subject: 'Late' }), 'sending'],
    ];
    const before = w.db.audit.length;
    for (const [act, status] of cases) {
      const err = await failure(act());
      expect(err).toBeInstanceOf(InvalidStateError);
      expect(err).toMatchObject({ status: 409, code: 'INVALID_STATE', currentStatus: status });
      expect(err).toMatchObject({ details: [{ field: 'status', message: `current status is ${status}` }] });
    }
    expect(w.db.audit).toHaveLength(before);
    expect(w.queue.jobs).toEqual([]);
    expect((await svc.get(admin, live.id)).record).toMatchObject({ status: 'sending', subject: live.subject });
  });

  it('a decision that loses a race reports the status the campaign has now', async () => {
    const { w, svc, admin, sending } = await setup();
    const c = await sending();
    const transition = w.repos.campaigns.transition;
    w.repos.campaigns.transition = async (...args) => {
      w.repos.campaigns.transition = transition;
      await svc.cancel(admin, c.id); // lands between the pause's read and its write
      return transition(...args);
    };
    await expect(svc.pause(admin, c.id)).rejects.toMatchObject({ code: 'INVALID_STATE', currentStatus: 'cancelled' });
    expect(auditOf(w, c.id).map((e) => e.action)).toEqual(['campaign.approved', 'campaign.cancelled']);
  });
});

describe('campaign service: who sees what', () => {
  it("a manager gets 404 for another manager's campaign, whatever the call; an admin sees and acts on it", async () => {
    const { w, svc, admin, manager } = await setup();
    const other = await w.addUser('manager');
    const { record } = await svc.create(manager, input());
    const calls: (() => Promise<unknown>)[] = [
      () => svc.get(other, record.id),
      () => svc.update(other, record.id, { subject: 'Mine now' }),
      () => svc.submit(other, record.id),
      () => svc.delete(other, record.id),
      () => svc.preview(other, record.id),
      () => svc.stats(other, record.id),
      () => svc.deliveries(other, record.id, { page: 1, perPage: 10 }),
      () => svc.audience(other, record.id),
      () => svc.timeline(other, record.id, 'minute'),
      () => svc.testSend(other, record.id, ['qa@example.com']),
    ];
    for (const call of calls) expect(await failure(call())).toMatchObject({ status: 404, code: 'NOT_FOUND', message: 'Campaign not found' });
    expect((await svc.list(other, { page: 1, perPage: 10 })).total).toBe(0);
    expect((await svc.get(manager, record.id)).record).toMatchObject({ status: 'draft', version: 1 });
    expect((await svc.update(admin, record.id, { subject: 'Admin edit' })).record.version).toBe(2);
    expect((await svc.list(admin, { page: 1, perPage: 10 })).total).toBe(1);
  });

  it('customers see only sending or completed campaigns whose offer has not ended, as the public view', async () => {
    const { w, svc, manager, sending } = await setup();
    const customer = await w.addUser('customer');
    const { record: draft } = await svc.create(manager, input({ title: 'Draft' }));
    const live = await sending({ title: 'Live', endTime: new Date(w.clock.now().getTime() + HOUR) });
    const open = await sending({ title: 'Open-ended' });

    await expect(svc.get(customer, draft.id)).rejects.toBeInstanceOf(NotFoundError);
    expect(await svc.get(customer, live.id)).toMatchObject({ record: { id: live.id }, publicOnly: true });
    const listed = await svc.list(customer, { page: 1, perPage: 10 });
    expect(listed.views.map((v) => [v.record.title, v.publicOnly])).toEqual([
      ['Open-ended', true],
      ['Live', true],
    ]);
    // Staff-only views stay hidden even for a public campaign.
    await expect(svc.stats(customer, live.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(svc.preview(customer, live.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(svc.deliveries(customer, live.id, { page: 1, perPage: 5 })).rejects.toBeInstanceOf(NotFoundError);

    w.clock.advance(HOUR); // the offer ends
    await expect(svc.get(customer, live.id)).rejects.toBeInstanceOf(NotFoundError);
    expect((await svc.list(customer, { page: 1, perPage: 10 })).views.map((v) => v.record.id)).toEqual([open.id]);
  });

  it('previews the campaign rendered for the caller, with an unsubscribe link', async () => {
    const { w, svc, manager } = await setup();
    const { record } = await svc.create(manager, input());
    const p = await svc.preview(manager, record.id);
    const me = (await w.repos.users.findById(manager.userId))!;
    expect(p).toMatchObject({ subject: `Hello ${me.firstName}`, recipient: me.email });
    expect(p.text).toContain(`Dear ${me.firstName}, use SAVE10.`);
    expect(p.html).toContain(w.unsubscribe.url(me.id).replace(/&/g, '&amp;'));
  });
});
