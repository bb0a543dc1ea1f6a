import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerpAddresses } from '../src/services/verp.ts';
import { startWorkers, type Workers } from '../src/worker/worker.ts';
import { bearer, CNS, createTestEnv, eventually, seedCustomers, userWithRole, type TestEnv, type TestUser } from './helpers.ts';
import { startDovecot, type Dovecot } from './imap.ts';
import { startSmtpSink, type SmtpSink } from './smtp.ts';
import { fixture } from './unit/fakes/bounce-mailbox.ts';

/**
 * The bounce mailbox end to end: a campaign goes out through SMTP, a bounce for one recipient's VERP
 * address lands in Dovecot, and the workers' scheduled poll turns it into a bounced ledger row and a
 * suppressed address. A forged VERP token in the same mailbox changes nothing.
 */

const BOUNCE_ADDRESS = 'bounces@mail.example.com';
let dovecot: Dovecot;
let sink: SmtpSink;
let t: TestEnv;
let admin: TestUser;
let workers: Workers;

beforeAll(async () => {
  dovecot = await startDovecot();
  sink = await startSmtpSink();
  t = await createTestEnv('bounce_mailbox_e2e', {
    SMTP_URL: sink.url,
    BOUNCE_ADDRESS,
    BOUNCE_MAILBOX_URL: dovecot.url,
    BOUNCE_POLL_EVERY: '1s',
  });
  admin = await userWithRole(t, 'admin');
  workers = await startWorkers(t.ctx);
});
afterAll(async () => {
  await workers?.close();
  await t?.close();
  await sink?.close();
  await dovecot?.stop();
});

async function call(method: 'GET' | 'POST', url: string, payload?: object) {
  const res = await t.app.inject({ method, url, headers: bearer(admin.access), payload });
  return { status: res.statusCode, body: res.json() };
}

/** Creates, submits and approves a campaign, and waits until every message went out. */
async function sendCampaign() {
  const created = await call('POST', '/v1/campaigns', {
    type: 'promotion',
    title: `Bounce test ${Math.random()}`,
    subject: 'Hello {{first_name}}',
    body_html: '<p>Dear {{first_name}}, use {{promo_code}}. <a href="{{unsubscribe_url}}">unsubscribe</a></p>',
    promo_code: 'SAVE10',
  });
  expect(created.status).toBe(201);
  const id = created.body.campaign.id as number;
  expect((await call('POST', `/v1/campaigns/${id}/submit`)).status).toBe(200);
  const { version } = (await call('GET', `/v1/campaigns/${id}`)).body.campaign as { version: number };
  expect((await call('POST', `/v1/campaigns/${id}/approve`, { version })).status).toBe(200);
  await eventually(async () => (await call('GET', `/v1/campaigns/${id}/stats`)).body.status === 'completed');
  return id;
}

const rowStatus = async (campaignId: number, userId: number) => {
  const { body } = await call('GET', `/v1/campaigns/${campaignId}/deliveries?per_page=100`);
  return (body.data as { user_id: number; status: string }[]).find((d) => d.user_id === userId)?.status;
};
const suppressed = async (email: string) => {
  const { body } = await call('GET', `/v1/suppressions?per_page=100&q=${encodeURIComponent(email)}`);
  return (body.data as { email: string; reason: string }[]).find((s) => s.email === email.toLowerCase());
};
/** Waits until the workers flagged the message processed on the server. */
const processed = (uid: number) => eventually(async () => (await dovecot.flags()).get(uid)?.has('$CnsProcessed'));

describe('bounce mailbox end to end', () => {
  it('a DSN to one recipient’s VERP address bounces that ledger row and suppresses the address; a forged token changes nothing', async () => {
    const [bounced, forged, other] = await seedCustomers(t, 3, 'bmx');
    const id = await sendCampaign();
    const users = await t.ctx.repos.deliveries.recipients([bounced!, forged!, other!]);
    const verp = createVerpAddresses({ bounceAddress: BOUNCE_ADDRESS, secret: t.config.unsubscribeSecret });

    // A forged VERP token for the second recipient (right campaign and user, wrong MAC) and no Message-ID.
    const goodVerp = verp.address(id, forged!);
    const forgedVerp = goodVerp.replace(/-([0-9a-f]{16})@/, (_, mac: string) => `-${mac.startsWith('0') ? '1' : '0'}${mac.slice(1)}@`);
    const forgedUid = await dovecot.append(
      fixture('postfix-real-unknown-user.eml', { verp: forgedVerp, messageId: '<not-ours@example.net>' }).toString().replace(/nobody-here@example\.org/g, users.get(forged!)!.email),
    );
    await processed(forgedUid);
    expect(await rowStatus(id, forged!)).toBe('sent');
    expect(await suppressed(users.get(forged!)!.email)).toBeUndefined();

    // A real Postfix DSN, delivered to the envelope sender the first recipient's message went out with.
    const sent = sink.messages.find((m) => m.to === users.get(bounced!)!.email.toLowerCase())!;
    expect(sent.mailFrom).toBe(verp.address(id, bounced!));
    const uid = await dovecot.append(
      fixture('postfix-real-unknown-user.eml', { verp: sent.mailFrom, messageId: '<some-other-id@example.net>' })
        .toString()
        .replace(/nobody-here@example\.org/g, users.get(bounced!)!.email),
    );
    await processed(uid);
    expect(await rowStatus(id, bounced!)).toBe('bounced');
    expect(await suppressed(users.get(bounced!)!.email)).toMatchObject({ reason: 'hard_bounce' });
    expect(await rowStatus(id, other!)).toBe('sent');
    expect(await rowStatus(id, forged!)).toBe('sent');
  });

  it('a feedback report (ARF abuse) about one recipient’s message marks the row complained and suppresses the address', async () => {
    const [complainer, bystander] = await seedCustomers(t, 2, 'arf');
    const id = await sendCampaign();
    const users = await t.ctx.repos.deliveries.recipients([complainer!, bystander!]);
    const verp = createVerpAddresses({ bounceAddress: BOUNCE_ADDRESS, secret: t.config.unsubscribeSecret });
    // The provider's report names the message by its envelope sender (Original-Mail-From) only.
    const uid = await dovecot.append(fixture('arf-rfc822.eml', { verp: verp.address(id, complainer!), messageId: '<unrelated@example.net>' }));
    await processed(uid);
    expect(await rowStatus(id, complainer!)).toBe('complained');
    expect(await suppressed(users.get(complainer!)!.email)).toMatchObject({ reason: 'complaint' });
    expect(await rowStatus(id, bystander!)).toBe('sent');
    expect(await suppressed(users.get(bystander!)!.email)).toBeUndefined();
  });

  it('a recipient who quotes their own Message-ID with other recipients’ ids, in an ARF report and a DSN to the plain bounce address, changes nothing', async () => {
    const [attacker, victim1, victim2] = await seedCustomers(t, 3, 'forge');
    const id = await sendCampaign();
    const users = await t.ctx.repos.deliveries.recipients([attacker!, victim1!, victim2!]);
    const own = sink.messages.find((m) => m.to === users.get(attacker!)!.email.toLowerCase())!.header('Message-ID')!;
    expect(own).toMatch(new RegExp(`^<c${id}\\.u${attacker}\\.[0-9a-f]{24}@`));
    const asVictim = (uid: number) => own.replace(`.u${attacker}.`, `.u${uid}.`);
    // What the attacker can see is the token of their own message; the campaign's key is in no message any more.
    const { messageKey } = (await t.ctx.repos.campaigns.findById(id))!;
    expect(sink.messages.some((m) => m.raw.includes(messageKey))).toBe(false);

    const arf = await dovecot.append(
      fixture('arf-rfc822.eml', { verp: BOUNCE_ADDRESS, messageId: asVictim(victim1!) })
        .toString()
        // An event id of its own: the ARF test above recorded this fixture's.
        .replace('<arf-1@example.com>', '<arf-forged@example.com>'),
    );
    const dsn = await dovecot.append(
      fixture('postfix-real-unknown-user.eml', { verp: BOUNCE_ADDRESS, messageId: asVictim(victim2!) })
        .toString()
        .replace(/BC61120C165@mx/, 'BC61120C165.forged@mx')
        .replace(/nobody-here@example\.org/g, users.get(victim2!)!.email),
    );
    await processed(arf);
    await processed(dsn);
    for (const uid of [attacker!, victim1!, victim2!]) {
      expect(await rowStatus(id, uid)).toBe('sent');
      expect(await suppressed(users.get(uid)!.email)).toBeUndefined();
    }
    // Still opted in: a complaint would have opted the victim out.
    expect((await t.ctx.repos.users.findById(victim1!))!.emailOptIn).toBe(true);
  });

  it('a DSN that reached the plain bounce address (the +tag lost) is matched by the returned Message-ID', async () => {
    const [bounced] = await seedCustomers(t, 1, 'mid');
    const id = await sendCampaign();
    const email = (await t.ctx.repos.deliveries.recipients([bounced!])).get(bounced!)!.email;
    const messageId = sink.messages.find((m) => m.to === email.toLowerCase())!.header('Message-ID')!;
    expect(messageId).toMatch(new RegExp(`^<c${id}\\.u${bounced}\\.`));
    const uid = await dovecot.append(
      fixture('postfix-soft-expired.eml', { verp: BOUNCE_ADDRESS, messageId })
        .toString()
        .replace(/Status: 4\.2\.2/, 'Status: 5.2.1')
        .replace(/full@example\.net/g, email),
    );
    await processed(uid);
    expect(await rowStatus(id, bounced!)).toBe('bounced');
    expect(await suppressed(email)).toMatchObject({ reason: 'hard_bounce' });
  });
});

describe('cns worker', () => {
  it('two `cns worker` processes read a folder of the mailbox: every report applied and flagged processed', async () => {
    const folder = `Workers${Date.now()}`;
    const c = await dovecot.client();
    await c.mailboxCreate(folder);
    await c.logout();
    const url = dovecot.url.replace('/INBOX', `/${folder}`);
    const sink2 = await startSmtpSink();
    const t2 = await createTestEnv('bounce_mailbox_cli', { SMTP_URL: sink2.url, BOUNCE_ADDRESS, BOUNCE_MAILBOX_URL: url, BOUNCE_POLL_EVERY: '1s' });
    const children: ChildProcess[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const child = spawn(process.execPath, [...CNS, 'worker'], { env: { ...process.env, ...t2.vars, LOG_LEVEL: 'error' }, stdio: ['ignore', 'ignore', 'inherit'] });
        children.push(child);
      }
      const admin2 = await userWithRole(t2, 'admin');
      const ids = await seedCustomers(t2, 4, 'cli');
      const post = async (u: string, payload?: object) => (await t2.app.inject({ method: 'POST', url: u, headers: bearer(admin2.access), payload })).json();
      const created = await post('/v1/campaigns', { type: 'campaign', title: `CLI ${Date.now()}`, subject: 'Hi {{first_name}}', body_html: '<p>Hello</p>' });
      const id = created.campaign.id as number;
      await post(`/v1/campaigns/${id}/submit`);
      await post(`/v1/campaigns/${id}/approve`, { version: created.campaign.version });
      await eventually(async () => (await t2.ctx.repos.campaigns.findById(id))?.status === 'completed', 60_000);

      const users = await t2.ctx.repos.deliveries.recipients(ids);
      const c2 = await dovecot.client();
      const uids: number[] = [];
      try {
        for (const uid of ids) {
          const sent = sink2.messages.find((m) => m.to === users.get(uid)!.email.toLowerCase())!;
          const raw = fixture('postfix-real-unknown-user.eml', { verp: sent.mailFrom, messageId: sent.header('Message-ID')! })
            .toString()
            .replace(/BC61120C165@mx/, `BC61120C165.${uid}@mx`)
            .replace(/nobody-here@example\.org/g, users.get(uid)!.email);
          const res = await c2.append(folder, raw);
          uids.push(res && res.uid ? res.uid : 0);
        }
      } finally {
        await c2.logout();
      }
      const rows = async () => (await t2.ctx.repos.deliveries.list({ campaignId: id, page: 1, perPage: 100 })).rows;
      await eventually(async () => (await rows()).every((r) => r.status === 'bounced'), 30_000);
      const flags = await dovecot.flags(folder);
      for (const uid of uids) expect(flags.get(uid)?.has('$CnsProcessed')).toBe(true);
    } finally {
      for (const child of children) {
        if (child.exitCode === null) {
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGTERM');
          await exited;
        }
      }
      await t2.close();
      await sink2.close();
    }
  }, 150_000); // two `cns worker` processes started from the sources, and the waits above
});
