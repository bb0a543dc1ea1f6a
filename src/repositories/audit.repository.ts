import { and, count, desc, eq, type SQL } from 'drizzle-orm';
import type { Db } from '../conn/mysql.ts';
import { auditEvents } from '../models/schema.ts';
import { paged } from './paging.ts';

export interface AuditEntry {
  actorId: number | null;
  action: string;
  targetType: string;
  targetId: number | null;
  details?: Record<string, unknown>;
}

export interface AuditRecord extends AuditEntry {
  id: number;
  createdAt: Date;
}

export interface AuditQuery {
  action?: string;
  targetType?: string;
  targetId?: number;
  page: number;
  perPage: number;
}

export type AuditRepository = ReturnType<typeof createAuditRepository>;

/** The audit entry of a decision on, or a state change of, a campaign (actor null: the service itself). */
export const campaignAudit = (actorId: number | null, action: string, campaignId: number, details?: Record<string, unknown>): AuditEntry => ({
  actorId,
  action: `campaign.${action}`,
  targetType: 'campaign',
  targetId: campaignId,
  details,
});

/**
 * Inserts audit entries through `db` or a transaction, so that other repositories can commit a
 * change and its audit entries together.
 */
export async function insertAudit(db: Pick<Db, 'insert'>, entries: AuditEntry[]): Promise<void> {
  if (entries.length > 0) await db.insert(auditEvents).values(entries.map((e) => ({ ...e, details: e.details ?? null })));
}

/** Appends to and reads the audit log. */
export function createAuditRepository({ db }: { db: Db }) {
  return {
    append: (entry: AuditEntry) => insertAudit(db, [entry]),

    async list(query: AuditQuery): Promise<{ rows: AuditRecord[]; total: number }> {
      const filters: SQL[] = [];
      if (query.action) filters.push(eq(auditEvents.action, query.action));
      if (query.targetType) filters.push(eq(auditEvents.targetType, query.targetType));
      if (query.targetId !== undefined) filters.push(eq(auditEvents.targetId, query.targetId));
      const where = filters.length ? and(...filters) : undefined;
      const { rows, total } = await paged(
        query,
        (limit, offset) => db.select().from(auditEvents).where(where).orderBy(desc(auditEvents.id)).limit(limit).offset(offset),
        db.select({ n: count() }).from(auditEvents).where(where),
      );
      return { rows: rows.map((r) => ({ ...r, details: r.details ?? undefined })), total };
    },
  };
}
