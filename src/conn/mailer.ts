import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { SendError, type Mailer, type OutgoingMail } from '../domain/ports.ts';

interface SmtpError extends Error {
  responseCode?: number;
  code?: string;
  response?: string;
}

/** SMTP 5xx is permanent for the recipient; 4xx and connection errors are worth retrying. */
function toSendError(err: SmtpError): SendError {
  const code = err.responseCode;
  const reason = code ? `${code} ${err.response ?? err.message}` : `${err.code ?? 'ERROR'} ${err.message}`;
  return new SendError(reason.replace(/\s+/g, ' ').trim(), code !== undefined && code >= 500 && code < 600);
}

function envelope(mail: OutgoingMail) {
  return {
    from: mail.from,
    to: mail.to,
    subject: mail.subject,
    html: mail.html,
    text: mail.text,
    messageId: mail.messageId,
    headers: mail.headers,
  };
}

/** A pooled SMTP mailer on SMTP_URL. */
export function createSmtpMailer(url: string, poolSize: number): Mailer {
  const u = new URL(url);
  const transport = nodemailer.createTransport({
    pool: true,
    maxConnections: poolSize,
    maxMessages: Infinity,
    host: u.hostname,
    port: Number(u.port || (u.protocol === 'smtps:' ? 465 : 25)),
    secure: u.protocol === 'smtps:',
    auth: u.username ? { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } : undefined,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
    tls: { rejectUnauthorized: u.searchParams.get('tls_verify') !== 'false' },
  });
  return {
    async send(mail) {
      try {
        await transport.sendMail(envelope(mail));
      } catch (err) {
        throw toSendError(err as SmtpError);
      }
    },
    close: () => transport.close(),
  };
}

/** Writes each message as an .eml file under `dir` (local development without SMTP). */
export function createOutboxMailer(dir: string): Mailer {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    async send(mail) {
      try {
        const info = await transport.sendMail(envelope(mail));
        await mkdir(dir, { recursive: true });
        const name = mail.messageId.replace(/^<|@.*$/g, '').replace(/[^A-Za-z0-9._-]/g, '_');
        await writeFile(join(dir, `${name}.eml`), info.message as Buffer);
      } catch (err) {
        throw new SendError(`outbox: ${(err as Error).message}`, false);
      }
    },
    close: () => transport.close(),
  };
}

export function createMailer(cfg: { smtpUrl?: string; smtpPoolSize: number; mailOutboxDir: string }): Mailer {
  return cfg.smtpUrl ? createSmtpMailer(cfg.smtpUrl, cfg.smtpPoolSize) : createOutboxMailer(cfg.mailOutboxDir);
}
