import { and, count, desc, eq, type SQL } from 'drizzle-orm';
import type { Db } from '../conn/mysql.ts';
import type { AuditEntry } from '../domain/audit.ts';
import type { AuditQuery, AuditRepository } from '../domain/repositories.ts';
import { auditEvents } from '../models/schema.ts';
import { paged } from './paging.ts';

/**
 * Inserts audit entries through `db` or a transaction, so that other repositories can commit a
 * change and its audit entries together.
 */
export async function insertAudit(db: Pick<Db, 'insert'>, entries: AuditEntry[]): Promise<void> {
  if (entries.length > 0) await db.insert(auditEvents).values(entries.map((e) => ({ ...e, details: e.details ?? null })));
}

/** Appends to and reads the audit log. */
export function createAuditRepository({ db }: { db: Db }): AuditRepository {
  return {
    append: (entry: AuditEntry) => insertAudit(db, [entry]),

    async list(query: AuditQuery) {
      const filters: SQL[] = [];
      if (query.action) filters.push(eq(auditEvents.action, query.action));
      if (query.actorId !== undefined) filters.push(eq(auditEvents.actorId, query.actorId));
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
