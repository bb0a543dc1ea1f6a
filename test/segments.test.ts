import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limitedSelect } from '../src/repositories/filter-query.ts';
import { bearer, createTestEnv, userWithRole, type TestEnv, type TestUser } from './helpers.ts';

let t: TestEnv;
let admin: TestUser;
let manager: TestUser;
let other: TestUser;
let customer: TestUser;
const cities: Record<string, number> = {};

const call = (u: TestUser, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
  t.app.inject({ method, url, headers: bearer(u.access), ...(payload ? { payload } : {}) });

beforeAll(async () => {
  t = await createTestEnv('segments');
  admin = await userWithRole(t, 'admin');
  manager = await userWithRole(t, 'manager');
  other = await userWithRole(t, 'manager');
  customer = await userWithRole(t, 'customer');
  expect((await call(admin, 'POST', '/v1/attributes', { key: 'city', label: 'City', type: 'string' })).statusCode).toBe(201);
  for (const city of ["' OR 1=1 --", '100%', 'a_b', 'Berlin', 'berlin']) {
    const c = await userWithRole(t, 'customer');
    const res = await call(admin, 'PATCH', `/v1/customers/${c.id}`, { attributes: { city } });
    expect(res.statusCode, res.body).toBe(200);
    cities[city] = c.id;
  }
});
afterAll(() => t.close());

const estimate = async (filter: object) => {
  const res = await call(manager, 'POST', '/v1/segments/estimate', { filter });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().customers as number;
};

describe('segments', () => {
  it('saves, reads, lists, edits (version + 1) and deletes a segment, with its count of customers', async () => {
    const created = await call(manager, 'POST', '/v1/segments', { name: 'Berliners', description: 'In Berlin', filter: { attr: 'city', op: 'eq', value: 'BERLIN' } });
    expect(created.statusCode, created.body).toBe(201);
    const s = created.json().segment;
    expect(s).toMatchObject({ name: 'Berliners', description: 'In Berlin', version: 1, customers: 2, created_by: manager.id, updated_by: manager.id });
    expect((await call(admin, 'GET', `/v1/segments/${s.id}`)).json().segment).toMatchObject({ id: s.id, customers: 2 });
    const list = await call(manager, 'GET', '/v1/segments?q=berlin&per_page=5');
    expect(list.json()).toMatchObject({ page: 1, per_page: 5, total: 1, data: [{ id: s.id, customers: 2 }] });
    const members = await call(manager, 'GET', `/v1/segments/${s.id}/customers`);
    expect(members.statusCode, members.body).toBe(200);
    expect(members.json().data.map((c: { id: number }) => c.id).sort()).toEqual([cities.Berlin, cities.berlin].sort());
    expect(members.json().total).toBe(2);
    const edited = await call(manager, 'PATCH', `/v1/segments/${s.id}`, { filter: { attr: 'city', op: 'eq', value: 'Berlin' }, name: 'Berlin' });
    expect(edited.statusCode, edited.body).toBe(200);
    expect(edited.json().segment).toMatchObject({ name: 'Berlin', version: 2, customers: 2 });
    expect((await call(manager, 'DELETE', `/v1/segments/${s.id}`)).statusCode).toBe(204);
    expect((await call(manager, 'GET', `/v1/segments/${s.id}`)).statusCode).toBe(404);
    expect((await call(manager, 'GET', `/v1/segments/${s.id}/customers`)).statusCode).toBe(404);
  });

  it('keeps a count up to 60 s per version; an edit counts afresh; an empty edit changes nothing', async () => {
    const s = (await call(manager, 'POST', '/v1/segments', { name: 'Londoners', filter: { attr: 'city', op: 'eq', value: 'London' } })).json().segment;
    expect(s.customers).toBe(0);
    const c = await userWithRole(t, 'customer');
    expect((await call(admin, 'PATCH', `/v1/customers/${c.id}`, { attributes: { city: 'London' } })).statusCode).toBe(200);
    expect((await call(manager, 'GET', `/v1/segments/${s.id}`)).json().segment.customers).toBe(0);
    expect(await estimate({ attr: 'city', op: 'eq', value: 'London' })).toBe(1);
    expect((await call(manager, 'PATCH', `/v1/segments/${s.id}`, {})).json().segment).toMatchObject({ version: 1, customers: 0 });
    expect((await call(manager, 'PATCH', `/v1/segments/${s.id}`, { description: 'UK' })).json().segment).toMatchObject({ version: 2, customers: 1 });
    expect((await call(manager, 'DELETE', `/v1/segments/${s.id}`)).statusCode).toBe(204);
  });

  it('matches SQL-looking strings and LIKE metacharacters literally', async () => {
    expect(await estimate({ attr: 'city', op: 'eq', value: "' OR 1=1 --" })).toBe(1);
    expect(await estimate({ attr: 'city', op: 'contains', value: '%' })).toBe(1);
    expect(await estimate({ attr: 'city', op: 'contains', value: '_' })).toBe(1);
    expect(await estimate({ attr: 'city', op: 'starts_with', value: "'" })).toBe(1);
    expect(await estimate({ any: [{ attr: 'city', op: 'eq', value: "x' OR '1'='1" }, { field: 'email', op: 'eq', value: '"; DROP TABLE users; --' }] })).toBe(0);
  });

  it('counts customers only (role 3): staff accounts never match', async () => {
    // Every user has an email; staff (admin, managers) are left out.
    const [[row]] = (await t.ctx.mysql.pool.query('SELECT COUNT(*) AS n FROM users WHERE role_id = 3')) as unknown as [[{ n: number }]];
    expect(await estimate({ field: 'email', op: 'exists' })).toBe(Number(row.n));
  });

  it("answers a bad filter with the checker's path errors", async () => {
    const res = await call(manager, 'POST', '/v1/segments/estimate', { filter: { all: [{ attr: 'city', op: 'eq', value: 'x' }, { attr: 'city', op: 'gt', value: 'x' }] } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('VALIDATION_FAILED');
    expect(res.json().error.details[0].field).toBe('filter.all.1.op');
    const unknown = await call(manager, 'POST', '/v1/segments', { name: 'Unknown', filter: { attr: 'nope', op: 'exists' } });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.details[0].field).toBe('filter.attr');
    const missing = await call(manager, 'POST', '/v1/segments', { name: 'Missing', filter: { segment: 99999 } });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.details[0].field).toBe('filter.segment');
    for (const filter of [null, 'x', [], 42, { all: [] }, { tag: "' OR 1=1" }]) {
      const r = await call(manager, 'POST', '/v1/segments/estimate', { filter });
      expect(r.statusCode, JSON.stringify(filter)).toBe(400);
    }
    expect((await call(manager, 'POST', '/v1/segments/estimate', {})).statusCode).toBe(400);
    expect((await call(manager, 'POST', '/v1/segments/estimate', { filter: { field: 'email', op: 'exists' }, extra: 1 })).statusCode).toBe(400);
  });

  it('keeps names unique (409) and bounded, and refuses a circle between segments', async () => {
    const a = (await call(manager, 'POST', '/v1/segments', { name: 'A', filter: { field: 'email', op: 'exists' } })).json().segment;
    const dup = await call(other, 'POST', '/v1/segments', { name: 'A', filter: { field: 'email', op: 'exists' } });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error.code).toBe('NAME_TAKEN');
    expect((await call(manager, 'POST', '/v1/segments', { name: 'x'.repeat(101), filter: { field: 'email', op: 'exists' } })).statusCode).toBe(400);
    expect((await call(manager, 'POST', '/v1/segments', { name: 'Long', description: 'x'.repeat(1001), filter: { field: 'email', op: 'exists' } })).statusCode).toBe(400);
    const b = (await call(manager, 'POST', '/v1/segments', { name: 'B', filter: { segment: a.id } })).json().segment;
    expect(b).toMatchObject({ customers: a.customers });
    const circle = await call(manager, 'PATCH', `/v1/segments/${a.id}`, { filter: { segment: b.id } });
    expect(circle.statusCode).toBe(400);
    expect(circle.json().error.details[0].field).toMatch(/^filter/);
    // A named segment cannot be deleted while another names it.
    const inUse = await call(manager, 'DELETE', `/v1/segments/${a.id}`);
    expect(inUse.statusCode).toBe(409);
    expect(inUse.json().error.code).toBe('IN_USE');
    expect((await call(manager, 'DELETE', `/v1/segments/${b.id}`)).statusCode).toBe(204);
    expect((await call(manager, 'DELETE', `/v1/segments/${a.id}`)).statusCode).toBe(204);
  });

  it("lets a manager change only their own segments (another's → 403); an admin changes any", async () => {
    const mine = (await call(manager, 'POST', '/v1/segments', { name: 'Mine', filter: { field: 'email', op: 'exists' } })).json().segment;
    const theirs = (await call(other, 'POST', '/v1/segments', { name: 'Theirs', filter: { field: 'email', op: 'exists' } })).json().segment;
    const edit = await call(manager, 'PATCH', `/v1/segments/${theirs.id}`, { description: 'mine now' });
    expect(edit.statusCode).toBe(403);
    expect(edit.json().error.code).toBe('FORBIDDEN');
    expect((await call(manager, 'DELETE', `/v1/segments/${theirs.id}`)).statusCode).toBe(403);
    expect((await call(manager, 'GET', `/v1/segments/${theirs.id}`)).statusCode).toBe(200);
    expect((await call(manager, 'PATCH', `/v1/segments/${mine.id}`, { description: 'edited' })).json().segment).toMatchObject({ version: 2 });
    expect((await call(admin, 'PATCH', `/v1/segments/${theirs.id}`, { description: 'by admin' })).json().segment).toMatchObject({ version: 2, updated_by: admin.id });
    expect((await call(manager, 'DELETE', `/v1/segments/${mine.id}`)).statusCode).toBe(204);
    expect((await call(admin, 'DELETE', `/v1/segments/${theirs.id}`)).statusCode).toBe(204);
  });

  it('audits every change', async () => {
    const s = (await call(manager, 'POST', '/v1/segments', { name: 'Audited', filter: { field: 'email', op: 'exists' } })).json().segment;
    await call(manager, 'PATCH', `/v1/segments/${s.id}`, { name: 'Audited 2' });
    await call(manager, 'DELETE', `/v1/segments/${s.id}`);
    const log = await call(admin, 'GET', `/v1/audit?target_type=segment&target_id=${s.id}`);
    expect(log.statusCode, log.body).toBe(200);
    expect(log.json().data.map((e: { action: string }) => e.action).sort()).toEqual(['segment.created', 'segment.deleted', 'segment.updated']);
  });

  it('is closed to customers, and bounds its query strings', async () => {
    for (const [method, url] of [['GET', '/v1/segments'], ['POST', '/v1/segments/estimate'], ['GET', '/v1/segments/1'], ['POST', '/v1/segments']] as const) {
      expect((await call(customer, method, url, method === 'POST' ? { filter: {} } : undefined)).statusCode).toBe(403);
    }
    expect((await call(manager, 'GET', '/v1/segments?per_page=101')).statusCode).toBe(400);
    expect((await call(manager, 'GET', `/v1/segments?q=${'x'.repeat(101)}`)).statusCode).toBe(400);
    expect((await call(manager, 'GET', '/v1/segments/abc')).statusCode).toBe(400);
  });
});

describe('the statement limit on filter queries', () => {
  it('ends a query past the limit with 503 TRY_AGAIN', async () => {
    const err = await limitedSelect(t.ctx.mysql.db, sql`SLEEP(3) AS s FROM users LIMIT 1`, 0.2).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ status: 503, code: 'TRY_AGAIN' });
  });
});
