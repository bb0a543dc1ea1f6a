import type { Redis } from 'ioredis';
import type { RefreshCarrier, RotateResult, SessionStore } from '../domain/stores.ts';
import { randomId } from '../utils/random-id.ts';

// Keys (under the prefix): sess:<sid> hash {uid, ajti, rjti, via (cookie|body), prjti, pat}; at:<jti> → sid; rt:<jti> → sid; usess:<uid> set of sids;
// uep:<uid> the user's revocation epoch, a random value that every revoke-all replaces.

// Starts a session unless the user's sessions were revoked since the caller read the epoch (ARGV[8]);
// sessions of the user that have expired meanwhile leave the index, so it holds live sessions only
// and revocation stays O(live sessions).
const CREATE = `
local p, sid, uid = ARGV[1], ARGV[2], ARGV[3]
if (redis.call('GET', p .. 'uep:' .. uid) or '') ~= ARGV[8] then return 0 end
local idx = p .. 'usess:' .. uid
for _, old in ipairs(redis.call('SMEMBERS', idx)) do
  if redis.call('EXISTS', p .. 'sess:' .. old) == 0 then redis.call('SREM', idx, old) end
end
local sess = p .. 'sess:' .. sid
redis.call('HSET', sess, 'uid', uid, 'ajti', ARGV[4], 'rjti', ARGV[5], 'via', ARGV[9])
redis.call('EXPIRE', sess, ARGV[7])
redis.call('SET', p .. 'at:' .. ARGV[4], sid, 'EX', ARGV[6])
redis.call('SET', p .. 'rt:' .. ARGV[5], sid, 'EX', ARGV[7])
redis.call('SADD', idx, sid)
redis.call('EXPIRE', idx, ARGV[7])
return 1
`;

// The previous refresh id and the time of the rotation that replaced it (ms) are kept: that id,
// presented again within the grace (ARGV[8], ms), the way the session's tokens travel (ARGV[9]),
// gets the current ids back instead of revoking, once (the id is then forgotten). The current id
// presented the other way is refused (-2) and changes nothing. A session started before carriers
// were recorded takes the first rotation's way as its own, and gets no grace until then.
const ROTATE = `
local p, sid = ARGV[1], ARGV[2]
local sess = p .. 'sess:' .. sid
local cur = redis.call('HGET', sess, 'rjti')
if not cur then return {0} end
local ajti = redis.call('HGET', sess, 'ajti')
local uid = redis.call('HGET', sess, 'uid')
local via = redis.call('HGET', sess, 'via')
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local live = redis.call('EXISTS', p .. 'rt:' .. cur) == 1
if cur ~= ARGV[3] or not live then
  local prev = redis.call('HGET', sess, 'prjti')
  local at = tonumber(redis.call('HGET', sess, 'pat') or '0')
  if live and via == ARGV[9] and prev == ARGV[3] and now - at < tonumber(ARGV[8]) then
    redis.call('HDEL', sess, 'prjti', 'pat')
    return {2, ajti, cur}
  end
  redis.call('DEL', p .. 'at:' .. ajti, p .. 'rt:' .. cur, sess)
  redis.call('SREM', p .. 'usess:' .. uid, sid)
  return {-1}
end
if via and via ~= ARGV[9] then return {-2} end
redis.call('DEL', p .. 'at:' .. ajti, p .. 'rt:' .. cur)
redis.call('HSET', sess, 'ajti', ARGV[4], 'rjti', ARGV[5], 'prjti', cur, 'pat', now, 'via', ARGV[9])
redis.call('EXPIRE', sess, ARGV[7])
redis.call('SET', p .. 'at:' .. ARGV[4], sid, 'EX', ARGV[6])
redis.call('SET', p .. 'rt:' .. ARGV[5], sid, 'EX', ARGV[7])
redis.call('EXPIRE', p .. 'usess:' .. uid, ARGV[7])
return {1}
`;

const REVOKE = `
local p, sid = ARGV[1], ARGV[2]
local sess = p .. 'sess:' .. sid
local f = redis.call('HMGET', sess, 'uid', 'ajti', 'rjti')
if not f[1] then return 0 end
redis.call('DEL', p .. 'at:' .. f[2], p .. 'rt:' .. f[3], sess)
redis.call('SREM', p .. 'usess:' .. f[1], sid)
return 1
`;

const REVOKE_ALL = `
local p = ARGV[1]
local idx = p .. 'usess:' .. ARGV[2]
redis.call('SET', p .. 'uep:' .. ARGV[2], ARGV[4], 'EX', ARGV[5])
local sids = redis.call('SMEMBERS', idx)
local kept = 0
for _, sid in ipairs(sids) do
  if sid == ARGV[3] then kept = 1 else
  local sess = p .. 'sess:' .. sid
  local f = redis.call('HMGET', sess, 'ajti', 'rjti')
  if f[1] then redis.call('DEL', p .. 'at:' .. f[1]) end
  if f[2] then redis.call('DEL', p .. 'rt:' .. f[2]) end
  redis.call('DEL', sess)
  redis.call('SREM', idx, sid)
  end
end
return #sids - kept
`;

interface SessionCommands {
  cnsCreate(p: string, sid: string, uid: string, ajti: string, rjti: string, attl: number, rttl: number, epoch: string, via: RefreshCarrier): Promise<number>;
  cnsRotate(p: string, sid: string, oldR: string, newA: string, newR: string, attl: number, rttl: number, graceMs: number, via: RefreshCarrier): Promise<[number, string?, string?]>;
  cnsRevoke(p: string, sid: string): Promise<number>;
  cnsRevokeAll(p: string, uid: string, keepSid: string, epoch: string, epochTtl: number): Promise<number>;
}

/** How long a revocation epoch is kept: it only has to outlast a login in progress (random values never come back). */
const EPOCH_TTL_SEC = 3600;

/** Sessions in Redis: each token id maps to its session; a per-user index makes revocation O(sessions). */
export function createSessionStore({ redis, prefix, accessTtlSec, refreshTtlSec, reuseGraceMs = 0 }: {
  redis: Redis;
  prefix: string;
  accessTtlSec: number;
  refreshTtlSec: number;
  /** How long the refresh id a rotation replaced still gets that rotation's ids back (0: never). */
  reuseGraceMs?: number;
}): SessionStore {
  const p = `${prefix}:`;
  const r = redis as Redis & SessionCommands;
  if (!('cnsRotate' in redis)) {
    redis.defineCommand('cnsCreate', { numberOfKeys: 0, lua: CREATE });
    redis.defineCommand('cnsRotate', { numberOfKeys: 0, lua: ROTATE });
    redis.defineCommand('cnsRevoke', { numberOfKeys: 0, lua: REVOKE });
    redis.defineCommand('cnsRevokeAll', { numberOfKeys: 0, lua: REVOKE_ALL });
  }

  return {
    async epoch(userId: number): Promise<string> {
      return (await redis.get(`${p}uep:${userId}`)) ?? '';
    },

    async create(s: { sessionId: string; userId: number; accessJti: string; refreshJti: string; epoch: string; carrier: RefreshCarrier }): Promise<boolean> {
      return (await r.cnsCreate(p, s.sessionId, String(s.userId), s.accessJti, s.refreshJti, accessTtlSec, refreshTtlSec, s.epoch, s.carrier)) === 1;
    },

    async isAccessLive(jti: string, sessionId: string): Promise<boolean> {
      return (await redis.get(`${p}at:${jti}`)) === sessionId;
    },

    async isLive(sessionId: string): Promise<boolean> {
      return (await redis.exists(`${p}sess:${sessionId}`)) === 1;
    },

    async rotate(sessionId: string, oldRefreshJti: string, carrier: RefreshCarrier, accessJti: string, refreshJti: string): Promise<RotateResult> {
      const [code, currentAccess, currentRefresh] = await r.cnsRotate(p, sessionId, oldRefreshJti, accessJti, refreshJti, accessTtlSec, refreshTtlSec, reuseGraceMs, carrier);
      if (code === 1) return { outcome: 'rotated', accessJti, refreshJti };
      if (code === 2) return { outcome: 'regranted', accessJti: currentAccess!, refreshJti: currentRefresh! };
      if (code === -2) return { outcome: 'misplaced' };
      return code === -1 ? { outcome: 'reused' } : { outcome: 'unknown' };
    },

    async revoke(sessionId: string): Promise<void> {
      await r.cnsRevoke(p, sessionId);
    },

    /**
     * Revokes every session of the user, except `keepSessionId` when given, and moves the user's
     * epoch in the same step, so a login that read the user before this cannot start a session after it.
     */
    async revokeAll(userId: number, keepSessionId = ''): Promise<number> {
      return r.cnsRevokeAll(p, String(userId), keepSessionId, randomId(), EPOCH_TTL_SEC);
    },
  };
}
