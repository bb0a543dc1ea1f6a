import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_LENGTH } from '../src/domain/campaign.ts';
import { bearer, createTestEnv, userWithRole, type TestEnv, type TestUser } from './helpers.ts';

/** POST /v1/campaigns/render (unsaved content, rendered for the caller) and GET /v1/campaigns/:id/history. */

let t: TestEnv;
let admin: TestUser;
let manager: TestUser;
let otherManager: TestUser;
let customer: TestUser;

beforeAll(async () => {
  t = await createTestEnv('campaign_render');
  [admin, manager, otherManager, customer] = await Promise.all([
    userWithRole(t, 'admin'),
    userWithRole(t, 'manager'),
    userWithRole(t, 'manager'),
    userWithRole(t, 'customer'),
  ]);
  const renamed = await t.app.inject({ method: 'PATCH', url: '/v1/users/me', headers: bearer(manager.access), payload: { first_name: 'Grace', last_name: 'Hopper' } });
  expect(renamed.statusCode).toBe(200);
});
afterAll(() => t.close());

type ErrorJson = { error: { code: string; message: string; details: { field: string; message: string }[] } };
const request = (u: TestUser, method: 'GET' | 'POST', url: string, payload?: object) =>
  t.app.inject({ method, url, headers: bearer(u.access), ...(payload ? { payload } : {}) });
const render = (u: TestUser, payload: object) => request(u, 'POST', '/v1/campaigns/render', payload);
const DRAFT = {
  type: 'promotion',
  subject: '{{first_name}}, 20% off with {{promo_code}}',
  body_html: '<h1>Sale</h1>\n<p>Hello {{first_name}} {{last_name}},</p>\n<p>Use <b>{{promo_code}}</b>.</p>',
  promo_code: 'SPRING20',
};

describe('POST /v1/campaigns/render', () => {
  it('renders unsaved content for the caller: subject, HTML with the unsubscribe link, derived text; nothing is saved', async () => {
    const before = (await request(admin, 'GET', '/v1/campaigns')).json().total;
    const res = await render(manager, DRAFT);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.subject).toBe('Grace, 20% off with SPRING20');
    expect(body.recipient).toBe(manager.email);
    expect(body.html).toContain('<p>Hello Grace Hopper,</p>');
    expect(body.html).toContain('<b>SPRING20</b>');
    expect(body.html).toMatch(/<a href="[^"]*\/unsubscribe[^"]*">Unsubscribe<\/a>/);
    expect(body.text).toContain('Hello Grace Hopper,');
    expect(body.text).toMatch(/Unsubscribe: \S+/);
    expect((await request(admin, 'GET', '/v1/campaigns')).json().total).toBe(before);

    // A text body of its own is rendered as given; a campaign has no promo code.
    const plain = (await render(admin, { type: 'campaign', subject: 'News', body_html: '<p>x</p>', body_text: 'Hi {{email}} [{{promo_code}}]' })).json();
    expect(plain.text).toContain(`Hi ${admin.email} []`);
  });

  it('answers 400 with the template problems, field, line and column named', async () => {
    const res = await render(manager, { ...DRAFT, body_html: '<p>ok</p>\n<p>Hello {{frist_name}}</p>' });
    expect(res.statusCode, res.body).toBe(400);
    const err = (res.json() as ErrorJson).error;
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.details).toEqual([{ field: 'body_html', message: expect.stringMatching(/frist_name.*line 2, column 12/) }]);

    const broken = (await render(manager, { ...DRAFT, subject: 'Hi {{#if first_name}}' })).json() as ErrorJson;
    expect(broken.error.details[0]).toMatchObject({ field: 'subject', message: expect.stringMatching(/line 1/) });
    const promo = (await render(manager, { ...DRAFT, type: 'campaign' })).json() as ErrorJson;
    expect(promo.error.details).toEqual([{ field: 'promo_code', message: 'is only allowed for promotions' }]);
  });

  it('holds the create limits: schema lengths, unknown fields, the rendered size and the derived text', async () => {
    const cases: [object, string][] = [
      [{ ...DRAFT, body_html: 'x'.repeat(MAX_BODY_LENGTH + 1) }, 'body_html'],
      [{ ...DRAFT, subject: 's'.repeat(256) }, 'subject'],
      [{ ...DRAFT, promo_code: 'p'.repeat(65) }, 'promo_code'],
      [{ ...DRAFT, title: 'not a render field' }, 'title'],
      [{ subject: 'x', body_html: '<p>x</p>' }, 'type'],
      // Could render past 512 Ki characters for some recipient.
      [{ ...DRAFT, body_html: '{{email}}'.repeat(400) }, 'body_html'],
      // The text derived from it would be over 256 Ki characters.
      [{ ...DRAFT, body_html: '<hr>'.repeat(3000) }, 'body_html'],
    ];
    for (const [payload, field] of cases) {
      const res = await render(manager, payload);
      expect(res.statusCode, `${field}: ${res.body}`).toBe(400);
      expect(JSON.stringify((res.json() as ErrorJson).error), field).toContain(field);
    }
  });

  it('is for managers and admins: customers 403, nobody signed in 401', async () => {
    expect((await render(admin, DRAFT)).statusCode).toBe(200);
    expect((await render(customer, DRAFT)).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'POST', url: '/v1/campaigns/render', payload: DRAFT })).statusCode).toBe(401);
  });
});

describe('GET /v1/campaigns/:id/history', () => {
  it("lists the campaign's audit entries newest first, the rejection with its reason; its author and admins only", async () => {
    const created = await request(manager, 'POST', '/v1/campaigns', { ...DRAFT, title: `History ${Math.random()}` });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().campaign.id as number;
    expect((await request(manager, 'GET', `/v1/campaigns/${id}/history`)).json()).toEqual({ data: [], page: 1, per_page: 20, total: 0 });

    expect((await request(manager, 'POST', `/v1/campaigns/${id}/submit`)).statusCode).toBe(200);
    expect((await request(admin, 'POST', `/v1/campaigns/${id}/reject`, { version: 1, reason: 'Say 15%, not 20%.' })).statusCode).toBe(200);
    expect((await request(manager, 'POST', `/v1/campaigns/${id}/submit`)).statusCode).toBe(409); // rejected: edit first
    const res = await request(manager, 'GET', `/v1/campaigns/${id}/history`);
    expect(res.statusCode, res.body).toBe(200);
    const page = res.json();
    expect(page.total).toBe(1);
    expect(page.data[0]).toMatchObject({
      action: 'campaign.rejected',
      actor_id: admin.id,
      target_type: 'campaign',
      target_id: id,
      details: { reason: 'Say 15%, not 20%.', version: 1 },
      created_at: expect.any(String),
    });
    expect((await request(admin, 'GET', `/v1/campaigns/${id}/history?per_page=1`)).json().total).toBe(1);
    // Someone else's campaign, and customers: 404, as for the other internal views.
    expect((await request(otherManager, 'GET', `/v1/campaigns/${id}/history`)).statusCode).toBe(404);
    expect((await request(customer, 'GET', `/v1/campaigns/${id}/history`)).statusCode).toBe(404);
    expect((await request(manager, 'GET', `/v1/campaigns/${id}/history?per_page=101`)).statusCode).toBe(400);
  });
});
