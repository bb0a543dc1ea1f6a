/** One line of the audit log, as written. */
export interface AuditEntry {
  actorId: number | null;
  action: string;
  targetType: string;
  targetId: number | null;
  details?: Record<string, unknown>;
}

/** An audit entry as read back. */
export interface AuditRecord extends AuditEntry {
  id: number;
  createdAt: Date;
}

/** The audit entry of a decision on, or a state change of, a campaign (actor null: the service itself). */
export const campaignAudit = (actorId: number | null, action: string, campaignId: number, details?: Record<string, unknown>): AuditEntry => ({
  actorId,
  action: `campaign.${action}`,
  targetType: 'campaign',
  targetId: campaignId,
  details,
});

/** The audit entry of a change to a user account (actor null: configuration, at start-up). */
export const userAudit = (actorId: number | null, action: string, userId: number, details?: Record<string, unknown>): AuditEntry => ({
  actorId,
  action: `user.${action}`,
  targetType: 'user',
  targetId: userId,
  details,
});

/** The audit entry of a change to the audience data: an attribute, topic, segment, customer or tags. */
export const audienceAudit = (
  actorId: number,
  targetType: 'attribute' | 'topic' | 'segment' | 'customer' | 'tag',
  action: string,
  targetId: number | null,
  details?: Record<string, unknown>,
): AuditEntry => ({ actorId, action: `${targetType}.${action}`, targetType, targetId, details });
