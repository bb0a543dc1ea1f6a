// The deliverability settings: DKIM (its domain, selector and key, read all or nothing by readDkim),
// the List-Id and the bounce (VERP) address, each checked as its header or envelope needs it.
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { Env, Parser, Read } from './parse.ts';

/** What DKIM signing needs: the signing domain (d=), the selector (s=) and the private key (PKCS#8 PEM). */
export interface DkimConfig {
  domain: string;
  selector: string;
  privateKey: string;
}

const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const HOSTNAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);
/** RFC 5322 atext, the characters of a dot-atom. */
const ATEXT = "A-Za-z0-9!#$%&'*+\\-/=?^_`{|}~";
const DOT_ATOM = new RegExp(`^[${ATEXT}]+(?:\\.[${ATEXT}]+)*$`);

/** A domain name of at least two labels, such as example.com (a trailing dot is dropped). */
export const domainName: Parser<string> = (raw) => {
  const d = raw.trim().replace(/\.$/, '');
  if (d.length > 253 || !HOSTNAME.test(d) || !d.includes('.')) throw new Error('must be a domain name such as example.com');
  return d.toLowerCase();
};

/** A DKIM selector (RFC 6376 §3.1): labels of letters, digits and inner hyphens, dot-separated. */
export const dkimSelector: Parser<string> = (raw) => {
  const s = raw.trim();
  if (s.length > 63 || !HOSTNAME.test(s)) throw new Error('must be a selector such as cns2026 (letters, digits, inner hyphens; dots between parts)');
  return s;
};

/**
 * An unencrypted RSA private key of at least 1024 bits, in PEM (PKCS#1 or PKCS#8); `\n` written as
 * two characters (as in an env file) counts as a line break. nodemailer signs with rsa-sha256 only,
 * so an Ed25519 key is refused.
 */
export const dkimPrivateKey: Parser<string> = (raw) => {
  let key: KeyObject;
  try {
    key = createPrivateKey(raw.replace(/\\r\\n|\\n/g, '\n').trim());
  } catch (err) {
    throw new Error('must be an unencrypted PEM private key (-----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----)', { cause: err });
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new Error(`must be an RSA key (the signer supports rsa-sha256 only), not ${key.asymmetricKeyType ?? 'this kind of key'}`);
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < 1024) throw new Error(`must be an RSA key of at least 1024 bits (2048 recommended), not ${bits}`);
  return key.export({ type: 'pkcs8', format: 'pem' }) as string;
};

/** A file holding a key that dkimPrivateKey accepts. */
export const dkimPrivateKeyFile: Parser<string> = (file) => {
  let text: string;
  try {
    if (statSync(file).size > 64 * 1024) throw new Error('is larger than 64 KiB');
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new Error(`${file} cannot be read (${e.code ?? e.message})`, { cause: err });
  }
  try {
    return dkimPrivateKey(text);
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`, { cause: err });
  }
};

const DKIM_KEY_NAMES = 'DKIM_PRIVATE_KEY or DKIM_PRIVATE_KEY_FILE';

/** DKIM takes a domain, a selector and one key (inline or in a file), or none of them. */
export function readDkim(env: Env, read: Read, problems: string[]): DkimConfig | undefined {
  const given = (name: string) => env[name] !== undefined && env[name] !== '';
  const domain = read('DKIM_DOMAIN', domainName);
  const selector = read('DKIM_SELECTOR', dkimSelector);
  let privateKey: string | undefined;
  if (given('DKIM_PRIVATE_KEY') && given('DKIM_PRIVATE_KEY_FILE')) {
    problems.push('DKIM_PRIVATE_KEY and DKIM_PRIVATE_KEY_FILE are both set; set only one');
  } else {
    privateKey = given('DKIM_PRIVATE_KEY') ? read('DKIM_PRIVATE_KEY', dkimPrivateKey) : read('DKIM_PRIVATE_KEY_FILE', dkimPrivateKeyFile);
  }
  const parts: [string, boolean][] = [
    ['DKIM_DOMAIN', given('DKIM_DOMAIN')],
    ['DKIM_SELECTOR', given('DKIM_SELECTOR')],
    [DKIM_KEY_NAMES, given('DKIM_PRIVATE_KEY') || given('DKIM_PRIVATE_KEY_FILE')],
  ];
  const set = parts.filter(([, isSet]) => isSet).map(([name]) => name);
  if (set.length === 0) return undefined;
  for (const [name, isSet] of parts) {
    if (!isSet) problems.push(`${name} is required when ${set.join(' and ')} ${set.length > 1 ? 'are' : 'is'} set (DKIM needs the domain, the selector and the key)`);
  }
  return domain && selector && privateKey ? { domain, selector, privateKey } : undefined;
}

/**
 * A List-Id (RFC 2919): `Campaigns <campaigns.example.com>`, `<campaigns.example.com>` or the bare
 * id. The id has at least two dot-separated parts and at most 255 characters; the optional name is
 * printable words (no quotes, commas or angle brackets), at most 100 characters.
 */
export const listId: Parser<string> = (raw) => {
  const m = /^\s*(?:([^<>]*?)\s*<([^<>]*)>|([^<>\s]+))\s*$/.exec(raw);
  const phrase = m?.[1] ?? '';
  const id = m?.[2] ?? m?.[3] ?? '';
  const phraseOk = phrase.length <= 100 && new RegExp(`^[${ATEXT}. ]*$`).test(phrase);
  if (!m || !phraseOk || id.length > 255 || !DOT_ATOM.test(id) || !id.includes('.')) {
    throw new Error('must be a list name and id such as "Campaigns <campaigns.example.com>" (the id: at least two dot-separated parts, at most 255 characters)');
  }
  return phrase ? `${phrase} <${id}>` : `<${id}>`;
};

/** The longest local part a bounce address may have: the VERP tag adds up to 41 characters, and a local part may have 64. */
export const BOUNCE_LOCAL_MAX = 64 - '+c4294967295-u4294967295-0123456789abcdef'.length;

/** A bare address (no name, no angle brackets) whose local part has room for the VERP tag and no `+` of its own. */
export const bounceAddress: Parser<string> = (raw) => {
  const m = /^([^@\s]+)@([^@\s]+)$/.exec(raw.trim());
  const local = m?.[1] ?? '';
  const domain = (m?.[2] ?? '').replace(/\.$/, '');
  if (!m || !DOT_ATOM.test(local) || domain.length > 253 || !HOSTNAME.test(domain)) {
    throw new Error('must be a bare email address such as bounces@example.com');
  }
  if (local.includes('+')) throw new Error('must not contain "+" (the VERP tag is added after one: bounces+c1-u2-…@)');
  if (local.length > BOUNCE_LOCAL_MAX) {
    throw new Error(`must have a local part of at most ${BOUNCE_LOCAL_MAX} characters (the VERP tag adds up to 41, and a local part may have 64)`);
  }
  return `${local}@${domain}`;
};
