import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { DkimConfig } from '../config/deliverability.ts';
import { SendError, type Mailer, type OutgoingMail, type SendErrorKind } from '../domain/ports.ts';

/** What nodemailer puts on the errors of smtp-connection and smtp-pool. */
interface SmtpError extends Error {
  code?: string;
  /** The system or TLS error code behind an ESOCKET/ECONNECTION. */
  originalCode?: string;
  /** The SMTP command in flight: 'CONN', 'AUTH PLAIN', 'MAIL FROM', 'RCPT TO', 'DATA', … */
  command?: string;
  responseCode?: number;
  /** The server's reply, starting with its code. */
  response?: string;
}

// Node's codes for a server certificate it refused (the "X509 certificate error codes" of its tls docs).
const CERTIFICATE_ERRORS = new Set([
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_CRL', 'UNABLE_TO_DECRYPT_CERT_SIGNATURE', 'UNABLE_TO_DECRYPT_CRL_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY', 'CERT_SIGNATURE_FAILURE', 'CRL_SIGNATURE_FAILURE', 'CERT_NOT_YET_VALID', 'CERT_HAS_EXPIRED',
  'CRL_NOT_YET_VALID', 'CRL_HAS_EXPIRED', 'ERROR_IN_CERT_NOT_BEFORE_FIELD', 'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'ERROR_IN_CRL_LAST_UPDATE_FIELD', 'ERROR_IN_CRL_NEXT_UPDATE_FIELD', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'CERT_CHAIN_TOO_LONG', 'CERT_REVOKED', 'INVALID_CA',
  'PATH_LENGTH_EXCEEDED', 'INVALID_PURPOSE', 'CERT_UNTRUSTED', 'CERT_REJECTED', 'HOSTNAME_MISMATCH',
]);

const isTlsFailure = (err: SmtpError) => {
  const code = err.originalCode ?? err.code ?? '';
  return err.code === 'ETLS' || CERTIFICATE_ERRORS.has(code) || /^ERR_(SSL|TLS)_/.test(code);
};

/**
 * Whose fault a failed send is. A 5xx to RCPT TO or DATA refuses that recipient; a failed login, a
 * TLS failure, or a relay refusing our sender (a 5xx to MAIL FROM or to the greeting) would refuse
 * every recipient alike, so nobody should be marked failed for it; 4xx and connection errors pass.
 */
export function classifySmtpError(err: SmtpError): SendErrorKind {
  const reply = err.responseCode;
  const permanent = reply !== undefined && reply >= 500 && reply < 600 && reply !== 503; // 503: bad sequence, not a refusal
  const temporary = reply !== undefined && reply >= 400 && reply < 500;
  if (err.code === 'EAUTH') return temporary ? 'transient' : 'sender';
  if (isTlsFailure(err)) return 'sender';
  if (err.command === 'MAIL FROM') return temporary ? 'transient' : 'sender';
  if (err.command === 'RCPT TO' || err.command === 'DATA') return permanent ? 'recipient-permanent' : 'transient';
  // Refused by nodemailer before anything was sent: a malformed sender is ours, a malformed address the recipient's.
  if (err.code === 'EENVELOPE') return /^Invalid sender/.test(err.message) ? 'sender' : 'recipient-permanent';
  return permanent ? 'sender' : 'transient';
}

/** The server's reply once, as it gave it (nodemailer's `response` starts with the code), else the error. */
function toSendError(err: SmtpError): SendError {
  const text = err.response
    ? err.response.replace(/\s*\r?\n\s*/g, ' ').trim()
    : `${[err.code ?? 'ERROR', err.originalCode].filter(Boolean).join(' ')}: ${err.message}`.replace(/\s+/g, ' ').trim();
  return new SendError(text, classifySmtpError(err));
}

/**
 * The header fields the DKIM signature covers, where present: the ones a reader sees, the MIME
 * structure, and the list headers. RFC 8058 §4 lets a receiver offer one-click unsubscribe only
 * when List-Unsubscribe and List-Unsubscribe-Post are both signed; Gmail reads Feedback-ID only
 * when it is signed.
 */
export const DKIM_SIGNED_HEADERS = [
  'From', 'To', 'Subject', 'Date', 'Message-ID', 'Reply-To', 'MIME-Version', 'Content-Type',
  'List-Id', 'List-Unsubscribe', 'List-Unsubscribe-Post', 'Feedback-ID',
].join(':');

/** nodemailer's `dkim` transport option for `dkim`, or nothing (unsigned). */
function dkimOption(dkim: DkimConfig | undefined) {
  return dkim
    ? { dkim: { domainName: dkim.domain, keySelector: dkim.selector, privateKey: dkim.privateKey, headerFieldNames: DKIM_SIGNED_HEADERS } }
    : {};
}

function envelope(mail: OutgoingMail) {
  return {
    // Unset: nodemailer takes the envelope from the headers (MAIL FROM is From's address).
    ...(mail.envelopeFrom ? { envelope: { from: mail.envelopeFrom, to: mail.to } } : {}),
    from: mail.from,
    to: mail.to,
    subject: mail.subject,
    html: mail.html,
    text: mail.text,
    messageId: mail.messageId,
    headers: mail.headers,
  };
}

/** A pooled SMTP mailer on SMTP_URL, signing each message when `dkim` is given. */
export function createSmtpMailer(url: string, poolSize: number, dkim?: DkimConfig): Mailer {
  const u = new URL(url);
  const transport = nodemailer.createTransport({
    pool: true,
    maxConnections: poolSize,
    maxMessages: Infinity,
    // The pool would send a message again by itself when its connection closed before a byte of it
    // went out; 0 hands that case back as a connection error, so every try is one the ledger counts.
    maxRequeues: 0,
    host: u.hostname,
    port: Number(u.port || (u.protocol === 'smtps:' ? 465 : 25)),
    secure: u.protocol === 'smtps:',
    auth: u.username ? { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } : undefined,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
    tls: { rejectUnauthorized: u.searchParams.get('tls_verify') !== 'false' },
    ...dkimOption(dkim),
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

/** campaign-<id>.user-<id> for a campaign message's Message-ID (<c{id}.u{id}.{key}@…>), else its local part. */
function outboxName(messageId: string): string {
  const ours = /^<c(\d+)\.u(\d+)\./.exec(messageId);
  return ours ? `campaign-${ours[1]}.user-${ours[2]}` : messageId.replace(/^<|@.*$/g, '').replace(/[^A-Za-z0-9._-]/g, '_');
}

/** Writes each message as an .eml file under `dir` (local development without SMTP), signed as SMTP's are. */
export function createOutboxMailer(dir: string, dkim?: DkimConfig): Mailer {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix', ...dkimOption(dkim) });
  return {
    async send(mail) {
      try {
        const info = await transport.sendMail(envelope(mail));
        await mkdir(dir, { recursive: true });
        const name = outboxName(mail.messageId);
        await writeFile(join(dir, `${name}.eml`), info.message as Buffer);
      } catch (err) {
        throw new SendError(`outbox: ${(err as Error).message}`, 'transient');
      }
    },
    close: () => transport.close(),
  };
}

export function createMailer(cfg: { smtpUrl?: string; smtpPoolSize: number; mailOutboxDir: string; dkim?: DkimConfig }): Mailer {
  return cfg.smtpUrl ? createSmtpMailer(cfg.smtpUrl, cfg.smtpPoolSize, cfg.dkim) : createOutboxMailer(cfg.mailOutboxDir, cfg.dkim);
}
