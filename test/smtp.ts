import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';

export interface ReceivedMessage {
  to: string;
  /** The envelope sender (MAIL FROM), as given. */
  mailFrom: string;
  raw: string;
  header(name: string): string | undefined;
}

export type Refusal = { code: number; message: string } | undefined;
export type RcptPolicy = (to: string, attempt: number) => Refusal;
/** Answers a login: undefined accepts it. */
export type AuthPolicy = (user: string, pass: string) => Refusal;
export type MailFromPolicy = (from: string) => Refusal;
/** Answers the end of DATA, after the message was read. */
export type DataPolicy = (to: string, attempt: number) => Refusal;

export interface SinkOptions {
  policy?: RcptPolicy;
  delayMs?: number;
  /** Offers AUTH (on plain text) and answers it; the sink's url then carries the credentials cns:cns-password. */
  auth?: AuthPolicy;
  mailFrom?: MailFromPolicy;
  data?: DataPolicy;
  /** Implicit TLS (smtps) with smtp-server's built-in self-signed certificate. */
  secure?: boolean;
}

const refuse = (r: NonNullable<Refusal>) => Object.assign(new Error(r.message), { responseCode: r.code });

/** An SMTP server on loopback that records every accepted message; the policies can refuse logins, senders, recipients or messages. */
export async function startSmtpSink(opts: SinkOptions = {}) {
  const messages: ReceivedMessage[] = [];
  /** Every message that reached the end of DATA, accepted or not, with its Message-ID. */
  const dataAttempts: { to: string; messageId: string | undefined; refused: boolean }[] = [];
  const attempts = new Map<string, number>();
  const dataTries = new Map<string, number>();
  let policy = opts.policy;
  let auth = opts.auth;
  let mailFrom = opts.mailFrom;
  let data = opts.data;
  let delayMs = opts.delayMs;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', ...(opts.auth ? [] : ['AUTH'])],
    allowInsecureAuth: true,
    secure: opts.secure ?? false,
    logger: false,
    size: 10 * 1024 * 1024,
    onAuth(a, _session, callback) {
      const refusal = auth?.(a.username ?? '', a.password ?? '');
      if (refusal) return callback(refuse(refusal));
      callback(null, { user: a.username });
    },
    onMailFrom(address, _session, callback) {
      const refusal = mailFrom?.(address.address);
      callback(refusal ? refuse(refusal) : undefined);
    },
    onRcptTo(address, _session, callback) {
      const to = address.address.toLowerCase();
      const n = (attempts.get(to) ?? 0) + 1;
      attempts.set(to, n);
      const refusal = policy?.(to, n);
      if (refusal) return callback(refuse(refusal));
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
        const rcpts = session.envelope.rcptTo.map((r) => r.address.toLowerCase());
        const refusal = rcpts.map((to) => {
          const n = (dataTries.get(to) ?? 0) + 1;
          dataTries.set(to, n);
          return data?.(to, n);
        }).find(Boolean);
        for (const to of rcpts) dataAttempts.push({ to, messageId: header('Message-ID'), refused: Boolean(refusal) });
        if (refusal) return callback(refuse(refusal));
        const done = () => {
          const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
          for (const to of rcpts) messages.push({ to, mailFrom: from, raw, header });
          callback();
        };
        if (delayMs) setTimeout(done, delayMs);
        else done();
      });
    },
  });
  // A client killed mid-session (the crash tests) or one failing its TLS handshake resets its connection; that is expected here.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `${opts.secure ? 'smtps' : 'smtp'}://${opts.auth ? 'cns:cns-password@' : ''}127.0.0.1:${port}`,
    port,
    messages,
    attempts,
    dataAttempts,
    setPolicy(p: RcptPolicy | undefined) {
      policy = p;
    },
    setAuth(p: AuthPolicy | undefined) {
      auth = p;
    },
    setMailFrom(p: MailFromPolicy | undefined) {
      mailFrom = p;
    },
    setData(p: DataPolicy | undefined) {
      data = p;
    },
    /** How long each message is held at the end of DATA from now on (messages already held keep theirs). */
    setDelay(ms: number | undefined) {
      delayMs = ms;
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
