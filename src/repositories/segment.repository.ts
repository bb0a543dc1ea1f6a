import { asc, count, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../conn/mysql.ts';
import type { AuditEntry } from '../domain/audit.ts';
import { ConflictError } from '../domain/errors.ts';
import type { FilterScope, SegmentQuery, SegmentRecord, SegmentRepository } from '../domain/repositories.ts';
import { segmentRefs, type Filter } from '../domain/segment-filter.ts';
import { segments } from '../models/schema.ts';
import { insertAudit } from './audit.repository.ts';
import { isDuplicateKey } from './errors.ts';
import { customerFilter, limitedSelect } from './filter-query.ts';
import { paged } from './paging.ts';
import { contains } from './search.ts';

const nameTaken = () => new ConflictError('A segment with this name already exists', 'NAME_TAKEN');
const toRecord = (r: typeof segments.$inferSelect): SegmentRecord => ({ ...r, filter: r.filter as Filter });

/** Whether a stored filter has a condition whose `member` is `value` (an attribute key, a topic id). */
function names(f: unknown, member: 'attr' | 'topic', value: string | number): boolean {
  if (typeof f !== 'object' || f === null) return false;
  if (Array.isArray(f)) return f.some((x) => names(x, member, value));
  const o = f as Record<string, unknown>;
  if (o[member] === value) return true;
  return ['all', 'any', 'not'].some((k) => k in o && names(o[k], member, value));
}

/** Saved segments, and counts and pages of the customers a filter matches (under the statement limit). */
export function createSegmentRepository({ db }: { db: Db }): SegmentRepository {
  async function allFilters(): Promise<{ id: number; filter: Filter }[]> {
    const rows = await db.select({ id: segments.id, filter: segments.filter }).from(segments);
    return rows.map((r) => ({ id: r.id, filter: r.filter as Filter }));
  }

  return {
    async list(q: SegmentQuery) {
      const where: SQL | undefined = q.q ? contains(segments.name, q.q) : undefined;
      const page = await paged(
        q,
        (limit, offset) => db.select().from(segments).where(where).orderBy(asc(segments.name), asc(segments.id)).limit(limit).offset(offset),
        db.select({ n: count() }).from(segments).where(where),
      );
      return { rows: page.rows.map(toRecord), total: page.total };
    },

    async find(id: number) {
      const [row] = await db.select().from(segments).where(eq(segments.id, id)).limit(1);
      return row ? toRecord(row) : undefined;
    },

    async reach(ids: number[]) {
      const found = new Map<number, Filter>();
      let next = [...new Set(ids)];
      // Breadth first through the segments the filters name; a circle ends when every id is known.
      while (next.length) {
        const rows = await db.select({ id: segments.id, filter: segments.filter }).from(segments).where(inArray(segments.id, next));
        for (const r of rows) found.set(r.id, r.filter as Filter);
        next = [...new Set(rows.flatMap((r) => segmentRefs(r.filter as Filter)))].filter((id) => !found.has(id));
        if (found.size > 1000) break;
      }
      return found;
    },

    async namedBy(id: number) {
      return (await allFilters()).filter((s) => s.id !== id && segmentRefs(s.filter).includes(id)).map((s) => s.id);
    },

    async usesAttribute(key: string) {
      return (await allFilters()).some((s) => names(s.filter, 'attr', key));
    },

    async usesTopic(id: number) {
      return (await allFilters()).some((s) => names(s.filter, 'topic', id));
    },

    async create(input, audit) {
      try {
        return await db.transaction(async (tx) => {
          const [{ id }] = (await tx.insert(segments).values({ ...input, updatedBy: input.createdBy }).$returningId()) as [{ id: number }];
          await insertAudit(tx, [audit(id)]);
          return id;
        });
      } catch (err) {
        if (isDuplicateKey(err)) throw nameTaken();
        throw err;
      }
    },

    async update(id, patch, audit: AuditEntry) {
      try {
        return await db.transaction(async (tx) => {
          const [res] = await tx
            .update(segments)
            .set({ ...patch, version: sql`${segments.version} + 1`, updatedAt: sql`CURRENT_TIMESTAMP(3)` })
            .where(eq(segments.id, id));
          if (res.affectedRows === 0) return false;
          await insertAudit(tx, [audit]);
          return true;
        });
      } catch (err) {
        if (isDuplicateKey(err)) throw nameTaken();
        throw err;
      }
    },

    async delete(id, audit) {
      return db.transaction(async (tx) => {
        const [res] = await tx.delete(segments).where(eq(segments.id, id));
        if (res.affectedRows === 0) return false;
        await insertAudit(tx, [audit]);
        return true;
      });
    },

    async count(filter: Filter, scope: FilterScope) {
      const [row] = await limitedSelect<{ n: number | string }>(db, sql`COUNT(*) AS n FROM users u WHERE ${customerFilter(filter, scope)}`);
      return Number(row?.n ?? 0);
    },

  };
}
