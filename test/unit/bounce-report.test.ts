import { describe, expect, it } from 'vitest';
import { parseBounceReport } from '../../src/services/bounce-report.ts';
import { fixture } from './fakes/bounce-mailbox.ts';

/**
 * What the bounce mailbox makes of each kind of message: RFC 3464 delivery status notifications
 * (Postfix's and the RFC's own multi-recipient example), RFC 5965 feedback reports, and mail that is neither.
 */

const VERP = 'bounces+c7-u42-00112233aabbccdd@mail.example.com';
const MSGID = '<c7.u42.k9@mail.example.com>';
const read = (name: string, opts: { verp?: string; messageId?: string } = {}) => parseBounceReport(fixture(name, { verp: VERP, messageId: MSGID, ...opts }));

describe('delivery status notifications (RFC 3464)', () => {
  it('a permanent failure (5.1.1) is one untrusted hard bounce with the VERP address and the original Message-ID', async () => {
    const report = await read('postfix-hard.eml');
    expect(report.type).toBe('dsn');
    expect(report.events).toEqual([
      {
        source: 'mailbox',
        eventId: '<20261201030000.AAA@mx.example.org>|nobody@example.org',
        kind: 'hard_bounce',
        email: 'nobody@example.org',
        verpAddress: VERP,
        messageId: MSGID,
        detail: '5.1.1 smtp; 550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown in local recipient table',
        occurredAt: new Date('2026-12-01T03:00:00Z'),
        trusted: false,
      },
    ]);
  });

  it('a DSN made by Postfix (unknown local user, original returned whole) is a hard bounce', async () => {
    const { type, events } = await read('postfix-real-unknown-user.eml');
    expect(type).toBe('dsn');
    expect(events).toEqual([
      {
        source: 'mailbox',
        eventId: '<20261201031933.BC61120C165@mx.example.org>|nobody-here@example.org',
        kind: 'hard_bounce',
        email: 'nobody-here@example.org',
        verpAddress: VERP,
        messageId: MSGID,
        detail: '5.1.1 X-Postfix; unknown user: "nobody-here"',
        occurredAt: new Date('2026-12-01T03:19:33Z'),
        trusted: false,
      },
    ]);
  });

  it('a failure with a temporary status (4.2.2, given up after retries) is a soft bounce at its last attempt', async () => {
    const { type, events } = await read('postfix-soft-expired.eml');
    expect(type).toBe('dsn');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      kind: 'soft_bounce',
      email: 'full@example.net',
      verpAddress: VERP,
      messageId: MSGID,
      detail: '4.2.2 smtp; 452 4.2.2 Mailbox full',
      occurredAt: new Date('2026-12-06T03:09:58Z'),
    });
  });

  it('a delay warning is a report but no bounce: the MTA is still trying', async () => {
    expect(await read('postfix-delayed.eml')).toEqual({ type: 'dsn', events: [] });
  });

  it('a multi-recipient DSN (base64 status part, message/rfc822 returned) gives one event per failed recipient only', async () => {
    const { events } = await read('rfc3464-multi.eml');
    expect(events.map((e) => [e.email, e.kind])).toEqual([
      ['louisl@larry.slip.umd.edu', 'soft_bounce'],
      ['Gone@Example.ORG', 'hard_bounce'],
    ]);
    // The returned message's own headers give the VERP address (its Return-Path) and Message-ID.
    for (const e of events) expect(e).toMatchObject({ verpAddress: VERP, messageId: MSGID, trusted: false });
    expect(new Set(events.map((e) => e.eventId)).size).toBe(2);
    expect(events[1]!.eventId).toBe('<199407072116.RAA14128@CS.UTK.EDU>|gone@example.org');
  });

  it('the VERP address comes from the envelope headers when the returned headers lack a Return-Path', async () => {
    const raw = fixture('postfix-hard.eml', { verp: VERP, messageId: MSGID }).toString().replace(/^Return-Path: <bounces\+.*\r\n/m, '');
    const { events } = await parseBounceReport(Buffer.from(raw));
    expect(events[0]!.verpAddress).toBe(VERP);
  });

  it('a report without a Message-ID gets a stable event id from its bytes', async () => {
    const raw = Buffer.from(fixture('postfix-hard.eml').toString().replace(/^Message-Id: .*\r\n/im, ''));
    const a = await parseBounceReport(raw);
    const b = await parseBounceReport(raw);
    expect(a.events[0]!.eventId).toMatch(/^sha256:[0-9a-f]{64}\|nobody@example\.org$/);
    expect(a.events[0]!.eventId).toBe(b.events[0]!.eventId);
  });

  it('bounds what a hostile report can make long: detail, event id, Message-ID', async () => {
    const longDiag = 'x'.repeat(5000);
    const raw = fixture('postfix-hard.eml', { messageId: `<${'m'.repeat(400)}@example.com>` })
      .toString()
      .replace('Diagnostic-Code: smtp; 550', `Diagnostic-Code: smtp; 550 ${longDiag}`)
      .replace('Final-Recipient: rfc822; nobody@example.org', `Final-Recipient: rfc822; ${'n'.repeat(300)}@example.org`)
      .replace('Original-Recipient: rfc822;nobody@example.org\r\n', '');
    const { events } = await parseBounceReport(Buffer.from(raw));
    expect(events).toHaveLength(1);
    expect(events[0]!.detail.length).toBeLessThanOrEqual(1000);
    expect(events[0]!.eventId.length).toBeLessThanOrEqual(255);
    expect(events[0]!.email).toBeNull();
    expect(events[0]!.messageId).toBeNull();
  });
});

describe('feedback reports (RFC 5965)', () => {
  it('an abuse report with the message/rfc822 returned is a complaint about Original-Rcpt-To, VERP from Original-Mail-From', async () => {
    const report = await read('arf-rfc822.eml');
    expect(report).toEqual({
      type: 'arf',
      events: [
        {
          source: 'mailbox',
          eventId: '<arf-1@example.com>|user@example.com',
          kind: 'complaint',
          email: 'user@example.com',
          verpAddress: VERP,
          messageId: MSGID,
          detail: 'Feedback-Type: abuse (SomeGenerator/1.0)',
          occurredAt: new Date('2005-03-08T18:00:00Z'),
          trusted: false,
        },
      ],
    });
  });

  it('an abuse report with only text/rfc822-headers and no recipient is a complaint about the message itself', async () => {
    const { type, events } = await read('arf-headers.eml');
    expect(type).toBe('arf');
    expect(events).toEqual([
      expect.objectContaining({
        kind: 'complaint',
        email: null,
        verpAddress: VERP,
        messageId: MSGID,
        eventId: '<fbl.20261201091500.42@isp.example>|',
        occurredAt: new Date('2026-12-01T08:00:00Z'),
      }),
    ]);
  });

  it('a feedback report of another type (fraud) is a report but no complaint', async () => {
    expect(await read('arf-fraud.eml')).toEqual({ type: 'arf', events: [] });
  });
});

describe('mail that is no report', () => {
  it('an auto-reply, even one quoting DSN words, is neither', async () => {
    expect(await read('auto-reply.eml')).toEqual({ type: 'other', events: [] });
  });

  it('a multipart/report of another report type (a read receipt) is neither', async () => {
    const raw = fixture('postfix-hard.eml').toString().replace('report-type=delivery-status', 'report-type=disposition-notification');
    expect(await parseBounceReport(Buffer.from(raw))).toEqual({ type: 'other', events: [] });
  });

  it('garbage bytes are neither', async () => {
    expect(await parseBounceReport(Buffer.from([0, 1, 2, 255, 13, 10, 13, 10, 0]))).toEqual({ type: 'other', events: [] });
  });
});
