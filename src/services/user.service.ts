import { ConflictError, NotFoundError } from '../domain/errors.ts';
import { ROLE_IDS, type Principal, type UserProfile, type UserRecord, type UserStatus } from '../domain/types.ts';
import { userAudit, type AuditEntry } from '../domain/audit.ts';
import type { AuditRepository, UserQuery, UserRepository } from '../domain/repositories.ts';
import type { SessionStore } from '../domain/stores.ts';
import type { PasswordHasher } from './password.ts';

export interface NewUserInput {
  email: string;
  password: string;
  firstName: string;
  lastName: string;
  roleId: number;
}

export interface AdminUserPatch {
  firstName?: string;
  lastName?: string;
  roleId?: number;
  status?: UserStatus;
}

export type UserService = ReturnType<typeof createUserService>;

/** Profile and admin user management; role, status and deletion changes revoke sessions and are audited. */
export function createUserService(deps: {
  users: UserRepository;
  audit: AuditRepository;
  passwords: PasswordHasher;
  sessions: SessionStore;
}) {
  const { users, audit, passwords, sessions } = deps;

  /** A user as shown (cached profile); 404 when there is none. */
  async function get(id: number): Promise<UserProfile> {
    const user = await users.profile(id);
    if (!user) throw new NotFoundError('User');
    return user;
  }

  /** The current row, from the database: what a change is decided on. */
  async function current(id: number): Promise<UserRecord> {
    const user = await users.findById(id);
    if (!user) throw new NotFoundError('User');
    return user;
  }

  async function create(actor: Principal | null, input: NewUserInput): Promise<UserRecord> {
    const user = await users.create({ ...input, passwordHash: await passwords.hash(input.password) });
    await audit.append(userAudit(actor?.userId ?? null, 'created', user.id, { role_id: user.roleId }));
    return user;
  }

  return {
    get,
    create,
    list: (q: UserQuery) => users.list(q),

    async updateMe(p: Principal, patch: { firstName?: string; lastName?: string; emailOptIn?: boolean }) {
      const user = await users.update(p.userId, patch);
      if (!user) throw new NotFoundError('User');
      return user;
    },

    async update(actor: Principal, id: number, patch: AdminUserPatch): Promise<UserRecord> {
      const before = await current(id);
      const roleChanged = patch.roleId !== undefined && patch.roleId !== before.roleId;
      const statusChanged = patch.status !== undefined && patch.status !== before.status;
      if (id === actor.userId && (roleChanged || statusChanged)) {
        throw new ConflictError('You cannot change your own role or status', 'SELF_CHANGE');
      }
      const audit: AuditEntry[] = [];
      if (roleChanged) audit.push(userAudit(actor.userId, 'role_changed', id, { from: before.roleId, to: patch.roleId }));
      if (statusChanged) audit.push(userAudit(actor.userId, patch.status === 'disabled' ? 'disabled' : 'enabled', id));
      const revokes = roleChanged || statusChanged;
      // Sessions are revoked before the change commits (Redis down → 503 with nothing changed) and
      // again after it, for any session started in between.
      if (revokes) await sessions.revokeAll(id);
      const after = await users.update(id, patch, audit);
      if (!after) throw new NotFoundError('User');
      if (revokes) await sessions.revokeAll(id);
      return after;
    },

    async delete(actor: Principal, id: number): Promise<void> {
      const user = await current(id);
      if (id === actor.userId) throw new ConflictError('You cannot delete your own account', 'SELF_CHANGE');
      await sessions.revokeAll(id);
      const deleted = await users.delete(id, [userAudit(actor.userId, 'deleted', id, { email: user.email, role_id: user.roleId })]);
      if (!deleted) throw new NotFoundError('User');
      await sessions.revokeAll(id);
    },

    /** Creates the first admin from configuration when no admin exists yet; returns it, or undefined. */
    async ensureAdmin(email: string, password: string): Promise<UserRecord | undefined> {
      if (await users.existsWithRole(ROLE_IDS.admin)) return undefined;
      return create(null, { email, password, firstName: 'Admin', lastName: 'User', roleId: ROLE_IDS.admin });
    },
  };
}
