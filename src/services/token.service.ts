import { webcrypto } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import { UnauthorizedError } from '../domain/errors.ts';

export type TokenKind = 'access' | 'refresh' | 'dashboard';

export interface TokenClaims {
  userId: number;
  roleId: number;
  sessionId: string;
  jti: string;
}

const ISSUER = 'cns';
/** Verified access tokens remembered per process (each costs a WebCrypto HMAC otherwise). */
const VERIFIED_MAX = 10_000;
/** How long a pass to the queue dashboard lasts (its cookie too); the pass also ends with its session. */
const DASHBOARD_PASS_TTL_SEC = 15 * 60;
const SPEC = {
  access: { typ: 'at+jwt', aud: 'cns:access' },
  refresh: { typ: 'refresh+jwt', aud: 'cns:refresh' },
  dashboard: { typ: 'dashboard+jwt', aud: 'cns:queue-dashboard' },
} as const;

export type TokenService = ReturnType<typeof createTokenService>;

/**
 * Signs and verifies HS256 JWTs. Access and refresh tokens differ in key, `typ` header and audience,
 * so one is never accepted as the other; dashboard passes share the access key but not its `typ` or audience.
 */
export function createTokenService(deps: {
  accessSecret: string;
  refreshSecret: string;
  accessTtlSec: number;
  refreshTtlSec: number;
}) {
  // CryptoKeys imported once: given bytes or a KeyObject, jose would import the key again on every call.
  const importKey = (secret: string) =>
    webcrypto.subtle.importKey('raw', Buffer.from(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
  const accessKey = importKey(deps.accessSecret);
  const keys = { access: accessKey, refresh: importKey(deps.refreshSecret), dashboard: accessKey };
  const ttl = { access: deps.accessTtlSec, refresh: deps.refreshTtlSec, dashboard: DASHBOARD_PASS_TTL_SEC };
  // Exact token string → its claims and expiry. Only tokens whose signature and claims checked out
  // get here, so the cache cannot be filled by forgeries; expiry is still checked on every use, and
  // revocation is the session store's job on every request either way.
  const verified = new Map<string, { claims: TokenClaims; expMs: number }>();

  async function verifyJwt(kind: TokenKind, token: string): Promise<{ claims: TokenClaims; expMs: number }> {
    const { payload } = await jwtVerify(token, await keys[kind], {
      algorithms: ['HS256'],
      issuer: ISSUER,
      audience: SPEC[kind].aud,
      typ: SPEC[kind].typ,
      requiredClaims: ['exp', 'sub', 'jti', 'sid'],
    });
    const userId = Number(payload.sub);
    const roleId = Number(payload.role);
    if (!Number.isSafeInteger(userId) || !Number.isSafeInteger(roleId) || typeof payload.sid !== 'string') {
      throw new UnauthorizedError('Invalid token', 'INVALID_TOKEN');
    }
    return { claims: { userId, roleId, sessionId: payload.sid, jti: payload.jti! }, expMs: payload.exp! * 1000 };
  }

  return {
    ttl,

    async sign(kind: TokenKind, claims: TokenClaims): Promise<string> {
      return new SignJWT({ sid: claims.sessionId, role: claims.roleId })
        .setProtectedHeader({ alg: 'HS256', typ: SPEC[kind].typ })
        .setIssuer(ISSUER)
        .setAudience(SPEC[kind].aud)
        .setSubject(String(claims.userId))
        .setJti(claims.jti)
        .setIssuedAt()
        .setExpirationTime(Math.floor(Date.now() / 1000) + ttl[kind])
        .sign(await keys[kind]);
    },

    async verify(kind: TokenKind, token: string): Promise<TokenClaims> {
      const known = kind === 'access' ? verified.get(token) : undefined;
      if (known) {
        if (Date.now() < known.expMs) return known.claims;
        verified.delete(token);
        throw new UnauthorizedError('Token has expired', 'TOKEN_EXPIRED');
      }
      try {
        const result = await verifyJwt(kind, token);
        if (kind === 'access') {
          if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value!);
          verified.set(token, result);
        }
        return result.claims;
      } catch (err) {
        if (err instanceof errors.JWTExpired) throw new UnauthorizedError('Token has expired', 'TOKEN_EXPIRED');
        if (err instanceof UnauthorizedError) throw err;
        throw new UnauthorizedError('Invalid token', 'INVALID_TOKEN');
      }
    },
  };
}
