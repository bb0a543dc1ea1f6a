// The `ses` bounce webhook: Amazon SES events delivered by SNS. Each message is proven SNS's
// (sns.signature.ts) before anything is done; a notification then gives its SES events (ses.events.ts),
// a subscription confirmation is confirmed on SNS, an unsubscription is only reported.
import { AppError, UnauthorizedError } from '../../domain/errors.ts';
import type { HttpsGet } from '../../domain/webhooks.ts';
import { badShape, dateOf, isObject, type BounceWebhookProvider } from './fields.ts';
import { sesEvents } from './ses.events.ts';
import { isSnsUrl } from './sns.hosts.ts';
import { readSnsMessage, type SnsFields, type SnsType } from './sns.message.ts';
import { createSnsSignatureCheck } from './sns.signature.ts';

export interface SesOptions {
  /** The SNS topics SES publishes our bounces and complaints to; a message from any other is refused. */
  topicArns: readonly string[];
  /** The one way out: fetches signing certificates and confirms subscriptions, only ever on SNS's own hosts. */
  httpsGet: HttpsGet;
  /** Signing certificates kept in memory (least recently used dropped first). */
  certCacheSize?: number;
  /** Told of each subscription confirmed and each unsubscription (after SNS's signature was checked): operators want to know. */
  notice?: (fields: { topicArn: string; type: 'SubscriptionConfirmation' | 'UnsubscribeConfirmation' }, message: string) => void;
  /** Told of a certificate on SNS's host that is not issued to SNS's name (its messages are refused). */
  warn?: (fields: object, message: string) => void;
}

/**
 * Amazon SES through SNS. Every message is checked against SNS's signature (versions 1, SHA1, and
 * 2, SHA256) with the certificate at its SigningCertURL, fetched only from SNS's own hosts and
 * issued to SNS's name for the region; it must come from one of the configured topics. A SubscriptionConfirmation is confirmed by a GET of its
 * SubscribeURL (an SNS host too); an UnsubscribeConfirmation is acknowledged and nothing else.
 */
export function createSesProvider(opts: SesOptions): BounceWebhookProvider {
  const signedBySns = createSnsSignatureCheck({
    topicArns: opts.topicArns,
    httpsGet: opts.httpsGet,
    certCacheSize: opts.certCacheSize,
    onForeignCertificate: (fields) =>
      opts.warn?.(fields, 'SNS signing certificate refused: it is not issued to the name SNS signs with in its region, so its messages are refused'),
  });
  /** The messages `verify` accepted, by body: `parse` acts on nothing else. */
  const verified = new WeakMap<Buffer, { type: SnsType; msg: SnsFields }>();

  return {
    async verify(req) {
      const m = readSnsMessage(req.rawBody);
      if (!(await signedBySns(m.msg, m.type, req.now))) return false;
      verified.set(req.rawBody, m);
      return true;
    },

    async parse(req) {
      const m = verified.get(req.rawBody);
      if (!m) throw new UnauthorizedError('Missing or invalid webhook signature', 'INVALID_SIGNATURE');
      const { type, msg } = m;
      if (type === 'UnsubscribeConfirmation') {
        opts.notice?.({ topicArn: msg.TopicArn!, type }, 'SNS says this endpoint was unsubscribed from the topic: its bounces no longer arrive here');
        return [];
      }
      if (type === 'SubscriptionConfirmation') {
        const url = msg.SubscribeURL;
        if (!url || !isSnsUrl(url)) throw new UnauthorizedError('SubscribeURL is not an Amazon SNS address', 'INVALID_SIGNATURE');
        let res;
        try {
          res = await opts.httpsGet(url);
        } catch {
          throw new AppError(503, 'SERVICE_UNAVAILABLE', 'Amazon SNS could not be reached to confirm the subscription; try again shortly');
        }
        if (res.status !== 200) {
          throw new AppError(503, 'SERVICE_UNAVAILABLE', `Amazon SNS refused the subscription confirmation (status ${res.status})`);
        }
        opts.notice?.({ topicArn: msg.TopicArn!, type }, 'SNS subscription confirmed');
        return [];
      }

      let message: unknown;
      try {
        message = JSON.parse(msg.Message!);
      } catch {
        throw badShape('Message', 'must be an SES event in JSON');
      }
      if (!isObject(message)) throw badShape('Message', 'must be an SES event in JSON');
      return sesEvents(msg.MessageId!, message, dateOf(msg.Timestamp) ?? req.now);
    },
  };
}
