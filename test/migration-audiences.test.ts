import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drizzle } from 'drizzle-orm/mysql2';
import { migrate } from 'drizzle-orm/mysql2/migrator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMysql, ensureDatabase, runMigrations, type Mysql } from '../src/conn/mysql.ts';
import { createUserRepository } from '../src/repositories/user.repository.ts';
import { dropDatabase, testConfig } from './helpers.ts';

/** Migration 0009 on a database that already has users: what existing customers end up with. */

let m: Mysql;
let url: string;
const rows = async <T>(q: string) => (await m.pool.query(q))[0] as T[];

beforeAll(async () => {
  url = testConfig('migration_audiences').databaseUrl;
  await ensureDatabase(url);
  m = createMysql(url, 2);
  // The migrations before 0009, from a copy whose journal stops at 0008.
  const dir = mkdtempSync(join(tmpdir(), 'cns-migrations-'));
  try {
    cpSync(new URL('../migrations', import.meta.url), dir, { recursive: true });
    const journalPath = join(dir, 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { idx: number }[] };
    journal.entries = journal.entries.filter((e) => e.idx < 9);
    writeFileSync(journalPath, JSON.stringify(journal));
    await migrate(drizzle(m.pool), { migrationsFolder: dir });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  await m.pool.query(
    `INSERT INTO users (id, email, password_hash, first_name, last_name, role_id, email_opt_in) VALUES
      (1, 'admin@example.com', '', 'A', 'A', 1, true),
      (2, 'manager@example.com', '', 'M', 'M', 2, true),
      (3, 'in@example.com', '', 'I', 'I', 3, true),
      (4, 'out@example.com', '', 'O', 'O', 3, false)`,
  );
  await runMigrations(m);
});
afterAll(async () => {
  await m?.close();
  await dropDatabase(url);
});

describe('migration 0009', () => {
  it('creates topic 1, General: subscribed on signup, no double opt-in', async () => {
    expect(await rows('SELECT id, name, double_opt_in, subscribe_on_signup FROM topics')).toEqual([
      { id: 1, name: 'General', double_opt_in: 0, subscribe_on_signup: 1 },
    ]);
  });

  it('subscribes every opted-in customer to General, staff and opted-out customers not, and records it', async () => {
    expect(await rows('SELECT topic_id, user_id, status, source FROM topic_subscriptions')).toEqual([
      { topic_id: 1, user_id: 3, status: 'subscribed', source: 'migration' },
    ]);
    expect(await rows('SELECT user_id, topic_id, status, source FROM consent_events')).toEqual([
      { user_id: 3, topic_id: 1, status: 'subscribed', source: 'migration' },
    ]);
  });

  it('gives existing users no external id, the origin signup and no attributes', async () => {
    const users = await rows<{ external_id: null; origin: string; attributes: unknown }>('SELECT external_id, origin, attributes FROM users');
    expect(users).toHaveLength(4);
    const json = (v: unknown) => (typeof v === 'string' ? (JSON.parse(v) as unknown) : v);
    for (const u of users) expect({ ...u, attributes: json(u.attributes) }).toEqual({ external_id: null, origin: 'signup', attributes: {} });
  });

  it('leaves the customer data out of user records (and so out of the profile cache)', async () => {
    await m.pool.query(`UPDATE users SET external_id = 'crm-3', attributes = '{"city": "Berlin"}' WHERE id = 3`);
    const record = await createUserRepository({ db: m.db }).findById(3);
    expect(record).toMatchObject({ id: 3, email: 'in@example.com' });
    for (const key of ['externalId', 'origin', 'attributes']) expect(record).not.toHaveProperty(key);
  });
});
