import { createPublicKey } from 'node:crypto';
import type { Parser } from './parse.ts';

/** A topic's ARN: `arn:aws:sns:<region>:<account>:<name>`. */
const TOPIC_ARN = /^arn:aws(-cn|-us-gov)?:sns:[a-z0-9-]{3,32}:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

/** SES_SNS_TOPIC_ARNS: one or more SNS topic ARNs, separated by commas. */
export const topicArns: Parser<string[]> = (raw) => {
  const arns = raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (arns.length === 0 || arns.length > 20) throw new Error('must list 1 to 20 SNS topic ARNs, separated by commas');
  const bad = arns.find((a) => !TOPIC_ARN.test(a));
  if (bad !== undefined) throw new Error(`must be SNS topic ARNs such as arn:aws:sns:eu-west-1:123456789012:ses-bounces (not ${JSON.stringify(bad.slice(0, 100))})`);
  return arns;
};

/** POSTMARK_WEBHOOK_USER: what Postmark puts before the colon of its Basic credentials. */
export const basicUser: Parser<string> = (raw) => {
  if (raw.length > 200 || !/^[\x21-\x39\x3b-\x7e]+$/.test(raw)) throw new Error('must be 1-200 printable ASCII characters without spaces or ":"');
  return raw;
};

/** POSTMARK_WEBHOOK_PASSWORD: at least 16 bytes, so it cannot be guessed. */
export const basicPassword: Parser<string> = (raw) => {
  if (Buffer.byteLength(raw) < 16 || raw.length > 200 || !/^[\x21-\x7e]+$/.test(raw)) {
    throw new Error('must be 16-200 printable ASCII characters without spaces');
  }
  return raw;
};

/** SENDGRID_WEBHOOK_PUBLIC_KEY: the verification key SendGrid shows (base64 DER), or the same in PEM; ECDSA P-256. */
export const sendgridPublicKey: Parser<string> = (raw) => {
  const text = raw.replace(/\\n/g, '\n').trim(); // a PEM in one line of .env, its line breaks written \n
  let key;
  try {
    key = text.startsWith('-----BEGIN')
      ? createPublicKey(text)
      : createPublicKey({ key: Buffer.from(text, 'base64'), format: 'der', type: 'spki' });
  } catch {
    throw new Error("must be the signed event webhook's verification key (base64, as SendGrid shows it, or PEM)");
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error('must be an ECDSA P-256 public key (the one SendGrid shows for the signed event webhook)');
  }
  return text;
};
