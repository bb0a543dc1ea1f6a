// What the service's configuration holds: every setting, as loadConfig (config.ts) reads it from the
// environment. A plain type, so any layer may depend on it without depending on how it is read.
import type { BounceMailboxSettings } from '../domain/bounce-mailbox.ts';
import type { DkimConfig } from './deliverability.ts';

/** The service's whole configuration, read once from the environment. */
export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
  logLevel: string;
  host: string;
  port: number;
  databaseUrl: string;
  /** A statement without an answer after this long fails (503) and its connection is closed; 0: no limit. */
  dbQueryTimeoutMs: number;
  /** Waiting this long for a free pool connection fails (503); 0: no limit. */
  dbAcquireTimeoutMs: number;
  redisUrl: string;
  redisPrefix: string;
  smtpUrl: string | undefined;
  smtpPoolSize: number;
  mailOutboxDir: string;
  mailFrom: string;
  /** When set, every message is DKIM-signed with this key (DKIM_DOMAIN, DKIM_SELECTOR, DKIM_PRIVATE_KEY or DKIM_PRIVATE_KEY_FILE). */
  dkim: DkimConfig | undefined;
  /** The List-Id header of every message: LIST_ID, else `Campaigns <campaigns.DOMAIN>` from MAIL_FROM's domain. */
  listId: string;
  /** When set, a campaign message's envelope sender is a VERP address at it (test sends: the address itself). */
  bounceAddress: string | undefined;
  publicBaseUrl: string;
  jwtAccessSecret: string;
  jwtRefreshSecret: string;
  unsubscribeSecret: string;
  accessTokenTtlSec: number;
  refreshTokenTtlSec: number;
  /** How long a refresh token that was just replaced still gets its replacement's session (0: never). */
  refreshReuseGraceMs: number;
  adminEmail: string | undefined;
  adminPassword: string | undefined;
  workerConcurrency: number;
  mailRatePerSec: number;
  bodyLimitBytes: number;
  loginMaxFailures: number;
  loginMaxFailuresPerIp: number;
  loginWindowSec: number;
  signupMaxPerIp: number;
  signupWindowSec: number;
  passwordChangeMaxFailures: number;
  passwordChangeMaxFailuresPerIp: number;
  passwordChangeWindowSec: number;
  /** Test sends of campaigns one user may make per hour. */
  testSendMaxPerHour: number;
  /** argon2 computations run at once; verifications go first. */
  hashConcurrency: number;
  /** New password hashes that may wait for the gate before more are refused (503). */
  hashQueueLimit: number;
  dispatchPageSize: number;
  sendBatchSize: number;
  ledgerFlushSize: number;
  ledgerFlushMs: number;
  sendAttempts: number;
  sendBackoffMs: number;
  autoPauseMinFailures: number;
  autoPauseFailureRatio: number;
  /** A sending campaign pauses itself when its complaints pass this share of the messages that went out. */
  autoPauseComplaintRatio: number;
  /** … or its hard bounces pass this share. */
  autoPauseBounceRatio: number;
  /** Neither share is judged before this many messages went out. */
  autoPauseMinSent: number;
  /** The key of the generic bounce webhook's HMAC signature; unset: that webhook is off (404). */
  bounceWebhookSecret: string | undefined;
  reconcileEveryMs: number;
  jobLockMs: number;
  /** Time limit of one campaign's template checks and HTML-to-text conversion (in a worker thread). */
  templateCheckTimeoutMs: number;
  trustProxy: boolean;
  /** Longest a client may take to send a whole request (headers and body). */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open. */
  keepAliveTimeoutMs: number;
  /** Open connections one remote address may hold; 0: no limit. */
  maxConnectionsPerClient: number;
  /** When set, /metrics requires `Authorization: Bearer <token>`. */
  metricsToken: string | undefined;
  /** `cns worker` serves /metrics on this port (0: any free port); unset: no metrics listener. */
  workerMetricsPort: number | undefined;
  /** The address that listener binds to; not a loopback one unless METRICS_TOKEN is set. */
  workerMetricsHost: string;
  /** 0: user profiles are not cached. */
  userCacheTtlSec: number;
  /** The SNS topics SES publishes bounces and complaints to; empty: the `ses` webhook is off. */
  sesSnsTopicArns: string[];
  /** The Basic credentials of the `postmark` webhook's URL; unset: that webhook is off. */
  postmarkWebhookUser: string | undefined;
  postmarkWebhookPassword: string | undefined;
  /** The signed event webhook's verification key; unset: the `sendgrid` webhook is off. */
  sendgridWebhookPublicKey: string | undefined;
  /** The IMAP mailbox the workers read bounces and complaints from (BOUNCE_MAILBOX_URL); unset: none is read. */
  bounceMailbox: BounceMailboxSettings | undefined;
  bouncePollEveryMs: number;
}
