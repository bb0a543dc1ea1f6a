import { describe, expect, it } from 'vitest';
import { createBouncePoller } from '../../src/services/bounce-poller.ts';
import { createFakeIntake, createFakeMailbox, fixture } from './fakes/bounce-mailbox.ts';
import { silentLog } from './fakes/log.ts';

/**
 * One poll of the bounce mailbox over an in-memory mailbox and a recording intake: what is handed
 * on, what is flagged and how, and that a failure leaves the rest for the next poll.
 */

function setup(opts: { maxMessages?: number; maxBytes?: number } = {}) {
  const box = createFakeMailbox();
  const intake = createFakeIntake();
  const poller = createBouncePoller({ mailbox: box.mailbox, intake: intake.intake, log: silentLog, ...opts });
  return { box, intake, poller };
}

describe('bounce poller', () => {
  it('hands each report’s events to the intake, flags reports processed and other mail read only', async () => {
    const { box, intake, poller } = setup();
    const hard = box.add(fixture('postfix-hard.eml'));
    const other = box.add(fixture('auto-reply.eml'));
    const arf = box.add(fixture('arf-rfc822.eml'));
    const delayed = box.add(fixture('postfix-delayed.eml'));

    const summary = await poller.poll();
    expect(summary).toEqual({ read: 4, reports: 3, skipped: 1, outcomes: { applied: 2, duplicate: 0, unmatched: 0 } });
    expect(intake.events.map((e) => [e.kind, e.trusted, e.source])).toEqual([
      ['hard_bounce', false, 'mailbox'],
      ['complaint', false, 'mailbox'],
    ]);
    expect(box.flags(hard)).toEqual(['$CnsProcessed', '\\Seen']);
    expect(box.flags(arf)).toEqual(['$CnsProcessed', '\\Seen']);
    expect(box.flags(delayed)).toEqual(['$CnsProcessed', '\\Seen']);
    expect(box.flags(other)).toEqual(['\\Seen']);
  });

  it('a second poll reads nothing again and submits nothing again', async () => {
    const { box, intake, poller } = setup();
    box.add(fixture('postfix-hard.eml'));
    box.add(fixture('auto-reply.eml'));
    await poller.poll();
    const downloaded = box.sources.length;
    expect(await poller.poll()).toEqual({ read: 0, reports: 0, skipped: 0, outcomes: { applied: 0, duplicate: 0, unmatched: 0 } });
    expect(intake.events).toHaveLength(1);
    expect(box.sources).toHaveLength(downloaded);
  });

  it('reads at most maxMessages per poll, oldest first; the next poll takes the rest', async () => {
    const { box, intake, poller } = setup({ maxMessages: 2 });
    for (const id of [1, 2, 3]) box.add(fixture('postfix-hard.eml').toString().replace('AAA@mx', `AAA${id}@mx`));
    expect((await poller.poll()).read).toBe(2);
    expect(box.sources).toEqual([1, 2]);
    expect((await poller.poll()).read).toBe(1);
    expect(intake.events.map((e) => e.eventId)).toEqual([1, 2, 3].map((id) => `<20261201030000.AAA${id}@mx.example.org>|nobody@example.org`));
  });

  it('a message over maxBytes is never downloaded: marked read, not processed, and logged', async () => {
    const { box, intake, poller } = setup({ maxBytes: 1000 });
    const big = box.add(fixture('postfix-hard.eml'));
    expect((await poller.poll()).skipped).toBe(1);
    expect(box.sources).toEqual([]);
    expect(intake.events).toEqual([]);
    expect(box.flags(big)).toEqual(['\\Seen']);
  });

  it('a mailbox that cannot be reached: the poll reports it and does not throw; the next poll reads the mail', async () => {
    const { box, intake, poller } = setup();
    box.add(fixture('postfix-hard.eml'));
    box.failNext('connect', new Error('could not connect to mail.example.com:993 as bounces: authentication failed'));
    const failed = await poller.poll();
    expect(failed.error).toMatch(/authentication failed/);
    expect(intake.events).toEqual([]);
    expect((await poller.poll()).reports).toBe(1);
  });

  it('an intake failure leaves the report unflagged for the next poll, which the intake then counts once', async () => {
    const { box, intake, poller } = setup();
    const uid = box.add(fixture('rfc3464-multi.eml'));
    // The first of its two events is recorded, the second fails: the report stays unread.
    const record = intake.intake.record.bind(intake.intake);
    let calls = 0;
    intake.intake.record = async (e) => {
      if (++calls === 2) throw new Error('database is down');
      return record(e);
    };
    const first = await poller.poll();
    expect(first.error).toMatch(/^recording an event: database is down/);
    expect(box.flags(uid)).toEqual([]);

    const second = await poller.poll();
    expect(second).toMatchObject({ reports: 1, outcomes: { applied: 1, duplicate: 1, unmatched: 0 } });
    expect(box.flags(uid)).toEqual(['$CnsProcessed', '\\Seen']);
  });

  it('a connection lost while flagging stops the poll without throwing; the report is read again next time and counted once', async () => {
    const { box, intake, poller } = setup();
    const uid = box.add(fixture('postfix-hard.eml'));
    box.failNext('flag', new Error('Connection closed'));
    expect((await poller.poll()).error).toMatch(/bounce mailbox: Connection closed/);
    expect(await poller.poll()).toMatchObject({ reports: 1, outcomes: { applied: 0, duplicate: 1 } });
    expect(box.flags(uid)).toEqual(['$CnsProcessed', '\\Seen']);
    expect(intake.events).toHaveLength(2);
  });

  it('a message the parser cannot read is marked read and the poll goes on', async () => {
    const box = createFakeMailbox();
    const intake = createFakeIntake();
    const bad = box.add('broken');
    const good = box.add(fixture('postfix-hard.eml'));
    const poller = createBouncePoller({
      mailbox: box.mailbox,
      intake: intake.intake,
      log: silentLog,
      parse: async (raw) => {
        if (raw.toString() === 'broken') throw new Error('bad MIME');
        const { parseBounceReport } = await import('../../src/services/bounce-report.ts');
        return parseBounceReport(raw);
      },
    });
    expect(await poller.poll()).toMatchObject({ read: 2, reports: 1, skipped: 1 });
    expect(box.flags(bad)).toEqual(['\\Seen']);
    expect(box.flags(good)).toEqual(['$CnsProcessed', '\\Seen']);
  });
});

describe('bounce poller and a refused event', () => {
  it('an event the intake refuses (a 4xx domain error) sets its report aside instead of blocking the mailbox', async () => {
    const { ValidationError } = await import('../../src/domain/errors.ts');
    const box = createFakeMailbox();
    const intake = createFakeIntake();
    const record = intake.intake.record.bind(intake.intake);
    intake.intake.record = async (e) => {
      if (e.email === 'nobody@example.org') throw new ValidationError('An event id must be 1-255 characters');
      return record(e);
    };
    const poison = box.add(fixture('postfix-hard.eml'));
    const next = box.add(fixture('arf-rfc822.eml'));
    const poller = createBouncePoller({ mailbox: box.mailbox, intake: intake.intake, log: silentLog });
    expect(await poller.poll()).toEqual({ read: 2, reports: 1, skipped: 1, outcomes: { applied: 1, duplicate: 0, unmatched: 0 } });
    expect(box.flags(poison)).toEqual(['\\Seen']);
    expect(box.flags(next)).toEqual(['$CnsProcessed', '\\Seen']);
    expect((await poller.poll()).read).toBe(0);
  });
});
