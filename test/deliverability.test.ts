import type { RowDataPacket } from 'mysql2/promise';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeliveryEvent } from '../src/domain/deliverability.ts';
import { signGeneric } from '../src/handlers/webhooks/generic.ts';
import { startWorkers } from '../src/worker/worker.ts';
import { bearer, createTestEnv, eventually, ledgerCounts, seedCustomers, uniqueEmail, userWithRole, type TestEnv, type TestUser } from './helpers.ts';
import { startSmtpSink, type SmtpSink } from './smtp.ts';

const SECRET = 'generic-bounce-webhook-secret-0123456789ab';
const BOUNCE_ADDRESS = 'bounce@cns.example.test';

interface Rig {
  t: TestEnv;
  sink: SmtpSink;
  admin: TestUser;
}
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A stack on a sink of its own; with `workers: false`, nothing sends until the test starts them (startRigWorkers). */
async function rig(env: Record<string, string> = {}, { workers = true } = {}): Promise<Rig> {
  const sink = await startSmtpSink();
  cleanups.push(() => sink.close());
  const t = await createTestEnv('deliverability', {
    SMTP_URL: sink.url,
    SMTP_POOL_SIZE: '2',
    SEND_BATCH_SIZE: '10',
    BOUNCE_WEBHOOK_SECRET: SECRET,
    BOUNCE_ADDRESS,
    ...env,
  });
  cleanups.push(() => t.close());
  const admin = await userWithRole(t, 'admin');
  const r = { t, sink, admin };
  if (workers) await startRigWorkers(r);
  return r;
}

async function startRigWorkers(r: Rig) {
  const workers = await startWorkers(r.t.ctx);
  cleanups.push(() => workers.close());
}

async function call(r: Rig, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) {
  const res = await r.t.app.inject({ method, url, headers: bearer(r.admin.access), payload });
  return { status: res.statusCode, body: res.body ? res.json() : undefined };
}

/** Creates, submits and approves a campaign; returns its id. */
async function launch(r: Rig): Promise<number> {
  const res = await call(r, 'POST', '/v1/campaigns', {
    type: 'promotion',
    title: `Sale ${Math.random()}`,
    subject: 'Hello {{first_name}}',
    body_html: '<p>Dear {{first_name}}, use {{promo_code}}. <a href="{{unsubscribe_url}}">unsubscribe</a></p>',
    promo_code: 'SAVE10',
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const id = res.body.campaign.id as number;
  expect((await call(r, 'POST', `/v1/campaigns/${id}/submit`)).status).toBe(200);
  expect((await call(r, 'POST', `/v1/campaigns/${id}/approve`, { version: res.body.campaign.version })).status).toBe(200);
  return id;
}

const stats = async (r: Rig, id: number) => (await call(r, 'GET', `/v1/campaigns/${id}/stats`)).body;

/** Waits for the campaign to reach `status` with its counters equal to the ledger; the counters. */
async function settled(r: Rig, id: number, status: string) {
  return eventually(async () => {
    const { started_at: _s, completed_at: _c, status: st, ...counts } = await stats(r, id);
    return st === status && JSON.stringify(counts) === JSON.stringify(await ledgerCounts(r.t, id)) ? counts : undefined;
  });
}

type Row = { user_id: number; email: string; status: string; last_error: string | null };
async function ledger(r: Rig, id: number): Promise<Row[]> {
  return (await call(r, 'GET', `/v1/campaigns/${id}/deliveries?per_page=100`)).body.data;
}

interface Hook {
  id: string;
  type: 'hard_bounce' | 'soft_bounce' | 'complaint';
  email: string;
  message_id?: string;
  detail?: string;
}
/** Posts the generic webhook, signed unless `sign` says otherwise. */
async function hook(r: Rig, events: Hook[], sign: { secret?: string; ts?: number; omit?: boolean } = {}) {
  const body = JSON.stringify({ events });
  const ts = String(sign.ts ?? Math.floor(Date.now() / 1000));
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (!sign.omit) Object.assign(headers, { 'x-cns-timestamp': ts, 'x-cns-signature': signGeneric(sign.secret ?? SECRET, ts, body) });
  const res = await r.t.app.inject({ method: 'POST', url: '/v1/webhooks/bounces/generic', headers, payload: body });
  return { status: res.statusCode, body: res.json() };
}

const suppressions = async (r: Rig, query = '') => (await call(r, 'GET', `/v1/suppressions?per_page=100${query}`)).body;
const audit = async (r: Rig, action: string) => (await call(r, 'GET', `/v1/audit?action=${action}`)).body.data as { actor_id: number | null; details: Record<string, unknown>; target_type: string }[];
const received = (r: Rig, email: string) => r.sink.messages.filter((m) => m.to === email.toLowerCase()).length;
async function eventCount(r: Rig): Promise<number> {
  const [rows] = await r.t.ctx.mysql.pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM delivery_events');
  return Number(rows[0]!.n);
}
async function optedIn(r: Rig, userId: number): Promise<boolean> {
  return (await call(r, 'GET', `/v1/users/${userId}`)).body.user.email_opt_in;
}

describe('bounces and complaints through the generic webhook', () => {
  it('a hard bounce marks the row bounced, moves the stats, suppresses the address and is audited; the same event twice counts once', async () => {
    const r = await rig();
    await seedCustomers(r.t, 6);
    const id = await launch(r);
    await settled(r, id, 'completed');
    const [victim, other] = await ledger(r, id);
    const before = await stats(r, id);

    const event: Hook = { id: 'evt-hard-1', type: 'hard_bounce', email: victim!.email.toUpperCase(), detail: '550 5.1.1 <x>: Recipient address rejected: User unknown' };
    expect(await hook(r, [event])).toEqual({ status: 200, body: { applied: 1, duplicates: 0, unmatched: 0 } });

    const after = await settled(r, id, 'completed');
    expect(after).toMatchObject({ sent: before.sent - 1, bounced: 1, complained: 0, recipients: before.recipients });
    const rows = await ledger(r, id);
    expect(rows.find((d) => d.user_id === victim!.user_id)).toMatchObject({ status: 'bounced', last_error: event.detail });
    expect(rows.find((d) => d.user_id === other!.user_id)).toMatchObject({ status: 'sent' });
    expect((await call(r, 'GET', `/v1/campaigns/${id}/deliveries?status=bounced`)).body.data.map((d: Row) => d.user_id)).toEqual([victim!.user_id]);
    const timeline = (await call(r, 'GET', `/v1/campaigns/${id}/timeline`)).body.buckets as { bounced: number; sent: number }[];
    expect(timeline.reduce((n, b) => n + b.bounced, 0)).toBe(1);
    expect(timeline.reduce((n, b) => n + b.sent, 0)).toBe(before.sent - 1);

    const list = await suppressions(r);
    expect(list.data).toEqual([
      expect.objectContaining({ email: victim!.email, reason: 'hard_bounce', source: 'generic', detail: event.detail, campaign_id: id, created_by: null }),
    ]);
    // The list names the campaign, so a page of entries needs no fetch per campaign.
    expect(list.data[0].campaign_title).toBe((await call(r, 'GET', `/v1/campaigns/${id}`)).body.campaign.title);
    const entries = await audit(r, 'suppression.added');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actor_id: null, target_type: 'suppression' });
    expect(entries[0]!.details).toMatchObject({ email: victim!.email, reason: 'hard_bounce', source: 'generic', event_id: 'evt-hard-1', campaign_id: id, user_id: victim!.user_id });

    // The provider retries: nothing moves again.
    expect(await hook(r, [event, event])).toEqual({ status: 200, body: { applied: 0, duplicates: 2, unmatched: 0 } });
    expect(await settled(r, id, 'completed')).toEqual(after);
    expect(await eventCount(r)).toBe(1);
    expect(await audit(r, 'suppression.added')).toHaveLength(1);

    // Two deliveries of one new event at the same moment: one applies.
    const twin: Hook = { id: 'evt-hard-2', type: 'hard_bounce', email: other!.email };
    const both = await Promise.all([hook(r, [twin]), hook(r, [twin])]);
    expect(both.map((b) => b.body).sort((x, y) => x.applied - y.applied)).toEqual([
      { applied: 0, duplicates: 1, unmatched: 0 },
      { applied: 1, duplicates: 0, unmatched: 0 },
    ]);
    expect(await settled(r, id, 'completed')).toMatchObject({ sent: before.sent - 2, bounced: 2 });
  });

  it('the next campaign does not mail a hard-bounced address, nor counts it in the estimate; taken off the list, it is mailed again', async () => {
    const r = await rig();
    await seedCustomers(r.t, 5);
    const first = await launch(r);
    await settled(r, first, 'completed');
    const [victim] = await ledger(r, first);
    expect(received(r, victim!.email)).toBe(1);
    expect((await hook(r, [{ id: 'b-1', type: 'hard_bounce', email: victim!.email }])).body.applied).toBe(1);

    const second = await launch(r);
    expect((await call(r, 'GET', `/v1/campaigns/${second}/audience`)).body).toEqual({ eligible: 4 });
    expect(await settled(r, second, 'completed')).toMatchObject({ recipients: 4, sent: 4 });
    expect(received(r, victim!.email)).toBe(1);
    expect((await ledger(r, second)).map((d) => d.user_id)).not.toContain(victim!.user_id);

    const del = await r.t.app.inject({ method: 'DELETE', url: `/v1/suppressions/${encodeURIComponent(victim!.email.toUpperCase())}`, headers: bearer(r.admin.access) });
    expect(del.statusCode, del.body).toBe(204);
    expect(del.body).toBe('');
    expect((await audit(r, 'suppression.removed'))[0]).toMatchObject({ actor_id: r.admin.id, details: { email: victim!.email, reason: 'hard_bounce' } });
    expect((await suppressions(r)).total).toBe(0);

    const third = await launch(r);
    expect((await call(r, 'GET', `/v1/campaigns/${third}/audience`)).body).toEqual({ eligible: 5 });
    expect(await settled(r, third, 'completed')).toMatchObject({ recipients: 5, sent: 5 });
    expect(received(r, victim!.email)).toBe(2);
  });

  it('an address suppressed after the fan-out wrote its row is skipped at send time, as an opted-out user is', async () => {
    // Each batch rechecks its recipients when it starts. The fan-out runs with no worker, so that the
    // suppression comes before any batch (rather than racing them).
    const r = await rig({ SEND_BATCH_SIZE: '2' }, { workers: false });
    await seedCustomers(r.t, 40);
    const id = await launch(r);
    await r.t.ctx.worker.delivery.dispatch(id);
    expect(await stats(r, id)).toMatchObject({ recipients: 40, pending: 40, sent: 0 });
    const rows = await ledger(r, id);
    const last = rows.reduce((x, y) => (y.user_id > x.user_id ? y : x));
    expect((await call(r, 'POST', '/v1/suppressions', { email: last.email.toUpperCase() })).status).toBe(201);
    await startRigWorkers(r);
    expect(await settled(r, id, 'completed')).toMatchObject({ recipients: 40, sent: 39, skipped: 1 });
    expect((await ledger(r, id)).find((d) => d.user_id === last.user_id)).toMatchObject({ status: 'skipped', last_error: 'address suppressed' });
    expect(received(r, last.email)).toBe(0);
  });

  it('soft bounces suppress an address at the third within 30 days, not before', async () => {
    const r = await rig();
    await seedCustomers(r.t, 3);
    const id = await launch(r);
    await settled(r, id, 'completed');
    const [a] = await ledger(r, id);
    const soft = (n: number): Hook => ({ id: `soft-${n}`, type: 'soft_bounce', email: a!.email, detail: '452 4.2.2 Mailbox full' });
    expect((await hook(r, [soft(1), soft(2)])).body).toEqual({ applied: 2, duplicates: 0, unmatched: 0 });
    expect((await hook(r, [soft(2)])).body).toEqual({ applied: 0, duplicates: 1, unmatched: 0 });
    expect((await suppressions(r)).total).toBe(0);
    // Soft bounces leave the row sent.
    expect(await settled(r, id, 'completed')).toMatchObject({ sent: 3, bounced: 0 });

    // One older than 30 days does not count.
    await r.t.ctx.mysql.pool.query('UPDATE delivery_events SET created_at = NOW(3) - INTERVAL 31 DAY WHERE event_id = ?', ['soft-1']);
    expect((await hook(r, [soft(3)])).body.applied).toBe(1);
    expect((await suppressions(r)).total).toBe(0);
    expect((await hook(r, [soft(4)])).body.applied).toBe(1);
    expect((await suppressions(r)).data).toEqual([expect.objectContaining({ email: a!.email, reason: 'soft_bounce', source: 'generic' })]);
    expect((await audit(r, 'suppression.added'))[0]!.details).toMatchObject({ email: a!.email, reason: 'soft_bounce', soft_bounces: 3 });

    // Taken off the list, its earlier soft bounces no longer count.
    expect((await call(r, 'DELETE', `/v1/suppressions/${a!.email}`)).status).toBe(204);
    expect((await hook(r, [soft(5)])).body.applied).toBe(1);
    expect((await suppressions(r)).total).toBe(0);
  });

  it('a complaint marks the row complained, turns the opt-in off (as every reader sees it) and suppresses the address', async () => {
    const r = await rig();
    await seedCustomers(r.t, 4);
    const id = await launch(r);
    await settled(r, id, 'completed');
    const [victim] = await ledger(r, id);
    expect(await optedIn(r, victim!.user_id)).toBe(true); // now in the user cache

    expect((await hook(r, [{ id: 'fbl-1', type: 'complaint', email: victim!.email, detail: 'abuse' }])).body).toEqual({ applied: 1, duplicates: 0, unmatched: 0 });
    expect(await settled(r, id, 'completed')).toMatchObject({ sent: 3, complained: 1, bounced: 0 });
    expect((await ledger(r, id)).find((d) => d.user_id === victim!.user_id)).toMatchObject({ status: 'complained', last_error: 'abuse' });
    expect(await optedIn(r, victim!.user_id)).toBe(false);
    expect((await suppressions(r, '&reason=complaint')).data).toEqual([expect.objectContaining({ email: victim!.email, reason: 'complaint' })]);
    expect((await audit(r, 'user.opted_out'))[0]).toMatchObject({ actor_id: null, details: { reason: 'complaint', campaign_id: id } });
    // A completed campaign does not pause, whatever its complaint rate.
    expect((await stats(r, id)).status).toBe('completed');
    expect(await audit(r, 'campaign.auto_paused')).toEqual([]);
  });

  it('an unsigned, badly signed or stale call is a 401 and changes nothing; an unknown provider is a 404', async () => {
    const r = await rig();
    await seedCustomers(r.t, 2);
    const id = await launch(r);
    const before = await settled(r, id, 'completed');
    const [victim] = await ledger(r, id);
    const events: Hook[] = [{ id: 'forged-1', type: 'complaint', email: victim!.email }];
    const now = Math.floor(Date.now() / 1000);
    for (const sign of [{ omit: true }, { secret: 'another-secret-0123456789abcdef0123456789' }, { ts: now - 600 }, { ts: now + 600 }]) {
      const res = await hook(r, events, sign);
      expect(res.status, JSON.stringify(sign)).toBe(401);
      expect(res.body.error.code).toBe('INVALID_SIGNATURE');
    }
    // A signature of another body.
    const ts = String(now);
    const tampered = await r.t.app.inject({
      method: 'POST',
      url: '/v1/webhooks/bounces/generic',
      headers: { 'content-type': 'application/json', 'x-cns-timestamp': ts, 'x-cns-signature': signGeneric(SECRET, ts, JSON.stringify({ events: [] })) },
      payload: JSON.stringify({ events }),
    });
    expect(tampered.statusCode).toBe(401);

    expect(await settled(r, id, 'completed')).toEqual(before);
    expect(await eventCount(r)).toBe(0);
    expect((await suppressions(r)).total).toBe(0);
    expect(await optedIn(r, victim!.user_id)).toBe(true);

    for (const provider of ['nope', 'ses']) {
      const res = await r.t.app.inject({ method: 'POST', url: `/v1/webhooks/bounces/${provider}`, payload: { events } });
      expect(res.statusCode, provider).toBe(404);
    }
  });

  it('a signed body that is not the generic format is a 400 naming the field', async () => {
    const r = await rig();
    const cases: [unknown, string][] = [
      [{ events: [] }, 'events'],
      [{ events: [{ id: 'x', type: 'bounce', email: 'a@example.com' }] }, 'events.0.type'],
      [{ events: [{ id: 'x', type: 'complaint', email: 'not an address' }] }, 'events.0.email'],
      [{ events: [{ id: 'x'.repeat(256), type: 'complaint', email: 'a@example.com' }] }, 'events.0.id'],
      [{ events: [{ id: 'x', type: 'complaint', email: 'a@example.com', detail: 'd'.repeat(1001) }] }, 'events.0.detail'],
      [{ events: Array.from({ length: 101 }, (_, i) => ({ id: `e${i}`, type: 'complaint', email: 'a@example.com' })) }, 'events'],
    ];
    for (const [body, field] of cases) {
      const raw = JSON.stringify(body);
      const ts = String(Math.floor(Date.now() / 1000));
      const res = await r.t.app.inject({
        method: 'POST',
        url: '/v1/webhooks/bounces/generic',
        headers: { 'content-type': 'application/json', 'x-cns-timestamp': ts, 'x-cns-signature': signGeneric(SECRET, ts, raw) },
        payload: raw,
      });
      expect(res.statusCode, field).toBe(400);
      expect(res.json().error.details.map((d: { field: string }) => d.field), field).toContain(field);
    }
    expect(await eventCount(r)).toBe(0);

    const big = JSON.stringify({ events: [{ id: 'x', type: 'complaint', email: 'a@example.com', detail: 'd'.repeat(1_100_000) }] });
    const ts = String(Math.floor(Date.now() / 1000));
    const tooLarge = await r.t.app.inject({
      method: 'POST',
      url: '/v1/webhooks/bounces/generic',
      headers: { 'content-type': 'application/json', 'x-cns-timestamp': ts, 'x-cns-signature': signGeneric(SECRET, ts, big) },
      payload: big,
    });
    expect(tooLarge.statusCode).toBe(413);
    expect(tooLarge.json().error.code).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('matching an event to its message', () => {
  const mailbox = (e: Partial<DeliveryEvent> & Pick<DeliveryEvent, 'eventId' | 'kind'>): DeliveryEvent => ({
    source: 'mailbox',
    email: null,
    detail: '',
    trusted: false,
    ...e,
  });

  it('a VERP address and a Message-ID each map to the right row; forged ones and a bare address from an unsigned source change nothing', async () => {
    const r = await rig();
    await seedCustomers(r.t, 5);
    const id = await launch(r);
    await settled(r, id, 'completed');
    const [a, b, c] = await ledger(r, id);
    const intake = r.t.ctx.services.deliverability;
    const verp = r.t.ctx.verp!;
    const messageIdOf = (email: string) => r.sink.messages.find((m) => m.to === email)!.header('Message-ID')!;

    // Forgeries first: a VERP address with another MAC, one for another user under a's MAC, a Message-ID with another token,
    // a's own Message-ID naming c (what a recipient could quote about another), the older form with the campaign's key, an address alone.
    const good = verp.address(id, a!.user_id);
    const badMac = good.replace(/-([0-9a-f])([0-9a-f]{15})@/, (_m, d: string, rest: string) => `-${d === '0' ? '1' : '0'}${rest}@`);
    const swapped = good.replace(`-u${a!.user_id}-`, `-u${c!.user_id}-`);
    const badToken = messageIdOf(b!.email).replace(/\.([0-9a-f]{24})@/, `.${'0'.repeat(24)}@`);
    const othersId = messageIdOf(a!.email).replace(`.u${a!.user_id}.`, `.u${c!.user_id}.`);
    const { messageKey } = (await r.t.ctx.repos.campaigns.findById(id))!;
    const forged = [
      mailbox({ eventId: 'f1', kind: 'hard_bounce', verpAddress: badMac }),
      mailbox({ eventId: 'f2', kind: 'hard_bounce', verpAddress: swapped }),
      mailbox({ eventId: 'f3', kind: 'complaint', messageId: badToken }),
      mailbox({ eventId: 'f3b', kind: 'complaint', messageId: othersId }),
      mailbox({ eventId: 'f3c', kind: 'hard_bounce', messageId: `<c${id}.u${c!.user_id}.${messageKey}@localhost>` }),
      mailbox({ eventId: 'f4', kind: 'complaint', email: c!.email }),
      mailbox({ eventId: 'f5', kind: 'hard_bounce', messageId: `<c${id}.u${c!.user_id}.nothex@localhost>` }),
    ];
    for (const e of forged) expect(await intake.record(e), e.eventId).toBe('unmatched');
    expect(await settled(r, id, 'completed')).toMatchObject({ sent: 5, bounced: 0, complained: 0 });
    expect((await suppressions(r)).total).toBe(0);
    expect(await eventCount(r)).toBe(0);

    expect(await intake.record(mailbox({ eventId: '<dsn-1@mx>', kind: 'hard_bounce', verpAddress: good, detail: '550 5.1.1 unknown' }))).toBe('applied');
    expect(await intake.record(mailbox({ eventId: '<arf-1@mx>', kind: 'complaint', messageId: messageIdOf(b!.email) }))).toBe('applied');
    expect(await intake.record(mailbox({ eventId: '<arf-1@mx>', kind: 'complaint', messageId: messageIdOf(b!.email) }))).toBe('duplicate');

    const rows = await ledger(r, id);
    expect(rows.filter((d) => d.status !== 'sent').map((d) => [d.user_id, d.status])).toEqual(
      [
        [a!.user_id, 'bounced'],
        [b!.user_id, 'complained'],
      ].sort((x, y) => (x[0] as number) - (y[0] as number)),
    );
    expect(await settled(r, id, 'completed')).toMatchObject({ sent: 3, bounced: 1, complained: 1 });
    expect((await suppressions(r)).data.map((s: { email: string }) => s.email).sort()).toEqual([a!.email, b!.email].sort());
    expect(await optedIn(r, b!.user_id)).toBe(false);
  });

  it('an event about a row not yet recorded as sent leaves the row alone, and still suppresses the address', async () => {
    const r = await rig();
    await seedCustomers(r.t, 2);
    const id = await launch(r);
    await settled(r, id, 'completed');
    const [a] = await ledger(r, id);
    const messageId = r.sink.messages.find((m) => m.to === a!.email)!.header('Message-ID')!;
    await r.t.ctx.mysql.pool.query("UPDATE campaign_deliveries SET status = 'pending' WHERE campaign_id = ? AND user_id = ?", [id, a!.user_id]);
    await r.t.ctx.mysql.pool.query('UPDATE campaigns SET stat_sent = stat_sent - 1, stat_pending = stat_pending + 1 WHERE id = ?', [id]);

    expect(await r.t.ctx.services.deliverability.record(mailbox({ eventId: '<dsn-p@mx>', kind: 'hard_bounce', messageId }))).toBe('applied');
    expect((await ledger(r, id)).find((d) => d.user_id === a!.user_id)!.status).toBe('pending');
    expect(await settled(r, id, 'completed')).toMatchObject({ pending: 1, sent: 1, bounced: 0 });
    expect((await suppressions(r)).data.map((x: { email: string }) => x.email)).toEqual([a!.email]);
  });
});

describe('auto-pause on complaints', () => {
  it('a sending campaign whose complaint rate passes AUTO_PAUSE_COMPLAINT_RATIO pauses itself, audited with the figures', async () => {
    const r = await rig({ MAIL_RATE_PER_SEC: '20', AUTO_PAUSE_MIN_SENT: '10', SEND_BATCH_SIZE: '5' });
    await seedCustomers(r.t, 200);
    const id = await launch(r);
    await eventually(async () => (await stats(r, id)).sent >= 12);
    const [victim] = await ledger(r, id);
    expect((await hook(r, [{ id: 'fbl-pause', type: 'complaint', email: victim!.email }])).body.applied).toBe(1);

    const s = await settled(r, id, 'paused');
    expect(s.complained).toBe(1);
    expect(s.pending).toBeGreaterThan(0);
    const entries = await audit(r, 'campaign.auto_paused');
    expect(entries).toHaveLength(1);
    const d = entries[0]!.details as { reason: string; complained: number; delivered: number; ratio: number; threshold: number; min_sent: number };
    expect(d).toMatchObject({ reason: 'complaints', complained: 1, threshold: 0.003, min_sent: 10 });
    expect(d.delivered).toBeGreaterThanOrEqual(12);
    expect(d.ratio).toBeCloseTo(1 / d.delivered, 5);
  });
});

describe('the suppression list', () => {
  it('adds by hand, lists with filters and pages, refuses duplicates and bad input, and deletes', async () => {
    const r = await rig();
    const emails = Array.from({ length: 5 }, (_, i) => uniqueEmail(`list${i}`));
    for (const email of emails) {
      const res = await call(r, 'POST', '/v1/suppressions', { email: email.toUpperCase(), reason: 'manual', detail: 'asked by phone' });
      expect(res.status).toBe(201);
      expect(res.body.suppression).toEqual({
        email,
        reason: 'manual',
        source: 'admin',
        detail: 'asked by phone',
        campaign_id: null,
        campaign_title: null,
        created_by: r.admin.id,
        created_at: expect.any(String),
      });
    }
    expect((await hook(r, [{ id: 'h1', type: 'hard_bounce', email: 'gone@example.org' }])).body.applied).toBe(1);

    const dup = await call(r, 'POST', '/v1/suppressions', { email: emails[0] });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('ALREADY_SUPPRESSED');

    for (const body of [{}, { email: 'nope' }, { email: `${'a'.repeat(250)}@example.com` }, { email: 'a@example.com', reason: 'hard_bounce' }, { email: 'a@example.com', extra: 1 }]) {
      const res = await call(r, 'POST', '/v1/suppressions', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
    }
    for (const q of ['reason=bogus', 'per_page=101', 'page=0', 'q=', 'colour=red']) {
      expect((await call(r, 'GET', `/v1/suppressions?${q}`)).status, q).toBe(400);
    }

    expect((await suppressions(r)).total).toBe(6);
    expect((await suppressions(r, '&reason=manual')).total).toBe(5);
    expect((await suppressions(r, '&reason=hard_bounce')).data.map((s: { email: string }) => s.email)).toEqual(['gone@example.org']);
    expect((await suppressions(r, `&q=${encodeURIComponent('LIST3')}`)).data.map((s: { email: string }) => s.email)).toEqual([emails[3]]);
    const page1 = (await call(r, 'GET', '/v1/suppressions?per_page=4')).body;
    const page2 = (await call(r, 'GET', '/v1/suppressions?per_page=4&page=2')).body;
    expect([page1.total, page1.data.length, page2.data.length]).toEqual([6, 4, 2]);
    expect(new Set([...page1.data, ...page2.data].map((s: { email: string }) => s.email)).size).toBe(6);

    expect((await audit(r, 'suppression.added')).filter((e) => e.actor_id === r.admin.id)).toHaveLength(5);

    const missing = await call(r, 'DELETE', `/v1/suppressions/${encodeURIComponent('unknown@example.com')}`);
    expect(missing.status).toBe(404);
    expect((await call(r, 'DELETE', '/v1/suppressions/not-an-address')).status).toBe(400);
    expect((await call(r, 'DELETE', `/v1/suppressions/${emails[1]}`)).status).toBe(204);
    expect((await call(r, 'DELETE', `/v1/suppressions/${emails[1]}`)).status).toBe(404);
    expect((await suppressions(r)).total).toBe(5);
    expect(await audit(r, 'suppression.removed')).toHaveLength(1);
  });
});

describe('received events', () => {
  it('are forgotten 90 days after they arrived, by the workers’ reconcile tick; newer ones stay and still dedupe', async () => {
    const r = await rig();
    const email = uniqueEmail('kept');
    const ev = (id: string): Hook => ({ id, type: 'soft_bounce', email, detail: '452 4.2.2 Mailbox full' });
    expect((await hook(r, [ev('old'), ev('recent'), ev('young')])).body.applied).toBe(3);
    await r.t.ctx.mysql.pool.query('UPDATE delivery_events SET created_at = NOW(3) - INTERVAL 91 DAY WHERE event_id = ?', ['old']);
    await r.t.ctx.mysql.pool.query('UPDATE delivery_events SET created_at = NOW(3) - INTERVAL 89 DAY WHERE event_id = ?', ['recent']);
    // RECONCILE_EVERY is 500 ms in tests.
    await eventually(async () => (await eventCount(r)) === 2);
    const [rows] = await r.t.ctx.mysql.pool.query<RowDataPacket[]>('SELECT event_id FROM delivery_events ORDER BY event_id');
    expect(rows.map((x) => x.event_id)).toEqual(['recent', 'young']);
    expect((await hook(r, [ev('recent')])).body).toEqual({ applied: 0, duplicates: 1, unmatched: 0 });
  });
});
