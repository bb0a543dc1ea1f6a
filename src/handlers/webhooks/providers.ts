import { createGenericProvider } from './generic.ts';
import type { BounceWebhookProvider } from './types.ts';

export type { BounceWebhookProvider, WebhookRequest } from './types.ts';

/** What the providers are configured from (each one is enabled only when its own settings are set). */
export interface BounceWebhookSettings {
  bounceWebhookSecret?: string;
}

/**
 * The providers of `POST /v1/webhooks/bounces/:provider`, by name. A provider that is not
 * configured is absent, and its URL answers 404 like an unknown one. Add a provider here.
 */
export function createBounceWebhookProviders(s: BounceWebhookSettings): ReadonlyMap<string, BounceWebhookProvider> {
  const providers = new Map<string, BounceWebhookProvider>();
  if (s.bounceWebhookSecret) providers.set('generic', createGenericProvider({ secret: s.bounceWebhookSecret }));
  return providers;
}
