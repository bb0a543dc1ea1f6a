import { describe, expect, it } from 'vitest';
import type { DeliverySettings } from '../../src/services/delivery.service.ts';
import { createWorld } from './fakes/world.ts';

/** What the sender reports to DeliveryMetrics: one outcome per recipient's try, matching the ledger. */

async function setup(customers: number, settings: Partial<DeliverySettings> = {}) {
  const w = createWorld({ settings });
  const svc = w.campaignService();
  const delivery = w.deliveryService();
  const admin = await w.addUser('admin');
  const people = await w.addCustomers(customers);
  const { record } = await svc.create(admin, { type: 'promotion', title: 'Sale', subject: 'Hi {{first_name}}', bodyHtml: '<p>Hi</p>', promoCode: 'X1' });
  await svc.submit(admin, record.id);
  await svc.approve(admin, record.id, record.version);
  // The fan-out: the ledger rows and their send jobs.
  for (const j of w.queue.take()) if (j.name === 'dispatch') await delivery.dispatch(j.data.campaignId);
  const sendAll = async (finalAttempt = false) => {
    for (const j of w.queue.take()) {
      if (j.name === 'send') await delivery.sendBatch(j.data.campaignId, j.data.batchNo, finalAttempt).catch(() => undefined);
    }
  };
  const ledger = async () => (await w.repos.deliveries.list({ campaignId: record.id, page: 1, perPage: 100 })).rows;
  return { w, people, sendAll, ledger, id: record.id };
}

describe('delivery metrics', () => {
  it('counts each try by what the sender did: sent, failed (permanent), retried (temporary), skipped (left the audience)', async () => {
    const { w, people, sendAll, ledger } = await setup(6);
    const [ok1, refused, busy, leaver, ok2, ok3] = people;
    await w.repos.users.update(leaver!.userId, { emailOptIn: false });
    w.mailer.scriptPerRecipient({
      [refused!.email]: [{ kind: 'recipient-permanent', message: '550 no such user' }],
      [busy!.email]: [{ kind: 'transient', message: '451 try later' }],
    });
    await sendAll();

    const rows = await ledger();
    const count = (s: string) => rows.filter((r) => r.status === s).length;
    expect(w.metrics.messages).toEqual({ sent: count('sent'), failed: count('failed'), retried: 1, skipped: count('skipped'), sender_error: 0 });
    expect(w.metrics.messages).toMatchObject({ sent: 3, failed: 1, skipped: 1 });
    expect([ok1, ok2, ok3].map((p) => w.mailer.counts().get(p!.email))).toEqual([1, 1, 1]);
  });

  it('a temporary failure on the last attempt counts as failed, not retried', async () => {
    const { w, people, sendAll } = await setup(1);
    w.mailer.scriptPerRecipient({ [people[0]!.email]: [{ kind: 'transient', message: '451 try later' }] });
    await sendAll(true);
    expect(w.metrics.messages).toMatchObject({ sent: 0, failed: 1, retried: 0 });
  });

  it('a sender error counts as sender_error and nothing else: the recipient stays pending and the campaign pauses', async () => {
    const { w, sendAll, ledger, id } = await setup(3);
    w.mailer.setScript(() => ({ kind: 'sender', message: '535 authentication failed' }));
    await sendAll();
    expect(w.metrics.messages).toEqual({ sent: 0, failed: 0, retried: 0, skipped: 0, sender_error: 1 });
    expect((await ledger()).every((r) => r.status === 'pending')).toBe(true);
    expect((await w.repos.campaigns.findById(id))!.status).toBe('paused');
  });
});
