import { describe, expect, it } from 'vitest';
import { createPostmarkProvider } from '../../src/handlers/webhooks/postmark.ts';
import { basicAuth, receive } from './fakes/webhooks.ts';

/** Postmark's bounce and spam-complaint webhooks, behind the Basic credentials of the webhook URL. */

const provider = createPostmarkProvider({ user: 'postmark', password: 'a-long-webhook-password' });
const GOOD = basicAuth('postmark', 'a-long-webhook-password');
const req = (body: object | string, authorization: string | null = GOOD) => ({
  body: typeof body === 'string' ? body : JSON.stringify(body),
  headers: authorization === null ? {} : { authorization },
});

// Postmark's documented example of a bounce webhook.
const bounce = (over: Record<string, unknown> = {}) => ({
  RecordType: 'Bounce',
  MessageStream: 'broadcast',
  ID: 692560173,
  Type: 'HardBounce',
  TypeCode: 1,
  Name: 'Hard bounce',
  Tag: 'Invitation',
  MessageID: '883953f4-6105-42a2-a16a-77a8eac79483',
  ServerID: 23,
  Description: 'The server was unable to deliver your message (ex: unknown user, mailbox not found).',
  Details: 'smtp;550 5.1.1 The email account that you tried to reach does not exist.',
  Email: 'john@example.com',
  From: 'sender@example.com',
  BouncedAt: '2026-12-01T02:59:58Z',
  Inactive: true,
  CanActivate: true,
  Subject: 'Test subject',
  ...over,
});

describe('Postmark: credentials', () => {
  it('accepts a hard bounce with the configured credentials and reads it', async () => {
    await expect(receive(provider, req(bounce()))).resolves.toEqual([
      {
        source: 'postmark',
        eventId: '692560173',
        kind: 'hard_bounce',
        email: 'john@example.com',
        messageId: null,
        detail: 'Hard bounce: smtp;550 5.1.1 The email account that you tried to reach does not exist.',
        occurredAt: new Date('2026-12-01T02:59:58Z'),
        trusted: true,
      },
    ]);
  });

  it.each([
    ['no credentials', null],
    ['a wrong password', basicAuth('postmark', 'a-long-webhook-passwore')],
    ['a wrong user', basicAuth('postmarq', 'a-long-webhook-password')],
    ['the password alone', `Basic ${Buffer.from('a-long-webhook-password').toString('base64')}`],
    ['a Bearer token', 'Bearer a-long-webhook-password'],
    ['an empty Basic', 'Basic '],
  ])('refuses %s (401), before reading the body', async (_what, authorization) => {
    await expect(receive(provider, req(bounce(), authorization))).rejects.toMatchObject({ status: 401, code: 'INVALID_SIGNATURE' });
    await expect(receive(provider, req('{not json', authorization))).rejects.toMatchObject({ status: 401 });
  });
});

describe('Postmark: events', () => {
  it.each([
    ['HardBounce', 'hard_bounce'],
    ['BadEmailAddress', 'hard_bounce'],
    ['SoftBounce', 'soft_bounce'],
    ['Transient', 'soft_bounce'],
    ['DnsError', 'soft_bounce'],
    ['Blocked', 'soft_bounce'],
  ])('a %s bounce is a %s', async (Type, kind) => {
    expect((await receive(provider, req(bounce({ Type })))).map((e) => e.kind)).toEqual([kind]);
  });

  it('reads a spam complaint as a complaint', async () => {
    const complaint = bounce({ RecordType: 'SpamComplaint', Type: 'SpamComplaint', TypeCode: 100001, Name: 'Spam complaint', Details: 'Test spam complaint details' });
    await expect(receive(provider, req(complaint))).resolves.toMatchObject([{ kind: 'complaint', email: 'john@example.com', detail: 'Spam complaint: Test spam complaint details' }]);
  });

  it('ignores deliveries, opens and bounce types that are not about the address', async () => {
    for (const body of [
      { RecordType: 'Delivery', MessageID: 'x', Recipient: 'john@example.com' },
      { RecordType: 'Open', MessageID: 'x', Recipient: 'john@example.com' },
      bounce({ Type: 'AutoResponder' }),
      bounce({ Type: 'Subscribe' }),
      bounce({ Type: 'ChallengeVerification' }),
    ]) {
      await expect(receive(provider, req(body))).resolves.toEqual([]);
    }
  });

  it('keeps every digit of a 64-bit ID, so two bounces never share one', async () => {
    const body = JSON.stringify(bounce()).replace('"ID":692560173', '"ID":4323372036854775807');
    const [event] = await receive(provider, req(body));
    expect(event!.eventId).toBe('4323372036854775807');
  });

  it('answers 400 for malformed JSON or a bounce without its id or address', async () => {
    await expect(receive(provider, req('{not json'))).rejects.toMatchObject({ status: 400, code: 'MALFORMED_JSON' });
    await expect(receive(provider, req('[]'))).rejects.toMatchObject({ status: 400 });
    await expect(receive(provider, req(bounce({ ID: 'abc' })))).rejects.toMatchObject({ status: 400, details: [{ field: 'ID' }] });
    await expect(receive(provider, req(bounce({ Email: undefined })))).rejects.toMatchObject({ status: 400, details: [{ field: 'Email' }] });
  });

  it('clips a long description to 1000 characters', async () => {
    const [event] = await receive(provider, req(bounce({ Details: 'z'.repeat(9000) })));
    expect(event!.detail.length).toBe(1000);
  });
});
