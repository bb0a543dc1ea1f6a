import type { BounceMailboxSettings } from '../domain/bounce-mailbox.ts';
import type { Parser } from './parse.ts';

/**
 * BOUNCE_MAILBOX_URL: `imap://user:password@host:port/MAILBOX` or `imaps://…`, user and password
 * percent-encoded, `?tls_verify=false` for a self-signed certificate. No message quotes the URL:
 * it holds the password.
 */
export const mailboxUrl: Parser<BounceMailboxSettings> = (raw) => {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new Error('must be a URL such as imaps://user:password@mail.example.com/INBOX');
  }
  if (u.protocol !== 'imap:' && u.protocol !== 'imaps:') throw new Error('must be an imap: or imaps: URL');
  if (!u.hostname) throw new Error('must name a host');
  let user: string;
  let password: string;
  let mailbox: string;
  try {
    user = decodeURIComponent(u.username);
    password = decodeURIComponent(u.password);
    mailbox = decodeURIComponent(u.pathname.replace(/^\/+/, '').replace(/\/+$/, ''));
  } catch {
    throw new Error('has a bad percent-encoding in its user, password or mailbox');
  }
  if (!user || !password) throw new Error('must carry a user and a password (imap://user:password@host/MAILBOX)');
  if (mailbox.length > 255 || /[\0\r\n]/.test(mailbox)) throw new Error('must name a mailbox of at most 255 characters on one line');
  for (const key of u.searchParams.keys()) {
    if (key !== 'tls_verify') throw new Error(`has an unknown option "${key.slice(0, 40)}" (only tls_verify=false is known)`);
  }
  const tlsVerify = u.searchParams.get('tls_verify');
  if (tlsVerify !== null && tlsVerify !== 'true' && tlsVerify !== 'false') throw new Error('tls_verify must be true or false');
  const secure = u.protocol === 'imaps:';
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: Number(u.port || (secure ? 993 : 143)),
    secure,
    user,
    password,
    mailbox: mailbox || 'INBOX',
    tlsVerify: tlsVerify !== 'false',
  };
};
