import type { Logger } from 'pino';
import { campaignAudit, userAudit, type AuditEntry } from '../domain/audit.ts';
import { TRANSITIONS } from '../domain/campaign.ts';
import {
  DELIVERY_EVENT_KINDS,
  DELIVERY_EVENT_SOURCES,
  EVENT_DETAIL_MAX,
  type DeliveryEvent,
  type DeliveryEventIntake,
  type DeliveryEventOutcome,
  type SuppressionReason,
} from '../domain/deliverability.ts';
import { ValidationError } from '../domain/errors.ts';
import type { DeliveryMetrics } from '../domain/metrics.ts';
import { clipText } from '../domain/ports.ts';
import type { CampaignRepository, DeliverabilityRepository, EventTarget } from '../domain/repositories.ts';
import {
  bouncePauseReason,
  EVENT_ID_MAX,
  EVENT_PRUNE_BATCH,
  EVENT_RETENTION_DAYS,
  normalizeEmail,
  parseMessageId,
  RECENT_CAMPAIGNS,
  rowStatusFor,
  SOFT_BOUNCE_LIMIT,
  SOFT_BOUNCE_WINDOW_DAYS,
  type BouncePauseSettings,
  type SuppressionSource,
} from '../domain/suppression.ts';
import type { Clock } from '../domain/types.ts';
import type { MessageIds } from './message-id.ts';
import type { VerpAddresses } from './verp.ts';

export type DeliverabilityService = ReturnType<typeof createDeliverabilityService>;

/** The audit entry of a change to the suppression list (actor null: a bounce or complaint put it there). */
export const suppressionAudit = (actorId: number | null, action: 'added' | 'removed', details: Record<string, unknown>): AuditEntry => ({
  actorId,
  action: `suppression.${action}`,
  targetType: 'suppression',
  targetId: null,
  details,
});

const SUPPRESS_FOR: Partial<Record<DeliveryEvent['kind'], SuppressionReason>> = { hard_bounce: 'hard_bounce', complaint: 'complaint' };

/**
 * The one place bounces and complaints take effect, whichever source they came from: each event
 * is recorded once (source + event id), matched to the ledger row it is about, and applied (the
 * row, the suppression list, the user's opt-in, its audit entries) in one transaction; then the
 * campaign may pause itself.
 */
export function createDeliverabilityService(deps: {
  events: DeliverabilityRepository;
  campaigns: Pick<CampaignRepository, 'findById' | 'transition'>;
  /** Absent without BOUNCE_ADDRESS: VERP addresses are then neither made nor read. */
  verp?: VerpAddresses;
  /** Checks that a quoted Message-ID was made for the recipient it names. */
  messageIds: MessageIds;
  settings: BouncePauseSettings;
  clock: Clock;
  log: Logger;
  /** Counts each recorded event by kind, source and outcome. */
  metrics: DeliveryMetrics;
}) {
  const { events, campaigns, verp, messageIds, settings, clock, log, metrics } = deps;

  /** The ledger row the event is about: by its VERP address, else its Message-ID (whose token must be that recipient's). */
  async function matchRow(e: DeliveryEvent): Promise<EventTarget | undefined> {
    const byVerp = verp && e.verpAddress ? verp.parse(e.verpAddress) : undefined;
    if (byVerp) {
      const t = await events.target(byVerp.campaignId, byVerp.userId);
      if (t) return t;
    }
    const byId = parseMessageId(e.messageId);
    if (byId) {
      const t = await events.target(byId.campaignId, byId.userId);
      if (t && messageIds.matches(byId, t.messageKey)) return t;
    }
    return undefined;
  }

  async function autoPauseIfBouncing(campaignId: number): Promise<void> {
    const c = await campaigns.findById(campaignId);
    if (!c || c.status !== 'sending') return;
    const why = bouncePauseReason(c.stats, settings);
    if (!why) return;
    const paused = await campaigns.transition(campaignId, TRANSITIONS.pause.from, { status: 'paused' }, campaignAudit(null, 'auto_paused', campaignId, why));
    if (paused) log.warn({ campaignId, ...why }, `campaign paused itself: too many ${why.reason}`);
  }

  /** A soft bounce that brings the address to SOFT_BOUNCE_LIMIT within the window suppresses it. */
  async function suppressIfSoftLimit(email: string, source: SuppressionSource, detail: string, campaignId: number | null, userId: number | null) {
    const since = new Date(clock.now().getTime() - SOFT_BOUNCE_WINDOW_DAYS * 86_400_000);
    const n = await events.softBounces(email, since);
    if (n < SOFT_BOUNCE_LIMIT) return;
    await events.suppress(
      { email, reason: 'soft_bounce', source, detail, campaignId, createdBy: null },
      suppressionAudit(null, 'added', { email, reason: 'soft_bounce', source, soft_bounces: n, campaign_id: campaignId, user_id: userId }),
    );
  }

  /** Records one event once and applies it; what that did. */
  async function recordOnce(e: DeliveryEvent): Promise<DeliveryEventOutcome> {
    if (typeof e.eventId !== 'string' || e.eventId.length === 0 || e.eventId.length > EVENT_ID_MAX) {
      throw new ValidationError(`An event id must be 1-${EVENT_ID_MAX} characters`, [{ field: 'id', message: `must be 1-${EVENT_ID_MAX} characters` }]);
    }
    if (!DELIVERY_EVENT_KINDS.includes(e.kind) || !DELIVERY_EVENT_SOURCES.includes(e.source)) {
      throw new ValidationError(`Unknown event kind or source: ${String(e.kind)}, ${String(e.source)}`);
    }
    const detail = clipText(typeof e.detail === 'string' ? e.detail : '', EVENT_DETAIL_MAX);
    const given = normalizeEmail(e.email);
    let target = await matchRow(e);
    // Only a signed webhook's word is taken for the address alone: look for its latest message cheaply.
    if (!target && e.trusted && given) target = await events.latestSentTo(given, RECENT_CAMPAIGNS);
    const email = target ? (normalizeEmail(target.email) ?? target.email) : e.trusted ? given : undefined;
    if (!email) return 'unmatched';

    const userId = target?.userId ?? (await events.userIdByEmail(email)) ?? null;
    const campaignId = target?.campaignId ?? null;
    const rowStatus = target ? rowStatusFor(e.kind) : undefined;
    const reason = SUPPRESS_FOR[e.kind];
    const outcome = await events.apply({
      event: { source: e.source, eventId: e.eventId, kind: e.kind, email, campaignId, userId },
      row: rowStatus && target ? { campaignId: target.campaignId, userId: target.userId, status: rowStatus, detail } : undefined,
      suppress: reason ? { email, reason, source: e.source, detail, campaignId, createdBy: null } : undefined,
      optOutUserId: e.kind === 'complaint' && userId !== null ? userId : undefined,
      audit: ({ row, suppressed, optedOut }) => {
        const cause = { source: e.source, event_id: e.eventId, campaign_id: campaignId, user_id: userId, ledger_row: row ? rowStatus : null };
        const out: AuditEntry[] = [];
        if (suppressed) out.push(suppressionAudit(null, 'added', { email, reason, ...cause, detail }));
        if (optedOut && userId !== null) out.push(userAudit(null, 'opted_out', userId, { reason: 'complaint', ...cause }));
        return out;
      },
    });
    if (outcome === 'duplicate') return 'duplicate';
    if (e.kind === 'soft_bounce') await suppressIfSoftLimit(email, e.source, detail, campaignId, userId);
    if (rowStatus && campaignId !== null) await autoPauseIfBouncing(campaignId);
    return 'applied';
  }

  const intake: DeliveryEventIntake = {
    async record(e: DeliveryEvent): Promise<DeliveryEventOutcome> {
      const outcome = await recordOnce(e);
      // After validation, so the labels are known kinds and sources.
      metrics.deliveryEvent(e.kind, e.source, outcome);
      return outcome;
    },
  };

  return {
    ...intake,
    /** Forgets events received more than EVENT_RETENTION_DAYS ago, a bounded number per call; how many. */
    pruneEvents(): Promise<number> {
      return events.pruneEvents(new Date(clock.now().getTime() - EVENT_RETENTION_DAYS * 86_400_000), EVENT_PRUNE_BATCH);
    },
    /** Records a webhook call's events in order; how many did something, were seen before, or named nothing we sent. */
    async recordAll(list: DeliveryEvent[]): Promise<{ applied: number; duplicates: number; unmatched: number }> {
      const counts = { applied: 0, duplicates: 0, unmatched: 0 };
      for (const e of list) {
        const outcome = await intake.record(e);
        if (outcome === 'applied') counts.applied++;
        else if (outcome === 'duplicate') counts.duplicates++;
        else counts.unmatched++;
      }
      return counts;
    },
  };
}
