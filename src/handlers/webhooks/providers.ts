import type { Logger } from 'pino';
import type { HttpsGet } from '../../domain/webhooks.ts';
import { createGenericProvider } from './generic.ts';
import { createPostmarkProvider } from './postmark.ts';
import { createSendgridProvider } from './sendgrid.ts';
import { createSesProvider } from './ses.ts';
import type { BounceWebhookProvider } from './types.ts';

export type { BounceWebhookProvider, WebhookRequest } from './types.ts';

/** What the providers are configured from (each one is enabled only when its own settings are set). */
export interface BounceWebhookSettings {
  bounceWebhookSecret?: string;
  /** `ses`: the SNS topics SES publishes to (none: off), and the getter of SNS certificates and confirmations. */
  sesSnsTopicArns?: readonly string[];
  httpsGet?: HttpsGet;
  /** Where the SES provider reports SNS subscriptions confirmed and ended, and a signing certificate it refused. */
  log?: Pick<Logger, 'info' | 'warn'>;
  /** `postmark`: the Basic credentials of its webhook URL. */
  postmarkWebhookUser?: string;
  postmarkWebhookPassword?: string;
  /** `sendgrid`: the signed event webhook's verification key. */
  sendgridWebhookPublicKey?: string;
}

/**
 * The providers of `POST /v1/webhooks/bounces/:provider`, by name. A provider that is not
 * configured is absent, and its URL answers 404 like an unknown one. Add a provider here.
 */
export function createBounceWebhookProviders(s: BounceWebhookSettings): ReadonlyMap<string, BounceWebhookProvider> {
  const providers = new Map<string, BounceWebhookProvider>();
  if (s.bounceWebhookSecret) providers.set('generic', createGenericProvider({ secret: s.bounceWebhookSecret }));
  if (s.sesSnsTopicArns?.length && s.httpsGet) {
    const log = s.log;
    providers.set(
      'ses',
      createSesProvider({
        topicArns: s.sesSnsTopicArns,
        httpsGet: s.httpsGet,
        notice: (fields, message) => (fields.type === 'UnsubscribeConfirmation' ? log?.warn(fields, message) : log?.info(fields, message)),
        warn: (fields, message) => log?.warn(fields, message),
      }),
    );
  }
  if (s.postmarkWebhookUser && s.postmarkWebhookPassword) {
    providers.set('postmark', createPostmarkProvider({ user: s.postmarkWebhookUser, password: s.postmarkWebhookPassword }));
  }
  if (s.sendgridWebhookPublicKey) providers.set('sendgrid', createSendgridProvider({ publicKey: s.sendgridWebhookPublicKey }));
  return providers;
}
