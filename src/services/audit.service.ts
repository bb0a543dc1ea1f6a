import type { AuditQuery, AuditRepository } from '../domain/repositories.ts';

export type AuditService = ReturnType<typeof createAuditService>;

/** Reading the audit log (entries are written by the services whose changes they record). */
export function createAuditService({ audit }: { audit: Pick<AuditRepository, 'list'> }) {
  return {
    /** A page of entries, newest first. */
    list: (query: AuditQuery) => audit.list(query),
  };
}
