import type { DeliveryEvent, DeliveryEventKind } from '../../domain/deliverability.ts';
import {
  badShape,
  bareAddress,
  dateOf,
  detailOf,
  eventId,
  header,
  isObject,
  optionalString,
  parseJson,
  requiredString,
  type BounceWebhookProvider,
} from './fields.ts';
import { sameSecret } from '../../utils/same-secret.ts';

export interface PostmarkOptions {
  /** The Basic auth credentials put in the webhook's URL at Postmark. */
  user: string;
  password: string;
}

/**
 * What each Postmark bounce type means here. Postmark's types (its bounce API): a hard bounce or a
 * bad address is permanent; a transient failure, a soft bounce, a DNS error, a block, an unknown
 * reason… is temporary; a spam complaint is a complaint. Types that are not about the address
 * (auto-replies, subscribe/unsubscribe requests, challenge mail, our own sending errors) are ignored.
 */
const BOUNCE_KINDS: Record<string, DeliveryEventKind> = {
  HardBounce: 'hard_bounce',
  BadEmailAddress: 'hard_bounce',
  ManuallyDeactivated: 'hard_bounce',
  Transient: 'soft_bounce',
  SoftBounce: 'soft_bounce',
  DnsError: 'soft_bounce',
  Unknown: 'soft_bounce',
  SpamNotification: 'soft_bounce',
  VirusNotification: 'soft_bounce',
  Blocked: 'soft_bounce',
  DMARCPolicy: 'soft_bounce',
  SpamComplaint: 'complaint',
};

/**
 * Postmark's id is a 64-bit integer: JSON.parse loses digits past 2^53, so an unsafe one is read
 * from the body's text (the top-level `"ID": 123…` of the record).
 */
function idOf(record: Record<string, unknown>, raw: string): string {
  const id = record.ID;
  if (typeof id === 'string' && /^\d{1,20}$/.test(id)) return id;
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) throw badShape('ID', 'must be a non-negative integer');
  if (Number.isSafeInteger(id)) return String(id);
  const found = [...raw.matchAll(/"ID"\s*:\s*(\d{1,20})\s*[,}]/g)].map((m) => m[1]!);
  const candidates = found.filter((s) => Number(s) === id);
  return candidates.length === 1 ? candidates[0]! : String(id);
}

/**
 * Postmark's bounce and spam-complaint webhooks. Postmark signs nothing; its webhook URL carries
 * HTTP Basic credentials (`https://user:password@host/v1/webhooks/bounces/postmark`), which must match.
 */
export function createPostmarkProvider(opts: PostmarkOptions): BounceWebhookProvider {
  return {
    verify(req) {
      const auth = header(req, 'authorization');
      const m = auth ? /^Basic\s+([A-Za-z0-9+/=]{1,1024})\s*$/i.exec(auth) : null;
      if (!m) return false;
      const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const user = colon < 0 ? decoded : decoded.slice(0, colon);
      const password = colon < 0 ? '' : decoded.slice(colon + 1);
      // Both compared, always, so the time taken says nothing about which one was wrong.
      const okUser = sameSecret(user, opts.user);
      const okPassword = sameSecret(password, opts.password);
      return okUser && okPassword;
    },

    parse(req) {
      const record = parseJson(req.rawBody);
      if (!isObject(record)) throw badShape('body', 'must be a JSON object');
      const recordType = requiredString(record, 'RecordType', 'RecordType', 64);
      if (recordType !== 'Bounce' && recordType !== 'SpamComplaint') return [];

      const type = recordType === 'SpamComplaint' ? 'SpamComplaint' : requiredString(record, 'Type', 'Type', 64);
      const kind = BOUNCE_KINDS[type];
      if (!kind) return [];
      const id = idOf(record, req.rawBody.toString('utf8'));
      const email = bareAddress(requiredString(record, 'Email', 'Email', 1000));
      if (!email) throw badShape('Email', 'must be an email address');
      const name = optionalString(record, 'Name', 'Name', 200);
      const description = optionalString(record, 'Description', 'Description', 10_000);
      const details = optionalString(record, 'Details', 'Details', 10_000);
      const event: DeliveryEvent = {
        source: 'postmark',
        eventId: eventId(id),
        kind,
        email,
        messageId: null,
        detail: detailOf([name ?? type, details || description].filter(Boolean).join(': ')),
        trusted: true,
      };
      const at = dateOf(record.BouncedAt);
      if (at) event.occurredAt = at;
      return [event];
    },
  };
}
