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

/** Appends to and reads the audit log. */
export function createAuditRepository({ db }: { db: Db }) {
  return {
    async append(entry: AuditEntry): Promise<void> {
      await db.insert(auditEvents).values({ ...entry, details: entry.details ?? null });
    },

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
