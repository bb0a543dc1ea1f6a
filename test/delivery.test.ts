import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startWorkers } from '../src/worker/worker.ts';
import { bearer, campaignMessageId, createTestEnv, eventually, ledgerCounts, login, seedCustomers, uniqueEmail, userWithRole, type TestEnv, type TestUser } from './helpers.ts';
import { startSmtpSink, type RcptPolicy, type SmtpSink } from './smtp.ts';

interface Rig {
  t: TestEnv;
  sink: SmtpSink;
  admin: TestUser;
  workers?: Awaited<ReturnType<typeof startWorkers>>;
}
/** What the HTTP helpers below need: the app and an admin to call it as. */
type Api = Pick<Rig, 't' | 'admin'>;
const rigs: Rig[] = [];
const cleanups: Array<() => Promise<void>> = [];

async function rig(env: Record<string, string> = {}, sinkOpts: { policy?: RcptPolicy; delayMs?: number } = {}, withWorkers = true) {
  const sink = await startSmtpSink(sinkOpts);
  const t = await createTestEnv('delivery', { SMTP_URL: sink.url, SMTP_POOL_SIZE: '2', ...env });
  const admin = await userWithRole(t, 'admin');
  const r: Rig = { t, sink, admin };
  if (withWorkers) r.workers = await startWorkers(t.ctx);
  rigs.push(r);
  return r;
}

afterEach(async () => {
  for (const r of rigs.splice(0)) {
    await r.workers?.close();
    await r.t.close();
    await r.sink.close();
  }
  for (const c of cleanups.splice(0)) await c();
});

async function call(r: Api, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) {
  const res = await r.t.app.inject({ method, url, headers: bearer(r.admin.access), payload });
  return { status: res.statusCode, body: res.json() };
}

async function createCampaign(r: Api, extra: object = {}) {
  const res = await call(r, 'POST', '/v1/campaigns', {
    type: 'promotion',
    title: `Sale ${Math.random()}`,
    subject: 'Hello {{first_name}}',
    body_html: '<p>Dear {{first_name}} {{last_name}}, use {{promo_code}}. <a href="{{unsubscribe_url}}">unsubscribe</a></p>',
    promo_code: 'SAVE10',
    ...extra,
  });
  expect(res.status).toBe(201);
  const id = res.body.campaign.id as number;
  expect((await call(r, 'POST', `/v1/campaigns/${id}/submit`)).status).toBe(200);
  return id;
}

/** Approves the campaign as a reviewer does: the version just read. */
async function approve(r: Api, id: number) {
  const { version } = (await call(r, 'GET', `/v1/campaigns/${id}`)).body.campaign as { version: number };
  const res = await call(r, 'POST', `/v1/campaigns/${id}/approve`, { version });
  expect(res.status).toBe(200);
  return res.body.campaign;
}

const stats = async (r: Api, id: number) => (await call(r, 'GET', `/v1/campaigns/${id}/stats`)).body;
/** Waits for the status; the campaign's stats must then equal the ledger counted directly. */
const finished = async (r: Api, id: number, status = 'completed') => {
  const s = await eventually(async () => {
    const s = await stats(r, id);
    return s.status === status ? s : undefined;
  });
  // Batches still in flight (after a pause) may record a few more; the two must agree once they settle.
  await eventually(async () => {
    const { started_at: _s, completed_at: _c, status: _st, ...counts } = await stats(r, id);
    return JSON.stringify(counts) === JSON.stringify(await ledgerCounts(r.t, id));
  }, 20_000);
  return s;
};

/**
 * Until no dispatch or send job of the campaign is running, waiting or due for a retry: from then on
 * nothing more is sent for it. An event to wait for, rather than a deadline: a busy machine is slower
 * to stop, but it does stop.
 */
async function batchesDone(r: Api, id: number) {
  const queue = r.t.ctx.queue.queue;
  await eventually(async () => {
    const jobs = await queue.getJobs(['active', 'waiting', 'prioritized', 'delayed', 'waiting-children']);
    return !jobs.some((j) => (j?.name === 'send' || j?.name === 'dispatch') && (j.data as { campaignId: number }).campaignId === id);
  }, 20_000, 50);
}

/** A quiet period after `batchesDone`: the point is that nothing arrives in it (a busy machine cannot make something arrive). */
async function expectNothingMore(sink: SmtpSink) {
  const before = sink.messages.length;
  await new Promise((res) => setTimeout(res, 700));
  expect(sink.messages.length).toBe(before);
}

function expectNoDuplicates(sink: SmtpSink) {
  const dupes = [...sink.counts()].filter(([, n]) => n > 1);
  expect(dupes).toEqual([]);
}

describe('delivery', () => {
  it('sends exactly one personalised message per opted-in customer, with the documented headers', async () => {
    const r = await rig();
    const ids = await seedCustomers(r.t, 40);
    // Not in the audience: an opted-out customer, a disabled customer, and staff.
    await r.t.ctx.repos.users.update(ids[0]!, { emailOptIn: false });
    await r.t.ctx.repos.users.update(ids[1]!, { status: 'disabled' });
    await userWithRole(r.t, 'manager');
    const id = await createCampaign(r);
    await approve(r, id);
    const s = await finished(r, id);

    expect(s).toMatchObject({ recipients: 38, sent: 38, pending: 0, failed: 0, skipped: 0 });
    expect(s.completed_at).toBeTruthy();
    expect(r.sink.messages).toHaveLength(38);
    expectNoDuplicates(r.sink);
    const customers = await r.t.ctx.repos.deliveries.recipients(ids);
    const third = customers.get(ids[2]!)!;
    const msg = r.sink.messages.find((m) => m.to === third.email)!;
    expect(msg.header('Subject')).toBe(`Hello ${third.firstName}`);
    const campaign = (await r.t.ctx.repos.campaigns.findById(id))!;
    expect(msg.header('Message-ID')).toBe(campaignMessageId(r.t.config, campaign, ids[2]!, 'localhost'));
    expect(msg.header('List-Unsubscribe')).toMatch(/^<https:\/\/cns\.example\.test\/v1\/unsubscribe\?token=[\w.-]+>$/);
    expect(msg.header('List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    expect(msg.header('Content-Type')).toMatch(/multipart\/alternative/);
    expect(msg.raw).toContain(`Dear ${third.firstName} ${third.lastName}, use SAVE10`);
    expect(r.sink.messages.some((m) => m.to === customers.get(ids[0]!)!.email)).toBe(false);

    const deliveries = await call(r, 'GET', `/v1/campaigns/${id}/deliveries?status=sent&per_page=100`);
    expect(deliveries.body.total).toBe(38);
    expect(deliveries.body.data.every((d: { sent_at: string | null; attempts: number }) => d.sent_at && d.attempts === 1)).toBe(true);
  });

  it('delivers once to each customer who signed up over HTTP and is opted in (explicitly or by the default), nothing to one who opted out; promotion by a new manager, approved by an admin', async () => {
    const MAIL_FROM = 'Acme Offers <offers@acme.test>';
    const r = await rig({ MAIL_FROM });
    const as = (token: string, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) =>
      r.t.app.inject({ method, url, headers: bearer(token), ...(payload ? { payload } : {}) });
    const password = 'a long enough password';

    async function signup(firstName: string, optIn: boolean | undefined) {
      const email = uniqueEmail(firstName.normalize('NFD').replace(/[^A-Za-z]/g, '').toLowerCase());
      const res = await r.t.app.inject({ method: 'POST', url: '/v1/auth/signup', payload: { email, password, first_name: firstName, last_name: 'Signup' } });
      expect(res.statusCode, res.body).toBe(201);
      const user = res.json().user as { id: number; role: string; email_opt_in: boolean };
      // The default: a new account is opted in (users.email_opt_in defaults to true), so not touching it means "in".
      expect(user).toMatchObject({ role: 'customer', email_opt_in: true });
      if (optIn !== undefined) {
        const { access_token } = await login(r.t, email, password);
        const patch = await as(access_token, 'PATCH', '/v1/users/me', { email_opt_in: optIn });
        expect(patch.statusCode, patch.body).toBe(200);
        expect(patch.json().user.email_opt_in).toBe(optIn);
      }
      return { id: user.id, email: email.toLowerCase(), firstName };
    }
    const optedIn = [await signup('Ada', true), await signup('Grace', true), await signup('Zoë', true)];
    const untouched = await signup('Edsger', undefined);
    const optedOut = await signup('Barbara', false);
    const audience = [...optedIn, untouched];

    // The admin creates a manager over HTTP; the manager writes and submits a promotion; the admin approves it.
    const managerEmail = uniqueEmail('new-manager');
    const created = await as(r.admin.access, 'POST', '/v1/users', { email: managerEmail, password, first_name: 'Mary', last_name: 'Jones', role_id: 2 });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().user).toMatchObject({ role: 'manager', role_id: 2 });
    const manager = await login(r.t, managerEmail, password);
    const draft = await as(manager.access_token, 'POST', '/v1/campaigns', {
      type: 'promotion',
      title: `Spring sale ${Date.now()}`,
      subject: 'Hello {{first_name}}, your code inside',
      body_html: '<p>Dear {{first_name}}, use <b>{{promo_code}}</b> at checkout.</p>',
      promo_code: 'SPRING25',
    });
    expect(draft.statusCode, draft.body).toBe(201);
    const id = draft.json().campaign.id as number;
    expect(draft.json().campaign).toMatchObject({ status: 'draft', created_by: manager.user.id });
    expect((await as(manager.access_token, 'POST', `/v1/campaigns/${id}/submit`)).json().campaign.status).toBe('pending_approval');
    expect((await as(manager.access_token, 'POST', `/v1/campaigns/${id}/approve`)).statusCode).toBe(403);
    const approved = await as(r.admin.access, 'POST', `/v1/campaigns/${id}/approve`, { version: draft.json().campaign.version });
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json().campaign).toMatchObject({ status: 'sending', approved_by: r.admin.id });

    const s = await finished(r, id);
    const campaign = (await r.t.ctx.repos.campaigns.findById(id))!;
    expect(s).toMatchObject({ status: 'completed', recipients: audience.length, sent: audience.length, pending: 0, failed: 0, skipped: 0 });
    expect(r.sink.messages).toHaveLength(audience.length);
    expectNoDuplicates(r.sink);
    expect([...r.sink.counts().keys()].sort()).toEqual(audience.map((c) => c.email).sort());
    for (const nobody of [optedOut.email, managerEmail.toLowerCase(), r.admin.email.toLowerCase()]) {
      expect(r.sink.messages.filter((m) => m.to === nobody), nobody).toEqual([]);
    }

    for (const c of audience) {
      const msg = r.sink.messages.find((m) => m.to === c.email)!;
      const mail = await simpleParser(msg.raw);
      expect(msg.header('From')).toBe(MAIL_FROM);
      expect(mail.from?.value).toEqual([{ address: 'offers@acme.test', name: 'Acme Offers' }]);
      expect((mail.to as AddressObject).value.map((a) => a.address)).toEqual([c.email]);
      expect(mail.subject).toBe(`Hello ${c.firstName}, your code inside`);
      expect(mail.messageId).toBe(campaignMessageId(r.t.config, campaign, c.id, 'acme.test'));
      const unsubscribeUrl = `https://cns.example.test/v1/unsubscribe?token=${r.t.ctx.unsubscribe.sign(c.id)}`;
      expect(msg.header('List-Unsubscribe')).toBe(`<${unsubscribeUrl}>`);
      expect(msg.header('List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
      expect(mail.html).toContain(`Dear ${c.firstName}, use <b>SPRING25</b>`);
      expect(mail.html).toMatch(new RegExp(`<a href="${unsubscribeUrl.replace(/[.?]/g, '\\$&')}">Unsubscribe</a>`));
      expect(mail.text).toContain(`Dear ${c.firstName}, use SPRING25`);
      expect(mail.text).toContain(unsubscribeUrl);
    }
  });

  it('writes one .eml file per recipient under MAIL_OUTBOX_DIR when SMTP_URL is not set', async () => {
    const t = await createTestEnv('delivery_outbox');
    const workers = await startWorkers(t.ctx);
    cleanups.push(async () => {
      await workers.close();
      await t.close();
      await rm(t.config.mailOutboxDir, { recursive: true, force: true });
    });
    expect(t.config.smtpUrl).toBeUndefined();
    const api = { t, admin: await userWithRole(t, 'admin') };
    const ids = await seedCustomers(t, 6);
    const customers = await t.ctx.repos.deliveries.recipients(ids);
    const id = await createCampaign(api);
    await approve(api, id);
    expect(await finished(api, id)).toMatchObject({ recipients: 6, sent: 6, failed: 0 });

    const files = (await readdir(t.config.mailOutboxDir)).sort();
    expect(files).toEqual(ids.map((uid) => `campaign-${id}.user-${uid}.eml`).sort());
    const campaign = (await t.ctx.repos.campaigns.findById(id))!;
    const mails: ParsedMail[] = await Promise.all(files.map(async (f) => simpleParser(await readFile(join(t.config.mailOutboxDir, f)))));
    const to = mails.map((m) => (m.to as AddressObject).value.map((a) => a.address));
    expect(to.every((list) => list.length === 1)).toBe(true);
    expect(to.flat().sort()).toEqual([...customers.values()].map((c) => c.email.toLowerCase()).sort());
    for (const mail of mails) {
      const c = [...customers.values()].find((x) => x.email.toLowerCase() === (mail.to as AddressObject).value[0]!.address)!;
      expect(mail.from?.value).toEqual([{ address: 'no-reply@localhost', name: 'Campaigns' }]); // MAIL_FROM's default
      expect(mail.subject).toBe(`Hello ${c.firstName}`);
      expect(mail.messageId).toBe(campaignMessageId(t.config, campaign, c.id, 'localhost'));
      expect(mail.headerLines.find((h) => h.key === 'list-unsubscribe-post')?.line).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
      expect(mail.text).toContain(`Dear ${c.firstName} ${c.lastName}, use SAVE10`);
    }
  });

  it('lets a recipient unsubscribe in one click from the received message', async () => {
    const r = await rig();
    const [first] = await seedCustomers(r.t, 3);
    const id = await createCampaign(r);
    await approve(r, id);
    await finished(r, id);
    const email = (await r.t.ctx.repos.users.findById(first!))!.email;
    const msg = r.sink.messages.find((m) => m.to === email)!;
    const url = new URL(/^<(.*)>$/.exec(msg.header('List-Unsubscribe')!)![1]!);

    const forged = await r.t.app.inject({ method: 'POST', url: `${url.pathname}${url.search.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))}` });
    expect(forged.statusCode).toBe(400);
    expect((await r.t.ctx.repos.users.findById(first!))!.emailOptIn).toBe(true);

    const res = await r.t.app.inject({
      method: 'POST',
      url: `${url.pathname}${url.search}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    });
    expect(res.statusCode).toBe(200);
    expect((await r.t.ctx.repos.users.findById(first!))!.emailOptIn).toBe(false);
  });

  it('skips customers who opted out or were disabled after fan-out but before their turn', async () => {
    const r = await rig({}, {}, false);
    const ids = await seedCustomers(r.t, 10);
    const id = await createCampaign(r);
    await approve(r, id);
    // Fan-out first (no worker is running), then change two customers, then let the workers send.
    await r.t.ctx.worker.delivery.dispatch(id);
    expect((await stats(r, id)).recipients).toBe(10);
    await r.t.ctx.repos.users.update(ids[3]!, { emailOptIn: false });
    await r.t.ctx.repos.users.update(ids[4]!, { status: 'disabled' });
    r.workers = await startWorkers(r.t.ctx);
    const s = await finished(r, id);
    expect(s).toMatchObject({ recipients: 10, sent: 8, skipped: 2, pending: 0 });
    expect(r.sink.messages).toHaveLength(8);
    const skipped = (await call(r, 'GET', `/v1/campaigns/${id}/deliveries?status=skipped`)).body.data;
    expect(skipped.map((d: { user_id: number }) => d.user_id).sort()).toEqual([ids[3], ids[4]].sort());
    expectNoDuplicates(r.sink);
  });

  it('retries SMTP 4xx answers with backoff until the server recovers, and delivers everyone', async () => {
    // Every third recipient is refused twice with 451, then accepted.
    const policy: RcptPolicy = (to, attempt) =>
      /^cust\d*3\./.test(to) && attempt <= 2 ? { code: 451, message: 'try again later' } : undefined;
    const r = await rig({ SEND_ATTEMPTS: '5', SEND_BACKOFF: '100ms' }, { policy });
    await seedCustomers(r.t, 30);
    const id = await createCampaign(r);
    await approve(r, id);
    const s = await finished(r, id);
    const failed = (await call(r, 'GET', `/v1/campaigns/${id}/deliveries?status=failed`)).body.data;
    expect(failed).toEqual([]);
    expect(s).toMatchObject({ recipients: 30, sent: 30, failed: 0 });
    expectNoDuplicates(r.sink);
    expect(r.sink.messages).toHaveLength(30);
    const retried = (await call(r, 'GET', `/v1/campaigns/${id}/deliveries?per_page=100`)).body.data.filter(
      (d: { attempts: number }) => d.attempts === 3,
    );
    expect(retried.length).toBe(3);
  });

  it('records SMTP 5xx answers as permanent failures with the reason and sends to the rest', async () => {
    const policy: RcptPolicy = (to) => (to.startsWith('cust1') ? { code: 550, message: 'mailbox unavailable' } : undefined);
    const r = await rig({}, { policy });
    await seedCustomers(r.t, 25);
    const id = await createCampaign(r);
    await approve(r, id);
    const s = await finished(r, id);
    const refused = r.sink.attempts.size - r.sink.messages.length;
    expect(s.failed).toBeGreaterThan(0);
    expect(s).toMatchObject({ recipients: 25, sent: 25 - s.failed, pending: 0 });
    expect(refused).toBe(s.failed);
    const failed = (await call(r, 'GET', `/v1/campaigns/${id}/deliveries?status=failed&per_page=100`)).body.data;
    expect(failed).toHaveLength(s.failed);
    for (const d of failed) {
      expect(d.email).toMatch(/^cust1/);
      expect(d.last_error).toMatch(/550/);
      expect(d.attempts).toBe(1);
    }
  });

  it('pauses itself past the failure threshold and says why in the audit log', async () => {
    const policy: RcptPolicy = () => ({ code: 554, message: 'rejected' });
    const r = await rig({ AUTO_PAUSE_MIN_FAILURES: '5', AUTO_PAUSE_FAILURE_RATIO: '0.5', SEND_BATCH_SIZE: '10' }, { policy });
    await seedCustomers(r.t, 60);
    const id = await createCampaign(r);
    await approve(r, id);
    const s = await finished(r, id, 'paused');
    expect(s.failed).toBeGreaterThanOrEqual(5);
    expect(s.pending).toBeGreaterThan(0);
    const audit = (await call(r, 'GET', `/v1/audit?action=campaign.auto_paused`)).body.data;
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ target_id: id, actor_id: null });
    expect(audit[0].details.reason).toMatch(/failed/);
  });

  it('stops sending on pause and resumes from the ledger without resending', async () => {
    // 300 at 60/s take 5 s: paused after 20, sending stops (status checks run every second) long before the end.
    const r = await rig({ MAIL_RATE_PER_SEC: '60', SEND_BATCH_SIZE: '50' });
    await seedCustomers(r.t, 300);
    const id = await createCampaign(r);
    await approve(r, id);
    await eventually(async () => r.sink.messages.length >= 20);
    expect((await call(r, 'POST', `/v1/campaigns/${id}/pause`)).status).toBe(200);
    await batchesDone(r, id); // in-flight sends finish
    const atPause = r.sink.messages.length;
    await expectNothingMore(r.sink);
    expect(atPause).toBeLessThan(300);
    const paused = await stats(r, id);
    expect(paused).toMatchObject({ status: 'paused', sent: atPause });

    expect((await call(r, 'POST', `/v1/campaigns/${id}/resume`)).status).toBe(200);
    const s = await finished(r, id);
    expect(s).toMatchObject({ recipients: 300, sent: 300 });
    expect(r.sink.messages).toHaveLength(300);
    expectNoDuplicates(r.sink);
  });

  it('cancels: sending stops and whatever is pending becomes skipped', async () => {
    const r = await rig({ MAIL_RATE_PER_SEC: '100', SEND_BATCH_SIZE: '50' });
    await seedCustomers(r.t, 250);
    const id = await createCampaign(r);
    await approve(r, id);
    await eventually(async () => r.sink.messages.length >= 30);
    expect((await call(r, 'POST', `/v1/campaigns/${id}/cancel`)).status).toBe(200);
    await batchesDone(r, id); // in-flight sends finish
    await expectNothingMore(r.sink);
    const s = await stats(r, id);
    expect(s.status).toBe('cancelled');
    expect(s.pending).toBe(0);
    expect(s.sent + s.skipped).toBe(s.recipients);
    expect(s.skipped).toBeGreaterThan(0);
    expect(r.sink.messages.length).toBe(s.sent);
  });

  it('waits for start_time before sending a scheduled campaign', async () => {
    const r = await rig();
    await seedCustomers(r.t, 5);
    await createCampaign(r); // starts the template checker's threads (seconds on a busy machine)
    // Far enough out that creating and approving it ends before, on a busy machine too.
    const start = new Date(Date.now() + 4000);
    const id = await createCampaign(r, { start_time: start.toISOString() });
    expect((await approve(r, id)).status).toBe('scheduled');
    // Nothing was sent before start_time: lower bounds only, which a busy machine (starting later) cannot break.
    const s = await finished(r, id);
    expect(s.sent).toBe(5);
    expect(new Date(s.started_at).getTime()).toBeGreaterThanOrEqual(start.getTime() - 50);
    const sent = (await call(r, 'GET', `/v1/campaigns/${id}/deliveries?status=sent`)).body.data as { sent_at: string }[];
    expect(sent).toHaveLength(5);
    for (const d of sent) expect(new Date(d.sent_at).getTime()).toBeGreaterThanOrEqual(start.getTime() - 50);
    expect(r.sink.messages).toHaveLength(5);
  });

  it('sends nothing after end_time: what is still pending becomes skipped', async () => {
    const r = await rig({ MAIL_RATE_PER_SEC: '40', SEND_BATCH_SIZE: '20' });
    await seedCustomers(r.t, 300);
    // 300 recipients at 40/s need 7.5 s: an end 6 s out leaves some to skip (more on a busy machine,
    // which sends slower), and time to create and approve on a busy machine.
    const end = new Date(Date.now() + 6000);
    const id = await createCampaign(r, { end_time: end.toISOString() });
    await approve(r, id);
    const s = await finished(r, id);
    expect(s.sent).toBeGreaterThan(0);
    expect(s.skipped).toBeGreaterThan(0);
    expect(s.sent + s.skipped).toBe(s.recipients);
    expect(new Date(s.completed_at).getTime()).toBeGreaterThanOrEqual(end.getTime());
    // Everything the server accepted is in the ledger, and nothing more arrives. (That no message
    // starts after end_time is checked before each one, with a clock the test moves, in
    // test/unit/delivery.service.test.ts: here the real clock would make it a race.)
    await batchesDone(r, id);
    expect(r.sink.messages).toHaveLength((await stats(r, id)).sent);
    await expectNothingMore(r.sink);
  });

  it('reconciles a campaign whose dispatch job was lost between commit and enqueue', async () => {
    const r = await rig();
    await seedCustomers(r.t, 12);
    const id = await createCampaign(r);
    // As if the process died right after the commit: the status is sending but nothing was enqueued.
    await r.t.ctx.repos.campaigns.transition(id, ['pending_approval'], { status: 'sending', startedAt: new Date() });
    const s = await finished(r, id);
    expect(s.sent).toBe(12);
    expectNoDuplicates(r.sink);
  });

  it('holds MAIL_RATE_PER_SEC across two worker sets', async () => {
    const r = await rig({ MAIL_RATE_PER_SEC: '20', SEND_BATCH_SIZE: '5' });
    const second = await startWorkers(r.t.ctx);
    try {
      await seedCustomers(r.t, 40);
      const id = await createCampaign(r);
      const started = Date.now();
      await approve(r, id);
      await finished(r, id);
      const elapsed = Date.now() - started;
      // 40 messages at 20/s need at least 39 intervals of 50 ms.
      expect(elapsed).toBeGreaterThanOrEqual(39 * 50 * 0.95);
      expectNoDuplicates(r.sink);
    } finally {
      await second.close();
    }
  });
});

describe('delivery promptness', () => {
  it('approval enqueues its dispatch job: the campaign is delivered at once, not at the next reconcile', async () => {
    const r = await rig({ RECONCILE_EVERY: '1h' });
    await seedCustomers(r.t, 5);
    const id = await createCampaign(r);
    const queue = r.t.ctx.queue.queue;
    // The reconciler runs once at start-up and then not for an hour: let that run finish first.
    await eventually(async () => (await queue.getJobs(['completed'])).some((j) => j.name === 'reconcile'), 30_000, 20);
    // Held while approving, so the job is seen in the queue before a worker takes (and removes) it.
    await queue.pause();
    try {
      await approve(r, id);
      expect((await queue.getJob(`dispatch-${id}`))?.name).toBe('dispatch');
    } finally {
      await queue.resume();
    }
    await eventually(async () => (await stats(r, id)).status === 'completed', 30_000, 20); // the reconcile is an hour away
    expect(r.sink.messages).toHaveLength(5);
  });

  /** One batch of 100 to a server that answers each message after 100 ms: about 5 s of sending, if nothing stops it. */
  async function slowCampaign() {
    const r = await rig({ SEND_BATCH_SIZE: '100' }, { delayMs: 100 });
    await seedCustomers(r.t, 100);
    const id = await createCampaign(r);
    await approve(r, id);
    await eventually(async () => r.sink.messages.length >= 4, 30_000, 10);
    return { r, id };
  }

  /**
   * New sends stop, in the middle of the batch; what is in flight finishes; then nothing more arrives.
   * How soon (the sender reads the status once a second) is a fake-clock unit test in
   * test/unit/delivery.service.test.ts, where a busy machine cannot move it.
   */
  async function expectStoppedMidBatch(r: Rig, id: number) {
    await batchesDone(r, id);
    await expectNothingMore(r.sink);
    expect(r.sink.messages.length).toBeLessThan(100);
  }

  it('pause stops new sends in the middle of a slow batch', async () => {
    const { r, id } = await slowCampaign();
    expect((await call(r, 'POST', `/v1/campaigns/${id}/pause`)).status).toBe(200);
    await expectStoppedMidBatch(r, id);
    expect(await stats(r, id)).toMatchObject({ status: 'paused', sent: r.sink.messages.length, pending: 100 - r.sink.messages.length });
  });

  it('cancel stops new sends in the middle of a slow batch, and skips what was pending', async () => {
    const { r, id } = await slowCampaign();
    expect((await call(r, 'POST', `/v1/campaigns/${id}/cancel`)).status).toBe(200);
    await expectStoppedMidBatch(r, id);
    const s = await stats(r, id);
    expect(s).toMatchObject({ status: 'cancelled', pending: 0, sent: r.sink.messages.length, skipped: 100 - r.sink.messages.length });
  });
});
