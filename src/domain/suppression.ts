import type { DeliveryStats } from './campaign.ts';
import type { DeliveryEventKind, SuppressionReason } from './deliverability.ts';

/** The longest address kept (RFC 5321's path limit, as users.email). */
export const EMAIL_MAX = 254;

/** The longest event id a source may give (the events table's column). */
export const EVENT_ID_MAX = 255;

/** Soft bounces of one address within SOFT_BOUNCE_WINDOW_DAYS that put it on the suppression list. */
export const SOFT_BOUNCE_LIMIT = 3;
export const SOFT_BOUNCE_WINDOW_DAYS = 30;

/**
 * How long a received event is kept: longer than the soft-bounce window, and than any source's
 * retries of one event (SNS, SendGrid and Postmark give up within days), so the dedupe holds.
 */
export const EVENT_RETENTION_DAYS = 90;
/** Events deleted at most per pruning run (one run per reconcile tick). */
export const EVENT_PRUNE_BATCH = 5000;

/** The campaigns a trusted event that names only an address is looked for in: the latest this many that started. */
export const RECENT_CAMPAIGNS = 20;

/** Where a suppression came from: an event's source, or an admin's request. */
export const SUPPRESSION_SOURCES = ['ses', 'postmark', 'sendgrid', 'generic', 'mailbox', 'admin'] as const;
export type SuppressionSource = (typeof SUPPRESSION_SOURCES)[number];

/** One address on the suppression list. */
export interface SuppressionRecord {
  email: string;
  reason: SuppressionReason;
  source: SuppressionSource;
  detail: string;
  campaignId: number | null;
  /** That campaign's title (deleted campaigns' too), for lists to name it without a fetch per row. */
  campaignTitle: string | null;
  createdBy: number | null;
  createdAt: Date;
}

/**
 * An address as the list keeps it: trimmed and lower-cased (users' addresses are stored so too; the
 * database compares them case-insensitively anyway). Undefined when it is not an address we could
 * have mailed: empty, longer than EMAIL_MAX, without a local part and a domain, or with spaces or
 * control characters.
 */
export function normalizeEmail(raw: string | null | undefined): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const email = raw.trim().replace(/^<(.*)>$/, '$1').toLowerCase();
  if (email.length === 0 || email.length > EMAIL_MAX) return undefined;
  if (!/^[^@\s\p{Cc}]+@[^@\s\p{Cc}]+$/u.test(email)) return undefined;
  return email;
}

/** What a campaign message's Message-ID names; the token still has to be checked (services/message-id.ts). */
export interface ParsedMessageId {
  campaignId: number;
  userId: number;
  token: string;
}

/**
 * The (campaign, user, token) a campaign message's Message-ID names: `<c{id}.u{uid}.{token}@domain>`
 * (the angle brackets optional, the token 24 hex digits). Undefined for anything else, test sends'
 * `<t…>` and the older form with the campaign's 32-digit key included.
 */
export function parseMessageId(raw: string | null | undefined): ParsedMessageId | undefined {
  if (typeof raw !== 'string' || raw.length > 512) return undefined;
  const m = /^<?c(\d{1,10})\.u(\d{1,10})\.([0-9a-f]{24})@[^<>\s@]+>?$/i.exec(raw.trim());
  if (!m) return undefined;
  const campaignId = Number(m[1]);
  const userId = Number(m[2]);
  if (campaignId < 1 || userId < 1 || campaignId > 4294967295 || userId > 4294967295) return undefined;
  return { campaignId, userId, token: m[3]!.toLowerCase() };
}

/** The row status a matched event moves a `sent` row to, if any: soft bounces leave it sent. */
export function rowStatusFor(kind: DeliveryEventKind): 'bounced' | 'complained' | undefined {
  if (kind === 'hard_bounce') return 'bounced';
  if (kind === 'complaint') return 'complained';
  return undefined;
}

/** What decides an automatic pause on bounces and complaints. */
export interface BouncePauseSettings {
  /** The share of messages that went out that may be reported as spam before the campaign pauses. */
  complaintRatio: number;
  /** The share of messages that went out that may hard-bounce before the campaign pauses. */
  bounceRatio: number;
  /** No pause before this many messages went out (sent, bounced or complained). */
  minSent: number;
}

/**
 * Why a campaign with these counts should pause itself, with the figures, or undefined. A rate is
 * over its threshold when it passes it (strictly), and only once `minSent` messages went out, so
 * that one early bounce of a small sample does not stop a campaign.
 */
export function bouncePauseReason(
  s: Pick<DeliveryStats, 'sent' | 'bounced' | 'complained'>,
  t: BouncePauseSettings,
): { reason: 'complaints' | 'bounces'; delivered: number; complained: number; bounced: number; ratio: number; threshold: number; min_sent: number } | undefined {
  const delivered = s.sent + s.bounced + s.complained;
  if (delivered === 0 || delivered < t.minSent) return undefined;
  const figures = { delivered, complained: s.complained, bounced: s.bounced, min_sent: t.minSent };
  const complaintRate = s.complained / delivered;
  if (complaintRate > t.complaintRatio) return { reason: 'complaints', ...figures, ratio: round(complaintRate), threshold: t.complaintRatio };
  const bounceRate = s.bounced / delivered;
  if (bounceRate > t.bounceRatio) return { reason: 'bounces', ...figures, ratio: round(bounceRate), threshold: t.bounceRatio };
  return undefined;
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;
