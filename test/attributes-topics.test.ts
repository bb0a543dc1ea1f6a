import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestEnv, userWithRole, type TestEnv, type TestUser } from './helpers.ts';

let t: TestEnv;
let admin: TestUser;
let manager: TestUser;
let customer: TestUser;

beforeAll(async () => {
  t = await createTestEnv('attributes_topics');
  admin = await userWithRole(t, 'admin');
  manager = await userWithRole(t, 'manager');
  customer = await userWithRole(t, 'customer');
});
afterAll(() => t.close());

const call = (u: TestUser, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
  t.app.inject({ method, url, headers: bearer(u.access), ...(payload ? { payload } : {}) });

describe('attributes', () => {
  it('defines, lists, relabels and deletes an attribute', async () => {
    const created = await call(admin, 'POST', '/v1/attributes', { key: 'plan', label: 'Plan', type: 'enum', options: ['Free', 'Pro'] });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().attribute).toEqual({ key: 'plan', label: 'Plan', type: 'enum', options: ['Free', 'Pro'], indexed: false });
    const list = await call(manager, 'GET', '/v1/attributes');
    expect(list.statusCode).toBe(200);
    expect(list.json().data.map((d: { key: string }) => d.key)).toContain('plan');
    const patched = await call(admin, 'PATCH', '/v1/attributes/plan', { label: 'Price plan', options: ['Free', 'Pro', 'Team'] });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json().attribute).toMatchObject({ label: 'Price plan', options: ['Free', 'Pro', 'Team'] });
    expect((await call(admin, 'DELETE', '/v1/attributes/plan')).statusCode).toBe(204);
    expect((await call(admin, 'DELETE', '/v1/attributes/plan')).statusCode).toBe(404);
  });

  it('refuses a bad key, a duplicate key, options on a non-enum, and an enum without options', async () => {
    const bad = await call(admin, 'POST', '/v1/attributes', { key: 'Bad Key', label: 'x', type: 'string' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details[0].field).toBe('key');
    expect((await call(admin, 'POST', '/v1/attributes', { key: 'city', label: 'City', type: 'string' })).statusCode).toBe(201);
    const dup = await call(admin, 'POST', '/v1/attributes', { key: 'city', label: 'Town', type: 'string' });
    expect(dup.statusCode).toBe(409);
    const opts = await call(admin, 'POST', '/v1/attributes', { key: 'age', label: 'Age', type: 'number', options: ['1'] });
    expect(opts.statusCode).toBe(400);
    expect(opts.json().error.details[0].field).toBe('options');
    expect((await call(admin, 'POST', '/v1/attributes', { key: 'tier', label: 'Tier', type: 'enum' })).statusCode).toBe(400);
    expect((await call(admin, 'PATCH', '/v1/attributes/nothing', { label: 'x' })).statusCode).toBe(404);
  });

  it('refuses to delete an attribute a segment uses (409 IN_USE), and allows it once the segment is gone', async () => {
    expect((await call(admin, 'POST', '/v1/attributes', { key: 'score', label: 'Score', type: 'number' })).statusCode).toBe(201);
    const seg = await call(admin, 'POST', '/v1/segments', { name: 'High score', filter: { all: [{ attr: 'score', op: 'gte', value: 10 }] } });
    expect(seg.statusCode, seg.body).toBe(201);
    const blocked = await call(admin, 'DELETE', '/v1/attributes/score');
    expect(blocked.statusCode).toBe(409);
    expect(blocked.json().error.code).toBe('IN_USE');
    expect((await call(admin, 'DELETE', `/v1/segments/${seg.json().segment.id}`)).statusCode).toBe(204);
    expect((await call(admin, 'DELETE', '/v1/attributes/score')).statusCode).toBe(204);
  });

  it('is closed to managers for changes and to customers entirely', async () => {
    expect((await call(manager, 'POST', '/v1/attributes', { key: 'm', label: 'M', type: 'string' })).statusCode).toBe(403);
    expect((await call(customer, 'GET', '/v1/attributes')).statusCode).toBe(403);
  });
});

describe('topics', () => {
  it('creates, lists, changes and deletes a topic; General is there from the start', async () => {
    const created = await call(admin, 'POST', '/v1/topics', { name: 'Weekly news', description: 'Every Monday' });
    expect(created.statusCode, created.body).toBe(201);
    const topic = created.json().topic;
    expect(topic).toMatchObject({ name: 'Weekly news', description: 'Every Monday', double_opt_in: false, subscribe_on_signup: true });
    const list = (await call(manager, 'GET', '/v1/topics')).json().data;
    expect(list[0]).toMatchObject({ id: 1, name: 'General' });
    const patched = await call(admin, 'PATCH', `/v1/topics/${topic.id}`, { subscribe_on_signup: false });
    expect(patched.json().topic).toMatchObject({ name: 'Weekly news', subscribe_on_signup: false });
    expect((await call(admin, 'DELETE', `/v1/topics/${topic.id}`)).statusCode).toBe(204);
    expect((await call(admin, 'PATCH', `/v1/topics/${topic.id}`, { name: 'x' })).statusCode).toBe(404);
  });

  it('keeps names unique (409), General undeletable, topics a segment names undeletable, and bounds descriptions', async () => {
    const dup = await call(admin, 'POST', '/v1/topics', { name: 'General' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error.code).toBe('NAME_TAKEN');
    const general = await call(admin, 'DELETE', '/v1/topics/1');
    expect(general.statusCode).toBe(409);
    expect(general.json().error.code).toBe('IN_USE');
    const offers = (await call(admin, 'POST', '/v1/topics', { name: 'Offers' })).json().topic;
    const renamed = await call(admin, 'PATCH', `/v1/topics/${offers.id}`, { name: 'General' });
    expect(renamed.statusCode).toBe(409);
    const seg = await call(admin, 'POST', '/v1/segments', { name: 'Offer takers', filter: { topic: offers.id, status: 'subscribed' } });
    expect(seg.statusCode, seg.body).toBe(201);
    expect((await call(admin, 'DELETE', `/v1/topics/${offers.id}`)).json().error.code).toBe('IN_USE');
    const long = await call(admin, 'POST', '/v1/topics', { name: 'Long', description: 'x'.repeat(1001) });
    expect(long.statusCode).toBe(400);
    expect(long.json().error.details[0].field).toBe('description');
    expect((await call(manager, 'POST', '/v1/topics', { name: 'Mine' })).statusCode).toBe(403);
    expect((await call(customer, 'GET', '/v1/topics')).statusCode).toBe(403);
  });
});

describe('bad input', () => {
  it('never answers 500 on the audience routes', async () => {
    const weird: unknown[] = [null, 'x', 42, [], {}, { a: 1 }, { filter: { all: Array.from({ length: 60 }, () => ({ not: { not: { not: { not: { not: { not: { tag: 'x' } } } } } } })) } }];
    const nested = JSON.parse('{"filter":' + '{"not":'.repeat(500) + '{"tag":"x"}' + '}'.repeat(500) + '}');
    const routes: ['POST' | 'PATCH', string][] = [
      ['POST', '/v1/attributes'],
      ['PATCH', '/v1/attributes/city'],
      ['POST', '/v1/topics'],
      ['PATCH', '/v1/topics/1'],
      ['POST', '/v1/segments'],
      ['POST', '/v1/segments/estimate'],
      ['PATCH', `/v1/customers/${customer.id}`],
      ['POST', '/v1/customers/tags'],
    ];
    for (const [method, url] of routes) {
      for (const body of [...weird, nested, { attributes: { city: { deep: [1, 2] } } }, { topics: { 1: 'maybe' } }, { tags: [''] }, { add: ['x'], ids: [0] }]) {
        const res = await t.app.inject({ method, url, headers: { ...bearer(admin.access), 'content-type': 'application/json' }, payload: JSON.stringify(body) });
        expect(res.statusCode, `${method} ${url} ${JSON.stringify(body).slice(0, 80)}: ${res.body}`).toBeLessThan(500);
      }
    }
    for (const url of ['/v1/customers?tag=%00', '/v1/customers?q=%25%5F', '/v1/customers?segment_id=0', '/v1/segments?page=0', '/v1/customers/0', '/v1/attributes/UPPER', '/v1/segments/4294967296']) {
      const res = await call(admin, 'GET', url);
      expect(res.statusCode, `${url}: ${res.body}`).toBeLessThan(500);
    }
  });
});
