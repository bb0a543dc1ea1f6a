import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { mailboxUrl } from '../src/config/mailbox-url.ts';
import { createImapMailbox } from '../src/conn/imap-mailbox.ts';
import { createBouncePoller } from '../src/services/bounce-poller.ts';
import { createRedis } from '../src/conn/redis.ts';
import { createLease } from '../src/stores/lease.store.ts';
import { REDIS_URL } from './helpers.ts';
import { freePort, startDovecot, type Dovecot } from './imap.ts';
import { createFakeIntake, fixture } from './unit/fakes/bounce-mailbox.ts';

/**
 * The bounce mailbox poller against Debian's Dovecot on loopback (STARTTLS with a self-signed
 * certificate, a passwd-file user, Maildir): what it reads, what it flags on the server, and what
 * a wrong password or an unreachable server does.
 */

let dovecot: Dovecot;

beforeAll(async () => {
  dovecot = await startDovecot();
});
afterAll(async () => {
  await dovecot?.stop();
});

/** A logger whose lines the test can read. */
function capturingLog() {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { log, lines, text: () => lines.map((l) => JSON.stringify(l)).join('\n') };
}

function poller(url: string, opts: { maxBytes?: number } = {}) {
  const { log, lines, text } = capturingLog();
  const intake = createFakeIntake();
  const p = createBouncePoller({ mailbox: createImapMailbox(mailboxUrl(url), log), intake: intake.intake, log, ...opts });
  return { poll: () => p.poll(), events: intake.events, lines, text };
}

describe('bounce mailbox over IMAP', () => {
  it('reads the unread reports, hands their events on, flags them on the server; a second poll submits nothing', async () => {
    const verp = 'bounces+c3-u9-0011223344556677@mail.example.com';
    const messageId = '<c3.u9.abc@mail.example.com>';
    const dsn = await dovecot.append(fixture('postfix-hard.eml', { verp, messageId }));
    const arf = await dovecot.append(fixture('arf-headers.eml', { verp, messageId }));
    const other = await dovecot.append(fixture('auto-reply.eml'));
    const alreadyRead = await dovecot.append(fixture('postfix-soft-expired.eml', { verp, messageId }), ['\\Seen']);

    const p = poller(dovecot.url);
    expect(await p.poll()).toEqual({ read: 3, reports: 2, skipped: 1, outcomes: { applied: 2, duplicate: 0, unmatched: 0 } });
    expect(p.events.map((e) => ({ kind: e.kind, verpAddress: e.verpAddress, messageId: e.messageId, trusted: e.trusted }))).toEqual([
      { kind: 'hard_bounce', verpAddress: verp, messageId, trusted: false },
      { kind: 'complaint', verpAddress: verp, messageId, trusted: false },
    ]);

    const flags = await dovecot.flags();
    expect([...flags.get(dsn)!].sort()).toEqual(['$CnsProcessed', '\\Seen']);
    expect([...flags.get(arf)!].sort()).toEqual(['$CnsProcessed', '\\Seen']);
    expect([...flags.get(other)!]).toEqual(['\\Seen']);
    expect([...flags.get(alreadyRead)!]).toEqual(['\\Seen']);
    // Nothing is deleted.
    expect(flags.size).toBe(4);

    expect(await p.poll()).toMatchObject({ read: 0, reports: 0 });
    expect(p.events).toHaveLength(2);
  });

  it('a report a person marked unread again is not processed twice ($CnsProcessed)', async () => {
    const uid = await dovecot.append(fixture('arf-rfc822.eml'));
    const p = poller(dovecot.url);
    expect((await p.poll()).reports).toBe(1);
    const c = await dovecot.client();
    try {
      const lock = await c.getMailboxLock('INBOX');
      await c.messageFlagsRemove(String(uid), ['\\Seen'], { uid: true });
      lock.release();
    } finally {
      await c.logout();
    }
    expect((await p.poll()).read).toBe(0);
    expect(p.events).toHaveLength(1);
  });

  it('a message over the size bound is marked read without being downloaded or handed on', async () => {
    const uid = await dovecot.append(fixture('postfix-hard.eml'));
    const p = poller(dovecot.url, { maxBytes: 500 });
    expect(await p.poll()).toMatchObject({ read: 1, skipped: 1, reports: 0 });
    expect(p.events).toEqual([]);
    expect([...(await dovecot.flags()).get(uid)!]).toEqual(['\\Seen']);
    expect(p.lines.some((l) => l.msg === 'bounce mailbox: message too large to be a report; marked read, not processed' && l.uid === uid)).toBe(true);
  });

  it('a wrong password: the poll logs the authentication failure (never the password), throws nothing, and leaves the mail', async () => {
    const uid = await dovecot.append(fixture('postfix-hard.eml'));
    const wrongPassword = 'not-the-right-one-42';
    const p = poller(`imap://${dovecot.user}:${wrongPassword}@127.0.0.1:${dovecot.port}/INBOX?tls_verify=false`);
    const summary = await p.poll();
    expect(summary.error).toMatch(/authentication failed/i);
    expect(summary.read).toBe(0);
    expect(p.lines.some((l) => l.msg === 'bounce mailbox poll failed; the next poll retries' && /authentication failed/i.test(String(l.err)))).toBe(true);
    expect(p.text()).not.toContain(wrongPassword);
    expect([...(await dovecot.flags()).get(uid)!]).toEqual([]);

    // The right password at the next poll reads it.
    const ok = poller(dovecot.url);
    expect((await ok.poll()).reports).toBe(1);
  });

  it('the self-signed certificate offered with STARTTLS is refused unless tls_verify=false', async () => {
    const p = poller(dovecot.url.replace('?tls_verify=false', ''));
    const summary = await p.poll();
    expect(summary.error).toMatch(/certificate/i);
    expect(p.text()).not.toContain(dovecot.password);
  });

  it('a server that is not there: logged, no throw', async () => {
    const port = await freePort();
    const p = poller(`imap://u:pw@127.0.0.1:${port}/INBOX`);
    expect((await p.poll()).error).toMatch(new RegExp(`could not connect to 127\\.0\\.0\\.1:${port} as u: .*ECONNREFUSED`));
  });

  it('a mailbox folder that does not exist: logged, no throw', async () => {
    const p = poller(dovecot.url.replace('/INBOX', '/Nowhere'));
    expect((await p.poll()).error).toMatch(/^bounce mailbox: could not open the mailbox "Nowhere": Mailbox doesn't exist/);
  });
});

describe('one reader at a time', () => {
  it('the Redis lease lets one of two overlapping polls run; the other does nothing; the lease is free after', async () => {
    const redis = createRedis(REDIS_URL);
    await redis.connect();
    const prefix = `cnst_lease_${process.pid}_${Date.now()}`;
    try {
      const a = createLease({ redis, prefix, name: 'bounce-poll', ttlMs: 60_000 });
      const b = createLease({ redis, prefix, name: 'bounce-poll', ttlMs: 60_000 });
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const first = a.run(async () => {
        await held;
        return 'first';
      });
      // While the first holds the lease, a second run is turned away without running.
      let ran = false;
      expect(await b.run(async () => (ran = true))).toBeUndefined();
      expect(ran).toBe(false);
      release();
      expect(await first).toBe('first');
      expect(await b.run(async () => 'second')).toBe('second');
      expect(await redis.exists(`${prefix}:lease:bounce-poll`)).toBe(0);
    } finally {
      redis.disconnect();
    }
  });
});
