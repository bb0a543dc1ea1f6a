// What the HTTP API and the workers share, built on the process's connections: the repositories and
// Redis stores, the services, the message builder, the metrics registry and the bounce webhooks.
import type { Logger } from 'pino';
import type { Config } from '../config/types.ts';
import { mysqlPing, redisPing } from '../conn/health.ts';
import { createHttpsGet } from '../conn/https-get.ts';
import { QUEUE_NAME } from '../conn/queue.ts';
import type { HttpsGet } from '../domain/webhooks.ts';
import { systemClock, type Clock } from '../domain/types.ts';
import { createBounceWebhookProviders } from '../handlers/webhooks/providers.ts';
import { createAttributeRepository } from '../repositories/attribute.repository.ts';
import { createAuditRepository } from '../repositories/audit.repository.ts';
import { createCustomerRepository } from '../repositories/customer.repository.ts';
import { createSegmentRepository } from '../repositories/segment.repository.ts';
import { createTopicRepository } from '../repositories/topic.repository.ts';
import { createCampaignRepository } from '../repositories/campaign.repository.ts';
import { createDeliverabilityRepository } from '../repositories/deliverability.repository.ts';
import { createDeliveryRepository } from '../repositories/delivery.repository.ts';
import { createPermissionRepository } from '../repositories/permission.repository.ts';
import { createUserRepository } from '../repositories/user.repository.ts';
import { createAttributeService } from '../services/attribute.service.ts';
import { createAuditService } from '../services/audit.service.ts';
import { createCustomerService } from '../services/customer.service.ts';
import { createFilterScopes, createSegmentService } from '../services/segment.service.ts';
import { createTopicService } from '../services/topic.service.ts';
import { createAuthService } from '../services/auth.service.ts';
import { createCampaignService } from '../services/campaign.service.ts';
import { createDeliverabilityService } from '../services/deliverability.service.ts';
import { createHealthService } from '../services/health.service.ts';
import { createMessageIds } from '../services/message-id.ts';
import { createMessageBuilder } from '../services/message.service.ts';
import { createPasswordHasher, gatePasswordHasher, type PasswordHasher } from '../services/password.ts';
import { createPermissionService } from '../services/permission.service.ts';
import { createSuppressionService } from '../services/suppression.service.ts';
import { createTemplateChecker } from '../services/template.pool.ts';
import { createTokenService } from '../services/token.service.ts';
import { createUnsubscribeService } from '../services/unsubscribe.service.ts';
import { createUnsubscribeTokens } from '../services/unsubscribe.ts';
import { createUserService } from '../services/user.service.ts';
import { createVerpAddresses } from '../services/verp.ts';
import { createListCache } from '../stores/list-cache.store.ts';
import { createCountCache } from '../stores/count-cache.store.ts';
import { createSessionStore } from '../stores/session.store.ts';
import { createLoginThrottle, createPasswordChangeThrottle, createSignupThrottle, createThrottle } from '../stores/throttle.store.ts';
import { createUserCache } from '../stores/user-cache.store.ts';
import { createConnections } from './context.connections.ts';
import { createMetrics, QUEUE_STATES } from './metrics.ts';

export interface CoreOptions {
  log: Logger;
  clock?: Clock;
  /** Replacements: `passwords` for the argon2 hasher (it still runs behind the hashing gate), `httpsGet` for the platform's fetch. */
  deps?: { passwords?: PasswordHasher; httpsGet?: HttpsGet };
}

/** Connections, repositories and services that the API and the workers share. */
export function createCore(config: Config, { log, clock = systemClock, deps = {} }: CoreOptions) {
  const connections = createConnections(config, log);
  const { mysql, redis, queue } = connections;
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
    attributes: createAttributeRepository(mysql),
    topics: createTopicRepository(mysql),
    segments: createSegmentRepository(mysql),
    customers: createCustomerRepository({ db: mysql.db, cache: userCache }),
  };
  const unsubscribe = createUnsubscribeTokens({ secret: config.unsubscribeSecret, publicBaseUrl: config.publicBaseUrl });
  // VERP's MAC key is the unsubscribe secret: the sender and every bounce source must agree on it.
  const verp = config.bounceAddress ? createVerpAddresses({ bounceAddress: config.bounceAddress, secret: config.unsubscribeSecret }) : undefined;
  // So is the Message-ID token's: the sender and the intake that checks it must agree.
  const messageIds = createMessageIds({ secret: config.unsubscribeSecret });
  const messages = createMessageBuilder({
    messageIds,
    mailFrom: config.mailFrom,
    unsubscribe,
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
  const scopes = createFilterScopes({ attributes: repos.attributes, topics: repos.topics, segments: repos.segments, clock });
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
    attributes: createAttributeService({ attributes: repos.attributes, segments: repos.segments }),
    topics: createTopicService({ topics: repos.topics, segments: repos.segments }),
    segments: createSegmentService({ segments: repos.segments, scopes, counts: createCountCache({ redis, prefix: config.redisPrefix, name: 'segment-counts', ttlSec: 60 }) }),
    customers: createCustomerService({ ...repos, scopes }),
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
    connect: connections.connect,
    async close() {
      await templates.close().catch(() => undefined);
      await connections.close();
    },
  };
}
export type Core = ReturnType<typeof createCore>;
