import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startWorkers } from '../src/worker/worker.ts';
import { bearer, campaignMessageId, createTestEnv, eventually, ledgerCounts, seedCustomers, userWithRole, type TestEnv, type TestUser } from './helpers.ts';
import { startSmtpSink, type SinkOptions, type SmtpSink } from './smtp.ts';

interface Rig {
  t: TestEnv;
  sink: SmtpSink;
  admin: TestUser;
  workers: Awaited<ReturnType<typeof startWorkers>>;
}
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A sink, a test env sending to it (SMTP_URL from `url`, the sink's own by default) and running workers. */
async function rig(env: Record<string, string> = {}, sinkOpts: SinkOptions = {}, url?: (sink: SmtpSink) => string): Promise<Rig> {
  const sink = await startSmtpSink(sinkOpts);
  cleanups.push(() => sink.close());
  const t = await createTestEnv('delivery_smtp', { SMTP_URL: url?.(sink) ?? sink.url, SMTP_POOL_SIZE: '2', SEND_BATCH_SIZE: '5', ...env });
  cleanups.push(() => t.close());
  const admin = await userWithRole(t, 'admin');
  const workers = await startWorkers(t.ctx);
  cleanups.push(() => workers.close());
  return { t, sink, admin, workers };
}

async function call(r: Rig, method: 'GET' | 'POST', url: string, payload?: object) {
  const res = await r.t.app.inject({ method, url, headers: bearer(r.admin.access), payload });
  return { status: res.statusCode, body: res.json() };
}

const campaignBody = () => ({
  type: 'promotion',
  title: `Sale ${Math.random()}`,
  subject: 'Hello {{first_name}}',
  body_html: '<p>Dear {{first_name}}, use {{promo_code}}. <a href="{{unsubscribe_url}}">unsubscribe</a></p>',
  promo_code: 'SAVE10',
});

/** Creates, submits and approves a campaign; returns its id. */
async function launch(r: Rig): Promise<number> {
  const res = await call(r, 'POST', '/v1/campaigns', campaignBody());
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const id = res.body.campaign.id as number;
  expect((await call(r, 'POST', `/v1/campaigns/${id}/submit`)).status).toBe(200);
  const version = res.body.campaign.version as number;
  expect((await call(r, 'POST', `/v1/campaigns/${id}/approve`, { version })).status).toBe(200);
  return id;
}

const stats = async (r: Rig, id: number) => (await call(r, 'GET', `/v1/campaigns/${id}/stats`)).body;

/** Waits for the status and for the counters to settle equal to the ledger. */
async function settled(r: Rig, id: number, status: string) {
  await eventually(async () => (await stats(r, id)).status === status);
  return eventually(async () => {
    const { started_at: _s, completed_at: _c, status: st, ...counts } = await stats(r, id);
    return st === status && JSON.stringify(counts) === JSON.stringify(await ledgerCounts(r.t, id)) ? counts : undefined;
  }, 20_000);
}

async function ledger(r: Rig, id: number) {
  return (await call(r, 'GET', `/v1/campaigns/${id}/deliveries?per_page=100`)).body.data as {
    user_id: number;
    email: string;
    status: string;
    attempts: number;
    last_error: string | null;
  }[];
}

/** The campaign paused itself for a sender-side failure: one audit entry saying so, and nobody failed or even tried. */
async function expectPausedForSender(r: Rig, id: number, recipients: number, error: RegExp) {
  const s = await settled(r, id, 'paused');
  expect(s).toMatchObject({ recipients, pending: recipients, sent: 0, failed: 0, skipped: 0 });
  const rows = await ledger(r, id);
  expect(rows).toHaveLength(recipients);
  expect(rows.filter((d) => d.status !== 'pending' || d.attempts !== 0 || d.last_error !== null)).toEqual([]);
  const audit = (await call(r, 'GET', '/v1/audit?action=campaign.auto_paused')).body.data;
  expect(audit).toHaveLength(1);
  expect(audit[0]).toMatchObject({ target_id: id, actor_id: null, details: { reason: 'sender' } });
  expect(audit[0].details.error).toMatch(error);
  return audit[0].details.error as string;
}

/** Resumes the campaign; it must complete with exactly one message per recipient. */
async function expectResumeDeliversOnce(r: Rig, id: number, recipients: number) {
  expect((await call(r, 'POST', `/v1/campaigns/${id}/resume`)).status).toBe(200);
  expect(await settled(r, id, 'completed')).toMatchObject({ recipients, sent: recipients, failed: 0, pending: 0 });
  expect(r.sink.messages).toHaveLength(recipients);
  expect([...r.sink.counts().values()].every((n) => n === 1)).toBe(true);
  expect(r.sink.counts().size).toBe(recipients);
}

describe('SMTP failures on the sender side pause the campaign and fail nobody', () => {
  it('a refused login (535) pauses at once; after the password is fixed, resume delivers to everyone once', async () => {
    let passwordAccepted = false;
    const r = await rig({}, {
      auth: (user, pass) =>
        passwordAccepted && user === 'cns' && pass === 'cns-password' ? undefined : { code: 535, message: '5.7.8 Authentication credentials invalid' },
    });
    await seedCustomers(r.t, 20);
    const id = await launch(r);
    const error = await expectPausedForSender(r, id, 20, /^535 /);
    expect(error).toBe('535 5.7.8 Authentication credentials invalid');
    expect(r.sink.messages).toHaveLength(0);

    passwordAccepted = true;
    await expectResumeDeliversOnce(r, id, 20);
  });

  it('a relay refusing our sender (553 to MAIL FROM) pauses at once; once it accepts, resume delivers to everyone once', async () => {
    const r = await rig();
    r.sink.setMailFrom(() => ({ code: 553, message: '5.7.1 <no-reply@localhost>: Sender address rejected: not owned by user cns' }));
    await seedCustomers(r.t, 20);
    const id = await launch(r);
    expect(await expectPausedForSender(r, id, 20, /^553 /)).toBe('553 5.7.1 <no-reply@localhost>: Sender address rejected: not owned by user cns');
    expect(r.sink.attempts.size).toBe(0); // no RCPT TO was ever accepted

    r.sink.setMailFrom(undefined);
    await expectResumeDeliversOnce(r, id, 20);
  });

  it.each([
    ['smtps to a server that speaks plain SMTP', {}, (s: SmtpSink) => s.url.replace(/^smtp:/, 'smtps:'), /ERR_SSL_WRONG_VERSION_NUMBER/],
    ['a certificate that fails verification (self-signed, expired)', { secure: true }, undefined, /CERT_HAS_EXPIRED/],
  ] as const)('a TLS failure pauses at once: %s', async (_name, sinkOpts, url, error) => {
    const r = await rig({}, sinkOpts, url);
    await seedCustomers(r.t, 10);
    const id = await launch(r);
    await expectPausedForSender(r, id, 10, error);
    expect(r.sink.messages).toHaveLength(0);
  });

  it('a 550 to RCPT TO still fails only that recipient, with the server reply quoted once as last_error', async () => {
    const r = await rig();
    const ids = await seedCustomers(r.t, 12);
    const refused = (await r.t.ctx.repos.users.findById(ids[4]!))!.email.toLowerCase();
    const reply = `550 5.1.1 <${refused}>: Recipient address rejected: User unknown in virtual mailbox table`;
    r.sink.setPolicy((to) => (to === refused ? { code: 550, message: reply.slice(4) } : undefined));
    const id = await launch(r);
    expect(await settled(r, id, 'completed')).toMatchObject({ recipients: 12, sent: 11, failed: 1, pending: 0 });
    const failed = (await ledger(r, id)).filter((d) => d.status === 'failed');
    expect(failed).toEqual([expect.objectContaining({ user_id: ids[4], attempts: 1, last_error: reply })]);
    expect(r.sink.messages).toHaveLength(11);
  });

  it('a reply longer than last_error holds is cut to its 1000 characters', async () => {
    const r = await rig();
    await seedCustomers(r.t, 1);
    const message = `5.1.1 ${'x'.repeat(1500)}`;
    r.sink.setPolicy(() => ({ code: 550, message }));
    const id = await launch(r);
    await settled(r, id, 'completed');
    const [row] = await ledger(r, id);
    expect(row!.last_error).toHaveLength(1000);
    expect(row!.last_error).toBe(`550 ${message}`.slice(0, 999) + '…');
  });

  it('every try is one the ledger counts: a connection dropped before the greeting is not re-sent by the pool behind its back', async () => {
    // A front that drops the first connection before the SMTP greeting and forwards the others to the sink.
    let connections = 0;
    let sinkPort = 0;
    const front = net.createServer((socket) => {
      if (++connections === 1) return socket.destroy();
      const upstream = net.connect(sinkPort, '127.0.0.1');
      socket.pipe(upstream).pipe(socket);
      socket.on('error', () => upstream.destroy());
      upstream.on('error', () => socket.destroy());
    });
    await new Promise<void>((res) => front.listen(0, '127.0.0.1', res));
    cleanups.push(() => new Promise<void>((res) => front.close(() => res())));
    const port = (front.address() as AddressInfo).port;
    const r = await rig({ SMTP_POOL_SIZE: '1' }, {}, () => `smtp://127.0.0.1:${port}`);
    sinkPort = r.sink.port;
    await seedCustomers(r.t, 1);
    const id = await launch(r);
    expect(await settled(r, id, 'completed')).toMatchObject({ recipients: 1, sent: 1, failed: 0 });
    const [row] = await ledger(r, id);
    expect(row).toMatchObject({ status: 'sent', attempts: 2, last_error: null });
    expect(r.sink.messages).toHaveLength(1);
  });
});

describe('Message-ID', () => {
  it('differs between two deployments (two databases) for the same campaign and user ids', async () => {
    const built = [];
    for (const name of ['delivery_msgid_a', 'delivery_msgid_b']) {
      const t = await createTestEnv(name);
      cleanups.push(() => t.close());
      const admin = await userWithRole(t, 'admin');
      const [userId] = await seedCustomers(t, 1);
      const res = await t.app.inject({ method: 'POST', url: '/v1/campaigns', headers: bearer(admin.access), payload: campaignBody() });
      expect(res.statusCode, res.body).toBe(201);
      const c = (await t.ctx.repos.campaigns.findById(res.json().campaign.id))!;
      expect(c.messageKey).toMatch(/^[0-9a-f]{32}$/);
      const messageId = t.ctx.messages.build(c, (await t.ctx.repos.deliveries.recipients([userId!])).get(userId!)!).messageId;
      expect(messageId).toBe(campaignMessageId(t.config, c, userId!, 'localhost'));
      built.push({ campaignId: c.id, userId, messageId });
    }
    expect(built[0]!.campaignId).toBe(built[1]!.campaignId);
    expect(built[0]!.userId).toBe(built[1]!.userId);
    expect(built[0]!.messageId).not.toBe(built[1]!.messageId);
  });

  it('stays the same across retries of one recipient', async () => {
    const r = await rig({ SEND_BACKOFF: '50ms' });
    const ids = await seedCustomers(r.t, 4);
    const email = (await r.t.ctx.repos.users.findById(ids[2]!))!.email.toLowerCase();
    // Refused at the end of DATA twice (the whole message was transferred), then accepted.
    r.sink.setData((to, attempt) => (to === email && attempt <= 2 ? { code: 451, message: '4.3.0 try again later' } : undefined));
    const id = await launch(r);
    await settled(r, id, 'completed');
    const tries = r.sink.dataAttempts.filter((d) => d.to === email);
    expect(tries.map((d) => d.refused)).toEqual([true, true, false]);
    const campaign = (await r.t.ctx.repos.campaigns.findById(id))!;
    expect(new Set(tries.map((d) => d.messageId))).toEqual(new Set([campaignMessageId(r.t.config, campaign, ids[2]!, 'localhost')]));
    expect((await ledger(r, id)).find((d) => d.user_id === ids[2])).toMatchObject({ status: 'sent', attempts: 3 });
  });
});
