import { ImapFlow } from 'imapflow';
import type { Logger } from 'pino';
import { PROCESSED_KEYWORD, type BounceMailbox, type BounceMailboxSettings } from '../domain/bounce-mailbox.ts';

/** The largest literal the client accepts from the server: a guard against a server that sends more than it should. */
const MAX_LITERAL_BYTES = 8 * 1024 * 1024;

/**
 * The bounce mailbox over IMAP (imapflow): one connection per session, STARTTLS when an `imap:`
 * server offers it, TLS from the start for `imaps:`. Messages are read with BODY.PEEK, so only
 * markSeen/markProcessed change their flags; nothing is ever deleted or moved.
 */
export function createImapMailbox(settings: BounceMailboxSettings, log: Logger): BounceMailbox {
  return {
    async session(work) {
      const client = new ImapFlow({
        host: settings.host,
        port: settings.port,
        secure: settings.secure,
        auth: { user: settings.user, pass: settings.password },
        tls: { rejectUnauthorized: settings.tlsVerify },
        logger: false,
        disableAutoIdle: true,
        connectionTimeout: 15_000,
        greetingTimeout: 15_000,
        socketTimeout: 60_000,
        maxLiteralSize: MAX_LITERAL_BYTES,
        maxResponseSize: MAX_LITERAL_BYTES * 2,
      });
      // A dropped connection is reported here as well as to the pending command; it must not crash the process.
      client.on('error', (err: Error) => log.debug({ err: err.message }, 'bounce mailbox connection error'));
      try {
        await client.connect();
      } catch (err) {
        client.close();
        throw new Error(describe(err, `could not connect to ${settings.host}:${settings.port} as ${settings.user}`), { cause: err });
      }
      try {
        const lock = await client.getMailboxLock(settings.mailbox).catch((err: unknown) => {
          throw new Error(describe(err, `could not open the mailbox "${settings.mailbox}"`), { cause: err });
        });
        try {
          return await work({
            async unread(limit) {
              const uids = (await client.search({ seen: false, unKeyword: PROCESSED_KEYWORD }, { uid: true })) || [];
              const oldest = uids.sort((a, b) => a - b).slice(0, limit);
              if (oldest.length === 0) return [];
              const found = await client.fetchAll(oldest, { uid: true, size: true }, { uid: true });
              return found.map((m) => ({ uid: m.uid, size: m.size ?? 0 })).sort((a, b) => a.uid - b.uid);
            },
            async source(uid) {
              const msg = await client.fetchOne(String(uid), { uid: true, source: true }, { uid: true });
              if (!msg || !msg.source) throw new Error(`message ${uid} is gone`);
              return msg.source;
            },
            async markProcessed(uid) {
              await client.messageFlagsAdd(String(uid), ['\\Seen', PROCESSED_KEYWORD], { uid: true });
            },
            async markSeen(uid) {
              await client.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
            },
          });
        } finally {
          lock.release();
        }
      } finally {
        await client.logout().catch(() => client.close());
      }
    },
  };
}

/** An imapflow error in words: its server response (an auth failure says so) or its message; never the password. */
function describe(err: unknown, what: string): string {
  const e = err as { message?: string; responseText?: string; authenticationFailed?: boolean; code?: string };
  if (e?.authenticationFailed) return `${what}: authentication failed${e.responseText ? ` (${e.responseText})` : ''}`;
  return `${what}: ${e?.responseText ?? e?.message ?? String(err)}${e?.code ? ` [${e.code}]` : ''}`;
}
