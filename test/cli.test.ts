import { execFile, spawn } from 'node:child_process';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Redis } from 'ioredis';
import mysql from 'mysql2/promise';
import { loadConfig } from '../src/config/config.ts';
import { createOutboxMailer } from '../src/conn/mailer.ts';
import { txtResolver, verify } from './dkim.ts';
import { CNS, dropDatabase, REDIS_URL, testEnvVars } from './helpers.ts';

const run = promisify(execFile);
// Every test here starts `cns` processes from the TypeScript sources, up to four in a row, each of
// which takes seconds to load on a busy machine: the waits are generous, so that only a process that
// hangs fails a test.
vi.setConfig({ testTimeout: 120_000 });
const COMMAND_TIMEOUT_MS = 60_000;
const databases: string[] = [];
const prefixes: string[] = [];
afterAll(async () => {
  for (const url of databases) await dropDatabase(url);
  const redis = new Redis(REDIS_URL);
  for (const prefix of prefixes) {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
  }
  redis.disconnect();
});

/** A test environment whose database and Redis keys are removed afterwards. */
function envFor(overrides: Record<string, string> = {}) {
  const env = testEnvVars('cli', overrides);
  databases.push(env.DATABASE_URL!);
  prefixes.push(env.REDIS_PREFIX!);
  return env;
}

/** Runs `cns …` (from the sources) as a user would; resolves with the exit code and output instead of throwing. */
function cns(args: string[], env: Record<string, string>) {
  return node([...CNS, ...args], env);
}

async function node(args: string[], env: Record<string, string>) {
  try {
    const { stdout, stderr } = await run(process.execPath, args, { env: { ...process.env, ...env }, timeout: COMMAND_TIMEOUT_MS });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('cns CLI', () => {
  it('says in one line that MySQL is unreachable and exits 1', async () => {
    const env = envFor({ DATABASE_URL: 'mysql://root@127.0.0.1:1/nothing' });
    const r = await cns(['serve'], env);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^cns: cannot prepare MySQL at mysql:\/\/root@127\.0\.0\.1:1\/nothing: .*ECONNREFUSED/);
  });

  it('says in one line that Redis is unreachable and exits 1', async () => {
    const env = envFor({ REDIS_URL: 'redis://127.0.0.1:1/0', PORT: '0' });
    const r = await cns(['serve'], env);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^cns: cannot reach Redis at redis:\/\/127\.0\.0\.1:1\/0: .*ECONNREFUSED/);
  });

  it('names every bad variable and exits 2', async () => {
    const r = await cns(['serve'], envFor({ PORT: 'abc', REDIS_URL: 'ftp://x', SEND_ATTEMPTS: '0' }));
    expect(r.code).toBe(2);
    for (const name of ['PORT', 'REDIS_URL', 'SEND_ATTEMPTS']) expect(r.stderr).toContain(name);
  });

  it('migrates a new database and creates an admin once', async () => {
    const env = envFor();
    const migrated = await cns(['migrate'], env);
    expect(migrated).toMatchObject({ code: 0, stdout: 'migrations applied\n' });
    const created = await cns(['create-admin', '--email', 'Root@Example.com', '--password', 'long-enough-password'], env);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^created admin root@example\.com \(id \d+\)/);
    const again = await cns(['create-admin', '--email', 'root@example.com', '--password', 'long-enough-password'], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists/);
    const short = await cns(['create-admin', '--email', 'x@example.com', '--password', 'short'], env);
    expect(short.code).toBe(2);
  });

  it('refuses in one line an ADMIN_EMAIL that belongs to an account that is not an admin, and exits 2', async () => {
    const env = envFor({ ADMIN_EMAIL: 'taken@example.com', ADMIN_PASSWORD: 'long-enough-password', PORT: '0' });
    expect((await cns(['migrate'], env)).code).toBe(0);
    const conn = await mysql.createConnection({ uri: env.DATABASE_URL! });
    await conn.query("INSERT INTO users (email, password_hash, first_name, last_name, role_id) VALUES ('taken@example.com', 'x', 'T', 'K', 3)");
    await conn.end();
    const r = await cns(['serve'], env);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^cns: ADMIN_EMAIL taken@example\.com belongs to an existing account that is not an admin/);
  });

  it('a worker started on a new database migrates it first', async () => {
    const env = envFor({ LOG_LEVEL: 'info' });
    const child = spawn(process.execPath, [...CNS, 'worker'], { env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await expect.poll(() => out, { timeout: COMMAND_TIMEOUT_MS, interval: 100 }).toContain('workers started');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const conn = await mysql.createConnection({ uri: env.DATABASE_URL! });
    const [rows] = await conn.query('SELECT COUNT(*) AS n FROM role_permissions');
    await conn.end();
    expect((rows as { n: number }[])[0]!.n).toBeGreaterThan(0);
  });

  it('serves and works, then shuts down cleanly on SIGTERM', async () => {
    const env = envFor({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', REQUEST_TIMEOUT: '1s' });
    const child = spawn(process.execPath, [...CNS, 'start'], { env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line in: ${out}`)), COMMAND_TIMEOUT_MS);
      child.stdout.on('data', () => {
        const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
    });
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    // The listener bounds how long a request may take to arrive (REQUEST_TIMEOUT).
    const { hostname, port } = new URL(url);
    const slow = connect({ host: hostname, port: Number(port) });
    slow.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    let answer = '';
    slow.on('data', (d: Buffer) => (answer += d.toString()));
    // Cut 1 to 1.25 s after it began; 10 s leave a busy machine room.
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the request was not cut off within 10 s')), 10_000);
      slow.once('close', () => resolve(clearTimeout(timer)));
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toContain('shutting down');
  });
});

describe('cns shutdown', () => {
  it('a second SIGTERM while a shutdown waits for a request exits at once with status 1', async () => {
    const env = envFor({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', REQUEST_TIMEOUT: '60s' });
    const child = spawn(process.execPath, [...CNS, 'serve'], { env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const listening = /Server listening at http:\/\/127\.0\.0\.1:(\d+)/;
    await expect.poll(() => listening.test(out), { timeout: COMMAND_TIMEOUT_MS, interval: 100 }).toBe(true);
    const port = listening.exec(out)![1]!;
    // A request whose body never finishes: the graceful close waits for it (up to REQUEST_TIMEOUT).
    const pending = connect({ host: '127.0.0.1', port: Number(port) });
    let answer = '';
    pending.on('data', (d: Buffer) => (answer += d.toString()));
    pending.on('error', () => undefined);
    await new Promise((resolve) => pending.once('connect', resolve));
    pending.write('POST /v1/auth/login HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{');
    await new Promise((resolve) => setTimeout(resolve, 200));
    child.kill('SIGTERM');
    await expect.poll(() => out, { timeout: 30_000, interval: 50 }).toContain('shutting down');
    child.kill('SIGTERM');
    expect(await exited).toBe(1);
    expect(err).toContain('cns: SIGTERM while shutting down; exiting at once');
    // It did not wait for the request (a graceful close would, up to REQUEST_TIMEOUT's 60 s, then answer 408).
    expect(answer).toBe('');
    pending.destroy();
  });
});

describe('cns dkim-keygen', () => {
  it('prints only a new RSA-2048 key on stdout, and on stderr the TXT record of its public key (strings of at most 255) and the settings', async () => {
    const r = await cns(['dkim-keygen', '--domain', 'Mail.Example.com', '--selector', 'cns2026'], envFor());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^-----BEGIN PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END PRIVATE KEY-----\n$/);
    const key = createPrivateKey(r.stdout);
    expect(key.asymmetricKeyType).toBe('rsa');
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(r.stderr).not.toContain(r.stdout.split('\n')[1]);

    const strings = txtStrings(r.stderr);
    expect(strings.length).toBeGreaterThan(1);
    for (const s of strings) expect(s.length).toBeLessThanOrEqual(255);
    const publicKey = createPublicKey(key).export({ type: 'spki', format: 'der' }).toString('base64');
    expect(strings.join('')).toBe(`v=DKIM1; k=rsa; p=${publicKey}`);
    for (const line of ['DKIM_DOMAIN=mail.example.com', 'DKIM_SELECTOR=cns2026', 'DKIM_PRIVATE_KEY_FILE=']) expect(r.stderr).toContain(line);
    expect(r.stderr).toContain('dig +short TXT cns2026._domainkey.mail.example.com');

    // Two runs, two keys.
    const again = await cns(['dkim-keygen', '--domain', 'mail.example.com', '--selector', 'cns2026'], envFor());
    expect(again.stdout).not.toBe(r.stdout);
  });

  it('a message signed with the printed key, as the service signs it, verifies against the printed record', async () => {
    const r = await cns(['dkim-keygen', '--domain', 'mail.example.com', '--selector', 'cns2026'], envFor());
    expect(r.code, r.stderr).toBe(0);
    // The key as a user sets it: the PEM itself in DKIM_PRIVATE_KEY.
    const config = loadConfig(testEnvVars('cli_dkim', { DKIM_DOMAIN: 'mail.example.com', DKIM_SELECTOR: 'cns2026', DKIM_PRIVATE_KEY: r.stdout }));
    const outbox = await mkdtemp(join(tmpdir(), 'cns-dkim-'));
    try {
      const mailer = createOutboxMailer(outbox, config.dkim);
      await mailer.send({
        from: 'Offers <offers@mail.example.com>',
        to: 'ada@example.com',
        subject: 'Signed',
        html: '<p>Hello</p>',
        text: 'Hello',
        messageId: '<c1.u2.key@mail.example.com>',
        headers: { 'List-Unsubscribe': '<https://cns.example.test/v1/unsubscribe?token=x>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
      });
      mailer.close();
      const raw = await readFile(join(outbox, 'campaign-1.user-2.eml'));
      const v = await verify(raw, txtResolver({ 'cns2026._domainkey.mail.example.com': txtStrings(r.stderr) }));
      expect(v.results).toEqual([{ result: 'pass', domain: 'mail.example.com', selector: 'cns2026' }]);
    } finally {
      await rm(outbox, { recursive: true, force: true });
    }
  });

  it('refuses a bad domain or selector, naming the option, and prints no key', async () => {
    const domain = await cns(['dkim-keygen', '--domain', 'not a domain', '--selector', 's1'], envFor());
    expect(domain).toMatchObject({ code: 2, stdout: '' });
    expect(domain.stderr).toMatch(/^cns: --domain must be a domain name/);
    const selector = await cns(['dkim-keygen', '--domain', 'example.com', '--selector', 'a;b'], envFor());
    expect(selector).toMatchObject({ code: 2, stdout: '' });
    expect(selector.stderr).toMatch(/^cns: --selector must be a selector/);
  });

  it('a bad DKIM or bounce setting stops serve with exit 2, naming each variable', async () => {
    const r = await cns(['serve'], envFor({ DKIM_DOMAIN: 'mail.example.com', DKIM_PRIVATE_KEY: 'not a key', BOUNCE_ADDRESS: 'Bounces <b@example.com>' }));
    expect(r.code).toBe(2);
    for (const name of ['DKIM_SELECTOR is required', 'DKIM_PRIVATE_KEY must be', 'BOUNCE_ADDRESS must be']) expect(r.stderr).toContain(name);
  });
});

/** The strings of the zone-file TXT line `… IN TXT "…" "…"` in `text`. */
function txtStrings(text: string): string[] {
  const line = /^\s*\S+\._domainkey\.\S+\. IN TXT (.*)$/m.exec(text)?.[1] ?? '';
  return [...line.matchAll(/"([^"]*)"/g)].map((m) => m[1]!);
}

describe('bin/cns.js', () => {
  // Builds dist/ as `npm ci` does (about 5 s), so that what bin/cns.js runs is these sources compiled.
  beforeAll(async () => {
    await run('npm', ['run', 'build'], { timeout: 120_000 });
  }, 120_000);

  it('runs the compiled CLI in dist/', async () => {
    const r = await node(['bin/cns.js', 'migrate'], envFor());
    expect(r).toMatchObject({ code: 0, stdout: 'migrations applied\n' });
  });

  it('without dist/ says to run `npm run build` and exits 1', async () => {
    const root = await mkdtemp(join(tmpdir(), 'cns-bin-'));
    try {
      await mkdir(join(root, 'bin'));
      await copyFile('bin/cns.js', join(root, 'bin/cns.js'));
      const r = await node([join(root, 'bin/cns.js'), 'migrate'], envFor());
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^cns: dist\/ is missing; run `npm run build`/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
