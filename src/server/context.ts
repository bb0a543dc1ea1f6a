import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import { mysqlPing, redisPing } from '../conn/health.ts';
import { createHttpsGet } from '../conn/https-get.ts';
import { createImapMailbox } from '../conn/imap-mailbox.ts';
import { createMailer } from '../conn/mailer.ts';
import { createMysql, type Mysql } from '../conn/mysql.ts';
import { createDeliveryQueue, QUEUE_NAME } from '../conn/queue.ts';
import { createQueueRedis, createRedis } from '../conn/redis.ts';
import type { Mailer } from '../domain/ports.ts';
import type { HttpsGet } from '../domain/webhooks.ts';
import { systemClock, type Clock } from '../domain/types.ts';
import { createAuditRepository } from '../repositories/audit.repository.ts';
import { createCampaignRepository } from '../repositories/campaign.repository.ts';
import { createDeliverabilityRepository } from '../repositories/deliverability.repository.ts';
import { createDeliveryRepository } from '../repositories/delivery.repository.ts';
import { createPermissionRepository } from '../repositories/permission.repository.ts';
import { createUserRepository } from '../repositories/user.repository.ts';
import { createAuditService } from '../services/audit.service.ts';
import { createAuthService } from '../services/auth.service.ts';
import { createBouncePoller } from '../services/bounce-poller.ts';
import { createCampaignService } from '../services/campaign.service.ts';
import { createDeliverabilityService } from '../services/deliverability.service.ts';
import { createDeliveryService } from '../services/delivery.service.ts';
import { createSuppressionService } from '../services/suppression.service.ts';
import { createVerpAddresses } from '../services/verp.ts';
import { createBounceWebhookProviders } from '../handlers/webhooks/providers.ts';
import { createHealthService } from '../services/health.service.ts';
import { createMessageIds } from '../services/message-id.ts';
import { createMessageBuilder } from '../services/message.service.ts';
import { createPasswordHasher, gatePasswordHasher, type PasswordHasher } from '../services/password.ts';
import { createPermissionService } from '../services/permission.service.ts';
import { createTemplateChecker } from '../services/template.pool.ts';
import { createTokenService } from '../services/token.service.ts';
import { createUnsubscribeService } from '../services/unsubscribe.service.ts';
import { createUnsubscribeTokens } from '../services/unsubscribe.ts';
import { createUserService } from '../services/user.service.ts';
import { createSessionStore } from '../stores/session.store.ts';
import { createLoginThrottle, createPasswordChangeThrottle, createSignupThrottle, createThrottle } from '../stores/throttle.store.ts';
import { createLease } from '../stores/lease.store.ts';
import { createListCache } from '../stores/list-cache.store.ts';
import { createUserCache } from '../stores/user-cache.store.ts';
import { createRateLimiter } from '../stores/rate-limiter.store.ts';
import { createMetrics, QUEUE_STATES } from './metrics.ts';

/** What a process runs: the HTTP API, the background workers, or both. */
export type Role = 'api' | 'worker' | 'all';

export interface ContextOptions {
  role: Role;
  log: Logger;
  clock?: Clock;
  /** Replacements: `passwords` for the argon2 hasher (it still runs behind the hashing gate), `mailer` for the one from the config. */
  deps?: { passwords?: PasswordHasher; mailer?: Mailer; httpsGet?: HttpsGet };
}

/** Connections, repositories and services that the API and the workers share. */
function createCore(config: Config, { log, clock = systemClock, deps = {} }: ContextOptions) {
  const mysql: Mysql = createMysql(config.databaseUrl, 10, {
    queryTimeoutMs: config.dbQueryTimeoutMs,
    acquireTimeoutMs: config.dbAcquireTimeoutMs,
  });
  // Commands issued in the same tick go out in one write: under load, sessions and profiles of many
  // requests share a round trip (about 20% more authenticated requests per second).
  const redis: Redis = createRedis(config.redisUrl, { enableAutoPipelining: true });
  const queueRedis: Redis = createRedis(config.redisUrl);
  const userCache = config.userCacheTtlSec > 0 ? createUserCache({ redis, prefix: config.redisPrefix, ttlSec: config.userCacheTtlSec }) : undefined;
  // Staff list pages, served from memory until a campaign changes anywhere (see createListCache).
  const campaignLists = createListCache({ redis, prefix: config.redisPrefix, name: 'campaign-lists' });
  const repos = {
    users: createUserRepository({ db: mysql.db, cache: userCache, campaignLists }),
    permissions: createPermissionRepository(mysql),
    audit: createAuditRepository(mysql),
    campaigns: createCampaignRepository({ ...mysql, lists: campaignLists }),
    deliveries: createDeliveryRepository({ ...mysql, lists: campaignLists }),
    deliverability: createDeliverabilityRepository({ ...mysql, cache: userCache, lists: campaignLists }),
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
  // VERP's MAC key is the unsubscribe secret: the sender and every bounce source must agree on it.
  const verp = config.bounceAddress ? createVerpAddresses({ bounceAddress: config.bounceAddress, secret: config.unsubscribeSecret }) : undefined;
  // So is the Message-ID token's: the sender and the intake that checks it must agree.
  const messageIds = createMessageIds({ secret: config.unsubscribeSecret });
  const messages = createMessageBuilder({
    mailFrom: config.mailFrom,
    unsubscribe,
    messageIds,
    listId: config.listId,
    senderId: config.dkim?.domain,
    bounce: config.bounceAddress && verp ? { address: config.bounceAddress, verp } : undefined,
  });
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
    reuseGraceMs: config.refreshReuseGraceMs,
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
    testSend: createThrottle({
      redis,
      prefix: config.redisPrefix,
      name: 'ts',
      windowSec: 3600,
      limits: { user: { max: config.testSendMaxPerHour, onSuccess: 'keep' } },
    }),
  };
  // One registry per process: `cns start` serves the workers' metrics on the API's /metrics.
  const metrics = createMetrics({
    queue: { name: QUEUE_NAME, counts: () => queue.queue.getJobCounts(...QUEUE_STATES) },
  });
  const services = {
    auth: createAuthService({ users: repos.users, passwords, tokens, sessions, throttles }),
    users: createUserService({ users: repos.users, audit: repos.audit, passwords, sessions }),
    permissions: createPermissionService({ permissions: repos.permissions }),
    campaigns: createCampaignService({ ...repos, queue: queue.port, messages, templates, testSendThrottle: throttles.testSend, clock, log }),
    audit: createAuditService({ audit: repos.audit }),
    health: createHealthService({ pings: { mysql: mysqlPing(mysql), redis: redisPing(redis) } }),
    unsubscribe: createUnsubscribeService({ tokens: unsubscribe, users: repos.users }),
    /** The intake every bounce source (webhooks, the bounce mailbox) records its events through. */
    deliverability: createDeliverabilityService({
      events: repos.deliverability,
      campaigns: repos.campaigns,
      verp,
      messageIds,
      settings: { complaintRatio: config.autoPauseComplaintRatio, bounceRatio: config.autoPauseBounceRatio, minSent: config.autoPauseMinSent },
      clock,
      log,
      metrics: metrics.delivery,
    }),
    suppressions: createSuppressionService({ events: repos.deliverability }),
  };

  return {
    config,
    log,
    clock,
    mysql,
    redis,
    repos,
    /** Told of every change to a campaign row; a write made behind the repositories (a migration, a test) must tell it too. */
    campaignLists,
    services,
    queue,
    unsubscribe,
    messages,
    verp,
    webhookProviders: createBounceWebhookProviders({
      bounceWebhookSecret: config.bounceWebhookSecret,
      sesSnsTopicArns: config.sesSnsTopicArns,
      // Certificates and subscription confirmations, from SNS's own hosts only (the provider checks the URL first).
      httpsGet: deps.httpsGet ?? createHttpsGet(),
      log,
      postmarkWebhookUser: config.postmarkWebhookUser,
      postmarkWebhookPassword: config.postmarkWebhookPassword,
      sendgridWebhookPublicKey: config.sendgridWebhookPublicKey,
    }),
    metrics,
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
type Core = ReturnType<typeof createCore>;

/** What only the workers need: the mailer, the send rate, the delivery engine and BullMQ's blocking connection. */
function createWorkerParts(core: Core, untimedMailer: Mailer) {
  const { config, log, repos } = core;
  const mailer = core.metrics.timeSends(untimedMailer);
  // BullMQ workers block on this connection and retry forever, so it is not the requests' client.
  const connection = createQueueRedis(config.redisUrl);
  connection.on('error', (err: Error) => log.warn({ err: err.message }, 'redis connection error'));
  const delivery = createDeliveryService({
    campaigns: repos.campaigns,
    deliveries: repos.deliveries,
    queue: core.queue.port,
    mailer,
    messages: core.messages,
    rate: createRateLimiter({ redis: core.redis, prefix: config.redisPrefix, perSecond: config.mailRatePerSec }),
    settings: {
      dispatchPageSize: config.dispatchPageSize,
      sendBatchSize: config.sendBatchSize,
      sendConcurrency: config.smtpPoolSize * 2,
      autoPauseMinFailures: config.autoPauseMinFailures,
      autoPauseFailureRatio: config.autoPauseFailureRatio,
      ledgerFlushSize: config.ledgerFlushSize,
      ledgerFlushMs: Math.max(1, config.ledgerFlushMs),
    },
    clock: core.clock,
    log,
    metrics: core.metrics.delivery,
  });
  return { mailer, connection, delivery, bounces: createBounceReader(core) };
}
export type WorkerParts = ReturnType<typeof createWorkerParts>;

/**
 * The bounce mailbox's reader (BOUNCE_MAILBOX_URL), or undefined without one. Its events go to the
 * deliverability intake; a Redis lease keeps overlapping polls (a slow one, many workers) to one at a time.
 */
function createBounceReader(core: Core) {
  const { config, log } = core;
  if (!config.bounceMailbox) return undefined;
  const poller = createBouncePoller({ mailbox: createImapMailbox(config.bounceMailbox, log), intake: core.services.deliverability, log });
  const lease = createLease({ redis: core.redis, prefix: config.redisPrefix, name: 'bounce-poll', ttlMs: Math.max(10 * 60_000, 2 * config.bouncePollEveryMs) });
  return {
    /** One poll, unless another process is polling now; never throws. */
    async poll() {
      try {
        return await lease.run(() => poller.poll());
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'bounce mailbox poll skipped: the lease could not be taken; the next poll retries');
        return undefined;
      }
    },
  };
}

type Context<W extends WorkerParts | undefined> = Omit<Core, 'connect' | 'close'> & {
  /** Built only for the roles that run workers. */
  worker: W;
  /** Connects to Redis (MySQL connects lazily per query). */
  connect(): Promise<void>;
  close(): Promise<void>;
};
/** A context without the worker parts (`cns serve`, `cns create-admin`). */
export type ApiContext = Context<undefined>;
/** A context that can run the workers (`cns worker`, `cns start`). */
export type WorkerContext = Context<WorkerParts>;
export type AppContext = ApiContext | WorkerContext;

/** Everything the HTTP API and the workers need, built once from the config; the worker parts only for a role that runs them. */
export function createAppContext(config: Config, opts: ContextOptions & { role: 'api' }): ApiContext;
export function createAppContext(config: Config, opts: ContextOptions & { role: 'worker' | 'all' }): WorkerContext;
export function createAppContext(config: Config, opts: ContextOptions): AppContext;
export function createAppContext(config: Config, opts: ContextOptions): Context<WorkerParts | undefined> {
  const core = createCore(config, opts);
  const worker = opts.role === 'api' ? undefined : createWorkerParts(core, opts.deps?.mailer ?? createMailer(config));
  return {
    ...core,
    worker,
    connect: core.connect,
    async close() {
      worker?.mailer.close();
      worker?.connection.disconnect();
      await core.close();
    },
  };
}
