import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.ts';

/** The provider webhooks' settings: each provider is off until its own variables are set, and a bad one stops the start. */

const dir = mkdtempSync(join(tmpdir(), 'cns-webhook-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const load = (env: Record<string, string>) => loadConfig({ DEV_SECRETS_FILE: join(dir, 'dev-secrets.json'), ...env });
function problems(env: Record<string, string>): string {
  try {
    load(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).message;
  }
  throw new Error('accepted');
}

const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey;
const P256_B64 = p256.export({ type: 'spki', format: 'der' }).toString('base64');

describe('provider webhook settings', () => {
  it('leaves every provider off by default', () => {
    expect(load({})).toMatchObject({
      sesSnsTopicArns: [],
      postmarkWebhookUser: undefined,
      postmarkWebhookPassword: undefined,
      sendgridWebhookPublicKey: undefined,
    });
  });

  it('reads the SES topics, the Postmark credentials and the SendGrid key (base64 or PEM)', () => {
    const pem = p256.export({ type: 'spki', format: 'pem' }).toString();
    const c = load({
      SES_SNS_TOPIC_ARNS: 'arn:aws:sns:eu-west-1:123456789012:ses-bounces, arn:aws-cn:sns:cn-north-1:123456789012:b.fifo',
      POSTMARK_WEBHOOK_USER: 'postmark',
      POSTMARK_WEBHOOK_PASSWORD: 'sixteen-bytes-at-least',
      SENDGRID_WEBHOOK_PUBLIC_KEY: P256_B64,
    });
    expect(c.sesSnsTopicArns).toEqual(['arn:aws:sns:eu-west-1:123456789012:ses-bounces', 'arn:aws-cn:sns:cn-north-1:123456789012:b.fifo']);
    expect(c).toMatchObject({ postmarkWebhookUser: 'postmark', postmarkWebhookPassword: 'sixteen-bytes-at-least', sendgridWebhookPublicKey: P256_B64 });
    expect(load({ SENDGRID_WEBHOOK_PUBLIC_KEY: pem.replace(/\n/g, '\\n') }).sendgridWebhookPublicKey).toBe(pem.trim());
  });

  it('names each bad variable', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    const msg = problems({
      SES_SNS_TOPIC_ARNS: 'arn:aws:sns:eu-west-1:123456789012:ok,https://attacker.example/topic',
      POSTMARK_WEBHOOK_USER: 'user:name',
      POSTMARK_WEBHOOK_PASSWORD: 'short',
      SENDGRID_WEBHOOK_PUBLIC_KEY: rsa,
    });
    for (const name of ['SES_SNS_TOPIC_ARNS', 'POSTMARK_WEBHOOK_USER', 'POSTMARK_WEBHOOK_PASSWORD', 'SENDGRID_WEBHOOK_PUBLIC_KEY']) expect(msg).toContain(name);
    expect(problems({ SENDGRID_WEBHOOK_PUBLIC_KEY: 'not a key' })).toContain('SENDGRID_WEBHOOK_PUBLIC_KEY');
  });

  it('wants the Postmark user and password together', () => {
    expect(problems({ POSTMARK_WEBHOOK_PASSWORD: 'sixteen-bytes-at-least' })).toContain('POSTMARK_WEBHOOK_USER and POSTMARK_WEBHOOK_PASSWORD must be set together');
    expect(problems({ POSTMARK_WEBHOOK_USER: 'postmark' })).toContain('must be set together');
  });
});
