import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROCESSED_KEYWORD, type BounceMailbox } from '../../../src/domain/bounce-mailbox.ts';
import type { DeliveryEvent, DeliveryEventIntake, DeliveryEventOutcome } from '../../../src/domain/deliverability.ts';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'bounces');

/** A fixture message of test/fixtures/bounces, its VERP and MSGID placeholders replaced. */
export function fixture(name: string, { verp = 'bounces+c12-u345-0123456789abcdef@example.com', messageId = '<c12.u345.k1@example.com>' } = {}): Buffer {
  return Buffer.from(readFileSync(join(FIXTURES, name), 'utf8').replaceAll('VERP', verp).replaceAll('MSGID', messageId).replace(/\r?\n/g, '\r\n'));
}

interface StoredMessage {
  uid: number;
  raw: Buffer;
  flags: Set<string>;
}

/** An in-memory mailbox with IMAP's flags; `failNext` makes the next session (or one operation) fail. */
export function createFakeMailbox() {
  const messages: StoredMessage[] = [];
  let nextUid = 1;
  let fail: { at: 'connect' | 'source' | 'flag'; error: Error } | undefined;
  const sessions = { opened: 0, closed: 0 };
  const sources: number[] = [];
  const take = (at: 'connect' | 'source' | 'flag') => {
    if (fail?.at !== at) return;
    const { error } = fail;
    fail = undefined;
    throw error;
  };
  const find = (uid: number) => {
    const m = messages.find((x) => x.uid === uid);
    if (!m) throw new Error(`no message ${uid}`);
    return m;
  };
  const mailbox: BounceMailbox = {
    async session(work) {
      take('connect');
      sessions.opened++;
      try {
        return await work({
          async unread(limit) {
            return messages
              .filter((m) => !m.flags.has('\\Seen') && !m.flags.has(PROCESSED_KEYWORD))
              .slice(0, limit)
              .map((m) => ({ uid: m.uid, size: m.raw.length }));
          },
          async source(uid) {
            take('source');
            sources.push(uid);
            return find(uid).raw;
          },
          async markProcessed(uid) {
            take('flag');
            find(uid).flags.add('\\Seen').add(PROCESSED_KEYWORD);
          },
          async markSeen(uid) {
            take('flag');
            find(uid).flags.add('\\Seen');
          },
        });
      } finally {
        sessions.closed++;
      }
    },
  };
  return {
    mailbox,
    sessions,
    /** The UIDs whose source was downloaded, in order. */
    sources,
    add(raw: Buffer | string, flags: string[] = []) {
      const uid = nextUid++;
      messages.push({ uid, raw: Buffer.from(raw), flags: new Set(flags) });
      return uid;
    },
    flags: (uid: number) => [...find(uid).flags].sort(),
    failNext(at: 'connect' | 'source' | 'flag', error: Error) {
      fail = { at, error };
    },
  };
}

/** An intake that records what it is given and answers like the real one: a repeated event id is a duplicate. */
export function createFakeIntake() {
  const events: DeliveryEvent[] = [];
  const seen = new Set<string>();
  const intake: DeliveryEventIntake = {
    async record(event): Promise<DeliveryEventOutcome> {
      events.push(event);
      if (seen.has(event.eventId)) return 'duplicate';
      seen.add(event.eventId);
      return 'applied';
    },
  };
  return { intake, events };
}
