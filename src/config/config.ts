// Reads the configuration from the environment: each variable through its parser, with its default,
// then the rules between variables (production's requirements, settings that go in pairs). Every bad
// variable is reported at once, in one ConfigError. What the result holds is described in types.ts.
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { availableParallelism } from 'node:os';
import { defaultListId, mailDomain } from '../domain/mail-address.ts';
import { bounceAddress, listId, readDkim } from './deliverability.ts';
import { SECRET_NAMES, withDevSecrets, type SecretName } from './dev-secrets.ts';
import { mailboxUrl } from './mailbox-url.ts';
import { bool, ConfigError, duration, durationMs, durationMsWithin, int, limitMs, num, oneOf, text, url, type Env, type Parser } from './parse.ts';
import type { Config } from './types.ts';
import { basicPassword, basicUser, sendgridPublicKey, topicArns } from './webhooks.ts';

export { ConfigError } from './parse.ts';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** Whether a listener bound to `host` is reachable from this machine only: 127.0.0.0/8, ::1 or localhost. */
function isLoopback(host: string): boolean {
  if (host.toLowerCase() === 'localhost') return true;
  if (isIPv4(host)) return LOOPBACK.check(host, 'ipv4');
  return isIPv6(host) && LOOPBACK.check(host, 'ipv6');
}

/** Reads and validates the configuration; every bad variable is named in one ConfigError. */
export function loadConfig(env: Env = {}): Config {
  const problems: string[] = [];
  function read<T>(name: string, parse: Parser<T>, fallback: T): T;
  function read<T>(name: string, parse: Parser<T>): T | undefined;
  function read<T>(name: string, parse: Parser<T>, fallback?: T): T | undefined {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    try {
      return parse(raw);
    } catch (err) {
      problems.push(`${name} ${(err as Error).message}`);
      return fallback;
    }
  }

  const nodeEnv = read('NODE_ENV', oneOf('development', 'production', 'test'), 'development');
  const port = read('PORT', int(0, 65535), 8080);
  const smtpUrl = read('SMTP_URL', url('smtp:', 'smtps:'));
  const mailOutboxDir = read('MAIL_OUTBOX_DIR', text, './var/outbox');
  const production = nodeEnv === 'production';
  const trustProxy = read('TRUST_PROXY', bool, false);
  const bounceWebhookSecret = read('BOUNCE_WEBHOOK_SECRET', (raw) => {
    if (Buffer.byteLength(raw) < 32) throw new Error('must be at least 32 bytes');
    return raw;
  });
  const metricsToken = read('METRICS_TOKEN', (raw) => {
    if (Buffer.byteLength(raw) < 16) throw new Error('must be at least 16 bytes');
    return raw;
  });

  const mailFrom = read('MAIL_FROM', text, 'Campaigns <no-reply@localhost>');
  const dkim = readDkim(env, read, problems);

  const secrets: Record<string, string | undefined> = {};
  for (const name of SECRET_NAMES) {
    secrets[name] = read(name, (raw) => {
      if (Buffer.byteLength(raw) < 32) throw new Error('must be at least 32 bytes');
      return raw;
    });
  }
  if (production) {
    for (const name of SECRET_NAMES) if (env[name] === undefined || env[name] === '') problems.push(`${name} is required in production`);
    const given = SECRET_NAMES.map((n) => secrets[n]).filter(Boolean);
    if (new Set(given).size !== given.length) problems.push(`${SECRET_NAMES.join(', ')} must all be different`);
    if (!smtpUrl) problems.push('SMTP_URL is required in production (the outbox directory is for local use only)');
    if (env.METRICS_TOKEN === undefined || env.METRICS_TOKEN === '') {
      problems.push('METRICS_TOKEN is required in production (/metrics is otherwise public)');
    }
  }

  const config = {
    nodeEnv,
    logLevel: read('LOG_LEVEL', oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'), 'info'),
    host: read('HOST', text, '0.0.0.0'),
    port,
    databaseUrl: read('DATABASE_URL', url('mysql:', 'mariadb:'), 'mysql://root@127.0.0.1:3306/campaign_notification'),
    dbQueryTimeoutMs: read('DB_QUERY_TIMEOUT', limitMs, 8000),
    dbAcquireTimeoutMs: read('DB_ACQUIRE_TIMEOUT', limitMs, 5000),
    redisUrl: read('REDIS_URL', url('redis:', 'rediss:'), 'redis://127.0.0.1:6379/0'),
    redisPrefix: read('REDIS_PREFIX', (raw) => {
      if (!/^[A-Za-z0-9_.-]{1,64}$/.test(raw)) throw new Error('must be 1-64 characters of letters, digits, _ . -');
      return raw;
    }, 'cns'),
    smtpUrl,
    smtpPoolSize: read('SMTP_POOL_SIZE', int(1, 100), 5),
    mailOutboxDir,
    mailFrom,
    dkim,
    listId: read('LIST_ID', listId, defaultListId(mailDomain(mailFrom))),
    bounceAddress: read('BOUNCE_ADDRESS', bounceAddress),
    publicBaseUrl: read('PUBLIC_BASE_URL', url('http:', 'https:'), `http://localhost:${port}`).replace(/\/+$/, ''),
    jwtAccessSecret: '',
    jwtRefreshSecret: '',
    unsubscribeSecret: '',
    accessTokenTtlSec: read('ACCESS_TOKEN_TTL', duration, 15 * 60),
    refreshTokenTtlSec: read('REFRESH_TOKEN_TTL', duration, 7 * 24 * 3600),
    refreshReuseGraceMs: read('REFRESH_REUSE_GRACE', durationMsWithin(0, 60_000), 10_000),
    adminEmail: read('ADMIN_EMAIL', text),
    adminPassword: read('ADMIN_PASSWORD', text),
    workerConcurrency: read('WORKER_CONCURRENCY', int(1, 256), 4),
    mailRatePerSec: read('MAIL_RATE_PER_SEC', num(0, 1_000_000), 0),
    bodyLimitBytes: read('BODY_LIMIT_BYTES', int(1024, 64 * 1024 * 1024), 1024 * 1024),
    loginMaxFailures: read('LOGIN_MAX_FAILURES', int(1, 1000), 5),
    loginMaxFailuresPerIp: read('LOGIN_MAX_FAILURES_PER_IP', int(1, 100000), 50),
    loginWindowSec: read('LOGIN_WINDOW', duration, 15 * 60),
    signupMaxPerIp: read('SIGNUP_MAX_PER_IP', int(1, 1_000_000), 20),
    signupWindowSec: read('SIGNUP_WINDOW', duration, 3600),
    passwordChangeMaxFailures: read('PASSWORD_CHANGE_MAX_FAILURES', int(1, 1000), 5),
    passwordChangeMaxFailuresPerIp: read('PASSWORD_CHANGE_MAX_FAILURES_PER_IP', int(1, 100000), 50),
    passwordChangeWindowSec: read('PASSWORD_CHANGE_WINDOW', duration, 15 * 60),
    testSendMaxPerHour: read('TEST_SEND_MAX_PER_HOUR', int(1, 10_000), 20),
    hashConcurrency: read('HASH_CONCURRENCY', int(1, 256), availableParallelism()),
    hashQueueLimit: read('HASH_QUEUE_LIMIT', int(0, 100_000), 16),
    dispatchPageSize: read('DISPATCH_PAGE_SIZE', int(1, 50000), 2000),
    sendBatchSize: read('SEND_BATCH_SIZE', int(1, 5000), 250),
    ledgerFlushSize: read('LEDGER_FLUSH_SIZE', int(1, 1000), 50),
    ledgerFlushMs: read('LEDGER_FLUSH_INTERVAL', durationMs, 100),
    sendAttempts: read('SEND_ATTEMPTS', int(1, 50), 6),
    sendBackoffMs: read('SEND_BACKOFF', durationMs, 5000),
    autoPauseMinFailures: read('AUTO_PAUSE_MIN_FAILURES', int(1, 1_000_000), 50),
    autoPauseFailureRatio: read('AUTO_PAUSE_FAILURE_RATIO', num(0, 1), 0.5),
    autoPauseComplaintRatio: read('AUTO_PAUSE_COMPLAINT_RATIO', num(0, 1), 0.003),
    autoPauseBounceRatio: read('AUTO_PAUSE_BOUNCE_RATIO', num(0, 1), 0.05),
    autoPauseMinSent: read('AUTO_PAUSE_MIN_SENT', int(1, 100_000_000), 1000),
    bounceWebhookSecret,
    reconcileEveryMs: read('RECONCILE_EVERY', durationMs, 30_000),
    jobLockMs: read('JOB_LOCK_DURATION', durationMs, 30_000),
    templateCheckTimeoutMs: read('TEMPLATE_CHECK_TIMEOUT', durationMsWithin(100, 60_000), 2000),
    trustProxy,
    requestTimeoutMs: read('REQUEST_TIMEOUT', durationMsWithin(1000, 3_600_000), 30_000),
    keepAliveTimeoutMs: read('KEEP_ALIVE_TIMEOUT', durationMsWithin(1000, 3_600_000), 5_000),
    // Behind a proxy every connection comes from the proxy, so there the default is no limit.
    maxConnectionsPerClient: read('MAX_CONNECTIONS_PER_CLIENT', int(0, 1_000_000), trustProxy ? 0 : 128),
    metricsToken,
    workerMetricsPort: read('WORKER_METRICS_PORT', int(0, 65535)),
    workerMetricsHost: read('WORKER_METRICS_HOST', text, '127.0.0.1'),
    userCacheTtlSec: read('USER_CACHE_TTL', (raw) => (raw.trim() === '0' ? 0 : duration(raw)), 60),
    sesSnsTopicArns: read('SES_SNS_TOPIC_ARNS', topicArns, []),
    postmarkWebhookUser: read('POSTMARK_WEBHOOK_USER', basicUser),
    postmarkWebhookPassword: read('POSTMARK_WEBHOOK_PASSWORD', basicPassword),
    sendgridWebhookPublicKey: read('SENDGRID_WEBHOOK_PUBLIC_KEY', sendgridPublicKey),
    bounceMailbox: read('BOUNCE_MAILBOX_URL', mailboxUrl),
    bouncePollEveryMs: read('BOUNCE_POLL_EVERY', durationMsWithin(1000, 24 * 3_600_000), 60_000),
  };
  if (Boolean(env.POSTMARK_WEBHOOK_USER) !== Boolean(env.POSTMARK_WEBHOOK_PASSWORD)) {
    problems.push('POSTMARK_WEBHOOK_USER and POSTMARK_WEBHOOK_PASSWORD must be set together');
  }
  if (production && !config.publicBaseUrl.startsWith('https://')) {
    problems.push('PUBLIC_BASE_URL must be an https URL in production (it is used in List-Unsubscribe)');
  }
  // The API's /metrics may stay open outside production (HOST is the developer's choice); a worker's is open only to this machine.
  if (!metricsToken && !isLoopback(config.workerMetricsHost)) {
    problems.push(
      `WORKER_METRICS_HOST ${config.workerMetricsHost} is not a loopback address (127.0.0.0/8, ::1, localhost): set METRICS_TOKEN too, or the worker's /metrics is open to the network`,
    );
  }
  if (config.adminEmail && !config.adminPassword) problems.push('ADMIN_PASSWORD is required when ADMIN_EMAIL is set');
  if (config.adminPassword && (config.adminPassword.length < 8 || config.adminPassword.length > 128)) {
    problems.push('ADMIN_PASSWORD must be 8-128 characters');
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const resolved = production
    ? (secrets as Record<SecretName, string>)
    : withDevSecrets(secrets, read('DEV_SECRETS_FILE', text, './var/dev-secrets.json'));
  config.jwtAccessSecret = resolved.JWT_ACCESS_SECRET;
  config.jwtRefreshSecret = resolved.JWT_REFRESH_SECRET;
  config.unsubscribeSecret = resolved.UNSUBSCRIBE_SECRET;
  return Object.freeze(config);
}
