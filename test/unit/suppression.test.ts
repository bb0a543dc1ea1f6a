import { describe, expect, it } from 'vitest';
import { createGenericProvider, signGeneric } from '../../src/handlers/webhooks/generic.ts';
import { bouncePauseReason, normalizeEmail, parseMessageId, rowStatusFor } from '../../src/domain/suppression.ts';
import { ValidationError } from '../../src/domain/errors.ts';

describe('normalizeEmail', () => {
  it('trims, drops angle brackets and lower-cases an address', () => {
    expect(normalizeEmail('  <Ada@Example.COM> ')).toBe('ada@example.com');
  });
  it.each([null, undefined, '', 'no-at-sign', 'two@@example.com', 'sp ace@example.com', 'ctl\u0007@example.com', '@example.com', 'ada@'])(
    'refuses %j',
    (raw) => expect(normalizeEmail(raw)).toBeUndefined(),
  );
  it('bounds the length at 254', () => {
    const at254 = `${'a'.repeat(242)}@example.com`;
    expect(at254).toHaveLength(254);
    expect(normalizeEmail(at254)).toBe(at254);
    expect(normalizeEmail(`a${at254}`)).toBeUndefined();
  });
});

describe('parseMessageId', () => {
  const token = '0123456789abcdef01234567';
  it('reads campaign, user and token from a campaign message id, with or without brackets', () => {
    expect(parseMessageId(`<c12.u345.${token}@mail.example.com>`)).toEqual({ campaignId: 12, userId: 345, token });
    expect(parseMessageId(`c12.u345.${token.toUpperCase()}@x`)).toEqual({ campaignId: 12, userId: 345, token });
  });
  it.each([
    `<t12.u345.${token}@x>`, // a test send
    `<c12.u345.${token.slice(1)}@x>`,
    `<c12.u345.0123456789abcdef0123456789abcdef@x>`, // the older form, with the campaign's key
    `<c0.u345.${token}@x>`,
    `<c99999999999.u1.${token}@x>`,
    `<c12.u345.${token}>`,
    'garbage',
    null,
  ])('refuses %j', (raw) => expect(parseMessageId(raw)).toBeUndefined());
});

describe('rowStatusFor', () => {
  it('moves a sent row on a hard bounce or a complaint, not on a soft bounce', () => {
    expect([rowStatusFor('hard_bounce'), rowStatusFor('complaint'), rowStatusFor('soft_bounce')]).toEqual(['bounced', 'complained', undefined]);
  });
});

describe('bouncePauseReason', () => {
  const t = { complaintRatio: 0.003, bounceRatio: 0.05, minSent: 1000 };
  it('says nothing before the minimum sample went out, whatever the rates', () => {
    expect(bouncePauseReason({ sent: 0, bounced: 1, complained: 0 }, t)).toBeUndefined();
    expect(bouncePauseReason({ sent: 990, bounced: 5, complained: 4 }, t)).toBeUndefined();
  });
  it('pauses when complaints pass their share (strictly), with the figures', () => {
    expect(bouncePauseReason({ sent: 997, bounced: 0, complained: 3 }, t)).toBeUndefined(); // exactly 0.003
    expect(bouncePauseReason({ sent: 996, bounced: 0, complained: 4 }, t)).toEqual({
      reason: 'complaints',
      delivered: 1000,
      complained: 4,
      bounced: 0,
      ratio: 0.004,
      threshold: 0.003,
      min_sent: 1000,
    });
  });
  it('pauses when hard bounces pass their share', () => {
    expect(bouncePauseReason({ sent: 950, bounced: 50, complained: 0 }, t)).toBeUndefined();
    expect(bouncePauseReason({ sent: 949, bounced: 51, complained: 0 }, t)).toMatchObject({ reason: 'bounces', ratio: 0.051, threshold: 0.05 });
  });
});

describe('the generic webhook provider', () => {
  const secret = 'unit-generic-secret-0123456789abcdef0123';
  const p = createGenericProvider({ secret });
  const now = new Date('2030-01-01T00:00:00Z');
  const ts = String(now.getTime() / 1000);
  const body = Buffer.from(JSON.stringify({ events: [{ id: 'e1', type: 'hard_bounce', email: 'Ada@Example.com', message_id: '<c1.u2.k@x>' }] }));
  const call = (headers: Record<string, string>, raw = body, at = now) => ({ rawBody: raw, headers, now: at });

  it('accepts the HMAC of "<timestamp>.<body>" within five minutes, and nothing else', () => {
    const sig = signGeneric(secret, ts, body);
    expect(p.verify(call({ 'x-cns-timestamp': ts, 'x-cns-signature': sig }))).toBe(true);
    expect(p.verify(call({ 'x-cns-timestamp': ts, 'x-cns-signature': sig.toUpperCase().replace('SHA256', 'sha256') }))).toBe(true);
    expect(p.verify(call({ 'x-cns-timestamp': ts, 'x-cns-signature': sig }, body, new Date(now.getTime() + 301_000)))).toBe(false);
    expect(p.verify(call({ 'x-cns-timestamp': ts, 'x-cns-signature': sig }, Buffer.from(`${body.toString()} `)))).toBe(false);
    expect(p.verify(call({ 'x-cns-timestamp': String(Number(ts) + 1), 'x-cns-signature': sig }))).toBe(false);
    expect(p.verify(call({ 'x-cns-timestamp': ts, 'x-cns-signature': signGeneric('another-secret-0123456789abcdef01234', ts, body) }))).toBe(false);
    expect(p.verify(call({ 'x-cns-timestamp': ts }))).toBe(false);
    expect(p.verify(call({ 'x-cns-signature': sig }))).toBe(false);
    expect(p.verify(call({ 'x-cns-timestamp': ts, 'x-cns-signature': sig.slice(0, -2) }))).toBe(false);
  });

  it('turns the body into trusted generic events', () => {
    expect(p.parse(call({}))).toEqual([
      { source: 'generic', eventId: 'e1', kind: 'hard_bounce', email: 'Ada@Example.com', messageId: '<c1.u2.k@x>', detail: '', occurredAt: undefined, trusted: true },
    ]);
  });

  it.each([
    ['not json', '{'],
    ['no events', '{"events":[]}'],
    ['an unknown field', '{"events":[{"id":"e","type":"complaint","email":"a@b.c","x":1}]}'],
    ['a bad time', '{"events":[{"id":"e","type":"complaint","email":"a@b.c","occurred_at":"yesterday"}]}'],
  ])('refuses %s with a 400', (_name, raw) => {
    expect(() => p.parse(call({}, Buffer.from(raw)))).toThrow(ValidationError);
  });
});
