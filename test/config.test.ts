import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/config.ts';

const dir = mkdtempSync(join(tmpdir(), 'cns-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const secretsFile = () => join(dir, `nested-${++n}`, 'dev-secrets.json');

const S1 = 'a'.repeat(32);
const S2 = 'b'.repeat(32);
const S3 = 'c'.repeat(32);
const PROD = {
  NODE_ENV: 'production',
  JWT_ACCESS_SECRET: S1,
  JWT_REFRESH_SECRET: S2,
  UNSUBSCRIBE_SECRET: S3,
  SMTP_URL: 'smtp://mail.example.com:587',
  PUBLIC_BASE_URL: 'https://campaigns.example.com',
  METRICS_TOKEN: 'prometheus-scrape-token',
};

/** The ConfigError loadConfig throws for env; fails the test when it does not throw one. */
function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('defaults', () => {
  it('has the documented defaults with an empty environment', () => {
    const file = secretsFile();
    const c = loadConfig({ DEV_SECRETS_FILE: file });
    expect(c).toMatchObject({
      nodeEnv: 'development',
      logLevel: 'info',
      port: 8080,
      databaseUrl: 'mysql://root@127.0.0.1:3306/campaign_notification',
      redisUrl: 'redis://127.0.0.1:6379/0',
      redisPrefix: 'cns',
      smtpUrl: undefined,
      mailOutboxDir: './var/outbox',
      mailFrom: 'Campaigns <no-reply@localhost>',
      publicBaseUrl: 'http://localhost:8080',
      accessTokenTtlSec: 15 * 60,
      refreshTokenTtlSec: 7 * 24 * 3600,
      adminEmail: undefined,
      adminPassword: undefined,
      mailRatePerSec: 0,
      bodyLimitBytes: 1024 * 1024,
      trustProxy: false,
      templateCheckTimeoutMs: 2000,
    });
    expect(c.workerConcurrency).toBeGreaterThanOrEqual(1);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('reads the documented variables', () => {
    const c = loadConfig({
      DEV_SECRETS_FILE: secretsFile(),
      PORT: '9090',
      DATABASE_URL: 'mariadb://u:p@db:3306/cns',
      REDIS_URL: 'rediss://cache:6380/2',
      REDIS_PREFIX: 'cns-staging',
      SMTP_URL: 'smtps://user:pw@mail:465',
      MAIL_OUTBOX_DIR: '/tmp/out',
      MAIL_FROM: 'X <x@example.com>',
      ACCESS_TOKEN_TTL: '30s',
      REFRESH_TOKEN_TTL: '1d',
      ADMIN_EMAIL: 'root@example.com',
      ADMIN_PASSWORD: 'long enough',
      WORKER_CONCURRENCY: '8',
      MAIL_RATE_PER_SEC: '2.5',
      TEMPLATE_CHECK_TIMEOUT: '5s',
      LOG_LEVEL: 'debug',
      NODE_ENV: 'test',
    });
    expect(c).toMatchObject({
      port: 9090,
      databaseUrl: 'mariadb://u:p@db:3306/cns',
      redisUrl: 'rediss://cache:6380/2',
      redisPrefix: 'cns-staging',
      smtpUrl: 'smtps://user:pw@mail:465',
      mailOutboxDir: '/tmp/out',
      mailFrom: 'X <x@example.com>',
      accessTokenTtlSec: 30,
      refreshTokenTtlSec: 86400,
      adminEmail: 'root@example.com',
      adminPassword: 'long enough',
      workerConcurrency: 8,
      mailRatePerSec: 2.5,
      templateCheckTimeoutMs: 5000,
      logLevel: 'debug',
      nodeEnv: 'test',
    });
  });

  it('derives PUBLIC_BASE_URL from PORT and trims a trailing slash from a given one', () => {
    expect(loadConfig({ DEV_SECRETS_FILE: secretsFile(), PORT: '3000' }).publicBaseUrl).toBe('http://localhost:3000');
    expect(loadConfig({ DEV_SECRETS_FILE: secretsFile(), PUBLIC_BASE_URL: 'https://cns.example.com/' }).publicBaseUrl).toBe('https://cns.example.com');
  });

  it('reads the signup, password-change and hashing limits, with defaults', () => {
    expect(loadConfig({ DEV_SECRETS_FILE: secretsFile() })).toMatchObject({
      signupMaxPerIp: 20,
      signupWindowSec: 3600,
      passwordChangeMaxFailures: 5,
      passwordChangeMaxFailuresPerIp: 50,
      passwordChangeWindowSec: 900,
      hashConcurrency: availableParallelism(),
      hashQueueLimit: 16,
    });
    const c = loadConfig({
      DEV_SECRETS_FILE: secretsFile(),
      SIGNUP_MAX_PER_IP: '7',
      SIGNUP_WINDOW: '10m',
      PASSWORD_CHANGE_MAX_FAILURES: '3',
      PASSWORD_CHANGE_MAX_FAILURES_PER_IP: '9',
      PASSWORD_CHANGE_WINDOW: '1h',
      HASH_CONCURRENCY: '3',
      HASH_QUEUE_LIMIT: '0',
    });
    expect(c).toMatchObject({
      signupMaxPerIp: 7,
      signupWindowSec: 600,
      passwordChangeMaxFailures: 3,
      passwordChangeMaxFailuresPerIp: 9,
      passwordChangeWindowSec: 3600,
      hashConcurrency: 3,
      hashQueueLimit: 0,
    });
    const err = configError({ DEV_SECRETS_FILE: secretsFile(), SIGNUP_MAX_PER_IP: '0', HASH_CONCURRENCY: '0', HASH_QUEUE_LIMIT: '-1', PASSWORD_CHANGE_WINDOW: 'soon' });
    for (const name of ['SIGNUP_MAX_PER_IP', 'HASH_CONCURRENCY', 'HASH_QUEUE_LIMIT', 'PASSWORD_CHANGE_WINDOW']) expect(err.message).toContain(name);
  });

  it('reads TEST_SEND_MAX_PER_HOUR (default 20, 1 to 10,000)', () => {
    expect(loadConfig({ DEV_SECRETS_FILE: secretsFile() }).testSendMaxPerHour).toBe(20);
    expect(loadConfig({ DEV_SECRETS_FILE: secretsFile(), TEST_SEND_MAX_PER_HOUR: '3' }).testSendMaxPerHour).toBe(3);
    for (const bad of ['0', '10001', 'many']) expect(configError({ DEV_SECRETS_FILE: secretsFile(), TEST_SEND_MAX_PER_HOUR: bad }).message).toContain('TEST_SEND_MAX_PER_HOUR');
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ DEV_SECRETS_FILE: secretsFile(), PORT: '', REDIS_PREFIX: '' })).toMatchObject({ port: 8080, redisPrefix: 'cns' });
  });
});

describe('validation', () => {
  it('names every bad variable in one ConfigError', () => {
    const err = configError({ DEV_SECRETS_FILE: secretsFile(), PORT: 'abc', REDIS_URL: 'ftp://x' });
    expect(err.message).toContain('PORT');
    expect(err.message).toContain('REDIS_URL');
    expect(err.problems).toHaveLength(2);
  });

  it('names many bad variables at once', () => {
    const bad = {
      PORT: '70000',
      DATABASE_URL: 'postgres://x/y',
      REDIS_URL: 'not a url',
      REDIS_PREFIX: 'has space',
      SMTP_URL: 'http://mail',
      PUBLIC_BASE_URL: 'ftp://x',
      ACCESS_TOKEN_TTL: 'soon',
      REFRESH_TOKEN_TTL: '0',
      WORKER_CONCURRENCY: '0',
      MAIL_RATE_PER_SEC: '-1',
      NODE_ENV: 'staging',
      LOG_LEVEL: 'loud',
      JWT_ACCESS_SECRET: 'short',
    };
    const err = configError({ DEV_SECRETS_FILE: secretsFile(), ...bad });
    for (const name of Object.keys(bad)) expect(err.message, name).toContain(name);
    expect(err.problems).toHaveLength(Object.keys(bad).length);
  });

  it.each([
    ['PORT', '1.5'],
    ['PORT', '-1'],
    ['PORT', '1e3'],
    ['ACCESS_TOKEN_TTL', '500ms'],
    ['ACCESS_TOKEN_TTL', '-5m'],
    ['WORKER_CONCURRENCY', 'many'],
    ['MAIL_RATE_PER_SEC', 'Infinity'],
    ['DATABASE_URL', 'mysql'],
    ['TEMPLATE_CHECK_TIMEOUT', '50ms'],
    ['TEMPLATE_CHECK_TIMEOUT', 'soon'],
  ])('rejects %s=%s', (name, value) => {
    expect(configError({ DEV_SECRETS_FILE: secretsFile(), [name]: value }).message).toContain(name);
  });

  it('requires ADMIN_PASSWORD (8-128 characters) with ADMIN_EMAIL', () => {
    expect(configError({ DEV_SECRETS_FILE: secretsFile(), ADMIN_EMAIL: 'a@example.com' }).message).toContain('ADMIN_PASSWORD');
    expect(configError({ DEV_SECRETS_FILE: secretsFile(), ADMIN_EMAIL: 'a@example.com', ADMIN_PASSWORD: 'short' }).message).toContain('ADMIN_PASSWORD');
  });
});

describe('production', () => {
  it('accepts a complete production configuration without touching a secrets file', () => {
    const file = secretsFile();
    const c = loadConfig({ ...PROD, DEV_SECRETS_FILE: file });
    expect(c).toMatchObject({ nodeEnv: 'production', jwtAccessSecret: S1, jwtRefreshSecret: S2, unsubscribeSecret: S3 });
    expect(existsSync(file)).toBe(false);
  });

  it('refuses to start without the secrets, naming each', () => {
    const { JWT_ACCESS_SECRET: _a, JWT_REFRESH_SECRET: _r, UNSUBSCRIBE_SECRET: _u, ...env } = PROD;
    const err = configError(env);
    for (const name of ['JWT_ACCESS_SECRET', 'JWT_REFRESH_SECRET', 'UNSUBSCRIBE_SECRET']) expect(err.message).toContain(name);
    expect(configError({ ...PROD, UNSUBSCRIBE_SECRET: '' }).message).toContain('UNSUBSCRIBE_SECRET');
  });

  it('refuses secrets shorter than 32 bytes', () => {
    const err = configError({ ...PROD, JWT_ACCESS_SECRET: 'x'.repeat(31), JWT_REFRESH_SECRET: 'y'.repeat(16) });
    expect(err.message).toContain('JWT_ACCESS_SECRET');
    expect(err.message).toContain('JWT_REFRESH_SECRET');
    expect(err.message).toMatch(/32 bytes/);
    expect(err.message).not.toContain('UNSUBSCRIBE_SECRET');
    // Bytes, not characters: 11 three-byte characters are 33 bytes.
    expect(loadConfig({ ...PROD, JWT_ACCESS_SECRET: '€'.repeat(11) }).jwtAccessSecret).toBe('€'.repeat(11));
  });

  it('refuses equal secrets', () => {
    expect(configError({ ...PROD, JWT_REFRESH_SECRET: S1 }).message).toMatch(/different/);
    expect(configError({ ...PROD, UNSUBSCRIBE_SECRET: S2 }).message).toMatch(/different/);
  });

  it('refuses to run without SMTP_URL', () => {
    const { SMTP_URL: _s, ...env } = PROD;
    expect(configError(env).message).toContain('SMTP_URL');
  });

  it('refuses a plain-http PUBLIC_BASE_URL (unsubscribe links must be https)', () => {
    expect(configError({ ...PROD, PUBLIC_BASE_URL: 'http://campaigns.example.com' }).message).toContain('PUBLIC_BASE_URL');
  });

  it('reports secrets and SMTP problems together', () => {
    const err = configError({ NODE_ENV: 'production', PORT: 'x' });
    for (const name of ['PORT', 'JWT_ACCESS_SECRET', 'JWT_REFRESH_SECRET', 'UNSUBSCRIBE_SECRET', 'SMTP_URL']) expect(err.message).toContain(name);
  });
});

describe('development secrets', () => {
  it('generates secrets once, persists them, and a second load reads the same ones', () => {
    const file = secretsFile();
    const first = loadConfig({ DEV_SECRETS_FILE: file });
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).mode & 0o077).toBe(0);
    const stored = JSON.parse(readFileSync(file, 'utf8'));
    expect(stored).toEqual({
      JWT_ACCESS_SECRET: first.jwtAccessSecret,
      JWT_REFRESH_SECRET: first.jwtRefreshSecret,
      UNSUBSCRIBE_SECRET: first.unsubscribeSecret,
    });
    for (const s of [first.jwtAccessSecret, first.jwtRefreshSecret, first.unsubscribeSecret]) expect(Buffer.byteLength(s)).toBeGreaterThanOrEqual(32);
    expect(new Set([first.jwtAccessSecret, first.jwtRefreshSecret, first.unsubscribeSecret]).size).toBe(3);

    const before = readFileSync(file, 'utf8');
    const second = loadConfig({ DEV_SECRETS_FILE: file, NODE_ENV: 'test' });
    expect(second.jwtAccessSecret).toBe(first.jwtAccessSecret);
    expect(second.jwtRefreshSecret).toBe(first.jwtRefreshSecret);
    expect(second.unsubscribeSecret).toBe(first.unsubscribeSecret);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('prefers secrets from the environment and generates only the missing ones', () => {
    const file = secretsFile();
    const c = loadConfig({ DEV_SECRETS_FILE: file, JWT_ACCESS_SECRET: S1 });
    expect(c.jwtAccessSecret).toBe(S1);
    const stored = JSON.parse(readFileSync(file, 'utf8'));
    expect(stored.JWT_ACCESS_SECRET).toBeUndefined();
    expect(stored.JWT_REFRESH_SECRET).toBe(c.jwtRefreshSecret);
    expect(loadConfig({ DEV_SECRETS_FILE: file }).jwtRefreshSecret).toBe(c.jwtRefreshSecret);
  });

  it('different files give different secrets', () => {
    const a = loadConfig({ DEV_SECRETS_FILE: secretsFile() });
    const b = loadConfig({ DEV_SECRETS_FILE: secretsFile() });
    expect(a.jwtAccessSecret).not.toBe(b.jwtAccessSecret);
  });

  it('a corrupt secrets file is a ConfigError naming DEV_SECRETS_FILE', () => {
    const file = join(dir, 'corrupt.json');
    writeFileSync(file, '{not json');
    expect(configError({ DEV_SECRETS_FILE: file }).message).toContain('DEV_SECRETS_FILE');
    writeFileSync(file, '[]');
    expect(configError({ DEV_SECRETS_FILE: file }).message).toContain('DEV_SECRETS_FILE');
    writeFileSync(file, JSON.stringify({ JWT_ACCESS_SECRET: 'short', JWT_REFRESH_SECRET: 42 }));
    const err = configError({ DEV_SECRETS_FILE: file });
    expect(err.message).toContain('JWT_ACCESS_SECRET');
    expect(err.message).toContain('JWT_REFRESH_SECRET');
  });
});

describe('MySQL time limits', () => {
  it('DB_QUERY_TIMEOUT and DB_ACQUIRE_TIMEOUT default to 8s and 5s, take durations, and 0 turns them off', () => {
    expect(loadConfig({ DEV_SECRETS_FILE: secretsFile() })).toMatchObject({ dbQueryTimeoutMs: 8000, dbAcquireTimeoutMs: 5000 });
    expect(loadConfig({ DEV_SECRETS_FILE: secretsFile(), DB_QUERY_TIMEOUT: '30s', DB_ACQUIRE_TIMEOUT: '750ms' })).toMatchObject({
      dbQueryTimeoutMs: 30_000,
      dbAcquireTimeoutMs: 750,
    });
    expect(loadConfig({ DEV_SECRETS_FILE: secretsFile(), DB_QUERY_TIMEOUT: '0', DB_ACQUIRE_TIMEOUT: '0' })).toMatchObject({
      dbQueryTimeoutMs: 0,
      dbAcquireTimeoutMs: 0,
    });
  });

  it('refuses limits under 100 ms (a bare number is milliseconds) and non-durations', () => {
    const err = configError({ DEV_SECRETS_FILE: secretsFile(), DB_QUERY_TIMEOUT: '8', DB_ACQUIRE_TIMEOUT: 'soon' });
    expect(err.problems).toEqual([expect.stringContaining('DB_QUERY_TIMEOUT'), expect.stringContaining('DB_ACQUIRE_TIMEOUT')]);
  });
});

describe('HTTP edge', () => {
  it('defaults: 30 s to receive a request, 5 s keep-alive, 128 connections per client, /metrics without a token', () => {
    expect(loadConfig({ DEV_SECRETS_FILE: secretsFile() })).toMatchObject({
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5_000,
      maxConnectionsPerClient: 128,
      metricsToken: undefined,
    });
  });

  it('reads REQUEST_TIMEOUT, KEEP_ALIVE_TIMEOUT, MAX_CONNECTIONS_PER_CLIENT and METRICS_TOKEN', () => {
    const c = loadConfig({
      DEV_SECRETS_FILE: secretsFile(),
      REQUEST_TIMEOUT: '10s',
      KEEP_ALIVE_TIMEOUT: '65s',
      MAX_CONNECTIONS_PER_CLIENT: '0',
      METRICS_TOKEN: 'a-long-enough-token',
    });
    expect(c).toMatchObject({ requestTimeoutMs: 10_000, keepAliveTimeoutMs: 65_000, maxConnectionsPerClient: 0, metricsToken: 'a-long-enough-token' });
  });

  it('WORKER_METRICS_PORT: no worker metrics listener unless set; a port from 0 (any free one) to 65535', () => {
    expect(loadConfig({ DEV_SECRETS_FILE: secretsFile() }).workerMetricsPort).toBeUndefined();
    expect(loadConfig({ DEV_SECRETS_FILE: secretsFile(), WORKER_METRICS_PORT: '9464' }).workerMetricsPort).toBe(9464);
    expect(loadConfig({ DEV_SECRETS_FILE: secretsFile(), WORKER_METRICS_PORT: '0' }).workerMetricsPort).toBe(0);
    for (const bad of ['70000', '-1', 'metrics', '94.64']) {
      expect(configError({ DEV_SECRETS_FILE: secretsFile(), WORKER_METRICS_PORT: bad }).message, bad).toContain('WORKER_METRICS_PORT');
    }
  });

  it('WORKER_METRICS_HOST: the worker metrics listener binds 127.0.0.1 by default, not HOST', () => {
    expect(loadConfig({ DEV_SECRETS_FILE: secretsFile() })).toMatchObject({ host: '0.0.0.0', workerMetricsHost: '127.0.0.1' });
    expect(loadConfig({ DEV_SECRETS_FILE: secretsFile(), HOST: '0.0.0.0', WORKER_METRICS_PORT: '9464' }).workerMetricsHost).toBe('127.0.0.1');
    expect(loadConfig({ DEV_SECRETS_FILE: secretsFile(), WORKER_METRICS_HOST: '' }).workerMetricsHost).toBe('127.0.0.1');
  });

  it('WORKER_METRICS_HOST: any loopback address without METRICS_TOKEN (127.0.0.0/8, ::1, localhost)', () => {
    for (const host of ['127.0.0.1', '127.3.2.1', '127.255.255.254', '::1', '0:0:0:0:0:0:0:1', 'localhost', 'LocalHost']) {
      expect(loadConfig({ DEV_SECRETS_FILE: secretsFile(), WORKER_METRICS_HOST: host, WORKER_METRICS_PORT: '9464' }).workerMetricsHost, host).toBe(host);
    }
  });

  it('WORKER_METRICS_HOST: refuses a non-loopback address while METRICS_TOKEN is unset, and takes it with the token', () => {
    for (const host of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.20', '128.0.0.1', '126.255.255.255', '::2', 'metrics.internal', 'localhost.example.com', '127.0.0.1.nip.io']) {
      const err = configError({ DEV_SECRETS_FILE: secretsFile(), WORKER_METRICS_HOST: host, WORKER_METRICS_PORT: '9464' });
      expect(err.problems, host).toEqual([
        `WORKER_METRICS_HOST ${host} is not a loopback address (127.0.0.0/8, ::1, localhost): set METRICS_TOKEN too, or the worker's /metrics is open to the network`,
      ]);
      expect(loadConfig({ DEV_SECRETS_FILE: secretsFile(), WORKER_METRICS_HOST: host, METRICS_TOKEN: 'a-long-enough-token' }).workerMetricsHost, host).toBe(host);
    }
    // Refused even before WORKER_METRICS_PORT is set: the pair would open the listener to the network.
    expect(configError({ DEV_SECRETS_FILE: secretsFile(), WORKER_METRICS_HOST: '0.0.0.0' }).message).toContain('WORKER_METRICS_HOST 0.0.0.0 is not a loopback address');
    // In production METRICS_TOKEN is required anyway, and with it any address is taken.
    expect(loadConfig({ ...PROD, WORKER_METRICS_HOST: '0.0.0.0' }).workerMetricsHost).toBe('0.0.0.0');
    const { METRICS_TOKEN: _m, ...noToken } = PROD;
    expect(configError({ ...noToken, WORKER_METRICS_HOST: '0.0.0.0' }).problems).toEqual([
      expect.stringMatching(/^METRICS_TOKEN is required in production/),
      expect.stringMatching(/^WORKER_METRICS_HOST 0\.0\.0\.0 is not a loopback address/),
    ]);
  });

  it('counts no connections per client behind a proxy unless told to (every connection comes from the proxy)', () => {
    expect(loadConfig({ DEV_SECRETS_FILE: secretsFile(), TRUST_PROXY: 'true' }).maxConnectionsPerClient).toBe(0);
    expect(loadConfig({ DEV_SECRETS_FILE: secretsFile(), TRUST_PROXY: 'true', MAX_CONNECTIONS_PER_CLIENT: '500' }).maxConnectionsPerClient).toBe(500);
  });

  it.each([
    ['REQUEST_TIMEOUT', '500ms'],
    ['REQUEST_TIMEOUT', '2h'],
    ['REQUEST_TIMEOUT', 'soon'],
    ['KEEP_ALIVE_TIMEOUT', '0'],
    ['MAX_CONNECTIONS_PER_CLIENT', '-1'],
    ['MAX_CONNECTIONS_PER_CLIENT', 'lots'],
    ['METRICS_TOKEN', 'short'],
  ])('rejects %s=%s', (name, value) => {
    expect(configError({ DEV_SECRETS_FILE: secretsFile(), [name]: value }).message).toContain(name);
  });

  it('requires METRICS_TOKEN in production', () => {
    const { METRICS_TOKEN: _m, ...env } = PROD;
    const err = configError(env);
    expect(err.message).toContain('METRICS_TOKEN');
    expect(err.problems).toHaveLength(1);
    expect(configError({ ...PROD, METRICS_TOKEN: '' }).message).toContain('METRICS_TOKEN');
  });
});

describe('bounce mailbox', () => {
  const load = (env: Record<string, string>) => loadConfig({ DEV_SECRETS_FILE: secretsFile(), ...env });

  it('is off by default and polls every minute once set', () => {
    const c = load({});
    expect(c.bounceMailbox).toBeUndefined();
    expect(c.bouncePollEveryMs).toBe(60_000);
    expect(load({ BOUNCE_POLL_EVERY: '30s' }).bouncePollEveryMs).toBe(30_000);
  });

  it('reads an imaps URL: port 993, INBOX, percent-decoded user and password, certificate checked', () => {
    expect(load({ BOUNCE_MAILBOX_URL: 'imaps://bounce%40example.com:p%40ss%2Fw%3Ard@mail.example.com' }).bounceMailbox).toEqual({
      host: 'mail.example.com',
      port: 993,
      secure: true,
      user: 'bounce@example.com',
      password: 'p@ss/w:rd',
      mailbox: 'INBOX',
      tlsVerify: true,
    });
  });

  it('reads an imap URL with a port, a folder and tls_verify=false (STARTTLS with a self-signed certificate)', () => {
    expect(load({ BOUNCE_MAILBOX_URL: 'imap://u:pw@127.0.0.1:1143/Bounces%2FIn?tls_verify=false' }).bounceMailbox).toEqual({
      host: '127.0.0.1',
      port: 1143,
      secure: false,
      user: 'u',
      password: 'pw',
      mailbox: 'Bounces/In',
      tlsVerify: false,
    });
  });

  it('refuses a bad URL with a message naming the variable and never the password', () => {
    const cases: [string, RegExp][] = [
      ['https://u:secret-pw@mail.example.com/INBOX', /BOUNCE_MAILBOX_URL must be an imap: or imaps: URL/],
      ['imaps://mail.example.com/INBOX', /BOUNCE_MAILBOX_URL must carry a user and a password/],
      ['imaps://u:secret-pw%zz@mail.example.com/', /BOUNCE_MAILBOX_URL has a bad percent-encoding/],
      ['imaps://u:secret-pw@mail.example.com/?tls_verify=maybe', /BOUNCE_MAILBOX_URL tls_verify must be true or false/],
      ['imaps://u:secret-pw@mail.example.com/?verify=no', /BOUNCE_MAILBOX_URL has an unknown option "verify"/],
      ['not a url secret-pw', /BOUNCE_MAILBOX_URL must be a URL/],
    ];
    for (const [url, message] of cases) {
      const err = configError({ DEV_SECRETS_FILE: secretsFile(), BOUNCE_MAILBOX_URL: url });
      expect(err.message).toMatch(message);
      expect(err.message).not.toContain('secret-pw');
    }
    expect(configError({ DEV_SECRETS_FILE: secretsFile(), BOUNCE_POLL_EVERY: '10ms' }).message).toMatch(/BOUNCE_POLL_EVERY must be a duration from 1s to 1d/);
  });
});

describe('deliverability: DKIM, List-Id, BOUNCE_ADDRESS', () => {
  const rsa = (bits: number, type: 'pkcs8' | 'pkcs1' = 'pkcs8') =>
    generateKeyPairSync('rsa', { modulusLength: bits, privateKeyEncoding: { type, format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const key = rsa(2048);
  const DKIM = { DKIM_DOMAIN: 'mail.example.com', DKIM_SELECTOR: 'cns2026', DKIM_PRIVATE_KEY: key.privateKey };
  const env = (over: Record<string, string>) => ({ DEV_SECRETS_FILE: secretsFile(), ...over });
  const problems = (over: Record<string, string>) => configError(env(over)).problems;

  it('defaults: no DKIM, no bounce address, a List-Id from MAIL_FROM\'s domain', () => {
    expect(loadConfig(env({}))).toMatchObject({ dkim: undefined, bounceAddress: undefined, listId: 'Campaigns <campaigns.localhost>' });
    expect(loadConfig(env({ MAIL_FROM: 'Shop <news@Shop.Example.com>' })).listId).toBe('Campaigns <campaigns.shop.example.com>');
  });

  it('reads DKIM from an inline PEM (real line breaks or \\n escapes, PKCS#8 or PKCS#1) or from a file', () => {
    const c = loadConfig(env(DKIM));
    expect(c.dkim).toEqual({ domain: 'mail.example.com', selector: 'cns2026', privateKey: key.privateKey });
    const escaped = loadConfig(env({ ...DKIM, DKIM_PRIVATE_KEY: key.privateKey.trim().replace(/\n/g, '\\n') }));
    expect(escaped.dkim?.privateKey).toBe(key.privateKey);
    const pkcs1 = rsa(1024, 'pkcs1');
    expect(pkcs1.privateKey).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    expect(loadConfig(env({ ...DKIM, DKIM_PRIVATE_KEY: pkcs1.privateKey })).dkim?.privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const file = join(dir, 'dkim.pem');
    writeFileSync(file, key.privateKey);
    const { DKIM_PRIVATE_KEY: _k, ...rest } = DKIM;
    expect(loadConfig(env({ ...rest, DKIM_PRIVATE_KEY_FILE: file })).dkim).toEqual(c.dkim);
    // The domain in lower case, without a trailing dot.
    expect(loadConfig(env({ ...DKIM, DKIM_DOMAIN: 'Mail.Example.com.' })).dkim?.domain).toBe('mail.example.com');
  });

  it('takes DKIM all or nothing, naming what is missing', () => {
    expect(problems({ DKIM_DOMAIN: 'mail.example.com', DKIM_PRIVATE_KEY: key.privateKey })).toEqual([
      'DKIM_SELECTOR is required when DKIM_DOMAIN and DKIM_PRIVATE_KEY or DKIM_PRIVATE_KEY_FILE are set (DKIM needs the domain, the selector and the key)',
    ]);
    const onlyDomain = problems({ DKIM_DOMAIN: 'mail.example.com' });
    expect(onlyDomain).toHaveLength(2);
    expect(onlyDomain.join('\n')).toMatch(/^DKIM_SELECTOR is required when DKIM_DOMAIN is set/m);
    expect(onlyDomain.join('\n')).toMatch(/^DKIM_PRIVATE_KEY or DKIM_PRIVATE_KEY_FILE is required when DKIM_DOMAIN is set/m);
    expect(problems({ DKIM_SELECTOR: 's1', DKIM_PRIVATE_KEY: key.privateKey })[0]).toMatch(/^DKIM_DOMAIN is required/);
  });

  it('refuses a key that is not an unencrypted RSA private key of at least 1024 bits, naming the variable', () => {
    const bad = (privateKey: string) => problems({ ...DKIM, DKIM_PRIVATE_KEY: privateKey });
    expect(bad('not a key')).toEqual([expect.stringMatching(/^DKIM_PRIVATE_KEY must be an unencrypted PEM private key/)]);
    // Cut short (a bad paste):
    expect(bad(`${key.privateKey.slice(0, 300)}\n-----END PRIVATE KEY-----\n`)[0]).toMatch(/^DKIM_PRIVATE_KEY must be an unencrypted PEM private key/);
    expect(bad(key.publicKey)[0]).toMatch(/^DKIM_PRIVATE_KEY must be an unencrypted PEM private key/);
    const encrypted = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    expect(bad(encrypted.privateKey)[0]).toMatch(/^DKIM_PRIVATE_KEY must be an unencrypted PEM private key/);
    expect(bad(rsa(512).privateKey)).toEqual(['DKIM_PRIVATE_KEY must be an RSA key of at least 1024 bits (2048 recommended), not 512']);
    const ed = generateKeyPairSync('ed25519', { privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    expect(bad(ed.privateKey)).toEqual(['DKIM_PRIVATE_KEY must be an RSA key (the signer supports rsa-sha256 only), not ed25519']);
  });

  it('refuses both key variables at once, an unreadable key file, and a bad domain or selector', () => {
    expect(problems({ ...DKIM, DKIM_PRIVATE_KEY_FILE: join(dir, 'dkim.pem') })).toEqual([
      'DKIM_PRIVATE_KEY and DKIM_PRIVATE_KEY_FILE are both set; set only one',
    ]);
    const { DKIM_PRIVATE_KEY: _k, ...rest } = DKIM;
    const missing = join(dir, 'no-such.pem');
    expect(problems({ ...rest, DKIM_PRIVATE_KEY_FILE: missing })).toEqual([`DKIM_PRIVATE_KEY_FILE ${missing} cannot be read (ENOENT)`]);
    const garbage = join(dir, 'garbage.pem');
    writeFileSync(garbage, 'hello');
    expect(problems({ ...rest, DKIM_PRIVATE_KEY_FILE: garbage })[0]).toMatch(/^DKIM_PRIVATE_KEY_FILE .*garbage\.pem: must be an unencrypted PEM private key/);
    for (const domain of ['localhost', 'exa mple.com', '-x.example.com', 'a..b']) {
      expect(problems({ ...DKIM, DKIM_DOMAIN: domain }), domain).toEqual(['DKIM_DOMAIN must be a domain name such as example.com']);
    }
    for (const selector of ['has space', 's_1', 'x;y=z', '-s1']) {
      expect(problems({ ...DKIM, DKIM_SELECTOR: selector })[0], selector).toMatch(/^DKIM_SELECTOR must be a selector/);
    }
  });

  it('reads LIST_ID in its three forms and refuses a malformed one', () => {
    expect(loadConfig(env({ LIST_ID: 'Spring offers <offers.shop.example.com>' })).listId).toBe('Spring offers <offers.shop.example.com>');
    expect(loadConfig(env({ LIST_ID: '<offers.example.com>' })).listId).toBe('<offers.example.com>');
    expect(loadConfig(env({ LIST_ID: 'offers.example.com' })).listId).toBe('<offers.example.com>');
    for (const bad of ['offers', 'Offers <offers>', 'Offers <a b.example.com>', 'Bad, "name" <x.example.com>', 'x.example.com\r\nBcc: a@b.c', `<${'a'.repeat(250)}.example.com>`]) {
      expect(problems({ LIST_ID: bad })[0], bad).toMatch(/^LIST_ID must be a list name and id/);
    }
  });

  it('reads BOUNCE_ADDRESS and refuses what is not a bare address with room for the VERP tag', () => {
    expect(loadConfig(env({ BOUNCE_ADDRESS: 'bounces@mail.example.com' })).bounceAddress).toBe('bounces@mail.example.com');
    for (const bad of ['Bounces <bounces@example.com>', 'bounces', 'bounces@', '@example.com', 'a b@example.com', 'b@exa mple.com', 'b@x@example.com']) {
      expect(problems({ BOUNCE_ADDRESS: bad }), bad).toEqual(['BOUNCE_ADDRESS must be a bare email address such as bounces@example.com']);
    }
    expect(problems({ BOUNCE_ADDRESS: 'bounces+tag@example.com' })[0]).toMatch(/^BOUNCE_ADDRESS must not contain "\+"/);
    expect(loadConfig(env({ BOUNCE_ADDRESS: `${'b'.repeat(23)}@example.com` })).bounceAddress).toBe(`${'b'.repeat(23)}@example.com`);
    expect(problems({ BOUNCE_ADDRESS: `${'b'.repeat(24)}@example.com` })[0]).toMatch(/^BOUNCE_ADDRESS must have a local part of at most 23 characters/);
  });
});
