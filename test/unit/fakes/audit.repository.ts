import type { AuditEntry } from '../../../src/domain/audit.ts';
import type { AuditQuery, AuditRepository } from '../../../src/domain/repositories.ts';
import { copy, page, type FakeDb } from './db.ts';

/** The audit log in memory: appended to db.audit (where the other fakes commit theirs), read newest first. */
export function createFakeAuditRepository(db: FakeDb): AuditRepository {
  return {
    async append(entry: AuditEntry) {
      db.audit.push(copy(entry));
    },

    async list(q: AuditQuery) {
      const rows = db.audit
        .map((e, i) => ({ ...copy(e), id: i + 1, createdAt: db.clock.now() }))
        .filter(
          (e) =>
            (q.action === undefined || e.action === q.action) &&
            (q.actorId === undefined || e.actorId === q.actorId) &&
            (q.targetType === undefined || e.targetType === q.targetType) &&
            (q.targetId === undefined || e.targetId === q.targetId),
        )
        .reverse();
      return page(rows, q);
    },
  };
}
