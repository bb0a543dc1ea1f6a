import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestEnv, userWithRole, type TestEnv, type TestUser } from './helpers.ts';

let t: TestEnv;
let admin: TestUser;
let manager: TestUser;
let customer: TestUser;
let news: number;

const call = (u: TestUser, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
  t.app.inject({ method, url, headers: bearer(u.access), ...(payload ? { payload } : {}) });
const patch = (id: number, payload: object) => call(admin, 'PATCH', `/v1/customers/${id}`, payload);
const consent = async (id: number) => {
  const [rows] = await t.ctx.mysql.pool.query('SELECT topic_id, status, source FROM consent_events WHERE user_id = ? ORDER BY id', [id]);
  return rows as { topic_id: number | null; status: string; source: string }[];
};

beforeAll(async () => {
  t = await createTestEnv('customers');
  admin = await userWithRole(t, 'admin');
  manager = await userWithRole(t, 'manager');
  customer = await userWithRole(t, 'customer');
  for (const a of [
    { key: 'city', label: 'City', type: 'string' },
    { key: 'age', label: 'Age', type: 'number' },
    { key: 'plan', label: 'Plan', type: 'enum', options: ['Free', 'Pro'] },
    { key: 'birthday', label: 'Birthday', type: 'date' },
    { key: 'interests', label: 'Interests', type: 'string_list' },
  ]) {
    expect((await call(admin, 'POST', '/v1/attributes', a)).statusCode).toBe(201);
  }
  news = (await call(admin, 'POST', '/v1/topics', { name: 'News' })).json().topic.id;
});
afterAll(() => t.close());

describe('customers', () => {
  it('shows a customer as the user plus their data; staff are not customers (404)', async () => {
    const res = await call(manager, 'GET', `/v1/customers/${customer.id}`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().customer).toMatchObject({ id: customer.id, email: customer.email, role: 'customer', external_id: null, origin: 'signup', attributes: {}, tags: [] });
    expect((await call(admin, 'GET', `/v1/customers/${manager.id}`)).statusCode).toBe(404);
    expect((await call(admin, 'GET', '/v1/customers/999999')).statusCode).toBe(404);
    expect((await patch(manager.id, { first_name: 'X' })).statusCode).toBe(404);
    const list = (await call(manager, 'GET', '/v1/customers?per_page=100')).json();
    expect(list.data.every((c: { role: string }) => c.role === 'customer')).toBe(true);
    expect(list.data.map((c: { id: number }) => c.id)).toContain(customer.id);
  });

  it('changes names, external id, attributes (merged, null removes), tags (replaced) and topics', async () => {
    const c = await userWithRole(t, 'customer');
    const res = await patch(c.id, {
      first_name: 'Ada',
      external_id: 'crm-1',
      attributes: { city: 'Berlin', age: 36, plan: 'pro', birthday: '1990-12-10', interests: ['maths', 'engines'] },
      tags: ['VIP', 'vip', 'Ärger'],
      topics: { [news]: 'subscribed' },
    });
    expect(res.statusCode, res.body).toBe(200);
    const got = res.json().customer;
    expect(got).toMatchObject({ first_name: 'Ada', external_id: 'crm-1', attributes: { city: 'Berlin', age: 36, plan: 'Pro', birthday: '1990-12-10', interests: ['maths', 'engines'] } });
    expect(got.tags.sort()).toEqual(['VIP', 'Ärger'].sort());
    expect(got.topics).toContainEqual(expect.objectContaining({ topic_id: news, status: 'subscribed', source: `admin:${admin.id}` }));
    const merged = (await patch(c.id, { attributes: { age: null, city: 'Paris' }, tags: ['arger'] })).json().customer;
    expect(merged.attributes).toEqual({ city: 'Paris', plan: 'Pro', birthday: '1990-12-10', interests: ['maths', 'engines'] });
    expect(merged.tags).toEqual(['arger']);
    // The filters by tag, topic, status and segment.
    const byTag = (await call(manager, 'GET', '/v1/customers?tag=ARGER')).json();
    expect(byTag.data.map((x: { id: number }) => x.id)).toEqual([c.id]);
    expect((await call(manager, 'GET', '/v1/customers?tag=Ärger')).json().total).toBe(0);
    expect((await call(manager, 'GET', `/v1/customers?topic_id=${news}`)).json().data.map((x: { id: number }) => x.id)).toEqual([c.id]);
    const seg = (await call(manager, 'POST', '/v1/segments', { name: 'Parisians', filter: { attr: 'city', op: 'eq', value: 'paris' } })).json().segment;
    expect((await call(manager, 'GET', `/v1/customers?segment_id=${seg.id}&status=active`)).json().data.map((x: { id: number }) => x.id)).toEqual([c.id]);
    expect((await call(manager, 'GET', '/v1/customers?segment_id=999999')).statusCode).toBe(400);
    expect((await call(manager, 'GET', '/v1/customers?q=Ada')).json().data.map((x: { id: number }) => x.id)).toEqual([c.id]);
  });

  it('names the attribute at fault: unknown keys, wrong types, the 16 KiB bound', async () => {
    const bad = async (attributes: object, field: string) => {
      const res = await patch(customer.id, { attributes });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error.details[0].field).toBe(field);
    };
    await bad({ shoe: 42 }, 'attributes.shoe');
    await bad({ age: 'old' }, 'attributes.age');
    await bad({ age: 1, plan: 'Gold' }, 'attributes.plan');
    await bad({ birthday: '2026-02-30' }, 'attributes.birthday');
    await bad({ interests: ['x', 1] }, 'attributes.interests');
    await bad({ city: 'x'.repeat(1001) }, 'attributes.city');
    await bad({ 'Bad Key': 1 }, 'attributes.Bad Key');
    const big = Array.from({ length: 100 }, () => 'y'.repeat(100));
    const r1 = await patch(customer.id, { attributes: { interests: big } });
    expect(r1.statusCode, r1.body).toBe(200);
    const r2 = await patch(customer.id, { attributes: { city: 'z'.repeat(1000), plan: 'Free' } });
    expect(r2.statusCode, r2.body).toBe(200);
    // 100 × 100 + 1,000 characters fits; multi-byte letters do not.
    await bad({ interests: Array.from({ length: 100 }, () => 'ä'.repeat(90)) }, 'attributes');
  });

  it('refuses a taken external id (409), bad tags and unknown topics (400)', async () => {
    const a = await userWithRole(t, 'customer');
    const b = await userWithRole(t, 'customer');
    expect((await patch(a.id, { external_id: 'ext-a' })).statusCode).toBe(200);
    const taken = await patch(b.id, { external_id: 'ext-a' });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().error.code).toBe('EXTERNAL_ID_TAKEN');
    expect((await patch(b.id, { external_id: 'EXT-A' })).statusCode).toBe(200);
    expect((await patch(b.id, { external_id: null })).json().customer.external_id).toBeNull();
    expect((await patch(b.id, { external_id: 'x'.repeat(256) })).statusCode).toBe(400);
    const tag = await patch(b.id, { tags: ['ok', ' bad'] });
    expect(tag.statusCode).toBe(400);
    expect(tag.json().error.details[0].field).toBe('tags.1');
    expect((await patch(b.id, { tags: Array.from({ length: 101 }, (_, i) => `t${i}`) })).statusCode).toBe(400);
    const topic = await patch(b.id, { topics: { 999999: 'subscribed' } });
    expect(topic.statusCode).toBe(400);
    expect(topic.json().error.details[0].field).toBe('topics.999999');
    expect((await patch(b.id, { topics: { [news]: 'pending' } })).statusCode).toBe(400);
    expect((await patch(b.id, { role_id: 1 })).statusCode).toBe(400);
  });

  it('records every topic and opt-in change in consent_events, and audits it', async () => {
    const c = await userWithRole(t, 'customer');
    const before = (await consent(c.id)).length;
    expect((await patch(c.id, { topics: { [news]: 'subscribed', 1: 'unsubscribed' } })).statusCode).toBe(200);
    expect((await patch(c.id, { email_opt_in: false })).statusCode).toBe(200);
    // No change, no record.
    expect((await patch(c.id, { email_opt_in: false, topics: { [news]: 'subscribed' } })).statusCode).toBe(200);
    const events = (await consent(c.id)).slice(before);
    const source = `admin:${admin.id}`;
    expect(events).toEqual([
      { topic_id: 1, status: 'unsubscribed', source },
      { topic_id: news, status: 'subscribed', source },
      { topic_id: null, status: 'unsubscribed', source },
    ].sort((x, y) => (x.topic_id === null ? 1 : y.topic_id === null ? -1 : x.topic_id - y.topic_id)));
    const got = (await call(admin, 'GET', `/v1/customers/${c.id}`)).json().customer;
    expect(got.email_opt_in).toBe(false);
    expect(got.topics).toContainEqual(expect.objectContaining({ topic_id: 1, status: 'unsubscribed', source }));
    const log = (await call(admin, 'GET', `/v1/audit?target_type=customer&target_id=${c.id}`)).json().data;
    expect(log.map((e: { action: string }) => e.action)).toEqual(['customer.updated', 'customer.updated']);
    // The user's own view sees the opt-in change (the profile cache was refreshed).
    expect((await t.app.inject({ url: '/v1/users/me', headers: bearer(c.access) })).json().user.email_opt_in).toBe(false);
  });

  it('adds and removes tags in bulk by ids or by segment, and counts tags', async () => {
    const a = await userWithRole(t, 'customer');
    const b = await userWithRole(t, 'customer');
    const add = await call(admin, 'POST', '/v1/customers/tags', { add: ['Bulk', 'Other'], ids: [a.id, b.id, manager.id] });
    expect(add.statusCode, add.body).toBe(200);
    expect(add.json()).toEqual({ changed: 4 });
    expect((await call(admin, 'POST', '/v1/customers/tags', { add: ['bulk'], ids: [a.id] })).json()).toEqual({ changed: 0 });
    const tags = (await call(manager, 'GET', '/v1/tags')).json().data as { name: string; customers: number }[];
    expect(tags).toContainEqual({ name: 'Bulk', customers: 2 });
    await patch(a.id, { first_name: 'Segmented' });
    const seg = (await call(admin, 'POST', '/v1/segments', { name: 'Segmented', filter: { field: 'first_name', op: 'eq', value: 'segmented' } })).json().segment;
    expect((await call(admin, 'POST', '/v1/customers/tags', { remove: ['BULK'], segment_id: seg.id })).json()).toEqual({ changed: 1 });
    expect((await call(admin, 'GET', `/v1/customers/${a.id}`)).json().customer.tags).toEqual(['Other']);
    for (const body of [{ add: ['x'] }, { add: ['x'], ids: [a.id], segment_id: seg.id }, { ids: [a.id] }, { add: [' x'], ids: [a.id] }, { add: ['x'], segment_id: 999999 }]) {
      expect((await call(admin, 'POST', '/v1/customers/tags', body)).statusCode, JSON.stringify(body)).toBe(400);
    }
    expect((await call(admin, 'POST', '/v1/customers/tags', { add: ['x'], ids: Array.from({ length: 10_001 }, (_, i) => i + 1) })).statusCode).toBe(400);
    expect((await call(manager, 'POST', '/v1/customers/tags', { add: ['x'], ids: [a.id] })).statusCode).toBe(403);
  });

  it('is closed to customers, and to managers for changes', async () => {
    for (const [method, url] of [['GET', '/v1/customers'], ['GET', `/v1/customers/${customer.id}`], ['PATCH', `/v1/customers/${customer.id}`], ['GET', '/v1/tags'], ['POST', '/v1/customers/tags']] as const) {
      expect((await call(customer, method, url, method === 'GET' ? undefined : { tags: [] })).statusCode).toBe(403);
    }
    expect((await call(manager, 'PATCH', `/v1/customers/${customer.id}`, { first_name: 'No' })).statusCode).toBe(403);
    expect((await call(manager, 'GET', '/v1/customers?per_page=0')).statusCode).toBe(400);
    expect((await call(manager, 'GET', '/v1/customers?status=gone')).statusCode).toBe(400);
  });
});
