import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.ts';
import { createMailer, createSmtpMailer } from '../src/conn/mailer.ts';
import { createMessageIds } from '../src/services/message-id.ts';
import { createMessageBuilder } from '../src/services/message.service.ts';
import { createUnsubscribeTokens } from '../src/services/unsubscribe.ts';
import { createVerpAddresses } from '../src/services/verp.ts';
import { startWorkers, type Workers } from '../src/worker/worker.ts';
import { dkimRecord, txtResolver, verify, withBodyByteChanged, withSubject } from './dkim.ts';
import { bearer, createTestEnv, eventually, seedCustomers, testEnvVars, userWithRole, type TestEnv, type TestUser } from './helpers.ts';
import { startSmtpSink, type ReceivedMessage, type SmtpSink } from './smtp.ts';

/**
 * Sender-side deliverability end to end: campaign messages and test sends leave DKIM-signed (checked
 * as a receiving server would, with mailauth against the published key), with List-Id and
 * Feedback-ID, and with a VERP envelope sender that maps back to the campaign and the recipient.
 */

const DOMAIN = 'mail.example.test';
const SELECTOR = 'cns1';
const BOUNCE = 'bounces@mail.example.test';
const keys = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'der' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
/** What a receiver finds in DNS: the key and a DMARC policy for the domain. */
const dns = txtResolver({ [`${SELECTOR}._domainkey.${DOMAIN}`]: dkimRecord(keys.publicKey), [`_dmarc.${DOMAIN}`]: ['v=DMARC1; p=reject'] });

const dir = mkdtempSync(join(tmpdir(), 'cns-dkim-'));
let t: TestEnv;
let sink: SmtpSink;
let workers: Workers;
let admin: TestUser;

beforeAll(async () => {
  sink = await startSmtpSink();
  t = await createTestEnv('deliverability', {
    SMTP_URL: sink.url,
    SMTP_POOL_SIZE: '1',
    MAIL_FROM: `Offers <offers@${DOMAIN}>`,
    DKIM_DOMAIN: DOMAIN,
    DKIM_SELECTOR: SELECTOR,
    // As an env file would hold it: one line, \n for the line breaks.
    DKIM_PRIVATE_KEY: keys.privateKey.trim().replace(/\n/g, '\\n'),
    BOUNCE_ADDRESS: BOUNCE,
  });
  admin = await userWithRole(t, 'admin');
  workers = await startWorkers(t.ctx);
});
afterAll(async () => {
  await workers?.close();
  await t?.close();
  await sink?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function call(method: 'GET' | 'POST', url: string, payload?: object) {
  const res = await t.app.inject({ method, url, headers: bearer(admin.access), ...(payload ? { payload } : {}) });
  return { status: res.statusCode, body: res.json() };
}

/** A campaign created, submitted and approved to start now; returns its id. */
async function launch(over: object = {}): Promise<number> {
  const res = await call('POST', '/v1/campaigns', {
    type: 'promotion',
    title: `Deliverability ${Math.random()}`,
    subject: 'Hello {{first_name}}',
    body_html: '<p>Dear {{first_name}}, use {{promo_code}}. <a href="{{unsubscribe_url}}">unsubscribe</a></p>',
    promo_code: 'SIGNED10',
    ...over,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const id = res.body.campaign.id as number;
  expect((await call('POST', `/v1/campaigns/${id}/submit`)).status).toBe(200);
  expect((await call('POST', `/v1/campaigns/${id}/approve`, { version: res.body.campaign.version })).status).toBe(200);
  return id;
}

const sentTo = (ids: number[]) =>
  eventually(async () => {
    const got = sink.messages.filter((m) => /^<c(\d+)\.u(\d+)\./.test(m.header('Message-ID') ?? '') && ids.some((id) => m.header('Message-ID')!.includes(`.u${id}.`)));
    return got.length >= ids.length ? got : undefined;
  }, 30_000);

const userOf = (m: ReceivedMessage) => Number(/^<c\d+\.u(\d+)\./.exec(m.header('Message-ID')!)![1]);

describe('campaign messages over SMTP', () => {
  let campaignId: number;
  let received: ReceivedMessage[];
  let customers: number[];
  beforeAll(async () => {
    customers = await seedCustomers(t, 2, 'dkim');
    campaignId = await launch();
    received = await sentTo(customers);
  });

  it('are DKIM-signed for DKIM_DOMAIN and verify (dkim=pass, DMARC aligned), the list and feedback headers among those signed', async () => {
    expect(received).toHaveLength(2);
    for (const m of received) {
      const v = await verify(m.raw, dns);
      expect(v.results).toEqual([{ result: 'pass', domain: DOMAIN, selector: SELECTOR }]);
      expect(v.dmarc).toBe('pass');
      expect(v.signedHeaders).toHaveLength(1);
      // RFC 8058 §4: one-click unsubscribe counts only when both list headers are signed; Gmail reads a signed Feedback-ID.
      expect(v.signedHeaders[0]).toEqual(
        expect.arrayContaining(['from', 'to', 'subject', 'date', 'message-id', 'list-id', 'list-unsubscribe', 'list-unsubscribe-post', 'feedback-id']),
      );
    }
  });

  it('fail verification once altered after signing: a changed Subject or one changed body byte', async () => {
    const raw = received[0]!.raw;
    expect((await verify(withSubject(raw, 'You won a prize'), dns)).results[0]!.result).toBe('fail');
    // The body hash no longer matches: "dkim=neutral (body hash did not verify)", as Gmail reports it; never a pass.
    const body = (await verify(withBodyByteChanged(raw), dns)).results[0]!;
    expect(body).toMatchObject({ result: 'neutral', comment: 'body hash did not verify' });
    // A different key published under the selector: fail too.
    const other = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'der' } });
    const wrongKey = txtResolver({ [`${SELECTOR}._domainkey.${DOMAIN}`]: dkimRecord(other.publicKey) });
    expect((await verify(raw, wrongKey)).results[0]!.result).toBe('fail');
  });

  it('carry List-Id and Feedback-ID (campaign:type:sender), and no X-Campaign-Id', () => {
    for (const m of received) {
      expect(m.header('List-Id')).toBe(`Campaigns <campaigns.${DOMAIN}>`);
      expect(m.header('Feedback-ID')).toBe(`${campaignId}:promotion:${DOMAIN}`);
      expect(m.header('Feedback-ID')).toMatch(/^\d{1,10}:(campaign|promotion):[a-z0-9.-]{1,253}$/);
      expect(m.header('Precedence')).toBe('bulk');
      expect(m.header('X-Campaign-Id')).toBeUndefined();
    }
  });

  it('go out with a VERP envelope sender that maps back to the campaign and the recipient under UNSUBSCRIBE_SECRET', () => {
    // Made here from the configured secret, as the bounce intake makes its own.
    const verp = createVerpAddresses({ bounceAddress: BOUNCE, secret: t.config.unsubscribeSecret });
    expect(received.map(userOf).sort()).toEqual([...customers].sort());
    for (const m of received) {
      const userId = userOf(m);
      expect(m.mailFrom).toBe(verp.address(campaignId, userId));
      expect(m.mailFrom).toMatch(/^bounces\+c\d+-u\d+-[0-9a-f]{16}@mail\.example\.test$/);
      expect(m.mailFrom.split('@')[0]!.length).toBeLessThanOrEqual(64);
      expect(verp.parse(m.mailFrom)).toEqual({ campaignId, userId });
      // A relay that folds case changes nothing; angle brackets as in a Return-Path are fine.
      expect(verp.parse(m.mailFrom.toUpperCase())).toEqual({ campaignId, userId });
      expect(verp.parse(`<${m.mailFrom}>`)).toEqual({ campaignId, userId });
    }
  });

  it('a tampered VERP address maps to nothing: one hex digit changed, or another user id under the same tag', () => {
    const verp = createVerpAddresses({ bounceAddress: BOUNCE, secret: t.config.unsubscribeSecret });
    const [a, b] = received;
    const flipped = a!.mailFrom.replace(/([0-9a-f])@/, (_, d: string) => `${d === '0' ? '1' : '0'}@`);
    expect(flipped).not.toBe(a!.mailFrom);
    expect(verp.parse(flipped)).toBeUndefined();
    const otherUser = a!.mailFrom.replace(/-u\d+-/, `-u${userOf(b!)}-`);
    expect(verp.parse(otherUser)).toBeUndefined();
    // Another secret (another deployment) does not accept it either.
    expect(createVerpAddresses({ bounceAddress: BOUNCE, secret: 'another-secret-0123456789abcdef0123456789' }).parse(a!.mailFrom)).toBeUndefined();
  });
});

describe('test sends', () => {
  it('are signed too and verify; their envelope sender is the plain BOUNCE_ADDRESS', async () => {
    const res = await call('POST', '/v1/campaigns', {
      type: 'campaign',
      title: `Test send ${Math.random()}`,
      subject: 'News for {{first_name}}',
      body_html: '<p>Dear {{first_name}}. <a href="{{unsubscribe_url}}">unsubscribe</a></p>',
    });
    expect(res.status).toBe(201);
    const id = res.body.campaign.id as number;
    expect((await call('POST', `/v1/campaigns/${id}/test-send`, { emails: ['qa-dkim@example.com'] })).status).toBe(202);
    const mail = await eventually(async () => sink.messages.find((m) => m.to === 'qa-dkim@example.com'), 30_000);
    expect(mail.header('Subject')).toMatch(/^\[Test\] /);
    const v = await verify(mail.raw, dns);
    expect(v.results).toEqual([{ result: 'pass', domain: DOMAIN, selector: SELECTOR }]);
    expect(v.signedHeaders[0]).toEqual(expect.arrayContaining(['list-unsubscribe', 'list-unsubscribe-post']));
    expect(mail.mailFrom).toBe(BOUNCE);
    expect(mail.header('Feedback-ID')).toBe(`${id}:campaign:${DOMAIN}`);
  });
});

describe('the outbox directory (no SMTP_URL)', () => {
  it('writes .eml files signed as SMTP messages are, with the key from DKIM_PRIVATE_KEY_FILE', async () => {
    const keyFile = join(dir, 'dkim.pem');
    writeFileSync(keyFile, keys.privateKey, { mode: 0o600 });
    const outbox = join(dir, 'outbox');
    const config = loadConfig(
      testEnvVars('deliverability_outbox', { MAIL_OUTBOX_DIR: outbox, MAIL_FROM: `Offers <offers@${DOMAIN}>`, DKIM_DOMAIN: DOMAIN, DKIM_SELECTOR: SELECTOR, DKIM_PRIVATE_KEY_FILE: keyFile }),
    );
    expect(config.smtpUrl).toBeUndefined();
    const mailer = createMailer(config);
    const messages = createMessageBuilder({
      mailFrom: config.mailFrom,
      unsubscribe: createUnsubscribeTokens({ secret: config.unsubscribeSecret, publicBaseUrl: config.publicBaseUrl }),
      messageIds: createMessageIds({ secret: config.unsubscribeSecret }),
      listId: config.listId,
      senderId: config.dkim?.domain,
    });
    const campaign = (await t.ctx.repos.campaigns.findById(await launch()))!;
    await mailer.send(messages.build(campaign, { id: 99, email: 'eml@example.com', firstName: 'Eml', lastName: 'File' }));
    mailer.close();
    const raw = readFileSync(join(outbox, `campaign-${campaign.id}.user-99.eml`));
    const v = await verify(raw, dns);
    expect(v.results).toEqual([{ result: 'pass', domain: DOMAIN, selector: SELECTOR }]);
    expect(v.signedHeaders[0]).toEqual(expect.arrayContaining(['list-id', 'list-unsubscribe', 'list-unsubscribe-post', 'feedback-id']));
    expect((await verify(withSubject(raw.toString(), 'Changed'), dns)).results[0]!.result).toBe('fail');
  });
});

describe('without DKIM and BOUNCE_ADDRESS', () => {
  it("sends unsigned, with MAIL_FROM's address as the envelope sender", async () => {
    const config = loadConfig(testEnvVars('deliverability_plain', { MAIL_FROM: `Offers <offers@${DOMAIN}>` }));
    expect(config.dkim).toBeUndefined();
    expect(config.bounceAddress).toBeUndefined();
    const plain = await startSmtpSink();
    const mailer = createSmtpMailer(plain.url, 1, config.dkim);
    try {
      const messages = createMessageBuilder({
        mailFrom: config.mailFrom,
        unsubscribe: createUnsubscribeTokens({ secret: config.unsubscribeSecret, publicBaseUrl: config.publicBaseUrl }),
      messageIds: createMessageIds({ secret: config.unsubscribeSecret }),
      });
      const campaign = (await t.ctx.repos.campaigns.findById(await launch()))!;
      await mailer.send(messages.build(campaign, { id: 98, email: 'plain@example.com', firstName: 'Plain', lastName: 'Text' }));
      const [m] = plain.messages;
      expect(m!.mailFrom).toBe(`offers@${DOMAIN}`);
      expect(m!.header('DKIM-Signature')).toBeUndefined();
      expect((await verify(m!.raw, dns)).results[0]!.result).toBe('none');
    } finally {
      mailer.close();
      await plain.close();
    }
  });
});
