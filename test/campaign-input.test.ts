import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestEnv, userWithRole, type TestEnv, type TestUser } from './helpers.ts';

/** Bad input on the campaign routes (the campaign body rules): always a 4xx with the error shape, never a 5xx. */

let t: TestEnv;
let admin: TestUser;
let manager: TestUser;
beforeAll(async () => {
  t = await createTestEnv('campaign_input');
  [admin, manager] = await Promise.all([userWithRole(t, 'admin'), userWithRole(t, 'manager')]);
});
afterAll(() => t.close());

type InjectRes = Awaited<ReturnType<TestEnv['app']['inject']>>;
interface ErrorJson {
  error: { code: string; message: string; details?: { field: string; message: string }[] };
}

let seq = 0;
const validBody = (over: Record<string, unknown> = {}) => ({
  type: 'campaign',
  title: `Input ${++seq} ${Date.now().toString(36)}`,
  subject: 'Hi {{first_name}}',
  body_html: '<p>Hello</p>',
  ...over,
});
const send = (method: 'POST' | 'PATCH', url: string, payload: string, u: TestUser) =>
  t.app.inject({ method, url, payload, headers: { 'content-type': 'application/json', ...bearer(u.access) } });

async function createCampaign(): Promise<number> {
  const res = await send('POST', '/v1/campaigns', JSON.stringify(validBody()), manager);
  expect(res.statusCode, res.body).toBe(201);
  return (res.json() as { campaign: { id: number } }).campaign.id;
}

/** A response below 500; a 4xx has exactly the contract's error shape. */
function expectNoServerError(res: InjectRes, input: string) {
  const why = `${input.slice(0, 400)} → ${res.statusCode} ${res.body.slice(0, 400)}`;
  expect(res.statusCode, why).toBeLessThan(500);
  if (res.statusCode < 400) return;
  const body = res.json() as ErrorJson;
  expect(Object.keys(body), why).toEqual(['error']);
  expect(typeof body.error.code, why).toBe('string');
  expect(typeof body.error.message, why).toBe('string');
  if (body.error.details !== undefined) {
    for (const d of body.error.details) expect([typeof d.field, typeof d.message], why).toEqual(['string', 'string']);
  }
}

function expectFieldError(res: InjectRes, field: string) {
  expect(res.statusCode, res.body).toBe(400);
  const err = (res.json() as ErrorJson).error;
  expect(err.code).toBe('VALIDATION_FAILED');
  expect(err.details?.map((d) => d.field)).toContain(field);
  expect(err.message).toContain(field);
}

describe('timestamps the date-time format accepts but a DATETIME column cannot hold', () => {
  const LEAP_SECOND = '2030-06-30T23:59:60Z';
  const YEAR_10000 = '9999-12-31T23:30:00-01:00';

  it('a leap second or a UTC year past 9999 is 400 naming the field, on create', async () => {
    for (const field of ['start_time', 'end_time']) {
      for (const value of [LEAP_SECOND, YEAR_10000]) {
        expectFieldError(await send('POST', '/v1/campaigns', JSON.stringify(validBody({ [field]: value })), manager), field);
      }
    }
    expectFieldError(await send('POST', '/v1/campaigns', JSON.stringify(validBody({ start_time: '1000-01-01T00:30:00+01:00' })), manager), 'start_time');
  });

  it('the same on PATCH, which leaves the campaign unchanged', async () => {
    const id = await createCampaign();
    for (const field of ['start_time', 'end_time']) {
      for (const value of [LEAP_SECOND, YEAR_10000]) {
        expectFieldError(await send('PATCH', `/v1/campaigns/${id}`, JSON.stringify({ [field]: value }), manager), field);
      }
    }
    const got = await t.app.inject({ url: `/v1/campaigns/${id}`, headers: bearer(manager.access) });
    expect((got.json() as { campaign: { start_time: unknown; end_time: unknown } }).campaign).toMatchObject({ start_time: null, end_time: null });
  });

  it('the ends of the DATETIME range are accepted', async () => {
    const res = await send('POST', '/v1/campaigns', JSON.stringify(validBody({ start_time: '1000-01-01T00:00:00Z', end_time: '9999-12-31T23:59:59.999Z' })), manager);
    expect(res.statusCode, res.body).toBe(201);
    expect((res.json() as { campaign: Record<string, unknown> }).campaign).toMatchObject({
      start_time: '1000-01-01T00:00:00.000Z',
      end_time: '9999-12-31T23:59:59.999Z',
    });
  });
});

describe('property: no campaign body produces a 5xx', () => {
  const pad = (n: number, width: number) => String(n).padStart(width, '0');
  /** Strings shaped like date-times, most of them accepted by the schema's date-time format. */
  const dateLike = fc.oneof(
    fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    fc
      .record({
        y: fc.integer({ min: 0, max: 9999 }),
        mo: fc.integer({ min: 0, max: 13 }),
        d: fc.integer({ min: 0, max: 32 }),
        h: fc.integer({ min: 0, max: 24 }),
        mi: fc.integer({ min: 0, max: 60 }),
        s: fc.integer({ min: 0, max: 61 }),
        frac: fc.constantFrom('', '.5', '.123', '.123456789'),
        sep: fc.constantFrom('T', 't', ' '),
        tz: fc.constantFrom('Z', 'z', '+00:00', '-01:00', '+14:00', '-23:59', '+2359', ''),
      })
      .map((v) => `${pad(v.y, 4)}-${pad(v.mo, 2)}-${pad(v.d, 2)}${v.sep}${pad(v.h, 2)}:${pad(v.mi, 2)}:${pad(v.s, 2)}${v.frac}${v.tz}`),
    fc.constantFrom('2030-06-30T23:59:60Z', '9999-12-31T23:30:00-01:00', '0000-01-01T00:00:00Z', '1000-01-01T00:00:00+01:00', '9999-12-31T23:59:59.9999Z'),
    fc.string({ maxLength: 30 }),
  );
  const fragment = fc.constantFrom(
    '{{', '}}', '{{#if', '{{#if first_name}}', '{{/if}}', '{{else}}', '{{else if email}}', '{{^}}', '{{^email}}', '{{/email}}',
    '{{{x}}}', '{{{first_name}}}', '{{first_name}}', '{{unsubscribe_url}}', '{{!--', '--}}', '{{!', '{{>', '{{#>', '{{#*inline',
    '{{{{raw}}}}', '{{{{/raw}}}}', '\\{{', '\\\\{{', '(', ')', '"', "'", '[', ']', '=', '~', '@root', '../', 'this', ' ',
    '<p>', '</p>', '<div>', '<a href="', '">', '&#123;', '&amp;', '<!--', '-->', '\n', 'unsubscribe_url', '\u0000', '\ud800', '😀',
  );
  const template = fc.array(fc.oneof(fragment, fragment, fc.string({ unit: 'binary', maxLength: 8 })), { maxLength: 25 }).map((p) => p.join(''));
  const hugeNumber = fc.oneof(
    fc.double(),
    fc.constantFrom(1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, -0, 2 ** 64, 0.1),
    fc.bigInt({ min: -(2n ** 200n), max: 2n ** 200n }).map((n) => Number(n)),
  );
  const text = (max: number) => fc.oneof(fc.string({ minLength: 1, maxLength: max }), fc.string({ unit: 'binary', minLength: 1, maxLength: max }), template);
  const orJunk = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 4, arbitrary: arb }, { weight: 1, arbitrary: fc.oneof(fc.anything(), hugeNumber) });

  const fields = {
    type: fc.constantFrom('campaign', 'promotion'),
    title: text(60),
    description: text(60),
    remarks: text(60),
    subject: text(60),
    body_html: template,
    body_text: fc.oneof(template, fc.constant(null)),
    promo_code: fc.oneof(text(20), fc.constant(null)),
    start_time: fc.oneof(dateLike, fc.constant(null)),
    end_time: fc.oneof(dateLike, fc.constant(null)),
  };
  /** Any subset of the fields, each of the right shape or, now and then, of any JSON value at all. */
  const campaignLike = fc.record(
    Object.fromEntries(Object.entries(fields).map(([k, arb]) => [k, orJunk(arb as fc.Arbitrary<unknown>)])),
    { requiredKeys: [] },
  );
  /** A valid body with a few fields replaced by structured values: what gets past the schema to the service and the database. */
  const oneField = fc.oneof(...Object.entries(fields).map(([k, arb]) => (arb as fc.Arbitrary<unknown>).map((v) => ({ [k]: v }))));
  const nearlyValid = fc
    .tuple(fc.uuid(), fc.array(oneField, { minLength: 1, maxLength: 2 }))
    .map(([id, over]) => validBody({ title: `Near ${id}`, ...Object.assign({}, ...over) }));
  /** JSON text whose numbers JSON.stringify cannot write: beyond double range, or longer than any integer type. */
  const rawNumbers = fc
    .record({
      key: fc.constantFrom('type', 'title', 'subject', 'body_html', 'start_time', 'end_time', 'promo_code', 'reason'),
      number: fc.constantFrom('1e999', '-1e999', '123456789012345678901234567890', '-0', '1e-400', '9007199254740993', '0.0000000000000000000001'),
    })
    .map(({ key, number }) => `{"type":"campaign","title":"Raw ${number}","subject":"s","body_html":"b","${key}":${number}}`);

  const serialize = (v: unknown) => JSON.stringify(v) ?? 'null';
  const anyJson = fc.oneof(fc.anything().map(serialize), fc.jsonValue().map(serialize), fc.object({ maxDepth: 3 }).map(serialize), rawNumbers);
  const campaignBodies = fc.oneof(anyJson, campaignLike.map(serialize), nearlyValid.map(serialize), nearlyValid.map(serialize));
  const version = orJunk(fc.integer({ min: -2, max: 3 }));
  const rejectBodies = fc.oneof(anyJson, fc.record({ version, reason: orJunk(text(60)) }, { requiredKeys: [] }).map(serialize));
  const approveBodies = fc.oneof(anyJson, fc.record({ version }, { requiredKeys: [] }).map(serialize));
  const runs = { numRuns: 400 };

  it('POST /v1/campaigns (manager)', async () => {
    await fc.assert(
      fc.asyncProperty(campaignBodies, async (body) => expectNoServerError(await send('POST', '/v1/campaigns', body, manager), body)),
      runs,
    );
  });

  it('PATCH /v1/campaigns/:id (manager)', async () => {
    const id = await createCampaign();
    await fc.assert(
      fc.asyncProperty(campaignBodies, async (body) => expectNoServerError(await send('PATCH', `/v1/campaigns/${id}`, body, manager), body)),
      runs,
    );
  });

  it('POST /v1/campaigns/:id/approve (admin)', async () => {
    const id = await createCampaign();
    const submitted = await t.app.inject({ method: 'POST', url: `/v1/campaigns/${id}/submit`, headers: bearer(manager.access) });
    expect(submitted.statusCode, submitted.body).toBe(200);
    await fc.assert(
      fc.asyncProperty(approveBodies, async (body) => expectNoServerError(await send('POST', `/v1/campaigns/${id}/approve`, body, admin), body)),
      { numRuns: 200 },
    );
  });

  it('POST /v1/campaigns/:id/reject (admin)', async () => {
    const id = await createCampaign();
    const submitted = await t.app.inject({ method: 'POST', url: `/v1/campaigns/${id}/submit`, headers: bearer(manager.access) });
    expect(submitted.statusCode, submitted.body).toBe(200);
    await fc.assert(
      fc.asyncProperty(rejectBodies, async (body) => expectNoServerError(await send('POST', `/v1/campaigns/${id}/reject`, body, admin), body)),
      runs,
    );
  });
});
