import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';

export interface ReceivedMessage {
  to: string;
  raw: string;
  header(name: string): string | undefined;
}

export type RcptPolicy = (to: string, attempt: number) => { code: number; message: string } | undefined;

/** An SMTP server on loopback that records every accepted message; `policy` can refuse recipients. */
export async function startSmtpSink(opts: { policy?: RcptPolicy; delayMs?: number } = {}) {
  const messages: ReceivedMessage[] = [];
  const attempts = new Map<string, number>();
  let policy = opts.policy;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 10 * 1024 * 1024,
    onRcptTo(address, _session, callback) {
      const to = address.address.toLowerCase();
      const n = (attempts.get(to) ?? 0) + 1;
      attempts.set(to, n);
      const refusal = policy?.(to, n);
      if (refusal) {
        const err = Object.assign(new Error(refusal.message), { responseCode: refusal.code });
        return callback(err);
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const headerBlock = raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' ');
        const header = (name: string) =>
          new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(headerBlock)?.[1]?.trim();
        const done = () => {
          for (const r of session.envelope.rcptTo) messages.push({ to: r.address.toLowerCase(), raw, header });
          callback();
        };
        if (opts.delayMs) setTimeout(done, opts.delayMs);
        else done();
      });
    },
  });
  // A client killed mid-session (the crash tests) resets its connection; that is expected here.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    attempts,
    setPolicy(p: RcptPolicy | undefined) {
      policy = p;
    },
    /** How many messages each recipient received. */
    counts(): Map<string, number> {
      const m = new Map<string, number>();
      for (const msg of messages) m.set(msg.to, (m.get(msg.to) ?? 0) + 1);
      return m;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
export type SmtpSink = Awaited<ReturnType<typeof startSmtpSink>>;
