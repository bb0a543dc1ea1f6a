import { InvalidStateError } from './errors.ts';

/** The longest body template, HTML or text, given or derived from the HTML: 256 Ki characters. */
export const MAX_BODY_LENGTH = 262_144;

export const CAMPAIGN_TYPES = ['campaign', 'promotion'] as const;
export type CampaignType = (typeof CAMPAIGN_TYPES)[number];
export const CAMPAIGN_STATUSES = ['draft', 'pending_approval', 'rejected', 'scheduled', 'sending', 'paused', 'completed', 'cancelled'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];
/**
 * How a campaign list may be ordered: by creation or by last change, `-` for newest first. The
 * default, `-created_at`, lists the newest campaigns first; `updated_at` gives the approval queue
 * (a pending campaign's last change is its submission) oldest first.
 */
export const CAMPAIGN_SORTS = ['-created_at', 'created_at', '-updated_at', 'updated_at'] as const;
export type CampaignSort = (typeof CAMPAIGN_SORTS)[number];
/** `bounced` and `complained` follow `sent`: the message went out, then bounced (hard) or was reported as spam. */
export const DELIVERY_STATUSES = ['pending', 'sent', 'failed', 'skipped', 'bounced', 'complained'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export type CampaignAction =
  | 'edit'
  | 'submit'
  | 'approve'
  | 'reject'
  | 'start'
  | 'pause'
  | 'resume'
  | 'cancel'
  | 'finish'
  | 'expire'
  | 'delete';

/**
 * The one transition table: for each action, the statuses it may leave from.
 * `approve` goes to scheduled or sending, decided by start_time; `delete` leaves the row soft-deleted.
 * `start`, `finish`, `expire` and the automatic `pause` are taken by the delivery engine.
 */
export const TRANSITIONS: Record<CampaignAction, { from: readonly CampaignStatus[]; to: CampaignStatus | null }> = {
  edit: { from: ['draft', 'pending_approval', 'rejected'], to: 'draft' },
  submit: { from: ['draft'], to: 'pending_approval' },
  approve: { from: ['pending_approval'], to: null },
  reject: { from: ['pending_approval'], to: 'rejected' },
  start: { from: ['scheduled'], to: 'sending' },
  pause: { from: ['sending'], to: 'paused' },
  resume: { from: ['paused'], to: 'sending' },
  cancel: { from: ['scheduled', 'sending', 'paused'], to: 'cancelled' },
  finish: { from: ['sending'], to: 'completed' },
  expire: { from: ['scheduled', 'sending', 'paused'], to: 'completed' },
  delete: { from: ['draft', 'pending_approval', 'rejected'], to: null },
};

/** Throws INVALID_STATE unless `action` is allowed from `status`. */
export function assertTransition(status: CampaignStatus, action: CampaignAction): void {
  if (!TRANSITIONS[action].from.includes(status)) throw new InvalidStateError(status, action);
}

/** True once the campaign's offer has ended (end_time reached): nothing is sent after it. */
export function hasEnded(c: { endTime: Date | null }, now: Date): boolean {
  return c.endTime !== null && c.endTime.getTime() <= now.getTime();
}

/** The most addresses one test send may go to. */
export const MAX_TEST_ADDRESSES = 5;

/** The statuses in which a campaign may still be test sent: every one before it ends. */
export const TEST_SEND_STATUSES = ['draft', 'pending_approval', 'rejected', 'scheduled', 'sending', 'paused'] as const satisfies readonly CampaignStatus[];

/** The statuses in which customers see a campaign, while its offer has not ended. */
export const PUBLIC_STATUSES = ['sending', 'completed'] as const satisfies readonly CampaignStatus[];

/** True when customers may see the campaign at `now`. */
export function isPublic(c: { status: CampaignStatus; endTime: Date | null }, now: Date): boolean {
  return (PUBLIC_STATUSES as readonly CampaignStatus[]).includes(c.status) && !hasEnded(c, now);
}

export interface CampaignRecord {
  id: number;
  /** Random, set at creation; part of every Message-ID of the campaign. */
  messageKey: string;
  type: CampaignType;
  title: string;
  description: string;
  remarks: string;
  subject: string;
  bodyHtml: string;
  bodyText: string;
  promoCode: string | null;
  startTime: Date | null;
  endTime: Date | null;
  status: CampaignStatus;
  /** 1 at creation, +1 on every edit. */
  version: number;
  rejectionReason: string | null;
  createdBy: number | null;
  updatedBy: number | null;
  approvedBy: number | null;
  approvedAt: Date | null;
  startedAt: Date | null;
  completedAt: Date | null;
  fanoutCursor: number;
  fanoutDone: boolean;
  createdAt: Date;
  updatedAt: Date;
  /** Ledger counts (kept in step with the ledger transactionally). */
  stats: DeliveryStats;
}

/** A campaign without its bodies, as lists show it. */
export type CampaignSummary = Omit<CampaignRecord, 'bodyHtml' | 'bodyText'>;

export interface DeliveryStats {
  recipients: number;
  pending: number;
  sent: number;
  failed: number;
  skipped: number;
  /** Sent, then hard-bounced. */
  bounced: number;
  /** Sent, then reported as spam by the recipient. */
  complained: number;
}
