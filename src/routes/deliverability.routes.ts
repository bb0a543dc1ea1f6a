import type { FastifyInstance } from 'fastify';
import { suppressionHandlers } from '../handlers/suppression.handler.ts';
import { webhookHandlers } from '../handlers/webhook.handler.ts';
import type { BounceWebhookProvider } from '../handlers/webhooks/providers.ts';
import { can, PUBLIC } from '../middlewares/access.ts';
import type { DeliverabilityService } from '../services/deliverability.service.ts';
import type { SuppressionService } from '../services/suppression.service.ts';
import { errors, NoContent, PageOf } from '../types/common.schemas.ts';
import {
  AddSuppressionBody,
  Suppression,
  SuppressionEnvelope,
  SuppressionParams,
  SuppressionQuery,
  WebhookParams,
  WebhookResponse,
} from '../types/deliverability.schemas.ts';

const security = [{ bearer: [] }];

/** The bounce webhooks (public, signed) and the suppression list (admins). */
export async function deliverabilityRoutes(
  app: FastifyInstance,
  deps: { deliverability: DeliverabilityService; suppressions: SuppressionService; providers: ReadonlyMap<string, BounceWebhookProvider> },
) {
  const w = webhookHandlers(deps);
  await app.register(async (scope) => {
    // Signatures are over the exact bytes received: the body stays a Buffer here (the body limit still applies).
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

    scope.post('/v1/webhooks/bounces/:provider', {
      config: { access: PUBLIC },
      schema: {
        tags: ['webhooks'],
        summary: 'Bounces and complaints from a mail provider, signed',
        description:
          'No bearer token: the provider signs each call. `generic` takes `{"events": [{id, type: hard_bounce|soft_bounce|complaint, email, message_id?, detail?, occurred_at?}]}` ' +
          '(1–100 events) with `X-CNS-Timestamp: <unix seconds>` and `X-CNS-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>" with BOUNCE_WEBHOOK_SECRET>`. ' +
          '`ses`: Amazon SNS messages (`Notification` carrying an SES `Bounce` or `Complaint` event, `SubscriptionConfirmation`, which is confirmed, and `UnsubscribeConfirmation`), ' +
          "signed by SNS (SignatureVersion 1 or 2, its certificate fetched from https://sns.<region>.amazonaws.com only) and from a topic listed in SES_SNS_TOPIC_ARNS. " +
          "`postmark`: Postmark's `Bounce` and `SpamComplaint` webhooks, with the HTTP Basic credentials POSTMARK_WEBHOOK_USER and POSTMARK_WEBHOOK_PASSWORD. " +
          "`sendgrid`: SendGrid's signed event webhook (a JSON array of at most 5000 events; `bounce`, `dropped` and `spamreport` are read), " +
          'its ECDSA signature in `X-Twilio-Email-Event-Webhook-Signature` over `X-Twilio-Email-Event-Webhook-Timestamp` and the body, checked with SENDGRID_WEBHOOK_PUBLIC_KEY; a timestamp more than 10 minutes off is refused. ' +
          'A missing or wrong signature or credential, or a timestamp too far off, is a 401 and changes nothing; an unknown or unconfigured provider is a 404; a body that cannot be read is a 400. ' +
          'The same event id twice counts once.',
        params: WebhookParams,
        response: { 200: WebhookResponse, ...errors(400, 401, 404, 413, 503) },
      },
      handler: w.bounces,
    });
  });

  const s = suppressionHandlers(deps);
  const tags = ['suppressions'];
  app.get('/v1/suppressions', {
    config: { access: can('suppression.list') },
    schema: {
      tags,
      security,
      summary: 'The suppression list, newest first: addresses no campaign mails',
      querystring: SuppressionQuery,
      response: { 200: PageOf(Suppression), ...errors(400, 401, 403) },
    },
    handler: s.list,
  });
  app.post('/v1/suppressions', {
    config: { access: can('suppression.manage') },
    schema: {
      tags,
      security,
      summary: 'Add an address by hand (reason manual)',
      body: AddSuppressionBody,
      response: { 201: SuppressionEnvelope, ...errors(400, 401, 403, 409) },
    },
    handler: s.add,
  });
  app.delete('/v1/suppressions/:email', {
    config: { access: can('suppression.manage') },
    schema: {
      tags,
      security,
      summary: 'Take an address off the list: campaigns mail it again (if the user is opted in)',
      params: SuppressionParams,
      response: { 204: NoContent, ...errors(400, 401, 403, 404) },
    },
    handler: s.remove,
  });
}
