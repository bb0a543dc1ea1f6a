import type { AuditEntry } from '../../../src/domain/audit.ts';
import { ConflictError } from '../../../src/domain/errors.ts';
import type { NewUser, UserPatch, UserQuery, UserRepository } from '../../../src/domain/repositories.ts';
import type { UserRecord } from '../../../src/domain/types.ts';
import { copy, defined, page, type FakeDb } from './db.ts';

// The email column's collation ignores case, as MariaDB's default one does.
const sameEmail = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** The users table in memory: unique emails (EMAIL_TAKEN), audit entries committed with each change. */
export function createFakeUserRepository(db: FakeDb): UserRepository {
  const findById = async (id: number) => {
    const u = db.users.get(id);
    return u && copy(u);
  };

  return {
    findById,

    async profile(id) {
      const u = await findById(id);
      if (!u) return undefined;
      const { passwordHash: _, ...profile } = u;
      return profile;
    },

    async findByEmail(email) {
      const u = [...db.users.values()].find((x) => sameEmail(x.email, email));
      return u && copy(u);
    },

    async create(input: NewUser) {
      if ([...db.users.values()].some((x) => sameEmail(x.email, input.email))) {
        throw new ConflictError('A user with this email already exists', 'EMAIL_TAKEN');
      }
      const now = db.clock.now();
      const u: UserRecord = { ...input, id: db.nextId.users++, status: 'active', emailOptIn: true, createdAt: now, updatedAt: now };
      db.users.set(u.id, u);
      return copy(u);
    },

    async update(id: number, patch: UserPatch, audit: AuditEntry[] = []) {
      const u = db.users.get(id);
      if (Object.keys(patch).length === 0) return findById(id);
      if (u) Object.assign(u, copy(defined(patch)), { updatedAt: db.clock.now() });
      db.audit.push(...copy(audit));
      return findById(id);
    },

    async delete(id: number, audit: AuditEntry[] = []) {
      if (!db.users.delete(id)) return false;
      db.audit.push(...copy(audit));
      return true;
    },

    async list(q: UserQuery) {
      const needle = q.q?.toLowerCase();
      const rows = [...db.users.values()]
        .filter(
          (u) =>
            (q.roleId === undefined || u.roleId === q.roleId) &&
            (needle === undefined || [u.email, u.firstName, u.lastName].some((s) => s.toLowerCase().includes(needle))),
        )
        .sort((a, b) => b.id - a.id);
      const p = page(rows, q);
      return { rows: p.rows.map(copy), total: p.total };
    },

    async existsWithRole(roleId) {
      return [...db.users.values()].some((u) => u.roleId === roleId);
    },
  };
}
