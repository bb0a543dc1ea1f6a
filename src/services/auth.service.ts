import { TryAgainError, UnauthorizedError, ValidationError } from '../domain/errors.ts';
import { ROLE_IDS, type Principal, type UserProfile, type UserRecord } from '../domain/types.ts';
import type { UserRepository } from '../domain/repositories.ts';
import type { LoginThrottle, PasswordChangeThrottle, RefreshCarrier, SessionStore, SignupThrottle } from '../domain/stores.ts';
import type { PasswordHasher } from './password.ts';
import { randomId } from '../utils/random-id.ts';
import type { TokenService } from './token.service.ts';

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  refreshExpiresIn: number;
}

export interface SignupInput {
  email: string;
  password: string;
  firstName: string;
  lastName: string;
}

const BAD_CREDENTIALS = 'Invalid email or password';
const badCredentials = () => new UnauthorizedError(BAD_CREDENTIALS, 'INVALID_CREDENTIALS');
const sessionEnded = () => new UnauthorizedError('Session has ended', 'SESSION_REVOKED');
/** Session starts tried when revocations of the user keep landing between the check and the start. */
const SESSION_TRIES = 3;

export type AuthService = ReturnType<typeof createAuthService>;

/** Signup, login, token rotation, logout and password changes. */
export function createAuthService(deps: {
  users: UserRepository;
  passwords: PasswordHasher;
  tokens: TokenService;
  sessions: SessionStore;
  throttles: { login: LoginThrottle; signup: SignupThrottle; passwordChange: PasswordChangeThrottle };
}) {
  const { users, passwords, tokens, sessions, throttles } = deps;

  async function issue(user: UserProfile, sessionId: string, accessJti: string, refreshJti: string): Promise<TokenPair> {
    const claims = { userId: user.id, roleId: user.roleId, sessionId };
    const [accessToken, refreshToken] = await Promise.all([
      tokens.sign('access', { ...claims, jti: accessJti }),
      tokens.sign('refresh', { ...claims, jti: refreshJti }),
    ]);
    return { accessToken, refreshToken, expiresIn: tokens.ttl.access, refreshExpiresIn: tokens.ttl.refresh };
  }

  /** The principal of a live session, with the user's current role; a disabled or deleted user is refused. */
  async function current(sessionId: string, userId: number, live: Promise<boolean>): Promise<Principal> {
    // Both at once: with the profile cached and Redis auto-pipelining, one round trip.
    const [isLive, user] = await Promise.all([live, users.profile(userId)]);
    if (!isLive || !user || user.status !== 'active') throw sessionEnded();
    return { userId: user.id, roleId: user.roleId, sessionId };
  }

  return {
    async signup(input: SignupInput, clientIp: string): Promise<UserRecord> {
      await throttles.signup.check({ ip: clientIp });
      const passwordHash = await passwords.hash(input.password);
      return users.create({ ...input, passwordHash, roleId: ROLE_IDS.customer });
    },

    /** Signs in; `carrier` is how this session's refresh tokens will travel (the browser's cookie, or bodies). */
    async login(email: string, password: string, clientIp: string, carrier: RefreshCarrier): Promise<TokenPair & { user: UserRecord }> {
      const user = await users.findByEmail(email);
      // Counted per account, by its stored address: the column's collation matches variants of it
      // (accents, zero-width characters), which must not each get a fresh allowance. The attempt is
      // counted before the password is checked, so concurrent guesses cannot race past the limit.
      const subjects = { email: user?.email ?? email, ip: clientIp };
      await throttles.login.check(subjects);
      const ok = user ? await passwords.verify(user.passwordHash, password) : (await passwords.burn(password), false);
      if (!user || !ok || user.status !== 'active') throw badCredentials();
      await throttles.login.recordSuccess(subjects);
      // The row above may be stale by now (a password change, disable or deletion committed during the
      // verification). So: read the user's revocation epoch, then the row again, and start the session
      // only if the epoch has not moved. A change that committed before the second read shows in it;
      // one that commits after it is followed by a revoke-all that moves the epoch, and the start fails.
      for (let attempt = 1; ; attempt++) {
        const epoch = await sessions.epoch(user.id);
        const current = await users.findById(user.id);
        if (!current || current.passwordHash !== user.passwordHash || current.status !== 'active') throw badCredentials();
        const sessionId = randomId();
        const accessJti = randomId();
        const refreshJti = randomId();
        if (await sessions.create({ sessionId, userId: user.id, accessJti, refreshJti, epoch, carrier })) {
          return { ...(await issue(current, sessionId, accessJti, refreshJti)), user: current };
        }
        if (attempt >= SESSION_TRIES) throw new TryAgainError('The account changed during login; try again');
      }
    },

    /** Rotates a session's tokens; `carrier` is how the token came (the cookie or a body): it must be how it was issued. */
    async refresh(refreshToken: string, carrier: RefreshCarrier): Promise<TokenPair & { user: UserProfile }> {
      const claims = await tokens.verify('refresh', refreshToken);
      const accessJti = randomId();
      const refreshJti = randomId();
      const result = await sessions.rotate(claims.sessionId, claims.jti, carrier, accessJti, refreshJti);
      if (result.outcome === 'reused') throw new UnauthorizedError('Refresh token was already used; the session is revoked', 'TOKEN_REUSED');
      if (result.outcome === 'misplaced') {
        throw new UnauthorizedError(
          carrier === 'body' ? 'This session keeps its refresh token in the browser cookie; a body cannot present it' : 'This session was not started with a cookie',
          'INVALID_TOKEN',
        );
      }
      if (result.outcome === 'unknown') throw sessionEnded();
      // Read after the rotation: a disable or deletion that committed before it shows here, and one
      // after it is followed by a revoke-all that ends the rotated session too.
      const user = await users.profile(claims.userId);
      if (!user || user.status !== 'active') {
        await sessions.revoke(claims.sessionId);
        throw sessionEnded();
      }
      // Regranted: new tokens for the ids the session holds now, so every holder of them agrees.
      return { ...(await issue(user, claims.sessionId, result.accessJti, result.refreshJti)), user };
    },

    /**
     * Verifies an access token and that its session is live; the principal has the user's current
     * role (not the token's claim), and a user who is disabled or gone is refused.
     */
    async authenticate(accessToken: string): Promise<Principal> {
      const claims = await tokens.verify('access', accessToken);
      return current(claims.sessionId, claims.userId, sessions.isAccessLive(claims.jti, claims.sessionId));
    },

    /** A pass to the queue dashboard for the caller's session, for a cookie: it never works as a bearer token. */
    async dashboardPass(p: Principal): Promise<{ pass: string; expiresIn: number }> {
      const pass = await tokens.sign('dashboard', { userId: p.userId, roleId: p.roleId, sessionId: p.sessionId, jti: randomId() });
      return { pass, expiresIn: tokens.ttl.dashboard };
    },

    /**
     * Verifies a dashboard pass like an access token: its session must still be live (a refresh does
     * not end it, a logout does) and its user active; the principal has the user's current role.
     */
    async authenticateDashboardPass(pass: string): Promise<Principal> {
      const claims = await tokens.verify('dashboard', pass);
      return current(claims.sessionId, claims.userId, sessions.isLive(claims.sessionId));
    },

    logout: (p: Principal) => sessions.revoke(p.sessionId),
    logoutAll: (p: Principal) => sessions.revokeAll(p.userId),

    /** Changes the caller's password and revokes their other sessions; wrong current passwords are throttled. */
    async changePassword(p: Principal, current: string, next: string, clientIp: string): Promise<void> {
      const subjects = { user: String(p.userId), ip: clientIp };
      await throttles.passwordChange.check(subjects);
      const user = await users.findById(p.userId);
      if (!user) throw sessionEnded();
      if (!(await passwords.verify(user.passwordHash, current))) {
        throw new ValidationError('Current password is wrong', [{ field: 'current_password', message: 'does not match' }]);
      }
      await throttles.passwordChange.recordSuccess(subjects);
      await users.update(user.id, { passwordHash: await passwords.hash(next) });
      await sessions.revokeAll(user.id, p.sessionId);
    },
  };
}
