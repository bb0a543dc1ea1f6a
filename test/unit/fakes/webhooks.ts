// Signers that post like the providers do: an SNS topic (RSA key, self-signed certificate), a
// SendGrid account (ECDSA P-256 key pair) and Postmark's Basic credentials; and a fake HttpsGet.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeliveryEvent } from '../../../src/domain/deliverability.ts';
import type { HttpsGet, HttpsGetResponse } from '../../../src/domain/webhooks.ts';
import type { BounceWebhookProvider } from '../../../src/handlers/webhooks/fields.ts';

export interface KeyAndCert {
  keyPem: string;
  certPem: string;
}

/**
 * An RSA key and a self-signed certificate for it (openssl; node:crypto cannot issue certificates):
 * subject CN=`cn`, and subject alternative names `dnsNames` when given (none by default).
 */
export function selfSignedCert(cn = 'sns.amazonaws.com', days = 30, dnsNames: string[] = [], keyPem?: string): KeyAndCert {
  const dir = mkdtempSync(join(tmpdir(), 'cns-sns-'));
  const san = dnsNames.length ? ['-addext', `subjectAltName=${dnsNames.map((n) => `DNS:${n}`).join(',')}`] : [];
  // A given key is reused (certificates that differ only in their names need no new RSA key, the slow part).
  if (keyPem) writeFileSync(join(dir, 'key.pem'), keyPem);
  const key = keyPem ? ['-key', join(dir, 'key.pem')] : ['-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem')];
  try {
    execFileSync('openssl', ['req', '-x509', ...key, '-out', join(dir, 'cert.pem'), '-days', String(days), '-subj', `/CN=${cn}`, ...san], { stdio: 'ignore' });
    return { keyPem: readFileSync(join(dir, 'key.pem'), 'utf8'), certPem: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:ses-bounces';
export const CERT_URL = 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem';

export type SnsMessage = Record<string, string>;

/**
 * The text SNS signs, written out here from AWS's description rather than taken from the service:
 * Notification: Message, MessageId, Subject (if any), Timestamp, TopicArn, Type; the subscription
 * messages: Message, MessageId, SubscribeURL, Timestamp, Token, TopicArn, Type. "Name\nvalue\n" each.
 */
function stringToSign(m: SnsMessage): string {
  const keys =
    m.Type === 'Notification'
      ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
      : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  return keys.filter((k) => m[k] !== undefined).map((k) => `${k}\n${m[k]}\n`).join('');
}

/** Signs SNS messages with `keyPem`, naming `certUrl` as the certificate. */
export function snsSigner(keyPem: string, certUrl = CERT_URL) {
  return {
    sign(fields: SnsMessage, version: '1' | '2' = '2'): SnsMessage {
      const m: SnsMessage = { ...fields, SignatureVersion: version, SigningCertURL: fields.SigningCertURL ?? certUrl };
      m.Signature = sign(version === '1' ? 'sha1' : 'sha256', Buffer.from(stringToSign(m)), keyPem).toString('base64');
      return m;
    },
    notification(sesEvent: object, over: SnsMessage = {}): SnsMessage {
      return {
        Type: 'Notification',
        MessageId: randomUUID(),
        TopicArn: TOPIC_ARN,
        Message: JSON.stringify(sesEvent),
        Timestamp: '2026-12-01T03:00:00.000Z',
        UnsubscribeURL: `https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${TOPIC_ARN}:x`,
        ...over,
      };
    },
    confirmation(type: 'SubscriptionConfirmation' | 'UnsubscribeConfirmation', over: SnsMessage = {}): SnsMessage {
      const token = 'tok'.repeat(20);
      return {
        Type: type,
        MessageId: randomUUID(),
        Token: token,
        TopicArn: TOPIC_ARN,
        Message: `You have chosen to subscribe to the topic ${TOPIC_ARN}.`,
        SubscribeURL: `https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${TOPIC_ARN}&Token=${token}`,
        Timestamp: '2026-12-01T03:00:00.000Z',
        ...over,
      };
    },
  };
}

/** An SES bounce event (as SES publishes it to SNS) for the given recipients. */
export function sesBounce(bounceType: 'Permanent' | 'Transient' | 'Undetermined', recipients: { email: string; status?: string }[], messageId?: string) {
  return {
    notificationType: 'Bounce',
    bounce: {
      bounceType,
      bounceSubType: bounceType === 'Permanent' ? 'General' : 'MailboxFull',
      bouncedRecipients: recipients.map((r) => ({
        emailAddress: r.email,
        action: 'failed',
        ...(r.status ? { status: r.status, diagnosticCode: `smtp; 550 ${r.status} user unknown` } : {}),
      })),
      timestamp: '2026-12-01T02:59:58.000Z',
      feedbackId: '0102017a-feedback',
    },
    mail: {
      timestamp: '2026-12-01T02:59:50.000Z',
      messageId: '0102017a-ses-own-id',
      source: 'bounces@mail.example.test',
      destination: recipients.map((r) => r.email),
      ...(messageId ? { commonHeaders: { messageId, subject: 'Hello' } } : {}),
    },
  };
}

export function sesComplaint(emails: string[], messageId?: string) {
  return {
    eventType: 'Complaint',
    complaint: {
      complainedRecipients: emails.map((emailAddress) => ({ emailAddress })),
      timestamp: '2026-12-01T02:59:58.000Z',
      feedbackId: '0102017a-complaint',
      complaintFeedbackType: 'abuse',
    },
    mail: {
      messageId: '0102017a-ses-own-id',
      headers: messageId ? [{ name: 'From', value: 'x@example.test' }, { name: 'Message-ID', value: messageId }] : [],
    },
  };
}

/** An HttpsGet that answers from a table and records every URL it was asked for. */
export function fakeHttpsGet(routes: Record<string, HttpsGetResponse | Error> = {}) {
  const calls: string[] = [];
  const get: HttpsGet = async (url) => {
    calls.push(url);
    const r = routes[url] ?? Object.entries(routes).find(([prefix]) => prefix.endsWith('*') && url.startsWith(prefix.slice(0, -1)))?.[1];
    if (r instanceof Error) throw r;
    return r ?? { status: 404, body: 'not found' };
  };
  return { get, calls, routes };
}

/** A SendGrid account's signing key: the verification key as SendGrid shows it (base64 DER), and a signer. */
export function sendgridSigner() {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    headers(body: string | Buffer, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
      const ts = String(timestamp);
      const signature = sign('sha256', Buffer.concat([Buffer.from(ts), Buffer.from(body)]), privateKey).toString('base64');
      return {
        'x-twilio-email-event-webhook-signature': signature,
        'x-twilio-email-event-webhook-timestamp': ts,
      };
    },
  };
}

export const basicAuth = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** A call as the route makes it: verify (false is a 401 that changes nothing), then parse. */
export async function receive(
  provider: BounceWebhookProvider,
  call: { body: Buffer | string; headers?: Record<string, string | undefined>; now?: Date },
): Promise<DeliveryEvent[]> {
  const req = { rawBody: Buffer.from(call.body), headers: call.headers ?? {}, now: call.now ?? new Date() };
  if (!(await provider.verify(req))) throw Object.assign(new Error('refused'), { status: 401, code: 'INVALID_SIGNATURE' });
  return provider.parse(req);
}
