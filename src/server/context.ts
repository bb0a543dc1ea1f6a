import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import { createMysql, type Mysql } from '../conn/mysql.ts';
import { createDeliveryQueue } from '../conn/queue.ts';
import { createRedis } from '../conn/redis.ts';
import { systemClock, type Clock } from '../domain/types.ts';
import { createAuditRepository } from '../repositories/audit.repository.ts';
import { createCampaignRepository } from '../repositories/campaign.repository.ts';
import { createDeliveryRepository } from '../repositories/delivery.repository.ts';
import { createPermissionRepository } from '../repositories/permission.repository.ts';
import { createUserRepository } from '../repositories/user.repository.ts';
import { createAuthService } from '../services/auth.service.ts';
import { createCampaignService } from '../services/campaign.service.ts';
import { createMessageBuilder } from '../services/message.service.ts';
import { createPasswordHasher, gatePasswordHasher, type PasswordHasher } from '../services/password.ts';
import { createPermissionService } from '../services/permission.service.ts';
import { createTemplateChecker } from '../services/template.pool.ts';
import { createTokenService } from '../services/token.service.ts';
import { createUnsubscribeTokens } from '../services/unsubscribe.ts';
import { createUserService } from '../services/user.service.ts';
import { createSessionStore } from '../stores/session.store.ts';
import { createLoginThrottle, createPasswordChangeThrottle, createSignupThrottle } from '../stores/throttle.store.ts';
import { createUserCache } from '../stores/user-cache.store.ts';
import { createMetrics } from './metrics.ts';

/**
 * Everything the HTTP app and the workers need, built once from the config. `deps.passwords`
 * replaces the argon2 hasher (it still runs behind the hashing gate).
 */
export function createAppContext(config: Config, log: Logger, clock: Clock = systemClock, deps: { passwords?: PasswordHasher } = {}) {
  const mysql: Mysql = createMysql(config.databaseUrl, 10, {
    queryTimeoutMs: config.dbQueryTimeoutMs,
    acquireTimeoutMs: config.dbAcquireTimeoutMs,
  });
  // Commands issued in the same tick go out in one write: under load, sessions and profiles of many
  // requests share a round trip (about 20% more authenticated requests per second).
  const redis: Redis = createRedis(config.redisUrl, { enableAutoPipelining: true });
  const queueRedis: Redis = createRedis(config.redisUrl);
  const repos = {
    users: createUserRepository({
      db: mysql.db,
      cache: config.userCacheTtlSec > 0 ? createUserCache({ redis, prefix: config.redisPrefix, ttlSec: config.userCacheTtlSec }) : undefined,
    }),
    permissions: createPermissionRepository(mysql),
    audit: createAuditRepository(mysql),
    campaigns: createCampaignRepository(mysql),
    deliveries: createDeliveryRepository(mysql),
  };
  const queue = createDeliveryQueue({
    connection: queueRedis,
    prefix: config.redisPrefix,
    sendAttempts: config.sendAttempts,
    sendBackoffMs: config.sendBackoffMs,
  });
  // Connection errors are logged once connected (before that, start-up reports them); requests that need Redis meanwhile get a 503.
  let connected = false;
  let lastRedisError: Error | undefined;
  const onRedisError = (err: Error) => {
    lastRedisError = err;
    if (connected) log.warn({ err: err.message }, 'redis connection error');
  };
  redis.on('error', onRedisError);
  queueRedis.on('error', onRedisError);
  queue.queue.on('error', onRedisError);
  const unsubscribe = createUnsubscribeTokens({ secret: config.unsubscribeSecret, publicBaseUrl: config.publicBaseUrl });
  const messages = createMessageBuilder({ mailFrom: config.mailFrom, unsubscribe });
  // Threads start at the first campaign written, so processes that never write one (workers) have none.
  const templates = createTemplateChecker({ timeoutMs: config.templateCheckTimeoutMs, unsubscribeUrl: unsubscribe.url(4294967295) });
  const passwords = gatePasswordHasher(deps.passwords ?? createPasswordHasher(), {
    concurrency: config.hashConcurrency,
    maxQueued: config.hashQueueLimit,
  });
  const tokens = createTokenService({
    accessSecret: config.jwtAccessSecret,
    refreshSecret: config.jwtRefreshSecret,
    accessTtlSec: config.accessTokenTtlSec,
    refreshTtlSec: config.refreshTokenTtlSec,
  });
  const sessions = createSessionStore({
    redis,
    prefix: config.redisPrefix,
    accessTtlSec: config.accessTokenTtlSec,
    refreshTtlSec: config.refreshTokenTtlSec,
  });
  const throttles = {
    login: createLoginThrottle({
      redis,
      prefix: config.redisPrefix,
      maxPerEmail: config.loginMaxFailures,
      maxPerIp: config.loginMaxFailuresPerIp,
      windowSec: config.loginWindowSec,
    }),
    signup: createSignupThrottle({ redis, prefix: config.redisPrefix, maxPerIp: config.signupMaxPerIp, windowSec: config.signupWindowSec }),
    passwordChange: createPasswordChangeThrottle({
      redis,
      prefix: config.redisPrefix,
      maxPerUser: config.passwordChangeMaxFailures,
      maxPerIp: config.passwordChangeMaxFailuresPerIp,
      windowSec: config.passwordChangeWindowSec,
    }),
  };
  const services = {
    auth: createAuthService({ users: repos.users, passwords, tokens, sessions, throttles }),
    users: createUserService({ users: repos.users, audit: repos.audit, passwords, sessions }),
    permissions: createPermissionService({ permissions: repos.permissions }),
    campaigns: createCampaignService({ ...repos, queue: queue.port, messages, templates, clock, log }),
  };

  return {
    config,
    log,
    clock,
    mysql,
    redis,
    repos,
    services,
    queue,
    unsubscribe,
    messages,
    metrics: createMetrics(),
    /** Connects to Redis (MySQL connects lazily per query). */
    async connect() {
      try {
        await Promise.all([redis, queueRedis].map((r) => (r.status === 'wait' ? r.connect() : undefined)));
      } catch (err) {
        throw lastRedisError ?? err;
      }
      connected = true;
    },
    async close() {
      await templates.close().catch(() => undefined);
      await queue.close().catch(() => undefined);
      redis.disconnect();
      queueRedis.disconnect();
      await mysql.close().catch(() => undefined);
    },
  };
}
export type AppContext = ReturnType<typeof createAppContext>;
