import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkers } from '../src/worker/worker.ts';
import { bearer, createTestEnv, eventually, ledgerCounts, seedCustomers, userWithRole, type TestEnv, type TestUser } from './helpers.ts';
import { startSmtpSink, type SmtpSink } from './smtp.ts';
import {
  basicAuth,
  CERT_URL,
  fakeHttpsGet,
  selfSignedCert,
  sendgridSigner,
  sesBounce,
  sesComplaint,
  snsSigner,
  TOPIC_ARN,
  type KeyAndCert,
  type SnsMessage,
} from './unit/fakes/webhooks.ts';

/**
 * Amazon SES (through SNS), Postmark and SendGrid posting to the real route: a hard bounce from
 * each suppresses the address and marks its ledger row, a complaint turns the opt-in off, the same
 * event twice counts once, and a call that is not proven to come from the provider changes nothing.
 */

const POSTMARK_USER = 'postmark';
const POSTMARK_PASSWORD = 'postmark-webhook-password-0123';
const sendgrid = sendgridSigner();
let sns: KeyAndCert;
let other: KeyAndCert;
const net = fakeHttpsGet();

interface Rig {
  t: TestEnv;
  sink: SmtpSink;
  admin: TestUser;
  close(): Promise<void>;
}

async function rig(): Promise<Rig> {
  const sink = await startSmtpSink();
  const t = await createTestEnv(
    'webhook_providers',
    {
      SMTP_URL: sink.url,
      SMTP_POOL_SIZE: '2',
      SEND_BATCH_SIZE: '10',
      SES_SNS_TOPIC_ARNS: TOPIC_ARN,
      POSTMARK_WEBHOOK_USER: POSTMARK_USER,
      POSTMARK_WEBHOOK_PASSWORD: POSTMARK_PASSWORD,
      SENDGRID_WEBHOOK_PUBLIC_KEY: sendgrid.publicKey,
    },
    { httpsGet: net.get },
  );
  const admin = await userWithRole(t, 'admin');
  const workers = await startWorkers(t.ctx);
  return {
    t,
    sink,
    admin,
    async close() {
      await workers.close();
      await t.close();
      await sink.close();
    },
  };
}

let r: Rig;
beforeAll(async () => {
  sns = selfSignedCert();
  other = selfSignedCert('attacker.example');
  net.routes[CERT_URL] = { status: 200, body: sns.certPem };
  net.routes['https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription*'] = { status: 200, body: '<ConfirmSubscriptionResponse/>' };
  r = await rig();
});
afterAll(async () => {
  await r?.close();
});

async function call(method: 'GET' | 'POST', url: string, payload?: object) {
  const res = await r.t.app.inject({ method, url, headers: bearer(r.admin.access), payload });
  return res.json();
}

async function launch(): Promise<number> {
  const created = await call('POST', '/v1/campaigns', {
    type: 'campaign',
    title: `News ${Math.random()}`,
    subject: 'Hello {{first_name}}',
    body_html: '<p>Dear {{first_name}}. <a href="{{unsubscribe_url}}">unsubscribe</a></p>',
  });
  const id = created.campaign.id as number;
  await call('POST', `/v1/campaigns/${id}/submit`);
  await call('POST', `/v1/campaigns/${id}/approve`, { version: created.campaign.version });
  return id;
}

/** Waits for the campaign to complete with its counters equal to the ledger; its counters. */
async function settled(id: number) {
  return eventually(async () => {
    const { started_at: _s, completed_at: _c, status, ...counts } = await call('GET', `/v1/campaigns/${id}/stats`);
    return status === 'completed' && JSON.stringify(counts) === JSON.stringify(await ledgerCounts(r.t, id)) ? counts : undefined;
  });
}

type Row = { user_id: number; email: string; status: string; last_error: string | null };
const ledger = async (id: number): Promise<Row[]> => (await call('GET', `/v1/campaigns/${id}/deliveries?per_page=100`)).data;
/** The Message-ID of campaign `id`'s message to `email`, as the SMTP sink received it. */
const messageIdOf = (email: string, id: number) =>
  r.sink.messages.map((m) => (m.to === email ? m.header('Message-ID') : undefined)).find((h) => h?.startsWith(`<c${id}.`))!;
const suppressions = async () => (await call('GET', '/v1/suppressions?per_page=100')).data as { email: string; reason: string; source: string; campaign_id: number | null }[];
const optedIn = async (userId: number): Promise<boolean> => (await call('GET', `/v1/users/${userId}`)).user.email_opt_in;
async function eventCount(): Promise<number> {
  const [rows] = await r.t.ctx.mysql.pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM delivery_events');
  return Number(rows[0]!.n);
}

/** A webhook call as the provider makes it; the status and the JSON answer. */
async function post(provider: string, body: string, headers: Record<string, string>) {
  const res = await r.t.app.inject({ method: 'POST', url: `/v1/webhooks/bounces/${provider}`, headers, payload: body });
  return { status: res.statusCode, body: res.json() };
}
const snsPost = (m: SnsMessage) =>
  post('ses', JSON.stringify(m), { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': m.Type!, 'x-amz-sns-topic-arn': m.TopicArn! });
const postmarkPost = (record: object, auth = basicAuth(POSTMARK_USER, POSTMARK_PASSWORD)) =>
  post('postmark', JSON.stringify(record), { 'content-type': 'application/json', authorization: auth });
const sendgridPost = (events: object[], sign = sendgrid) => {
  const body = JSON.stringify(events);
  return post('sendgrid', body, { 'content-type': 'application/json', ...sign.headers(body) });
};

const postmarkRecord = (over: Record<string, unknown>) => ({
  RecordType: 'Bounce',
  ID: Math.floor(Math.random() * 1e9),
  Type: 'HardBounce',
  TypeCode: 1,
  Name: 'Hard bounce',
  MessageID: '883953f4-6105-42a2-a16a-77a8eac79483',
  Details: 'smtp;550 5.1.1 The email account that you tried to reach does not exist.',
  BouncedAt: new Date().toISOString(),
  ...over,
});
const sendgridEvent = (over: Record<string, unknown>) => ({
  timestamp: Math.floor(Date.now() / 1000),
  sg_event_id: `sg-${Math.random().toString(36).slice(2)}`,
  sg_message_id: 'sg.filter0001',
  ...over,
});

describe('provider webhooks, end to end', () => {
  it('a hard bounce from each provider suppresses the address and marks its row bounced; the same events again count once', async () => {
    await seedCustomers(r.t, 4, 'hard');
    const id = await launch();
    await settled(id);
    const [a, b, c] = await ledger(id);
    const signer = snsSigner(sns.keyPem);

    const ses = signer.sign(signer.notification(sesBounce('Permanent', [{ email: a!.email, status: '5.1.1' }], messageIdOf(a!.email, id))), '1');
    const pm = postmarkRecord({ Email: b!.email.toUpperCase() });
    const sg = sendgridEvent({ event: 'bounce', type: 'bounce', status: '5.1.1', reason: '550 5.1.1 unknown user', email: c!.email, 'smtp-id': messageIdOf(c!.email, id) });
    expect(await snsPost(ses)).toEqual({ status: 200, body: { applied: 1, duplicates: 0, unmatched: 0 } });
    expect(await postmarkPost(pm)).toEqual({ status: 200, body: { applied: 1, duplicates: 0, unmatched: 0 } });
    expect(await sendgridPost([sg, sendgridEvent({ event: 'delivered', email: c!.email })])).toEqual({ status: 200, body: { applied: 1, duplicates: 0, unmatched: 0 } });

    const after = await settled(id);
    expect(after).toMatchObject({ sent: 1, bounced: 3, complained: 0 });
    const rows = await ledger(id);
    expect(rows.find((d) => d.user_id === a!.user_id)).toMatchObject({ status: 'bounced', last_error: 'Permanent/General: smtp; 550 5.1.1 user unknown' });
    expect(rows.find((d) => d.user_id === b!.user_id)).toMatchObject({ status: 'bounced', last_error: expect.stringContaining('Hard bounce') });
    expect(rows.find((d) => d.user_id === c!.user_id)).toMatchObject({ status: 'bounced', last_error: 'bounce: 5.1.1: 550 5.1.1 unknown user' });
    const listed = await suppressions();
    expect(listed.map((s) => [s.email, s.reason, s.source, s.campaign_id]).sort()).toEqual(
      [
        [a!.email, 'hard_bounce', 'ses', id],
        [b!.email, 'hard_bounce', 'postmark', id],
        [c!.email, 'hard_bounce', 'sendgrid', id],
      ].sort(),
    );
    const events = await eventCount();

    // Each provider retries: nothing moves again.
    expect((await snsPost(ses)).body).toEqual({ applied: 0, duplicates: 1, unmatched: 0 });
    expect((await postmarkPost(pm)).body).toEqual({ applied: 0, duplicates: 1, unmatched: 0 });
    expect((await sendgridPost([sg])).body).toEqual({ applied: 0, duplicates: 1, unmatched: 0 });
    expect(await settled(id)).toEqual(after);
    expect(await eventCount()).toBe(events);
    expect(await suppressions()).toHaveLength(3);
  });

  it('a complaint from each provider marks the row complained and turns the opt-in off', async () => {
    await seedCustomers(r.t, 3, 'spam');
    const id = await launch();
    await settled(id);
    const [a, b, c] = await ledger(id);
    for (const row of [a, b, c]) expect(await optedIn(row!.user_id)).toBe(true);
    const signer = snsSigner(sns.keyPem);

    expect((await snsPost(signer.sign(signer.notification(sesComplaint([a!.email], messageIdOf(a!.email, id))), '2'))).body.applied).toBe(1);
    expect((await postmarkPost(postmarkRecord({ RecordType: 'SpamComplaint', Type: 'SpamComplaint', TypeCode: 100001, Name: 'Spam complaint', Details: 'Test spam complaint details', Email: b!.email }))).body.applied).toBe(1);
    expect((await sendgridPost([sendgridEvent({ event: 'spamreport', email: c!.email })])).body.applied).toBe(1);

    const counts = await settled(id);
    expect(counts).toMatchObject({ sent: counts.recipients - 3, complained: 3, bounced: 0 });
    for (const row of [a, b, c]) expect(await optedIn(row!.user_id)).toBe(false);
    const rows = await ledger(id);
    for (const row of [a, b, c]) expect(rows.find((d) => d.user_id === row!.user_id)!.status).toBe('complained');
    expect((await suppressions()).filter((s) => s.reason === 'complaint').map((s) => s.source).sort()).toEqual(['postmark', 'sendgrid', 'ses']);
  });

  it('a call not proven to come from the provider is a 401 in the one error shape and changes nothing', async () => {
    await seedCustomers(r.t, 1, 'forged');
    const id = await launch();
    const before = await settled(id);
    const [victim] = await ledger(id);
    const events = await eventCount();
    const listed = (await suppressions()).length;
    net.calls.length = 0;

    const forger = snsSigner(other.keyPem); // names SNS's certificate, signs with its own key
    const elsewhere = snsSigner(other.keyPem, 'https://attacker.example/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem');
    const bounce = sesBounce('Permanent', [{ email: victim!.email }]);
    const signed = snsSigner(sns.keyPem).sign(snsSigner(sns.keyPem).notification(bounce));
    const stale = Math.floor(Date.now() / 1000) - 11 * 60;
    const sgBody = JSON.stringify([sendgridEvent({ event: 'spamreport', email: victim!.email })]);
    const refused = [
      await snsPost(forger.sign(forger.notification(bounce))),
      await snsPost(elsewhere.sign(elsewhere.notification(bounce))),
      await snsPost({ ...signed, Message: signed.Message!.replace('Permanent', 'Transient') }),
      await postmarkPost(postmarkRecord({ Email: victim!.email }), basicAuth(POSTMARK_USER, 'wrong-password-0123456789')),
      await postmarkPost(postmarkRecord({ Email: victim!.email }), ''),
      await sendgridPost([sendgridEvent({ event: 'spamreport', email: victim!.email })], sendgridSigner()),
      await post('sendgrid', sgBody, { 'content-type': 'application/json', ...sendgrid.headers(sgBody, stale) }),
      await post('sendgrid', sgBody.replace('spamreport', 'bounce'), { 'content-type': 'application/json', ...sendgrid.headers(sgBody) }),
    ];
    for (const res of refused) expect(res).toEqual({ status: 401, body: { error: { code: 'INVALID_SIGNATURE', message: expect.any(String) } } });
    expect(net.calls.filter((u) => u !== CERT_URL)).toEqual([]); // the attacker's certificate address was never fetched

    expect(await settled(id)).toEqual(before);
    expect(await eventCount()).toBe(events);
    expect(await suppressions()).toHaveLength(listed);
    expect(await optedIn(victim!.user_id)).toBe(true);
  });

  it('a signed body that cannot be read is a 400; an SNS subscription is confirmed through SNS only', async () => {
    const bad = await post('postmark', '{"RecordType": "Bounce",', { 'content-type': 'application/json', authorization: basicAuth(POSTMARK_USER, POSTMARK_PASSWORD) });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'MALFORMED_JSON' } } });

    net.calls.length = 0;
    const signer = snsSigner(sns.keyPem);
    const confirm = signer.sign(signer.confirmation('SubscriptionConfirmation'));
    expect(await snsPost(confirm)).toEqual({ status: 200, body: { applied: 0, duplicates: 0, unmatched: 0 } });
    expect(net.calls.filter((u) => u !== CERT_URL)).toEqual([confirm.SubscribeURL]);

    net.calls.length = 0;
    const lure = signer.sign(signer.confirmation('SubscriptionConfirmation', { SubscribeURL: 'https://attacker.example/?Action=ConfirmSubscription' }));
    expect((await snsPost(lure)).status).toBe(401);
    expect(net.calls.filter((u) => u !== CERT_URL)).toEqual([]);
  });
});

describe('provider webhooks that are not configured', () => {
  it('answer 404, as an unknown provider does', async () => {
    const t = await createTestEnv('webhook_providers_off');
    try {
      for (const provider of ['ses', 'postmark', 'sendgrid']) {
        const res = await t.app.inject({ method: 'POST', url: `/v1/webhooks/bounces/${provider}`, headers: { 'content-type': 'application/json' }, payload: '[]' });
        expect(res.statusCode, provider).toBe(404);
        expect(res.json().error.code).toBe('NOT_FOUND');
      }
    } finally {
      await t.close();
    }
  });
});
