import { EventWebhook } from '@sendgrid/eventwebhook';
import { describe, expect, it } from 'vitest';
import { createSendgridProvider } from '../../src/handlers/webhooks/sendgrid.ts';
import { receive, sendgridSigner } from './fakes/webhooks.ts';

/** SendGrid's signed event webhook: the ECDSA signature, replays, and what each event means. */

const account = sendgridSigner();
const provider = createSendgridProvider({ publicKey: account.publicKey });
const req = (body: string, headers: Record<string, string>) => ({ body, headers });
const signed = (body: string, ts?: number) => req(body, account.headers(body, ts));

const ev = (over: Record<string, unknown>) => ({
  email: 'ada@example.com',
  timestamp: 1_764_558_000,
  'smtp-id': '<c12.u345.k3y@mail.example.test>',
  sg_event_id: `evt-${Math.random().toString(36).slice(2)}`,
  sg_message_id: 'sg-msg.filter0001',
  ...over,
});

describe('SendGrid: signatures', () => {
  it('accepts a batch signed like SendGrid signs it and reads its bounce', async () => {
    const body = JSON.stringify([ev({ event: 'bounce', type: 'bounce', status: '5.1.1', reason: '550 5.1.1 no such user', sg_event_id: 'ZmFrZS1ldmVudA' })]);
    await expect(receive(provider, signed(body))).resolves.toEqual([
      {
        source: 'sendgrid',
        eventId: 'ZmFrZS1ldmVudA',
        kind: 'hard_bounce',
        email: 'ada@example.com',
        messageId: '<c12.u345.k3y@mail.example.test>',
        detail: 'bounce: 5.1.1: 550 5.1.1 no such user',
        occurredAt: new Date(1_764_558_000_000),
        trusted: true,
      },
    ]);
  });

  it('accepts the key in PEM form too', async () => {
    const pem = `-----BEGIN PUBLIC KEY-----\n${account.publicKey.match(/.{1,64}/g)!.join('\n')}\n-----END PUBLIC KEY-----\n`;
    const body = JSON.stringify([ev({ event: 'spamreport' })]);
    await expect(receive(createSendgridProvider({ publicKey: pem }), signed(body))).resolves.toHaveLength(1);
  });

  it('refuses a batch signed with another key (401)', async () => {
    const body = JSON.stringify([ev({ event: 'spamreport' })]);
    await expect(receive(provider, req(body, sendgridSigner().headers(body)))).rejects.toMatchObject({ status: 401, code: 'INVALID_SIGNATURE' });
  });

  it('refuses a body altered after signing, or a signature moved to another timestamp (401)', async () => {
    const body = JSON.stringify([ev({ event: 'bounce', type: 'blocked', email: 'ada@example.com' })]);
    const headers = account.headers(body);
    await expect(receive(provider, req(body.replace('ada@', 'eve@'), headers))).rejects.toMatchObject({ status: 401 });
    const moved = { ...headers, 'x-twilio-email-event-webhook-timestamp': String(Number(headers['x-twilio-email-event-webhook-timestamp']) - 1) };
    await expect(receive(provider, req(body, moved))).rejects.toMatchObject({ status: 401 });
  });

  it('decides as SendGrid\'s own verifier does (@sendgrid/eventwebhook), on good, altered and foreign signatures', async () => {
    const reference = new EventWebhook();
    const key = reference.convertPublicKeyToECDSA(account.publicKey);
    const other = sendgridSigner();
    const body = JSON.stringify([ev({ event: 'bounce', status: '5.1.1', email: 'ada@example.com' })]);
    const cases = [
      { name: 'signed', body, headers: account.headers(body) },
      { name: 'altered', body: body.replace('5.1.1', '5.1.2'), headers: account.headers(body) },
      { name: 'another key', body, headers: other.headers(body) },
      { name: 'not base64', body, headers: { ...account.headers(body), 'x-twilio-email-event-webhook-signature': '%%%' } },
    ];
    for (const c of cases) {
      const ts = c.headers['x-twilio-email-event-webhook-timestamp']!;
      let theirs: boolean;
      try {
        theirs = reference.verifySignature(key, c.body, c.headers['x-twilio-email-event-webhook-signature']!, ts);
      } catch {
        theirs = false;
      }
      const ours = await provider.verify({ rawBody: Buffer.from(c.body), headers: c.headers, now: new Date() });
      expect({ case: c.name, ours }).toEqual({ case: c.name, ours: theirs });
      if (c.name === 'signed') expect(ours).toBe(true);
    }
  });

  it('refuses a correctly signed batch whose timestamp is more than 10 minutes old or ahead (401)', async () => {
    const body = JSON.stringify([ev({ event: 'spamreport' })]);
    const now = Math.floor(Date.now() / 1000);
    await expect(receive(provider, signed(body, now - 11 * 60))).rejects.toMatchObject({ status: 401 });
    await expect(receive(provider, signed(body, now + 11 * 60))).rejects.toMatchObject({ status: 401 });
    await expect(receive(provider, signed(body, now - 9 * 60))).resolves.toHaveLength(1);
  });

  it('refuses a call without the signature headers, or with a signature that is not one (401)', async () => {
    const body = JSON.stringify([ev({ event: 'spamreport' })]);
    await expect(receive(provider, req(body, {}))).rejects.toMatchObject({ status: 401 });
    const { 'x-twilio-email-event-webhook-timestamp': ts } = account.headers(body);
    for (const sig of ['', 'not base64!', 'AAAA', 'x'.repeat(5000)]) {
      const headers = { 'x-twilio-email-event-webhook-signature': sig, 'x-twilio-email-event-webhook-timestamp': ts! };
      await expect(receive(provider, req(body, headers))).rejects.toMatchObject({ status: 401 });
    }
  });

  it('checks the signature before reading the body: unsigned junk is 401, signed junk 400', async () => {
    await expect(receive(provider, req('{not json', {}))).rejects.toMatchObject({ status: 401 });
    await expect(receive(provider, signed('{not json'))).rejects.toMatchObject({ status: 400, code: 'MALFORMED_JSON' });
  });
});

describe('SendGrid: events', () => {
  it.each([
    [{ event: 'bounce', type: 'bounce', status: '5.1.1' }, 'hard_bounce'],
    [{ event: 'bounce', type: 'bounce' }, 'hard_bounce'],
    [{ event: 'bounce', type: 'bounce', status: '4.2.2' }, 'soft_bounce'],
    [{ event: 'bounce', type: 'blocked', status: '5.7.1' }, 'soft_bounce'],
    [{ event: 'dropped', reason: 'Bounced Address' }, 'hard_bounce'],
    [{ event: 'dropped', reason: 'Invalid' }, 'hard_bounce'],
    [{ event: 'dropped', reason: 'Spam Reporting Address' }, 'complaint'],
    [{ event: 'spamreport' }, 'complaint'],
  ])('%o is a %s', async (fields, kind) => {
    const [event] = await receive(provider, signed(JSON.stringify([ev(fields)])));
    expect(event!.kind).toBe(kind);
  });

  it('ignores deliveries, opens, deferrals and drops that are about our account rather than the address', async () => {
    const batch = [
      ev({ event: 'delivered' }),
      ev({ event: 'open' }),
      ev({ event: 'deferred', response: '421 try later' }),
      ev({ event: 'dropped', reason: 'Unsubscribed Address' }),
      ev({ event: 'dropped', reason: 'Recipient List over Package Quota' }),
      ev({ event: 'spamreport', email: 'bob@example.com' }),
    ];
    const events = await receive(provider, signed(JSON.stringify(batch)));
    expect(events.map((e) => [e.kind, e.email])).toEqual([['complaint', 'bob@example.com']]);
  });

  it('answers 400 for a signed body that is not an array of events, or an event without its id', async () => {
    await expect(receive(provider, signed('{"event":"bounce"}'))).rejects.toMatchObject({ status: 400 });
    await expect(receive(provider, signed('[1]'))).rejects.toMatchObject({ status: 400, details: [{ field: '[0]' }] });
    const { sg_event_id: _, ...noId } = ev({ event: 'spamreport' });
    await expect(receive(provider, signed(JSON.stringify([ev({ event: 'open' }), noId])))).rejects.toMatchObject({
      status: 400,
      details: [{ field: '[1].sg_event_id' }],
    });
    await expect(receive(provider, signed(JSON.stringify([ev({ event: 'spamreport', email: 'not an address' })])))).rejects.toMatchObject({ status: 400 });
  });

  it('refuses a batch of more than 5000 events (400)', async () => {
    const body = JSON.stringify(Array.from({ length: 5001 }, () => ({ event: 'open' })));
    await expect(receive(provider, signed(body))).rejects.toMatchObject({ status: 400 });
  });
});
