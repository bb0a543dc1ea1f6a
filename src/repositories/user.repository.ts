import { and, count, desc, eq, getTableColumns, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../conn/mysql.ts';
import type { AuditEntry } from '../domain/audit.ts';
import { ConflictError } from '../domain/errors.ts';
import type { NewUser, UserPatch, UserQuery, UserRepository } from '../domain/repositories.ts';
import type { ListCache, UserCache } from '../domain/stores.ts';
import type { UserProfile, UserRecord } from '../domain/types.ts';
import { users } from '../models/schema.ts';
import { insertAudit } from './audit.repository.ts';
import { isDuplicateKey } from './errors.ts';
import { paged } from './paging.ts';
import { contains } from './search.ts';

const profileOf = ({ passwordHash: _, ...profile }: UserRecord): UserProfile => profile;

// A user record leaves out the customer data (up to 16 KiB of attributes): the profile cache and
// every request's principal need none of it.
const { externalId: _e, origin: _o, attributes: _a, ...recordColumns } = getTableColumns(users);

/**
 * For a change to a user made in another repository's transaction: `before` drops the cached
 * profile (Redis down → the change fails first), `after` caches the committed row.
 */
export function userCacheWrites({ db, cache }: { db: Db; cache?: UserCache }) {
  return {
    before: async (id: number) => cache?.drop(id),
    async after(id: number) {
      if (!cache) return;
      const [row] = await db.select(recordColumns).from(users).where(eq(users.id, id)).limit(1);
      if (row) await cache.put(id, profileOf(row));
    },
  };
}

/**
 * Queries on the users table. With a cache, profiles are read through it and every write here
 * refreshes it; nothing else writes to the users table.
 */
export function createUserRepository({ db, cache, campaignLists }: { db: Db; cache?: UserCache; campaignLists?: ListCache }): UserRepository {
  // Prepared once: these run on nearly every request.
  const byId = db.select(recordColumns).from(users).where(eq(users.id, sql.placeholder('id'))).limit(1).prepare();
  const byEmail = db.select(recordColumns).from(users).where(eq(users.email, sql.placeholder('email'))).limit(1).prepare();

  async function findById(id: number): Promise<UserRecord | undefined> {
    const [row] = await byId.execute({ id });
    return row;
  }

  return {
    findById,

    async profile(id: number): Promise<UserProfile | undefined> {
      const hit = await cache?.get(id);
      if (hit !== undefined) return hit ?? undefined;
      const row = await findById(id);
      if (!row) return undefined;
      const profile = profileOf(row);
      await cache?.fill(profile);
      return profile;
    },

    async findByEmail(email: string): Promise<UserRecord | undefined> {
      const [row] = await byEmail.execute({ email });
      return row;
    },

    async create(input: NewUser): Promise<UserRecord> {
      try {
        const [{ id }] = (await db.insert(users).values(input).$returningId()) as [{ id: number }];
        return (await findById(id))!;
      } catch (err) {
        if (isDuplicateKey(err)) throw new ConflictError('A user with this email already exists', 'EMAIL_TAKEN');
        throw err;
      }
    },

    async update(id: number, patch: UserPatch, audit: AuditEntry[] = []): Promise<UserRecord | undefined> {
      if (Object.keys(patch).length === 0) return findById(id);
      await cache?.drop(id);
      await db.transaction(async (tx) => {
        await tx
          .update(users)
          .set({ ...patch, updatedAt: sql`CURRENT_TIMESTAMP(3)` })
          .where(eq(users.id, id));
        await insertAudit(tx, audit);
      });
      const after = await findById(id);
      // No tombstone for an id with no row: it may not have been assigned yet.
      if (after) await cache?.put(id, profileOf(after));
      return after;
    },

    async delete(id: number, audit: AuditEntry[] = []): Promise<boolean> {
      await cache?.drop(id);
      const deleted = await db.transaction(async (tx) => {
        const [res] = await tx.delete(users).where(eq(users.id, id));
        if (res.affectedRows === 0) return false;
        await insertAudit(tx, audit);
        return true;
      });
      if (deleted) {
        await cache?.put(id, null);
        // The foreign keys set the user's campaigns' authors to NULL: list pages show them.
        await campaignLists?.changed();
      }
      return deleted;
    },

    async list(query: UserQuery) {
      const filters: SQL[] = [];
      if (query.roleId !== undefined) filters.push(eq(users.roleId, query.roleId));
      if (query.q) filters.push(or(contains(users.email, query.q), contains(users.firstName, query.q), contains(users.lastName, query.q))!);
      const where = filters.length ? and(...filters) : undefined;
      return paged(
        query,
        (limit, offset) => db.select(recordColumns).from(users).where(where).orderBy(desc(users.id)).limit(limit).offset(offset),
        db.select({ n: count() }).from(users).where(where),
      );
    },

    async existsWithRole(roleId: number): Promise<boolean> {
      const [row] = await db.select({ id: users.id }).from(users).where(eq(users.roleId, roleId)).limit(1);
      return row !== undefined;
    },
  };
}
