import type { RowDataPacket } from 'mysql2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestEnv, eventually, userWithRole, type TestEnv, type TestUser } from './helpers.ts';

/** The campaign HTTP API: resource, lifecycle, customers' view. No worker runs here: approved campaigns stay sending/scheduled. */

let t: TestEnv;
let admin: TestUser;
let manager: TestUser;
let otherManager: TestUser;
let customer: TestUser;

beforeAll(async () => {
  t = await createTestEnv('campaigns');
  [admin, manager, otherManager, customer] = await Promise.all([
    userWithRole(t, 'admin'),
    userWithRole(t, 'manager'),
    userWithRole(t, 'manager'),
    userWithRole(t, 'customer'),
  ]);
});
afterAll(() => t.close());

type Json = Record<string, unknown>;
type Status = 'draft' | 'pending_approval' | 'rejected' | 'scheduled' | 'sending' | 'paused' | 'completed' | 'cancelled';
interface CampaignJson {
  id: number;
  type: 'campaign' | 'promotion';
  title: string;
  description: string;
  remarks: string;
  subject: string;
  body_html: string;
  body_text: string;
  promo_code: string | null;
  start_time: string | null;
  end_time: string | null;
  status: Status;
  version: number;
  rejection_reason: string | null;
  created_by: number | null;
  updated_by: number | null;
  approved_by: number | null;
  approved_at: string | null;
  created_at: string;
  updated_at: string;
  stats: Record<string, number>;
}
interface ErrorJson {
  error: { code: string; message: string; details?: { field: string; message: string }[] };
}
interface PageJson<T = CampaignJson> {
  data: T[];
  page: number;
  per_page: number;
  total: number;
}

const as = (u: TestUser) => ({
  get: (url: string) => t.app.inject({ method: 'GET', url, headers: bearer(u.access) }),
  post: (url: string, payload?: Json) =>
    t.app.inject({ method: 'POST', url, headers: bearer(u.access), ...(payload === undefined ? {} : { payload }) }),
  patch: (url: string, payload: Json) => t.app.inject({ method: 'PATCH', url, headers: bearer(u.access), payload }),
  del: (url: string) => t.app.inject({ method: 'DELETE', url, headers: bearer(u.access) }),
});

let seq = 0;
const uniqueTitle = (tag = 'Campaign') => `${tag} ${++seq} ${Date.now().toString(36)}`;
const inFuture = (ms = 86_400_000) => new Date(Date.now() + ms).toISOString();
const inPast = (ms = 60_000) => new Date(Date.now() - ms).toISOString();

const campaignBody = (over: Json = {}): Json => ({
  type: 'campaign',
  title: uniqueTitle(),
  subject: 'Hello {{first_name}}',
  body_html: '<p>Dear {{first_name}} {{last_name}}, news for you.</p>',
  ...over,
});

async function create(u: TestUser, over: Json = {}): Promise<CampaignJson> {
  const res = await as(u).post('/v1/campaigns', campaignBody(over));
  expect(res.statusCode, res.body).toBe(201);
  return (res.json() as { campaign: CampaignJson }).campaign;
}

async function act(u: TestUser, id: number, action: string, payload?: Json) {
  return as(u).post(`/v1/campaigns/${id}/${action}`, payload);
}

async function actOk(u: TestUser, id: number, action: string, payload?: Json): Promise<CampaignJson> {
  const res = await act(u, id, action, payload);
  expect(res.statusCode, `${action}: ${res.body}`).toBe(200);
  return (res.json() as { campaign: CampaignJson }).campaign;
}

async function fetchAs(u: TestUser, id: number): Promise<CampaignJson> {
  const res = await as(u).get(`/v1/campaigns/${id}`);
  expect(res.statusCode, res.body).toBe(200);
  return (res.json() as { campaign: CampaignJson }).campaign;
}

/** Drives a new campaign of `owner` to `status` over HTTP (completed and ended offers are set in the database). */
async function inState(status: Status, over: Json = {}, owner: TestUser = manager): Promise<CampaignJson> {
  const startsLater = status === 'scheduled';
  const c = await create(owner, startsLater ? { start_time: inFuture(3_600_000), ...over } : over);
  if (status === 'draft') return c;
  const submitted = await actOk(owner, c.id, 'submit');
  if (status === 'pending_approval') return submitted;
  if (status === 'rejected') return actOk(admin, c.id, 'reject', { version: c.version, reason: 'not good enough' });
  const approved = await actOk(admin, c.id, 'approve', { version: c.version });
  if (status === 'scheduled' || status === 'sending') {
    expect(approved.status).toBe(status);
    return approved;
  }
  if (status === 'paused') return actOk(admin, c.id, 'pause');
  if (status === 'cancelled') return actOk(admin, c.id, 'cancel');
  // completed: only the delivery worker gets there; set it directly.
  expect(await t.ctx.repos.campaigns.transition(c.id, ['sending'], { status: 'completed', completedAt: new Date() })).toBe(true);
  return fetchAs(admin, c.id);
}

function expectInvalidState(res: { statusCode: number; json(): unknown }, current: Status) {
  expect(res.statusCode).toBe(409);
  const err = (res.json() as ErrorJson).error;
  expect(err.code).toBe('INVALID_STATE');
  expect(err.message).toContain(current);
}

function expectValidation(res: { statusCode: number; body: string; json(): unknown }, field?: string) {
  expect(res.statusCode, res.body).toBe(400);
  const err = (res.json() as ErrorJson).error;
  expect(err.code).toBe('VALIDATION_FAILED');
  if (field) expect(err.details?.map((d) => d.field)).toContain(field);
  return err;
}

async function listAll(u: TestUser, query = ''): Promise<CampaignJson[]> {
  const out: CampaignJson[] = [];
  for (let page = 1; ; page++) {
    const res = await as(u).get(`/v1/campaigns?per_page=100&page=${page}${query ? `&${query}` : ''}`);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as PageJson;
    out.push(...body.data);
    if (body.data.length < 100) {
      expect(out.length).toBe(body.total);
      return out;
    }
  }
}

describe('POST /v1/campaigns', () => {
  it('creates a draft with zero stats and derives body_text from the HTML', async () => {
    const start = inFuture(3_600_000);
    const end = inFuture(7_200_000);
    const res = await as(manager).post(
      '/v1/campaigns',
      campaignBody({
        type: 'promotion',
        title: 'Spring sale',
        description: 'Ten percent off',
        remarks: 'internal note',
        promo_code: 'SPRING10',
        body_html: '<p>Hi {{first_name}}, use <b>{{promo_code}}</b>.</p>',
        start_time: start,
        end_time: end,
      }),
    );
    expect(res.statusCode, res.body).toBe(201);
    const c = (res.json() as { campaign: CampaignJson }).campaign;
    expect(c).toMatchObject({
      type: 'promotion',
      title: 'Spring sale',
      description: 'Ten percent off',
      remarks: 'internal note',
      promo_code: 'SPRING10',
      status: 'draft',
      version: 1,
      rejection_reason: null,
      created_by: manager.id,
      updated_by: manager.id,
      approved_by: null,
      approved_at: null,
      start_time: start,
      end_time: end,
    });
    expect(c.id).toBeGreaterThan(0);
    expect(c.stats).toEqual({ recipients: 0, pending: 0, sent: 0, failed: 0, skipped: 0, bounced: 0, complained: 0 });
    expect(c.body_text).toBe('Hi {{first_name}}, use {{promo_code}}.');
    expect(new Date(c.created_at).toISOString()).toBe(c.created_at);
    // GET returns the same resource.
    expect(await fetchAs(manager, c.id)).toEqual(c);
  });

  it('keeps an explicit body_text and defaults optional fields', async () => {
    const c = await create(manager, { body_text: 'Plain {{first_name}}' });
    expect(c.body_text).toBe('Plain {{first_name}}');
    expect(c).toMatchObject({ description: '', remarks: '', promo_code: null, start_time: null, end_time: null });
  });

  it('refuses a promo_code on a plain campaign', async () => {
    const res = await as(manager).post('/v1/campaigns', campaignBody({ type: 'campaign', promo_code: 'NOPE' }));
    expectValidation(res, 'promo_code');
  });

  it('refuses an end_time before (or at) the start_time', async () => {
    const start = inFuture(7_200_000);
    expectValidation(await as(manager).post('/v1/campaigns', campaignBody({ start_time: start, end_time: inFuture(3_600_000) })), 'end_time');
    expectValidation(await as(manager).post('/v1/campaigns', campaignBody({ start_time: start, end_time: start })), 'end_time');
  });

  it('refuses an end_time in the past', async () => {
    expectValidation(await as(manager).post('/v1/campaigns', campaignBody({ end_time: inPast() })), 'end_time');
  });

  it('refuses timestamps that are not ISO-8601', async () => {
    expectValidation(await as(manager).post('/v1/campaigns', campaignBody({ start_time: 'tomorrow' })), 'start_time');
  });

  it('limits the title to 1–255 characters', async () => {
    expectValidation(await as(manager).post('/v1/campaigns', campaignBody({ title: 'x'.repeat(256) })), 'title');
    expectValidation(await as(manager).post('/v1/campaigns', campaignBody({ title: '' })), 'title');
    expectValidation(await as(manager).post('/v1/campaigns', campaignBody({ title: '   ' })), 'title');
    const long = `${++seq}`.padEnd(255, 'y');
    expect((await create(manager, { title: long })).title).toBe(long);
  });

  it('limits body_html to 256 KiB', async () => {
    const tooBig = `<p>${'a'.repeat(256 * 1024)}</p>`;
    const res = await as(manager).post('/v1/campaigns', campaignBody({ body_html: tooBig }));
    expect([400, 413]).toContain(res.statusCode);
    expect((res.json() as ErrorJson).error.code).toMatch(/VALIDATION_FAILED|PAYLOAD_TOO_LARGE/);
    const justFits = `<p>${'a'.repeat(256 * 1024 - 7)}</p>`;
    expect(justFits.length).toBe(256 * 1024);
    expect((await create(manager, { body_html: justFits })).body_html).toBe(justFits);
  });

  it('refuses unknown fields, naming them', async () => {
    const err = expectValidation(await as(manager).post('/v1/campaigns', campaignBody({ colour: 'red' })), 'colour');
    expect(err.message).toContain('colour');
    expectValidation(await as(manager).post('/v1/campaigns', campaignBody({ status: 'sending' })), 'status');
  });

  it('requires type, title, subject and body_html', async () => {
    for (const field of ['type', 'title', 'subject', 'body_html']) {
      const body = campaignBody();
      delete body[field];
      expectValidation(await as(manager).post('/v1/campaigns', body), field);
    }
  });

  it('answers 409 to a duplicate title among live campaigns, including another manager’s', async () => {
    const c = await create(manager);
    const dup = await as(manager).post('/v1/campaigns', campaignBody({ title: c.title }));
    expect(dup.statusCode).toBe(409);
    expect((dup.json() as ErrorJson).error.code).toBe('TITLE_TAKEN');
    expect((await as(otherManager).post('/v1/campaigns', campaignBody({ title: c.title }))).statusCode).toBe(409);
    // Surrounding blanks do not make a different title.
    expect((await as(manager).post('/v1/campaigns', campaignBody({ title: ` ${c.title} ` }))).statusCode).toBe(409);
    // Renaming another campaign onto it clashes too.
    const other = await create(manager);
    const rename = await as(manager).patch(`/v1/campaigns/${other.id}`, { title: c.title });
    expect(rename.statusCode).toBe(409);
    expect((rename.json() as ErrorJson).error.code).toBe('TITLE_TAKEN');
  });

  it('two concurrent creates with one title: one 201, one 409', async () => {
    const body = campaignBody();
    const [a, b] = await Promise.all([as(manager).post('/v1/campaigns', body), as(otherManager).post('/v1/campaigns', body)]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([201, 409]);
  });

  it('saving a campaign under its own title is not a clash', async () => {
    const c = await create(manager);
    const res = await as(manager).patch(`/v1/campaigns/${c.id}`, { title: c.title, subject: 'Same title' });
    expect(res.statusCode, res.body).toBe(200);
  });

  it('refuses malformed JSON (400) and other content types (415)', async () => {
    const raw = (payload: string, type: string) =>
      t.app.inject({ method: 'POST', url: '/v1/campaigns', headers: { ...bearer(manager.access), 'content-type': type }, payload });
    const bad = await raw('{"type": "campaign",', 'application/json');
    expect(bad.statusCode).toBe(400);
    expect((bad.json() as ErrorJson).error.code).toBe('MALFORMED_JSON');
    expect((await raw('type=campaign', 'application/x-www-form-urlencoded')).statusCode).toBe(415);
    expect((await raw('[]', 'application/json')).statusCode).toBe(400);
    expect((await raw('null', 'application/json')).statusCode).toBe(400);
  });

  it('makes a title reusable once its campaign is deleted', async () => {
    const c = await create(manager);
    expect((await as(manager).del(`/v1/campaigns/${c.id}`)).statusCode).toBe(204);
    const again = await create(otherManager, { title: c.title });
    expect(again.id).not.toBe(c.id);
    expect(again.title).toBe(c.title);
  });

  it('refuses customers (403) and anonymous callers (401)', async () => {
    expect((await as(customer).post('/v1/campaigns', campaignBody())).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'POST', url: '/v1/campaigns', payload: campaignBody() })).statusCode).toBe(401);
  });
});

describe('ownership', () => {
  it('a manager sees and edits only their own campaigns; others get 404', async () => {
    const mine = await create(manager);
    const theirs = await create(otherManager);

    expect((await fetchAs(manager, mine.id)).id).toBe(mine.id);
    const ids = (await listAll(manager)).map((c) => c.id);
    expect(ids).toContain(mine.id);
    expect(ids).not.toContain(theirs.id);
    for (const c of await listAll(manager)) expect(c.created_by).toBe(manager.id);

    const m = as(manager);
    for (const res of [
      await m.get(`/v1/campaigns/${theirs.id}`),
      await m.patch(`/v1/campaigns/${theirs.id}`, { subject: 'hijacked' }),
      await m.post(`/v1/campaigns/${theirs.id}/submit`),
      await m.get(`/v1/campaigns/${theirs.id}/stats`),
      await m.get(`/v1/campaigns/${theirs.id}/deliveries`),
      await m.get(`/v1/campaigns/${theirs.id}/preview`),
      await m.del(`/v1/campaigns/${theirs.id}`),
    ]) {
      expect(res.statusCode, res.body).toBe(404);
      expect((res.json() as ErrorJson).error.code).toBe('NOT_FOUND');
    }
    // Nothing happened to it.
    const after = await fetchAs(otherManager, theirs.id);
    expect(after.status).toBe('draft');
    expect(after.subject).toBe(theirs.subject);

    // The owner can edit.
    const edited = await as(manager).patch(`/v1/campaigns/${mine.id}`, { subject: 'New subject {{first_name}}' });
    expect(edited.statusCode, edited.body).toBe(200);
    expect((edited.json() as { campaign: CampaignJson }).campaign).toMatchObject({ subject: 'New subject {{first_name}}', updated_by: manager.id });
  });

  it('an unknown campaign id is 404, a malformed one 400', async () => {
    expect((await as(admin).get('/v1/campaigns/99999999')).statusCode).toBe(404);
    expect((await as(admin).get('/v1/campaigns/abc')).statusCode).toBe(400);
    expect((await as(admin).get('/v1/campaigns/0')).statusCode).toBe(400);
  });

  it('an admin sees and edits every campaign', async () => {
    const a = await create(manager);
    const b = await create(otherManager);
    const ids = (await listAll(admin)).map((c) => c.id);
    expect(ids).toEqual(expect.arrayContaining([a.id, b.id]));
    expect((await fetchAs(admin, b.id)).created_by).toBe(otherManager.id);
    const res = await as(admin).patch(`/v1/campaigns/${b.id}`, { remarks: 'checked by admin' });
    expect(res.statusCode).toBe(200);
    expect((res.json() as { campaign: CampaignJson }).campaign).toMatchObject({ remarks: 'checked by admin', updated_by: admin.id, created_by: otherManager.id });
  });

  it('lists filter by status and type, with the paging shape', async () => {
    const owner = await userWithRole(t, 'manager');
    const draftPromo = await create(owner, { type: 'promotion', promo_code: 'P1' });
    const draftPlain = await create(owner);
    const pending = await inState('pending_approval', {}, owner);
    const sending = await inState('sending', { type: 'promotion' }, owner);

    const page = await as(owner).get('/v1/campaigns');
    expect(page.statusCode).toBe(200);
    const all = page.json() as PageJson;
    expect(Object.keys(all).sort()).toEqual(['data', 'page', 'per_page', 'total']);
    expect(all).toMatchObject({ page: 1, per_page: 20, total: 4 });
    // Newest first.
    expect(all.data.map((c) => c.id)).toEqual([sending.id, pending.id, draftPlain.id, draftPromo.id]);

    const ids = async (q: string) => ((await as(owner).get(`/v1/campaigns?${q}`)).json() as PageJson).data.map((c) => c.id);
    expect(await ids('status=draft')).toEqual([draftPlain.id, draftPromo.id]);
    expect(await ids('status=pending_approval')).toEqual([pending.id]);
    expect(await ids('status=sending')).toEqual([sending.id]);
    expect(await ids('status=rejected')).toEqual([]);
    expect(await ids('type=promotion')).toEqual([sending.id, draftPromo.id]);
    expect(await ids('type=campaign&status=draft')).toEqual([draftPlain.id]);

    const p2 = (await as(owner).get('/v1/campaigns?per_page=3&page=2')).json() as PageJson;
    expect(p2).toMatchObject({ page: 2, per_page: 3, total: 4 });
    expect(p2.data.map((c) => c.id)).toEqual([draftPromo.id]);
    const p3 = (await as(owner).get('/v1/campaigns?per_page=3&page=3')).json() as PageJson;
    expect(p3).toMatchObject({ data: [], page: 3, total: 4 });

    for (const q of ['status=bogus', 'type=email', 'per_page=101', 'per_page=0', 'page=0', 'page=x', 'colour=red']) {
      expect((await as(owner).get(`/v1/campaigns?${q}`)).statusCode, q).toBe(400);
    }
  });

  it('sorts by creation or last change (sort=), ties by id, and pages in that order; the approval queue is oldest submission first', async () => {
    const owner = await userWithRole(t, 'manager');
    const [a, b, c] = [await create(owner), await create(owner), await create(owner)];
    // Submitted in the order b, c, a: their last change is their submission.
    for (const x of [b, c, a]) await actOk(owner, x.id, 'submit');
    const ids = async (q: string) => {
      const res = await as(owner).get(`/v1/campaigns?${q}`);
      expect(res.statusCode, res.body).toBe(200);
      return (res.json() as PageJson).data.map((x) => x.id);
    };
    expect(await ids('status=pending_approval&sort=updated_at')).toEqual([b.id, c.id, a.id]);
    expect(await ids('status=pending_approval&sort=-updated_at')).toEqual([a.id, c.id, b.id]);
    expect(await ids('sort=updated_at')).toEqual([b.id, c.id, a.id]);
    expect(await ids('sort=created_at')).toEqual([a.id, b.id, c.id]);
    expect(await ids('sort=-created_at')).toEqual([c.id, b.id, a.id]);
    // The default is unchanged: newest first.
    expect(await ids('status=pending_approval')).toEqual([c.id, b.id, a.id]);
    // Pages follow the order.
    expect(await ids('status=pending_approval&sort=updated_at&per_page=2&page=1')).toEqual([b.id, c.id]);
    expect(await ids('status=pending_approval&sort=updated_at&per_page=2&page=2')).toEqual([a.id]);
    // Equal times fall back on the id, in the sort's direction.
    await t.ctx.mysql.pool.query('UPDATE campaigns SET updated_at = ? WHERE id IN (?)', [new Date('2030-01-01T00:00:00Z'), [a.id, b.id, c.id]]);
    // Written behind the repositories: the list pages kept in memory must be told.
    await t.ctx.campaignLists.changed();
    expect(await ids('sort=updated_at')).toEqual([a.id, b.id, c.id]);
    expect(await ids('sort=-updated_at')).toEqual([c.id, b.id, a.id]);
    for (const q of ['sort=title', 'sort=updated', 'sort=', 'sort=updated_at&sort=created_at']) {
      const res = await as(owner).get(`/v1/campaigns?${q}`);
      expect(res.statusCode, q).toBe(400);
      expect((res.json() as ErrorJson).error.code, q).toBe('VALIDATION_FAILED');
    }
  });
});

describe('lifecycle', () => {
  it('submit: draft → pending_approval', async () => {
    const c = await create(manager);
    const s = await actOk(manager, c.id, 'submit');
    expect(s.status).toBe('pending_approval');
    expect(s.updated_by).toBe(manager.id);
  });

  it('approve: pending_approval → sending when start_time is null', async () => {
    const c = await inState('pending_approval');
    const res = await act(admin, c.id, 'approve', { version: c.version });
    expect(res.statusCode).toBe(200);
    const a = (res.json() as { campaign: CampaignJson }).campaign;
    expect(a.status).toBe('sending');
    expect(a.approved_by).toBe(admin.id);
    expect(a.approved_at).not.toBeNull();
    expect((await fetchAs(manager, c.id)).status).toBe('sending');
  });

  it('approve: pending_approval → sending when start_time has passed', async () => {
    const c = await inState('pending_approval', { start_time: inPast(3_600_000) });
    expect((await actOk(admin, c.id, 'approve', { version: c.version })).status).toBe('sending');
  });

  it('approve: pending_approval → scheduled when start_time is in the future', async () => {
    const c = await inState('pending_approval', { start_time: inFuture(3_600_000) });
    const a = await actOk(admin, c.id, 'approve', { version: c.version });
    expect(a.status).toBe('scheduled');
    expect(a.approved_by).toBe(admin.id);
  });

  it('approve: refused once the offer has ended', async () => {
    const c = await inState('pending_approval', { end_time: inFuture() });
    await t.ctx.repos.campaigns.transition(c.id, ['pending_approval'], { endTime: new Date(Date.now() - 1000) });
    const res = await act(admin, c.id, 'approve', { version: c.version });
    expect(res.statusCode).toBe(409);
    expect((await fetchAs(admin, c.id)).status).toBe('pending_approval');
  });

  it('reject with a reason: pending_approval → rejected', async () => {
    const c = await inState('pending_approval');
    const r = await actOk(admin, c.id, 'reject', { version: c.version, reason: '  Too many exclamation marks  ' });
    expect(r.status).toBe('rejected');
    expect(r.rejection_reason).toBe('Too many exclamation marks');
    expect((await fetchAs(manager, c.id)).rejection_reason).toBe('Too many exclamation marks');
  });

  it('reject needs a reason', async () => {
    const c = await inState('pending_approval');
    expectValidation(await act(admin, c.id, 'reject', { version: c.version }), 'reason');
    expectValidation(await act(admin, c.id, 'reject', { version: c.version, reason: '' }), 'reason');
    expectValidation(await act(admin, c.id, 'reject', { version: c.version, reason: 'x', extra: 1 }), 'extra');
    expect((await act(admin, c.id, 'reject')).statusCode).toBe(400);
    expect((await fetchAs(admin, c.id)).status).toBe('pending_approval');
  });

  it('version starts at 1 and grows by one on every edit, not on submit, approve or reject', async () => {
    const c = await create(manager);
    expect(c.version).toBe(1);
    const edit = async (subject: string) =>
      ((await as(manager).patch(`/v1/campaigns/${c.id}`, { subject })).json() as { campaign: CampaignJson }).campaign.version;
    expect(await edit('One')).toBe(2);
    expect(await edit('Two')).toBe(3);
    expect((await actOk(manager, c.id, 'submit')).version).toBe(3);
    expect((await actOk(admin, c.id, 'reject', { version: 3, reason: 'no' })).version).toBe(3);
    expect(await edit('Three')).toBe(4);
    await actOk(manager, c.id, 'submit');
    expect((await actOk(admin, c.id, 'approve', { version: 4 })).version).toBe(4);
    expect((await fetchAs(manager, c.id)).version).toBe(4);
  });

  function expectStale(res: { statusCode: number; body: string; json(): unknown }, current: number) {
    expect(res.statusCode, res.body).toBe(409);
    const err = (res.json() as ErrorJson).error;
    expect(err.code).toBe('STALE_VERSION');
    expect(err.message).toContain(`version ${current}`);
    expect(err.details).toEqual([{ field: 'version', message: `current version is ${current}` }]);
  }

  it('approve names the version reviewed: after an edit and resubmit, the old version is 409 STALE_VERSION and nothing changes', async () => {
    const c = await inState('pending_approval');
    const seen = await fetchAs(admin, c.id); // what the reviewer reads
    await as(manager).patch(`/v1/campaigns/${c.id}`, { subject: 'Swapped {{first_name}}' });
    await actOk(manager, c.id, 'submit');
    expectStale(await act(admin, c.id, 'approve', { version: seen.version }), seen.version + 1);
    const after = await fetchAs(admin, c.id);
    expect(after).toMatchObject({ status: 'pending_approval', version: seen.version + 1, approved_by: null });
    // Nothing approved: the edit is the only entry.
    expect((await as(admin).get(`/v1/audit?target_type=campaign&target_id=${c.id}&action=campaign.approved`)).json()).toMatchObject({ total: 0 });
    // A version from the future is stale too; the current one works.
    expectStale(await act(admin, c.id, 'approve', { version: after.version + 1 }), after.version);
    const approved = await actOk(admin, c.id, 'approve', { version: after.version });
    expect(approved).toMatchObject({ status: 'sending', subject: 'Swapped {{first_name}}', version: after.version });
  });

  it('reject names the version reviewed: the old version is 409 STALE_VERSION, the current one works', async () => {
    const c = await inState('pending_approval');
    await as(manager).patch(`/v1/campaigns/${c.id}`, { subject: 'Swapped' });
    await actOk(manager, c.id, 'submit');
    expectStale(await act(admin, c.id, 'reject', { version: c.version, reason: 'no' }), c.version + 1);
    expect(await fetchAs(admin, c.id)).toMatchObject({ status: 'pending_approval', rejection_reason: null });
    const r = await actOk(admin, c.id, 'reject', { version: c.version + 1, reason: 'still no' });
    expect(r).toMatchObject({ status: 'rejected', rejection_reason: 'still no' });
  });

  it('approve and reject need a version (400)', async () => {
    const c = await inState('pending_approval');
    expectValidation(await act(admin, c.id, 'approve', {}), 'version');
    expect((await act(admin, c.id, 'approve')).statusCode).toBe(400);
    for (const version of [0, -1, 1.5, '1', null]) expectValidation(await act(admin, c.id, 'approve', { version }), 'version');
    expectValidation(await act(admin, c.id, 'reject', { reason: 'no' }), 'version');
    expect((await fetchAs(admin, c.id)).status).toBe('pending_approval');
  });

  it('an edit and resubmit landing between the approval\'s read and its commit: the approval is STALE_VERSION', async () => {
    const c = await inState('pending_approval');
    const repo = t.ctx.repos.campaigns;
    const original = repo.transition;
    // The approval has read the campaign (version 1, pending) and checked it; just before its
    // transaction, the manager edits and resubmits. Only the check under the row lock can see it.
    repo.transition = async (...args) => {
      if (args[4]?.expect !== undefined && args[0] === c.id) {
        repo.transition = original;
        expect((await as(manager).patch(`/v1/campaigns/${c.id}`, { subject: 'Late swap' })).statusCode).toBe(200);
        await actOk(manager, c.id, 'submit');
      }
      return original(...args);
    };
    try {
      expectStale(await act(admin, c.id, 'approve', { version: c.version }), c.version + 1);
    } finally {
      repo.transition = original;
    }
    expect(await fetchAs(admin, c.id)).toMatchObject({ status: 'pending_approval', subject: 'Late swap', version: c.version + 1 });
  });

  it('editing in draft, pending_approval or rejected returns to draft and clears the rejection', async () => {
    for (const from of ['draft', 'pending_approval', 'rejected'] as const) {
      const c = await inState(from);
      expect(c.status).toBe(from);
      const res = await as(manager).patch(`/v1/campaigns/${c.id}`, { subject: `Edited from ${from}` });
      expect(res.statusCode, res.body).toBe(200);
      const e = (res.json() as { campaign: CampaignJson }).campaign;
      expect(e.status).toBe('draft');
      expect(e.subject).toBe(`Edited from ${from}`);
      expect(e.rejection_reason).toBeNull();
      expect((await fetchAs(manager, c.id)).rejection_reason).toBeNull();
    }
  });

  it('editing keeps unspecified fields, re-derives body_text from a new body_html, and validates the merged result', async () => {
    const c = await create(manager, { type: 'promotion', promo_code: 'KEEP', description: 'desc', body_text: 'custom text' });
    const e1 = (await as(manager).patch(`/v1/campaigns/${c.id}`, { remarks: 'r' })).json() as { campaign: CampaignJson };
    expect(e1.campaign).toMatchObject({ promo_code: 'KEEP', description: 'desc', body_text: 'custom text', remarks: 'r' });
    const e2 = (await as(manager).patch(`/v1/campaigns/${c.id}`, { body_html: '<p>New {{email}}</p>' })).json() as { campaign: CampaignJson };
    expect(e2.campaign.body_text).toBe('New {{email}}');
    // Turning it into a plain campaign while it still has a promo code is refused.
    expectValidation(await as(manager).patch(`/v1/campaigns/${c.id}`, { type: 'campaign' }), 'promo_code');
    const e3 = await as(manager).patch(`/v1/campaigns/${c.id}`, { type: 'campaign', promo_code: null });
    expect(e3.statusCode, e3.body).toBe(200);
    expectValidation(await as(manager).patch(`/v1/campaigns/${c.id}`, { colour: 'red' }), 'colour');
    expectValidation(await as(manager).patch(`/v1/campaigns/${c.id}`, { end_time: inPast() }), 'end_time');
  });

  it('editing after approval is 409 INVALID_STATE naming the current status', async () => {
    for (const status of ['scheduled', 'sending', 'paused', 'cancelled', 'completed'] as const) {
      const c = await inState(status);
      const res = await as(manager).patch(`/v1/campaigns/${c.id}`, { subject: 'too late' });
      expectInvalidState(res, status);
      expect((await fetchAs(manager, c.id)).subject).toBe(c.subject);
      // Admins cannot edit either.
      expectInvalidState(await as(admin).patch(`/v1/campaigns/${c.id}`, { subject: 'too late' }), status);
    }
  });

  it('pause: sending → paused; resume: paused → sending', async () => {
    const c = await inState('sending');
    expect((await actOk(admin, c.id, 'pause')).status).toBe('paused');
    expect((await actOk(admin, c.id, 'resume')).status).toBe('sending');
    expect((await actOk(admin, c.id, 'pause')).status).toBe('paused');
  });

  it('cancel from scheduled, sending and paused → cancelled', async () => {
    for (const from of ['scheduled', 'sending', 'paused'] as const) {
      const c = await inState(from);
      expect(c.status).toBe(from);
      expect((await actOk(admin, c.id, 'cancel')).status).toBe('cancelled');
      expect((await fetchAs(manager, c.id)).status).toBe('cancelled');
    }
  });

  it('delete is allowed before approval (204) and refused after (409 INVALID_STATE)', async () => {
    for (const from of ['draft', 'pending_approval', 'rejected'] as const) {
      const c = await inState(from);
      expect((await as(manager).del(`/v1/campaigns/${c.id}`)).statusCode).toBe(204);
      expect((await as(manager).get(`/v1/campaigns/${c.id}`)).statusCode).toBe(404);
      expect((await as(admin).get(`/v1/campaigns/${c.id}`)).statusCode).toBe(404);
      expect((await listAll(admin)).map((x) => x.id)).not.toContain(c.id);
      // Gone: a second delete, an edit or a submit is 404.
      expect((await as(manager).del(`/v1/campaigns/${c.id}`)).statusCode).toBe(404);
      expect((await as(manager).patch(`/v1/campaigns/${c.id}`, { subject: 'x' })).statusCode).toBe(404);
      expect((await act(manager, c.id, 'submit')).statusCode).toBe(404);
    }
    for (const from of ['scheduled', 'sending', 'paused', 'cancelled', 'completed'] as const) {
      const c = await inState(from);
      expectInvalidState(await as(manager).del(`/v1/campaigns/${c.id}`), from);
      expectInvalidState(await as(admin).del(`/v1/campaigns/${c.id}`), from);
      expect((await fetchAs(admin, c.id)).status).toBe(from);
    }
  });

  it('refuses every transition the table does not allow, with 409 INVALID_STATE naming the status', async () => {
    const allowed: Record<string, Status[]> = {
      submit: ['draft'],
      approve: ['pending_approval'],
      reject: ['pending_approval'],
      pause: ['sending'],
      resume: ['paused'],
      cancel: ['scheduled', 'sending', 'paused'],
    };
    const statuses: Status[] = ['draft', 'pending_approval', 'rejected', 'scheduled', 'sending', 'paused', 'completed', 'cancelled'];
    const byStatus = Object.fromEntries(await Promise.all(statuses.map(async (s) => [s, await inState(s)] as const))) as Record<Status, CampaignJson>;
    for (const [action, from] of Object.entries(allowed)) {
      for (const status of statuses.filter((s) => !from.includes(s))) {
        const c = byStatus[status];
        const u = action === 'submit' ? manager : admin;
        const res = await act(u, c.id, action, action === 'reject' ? { version: c.version, reason: 'no' } : action === 'approve' ? { version: c.version } : undefined);
        expectInvalidState(res, status);
        expect((res.json() as ErrorJson).error.message).toContain(action);
        expect((await fetchAs(admin, c.id)).status, `${action} from ${status}`).toBe(status);
      }
    }
  });

  it('the named refusals: approve twice, submit a non-draft, pause a draft, resume a sending campaign', async () => {
    const c = await inState('pending_approval');
    await actOk(admin, c.id, 'approve', { version: c.version });
    expectInvalidState(await act(admin, c.id, 'approve', { version: c.version }), 'sending');
    expectInvalidState(await act(manager, c.id, 'submit'), 'sending');
    expectInvalidState(await act(admin, c.id, 'resume'), 'sending');
    const d = await create(manager);
    expectInvalidState(await act(admin, d.id, 'pause'), 'draft');
    const p = await inState('pending_approval');
    expectInvalidState(await act(manager, p.id, 'submit'), 'pending_approval');
  });

  it('managers cannot approve, reject, pause, resume or cancel (403), even their own campaigns', async () => {
    const pending = await inState('pending_approval');
    const sending = await inState('sending');
    const paused = await inState('paused');
    for (const [id, action] of [
      [pending.id, 'approve'],
      [pending.id, 'reject'],
      [sending.id, 'pause'],
      [paused.id, 'resume'],
      [sending.id, 'cancel'],
    ] as const) {
      const res = await act(manager, id, action, action === 'reject' ? { version: 1, reason: 'no' } : action === 'approve' ? { version: 1 } : undefined);
      expect(res.statusCode, `${action}: ${res.body}`).toBe(403);
      expect((res.json() as ErrorJson).error.code).toBe('FORBIDDEN');
    }
    expect((await fetchAs(manager, pending.id)).status).toBe('pending_approval');
    expect((await fetchAs(manager, sending.id)).status).toBe('sending');
    expect((await fetchAs(manager, paused.id)).status).toBe('paused');
  });

  it('customers cannot change campaigns (403)', async () => {
    const c = await inState('sending');
    for (const action of ['submit', 'approve', 'pause', 'cancel']) expect((await act(customer, c.id, action)).statusCode).toBe(403);
    expect((await as(customer).patch(`/v1/campaigns/${c.id}`, { subject: 'x' })).statusCode).toBe(403);
    expect((await as(customer).del(`/v1/campaigns/${c.id}`)).statusCode).toBe(403);
  });

  it('writes approve, reject, pause, resume and cancel to the audit log with the actor', async () => {
    const secondAdmin = await userWithRole(t, 'admin');
    const a = await inState('pending_approval');
    await actOk(admin, a.id, 'approve', { version: a.version });
    await actOk(secondAdmin, a.id, 'pause');
    await actOk(admin, a.id, 'resume');
    await actOk(secondAdmin, a.id, 'cancel');
    const r = await inState('pending_approval');
    await actOk(secondAdmin, r.id, 'reject', { version: r.version, reason: 'off brand' });

    const audit = async (id: number) => {
      const res = await as(admin).get(`/v1/audit?target_type=campaign&target_id=${id}&per_page=100`);
      expect(res.statusCode, res.body).toBe(200);
      const rows = (res.json() as PageJson<{ action: string; actor_id: number; target_type: string; target_id: number; details: Json | null }>).data;
      return rows.reverse(); // oldest first
    };
    const forA = await audit(a.id);
    expect(forA.map((e) => [e.action, e.actor_id])).toEqual([
      ['campaign.approved', admin.id],
      ['campaign.paused', secondAdmin.id],
      ['campaign.resumed', admin.id],
      ['campaign.cancelled', secondAdmin.id],
    ]);
    for (const e of forA) expect(e).toMatchObject({ target_type: 'campaign', target_id: a.id });
    const forR = await audit(r.id);
    expect(forR.map((e) => [e.action, e.actor_id])).toEqual([['campaign.rejected', secondAdmin.id]]);
    expect(forR[0]!.details).toMatchObject({ reason: 'off brand' });

    // Refused transitions leave no trace.
    await act(admin, a.id, 'pause');
    expect(await audit(a.id)).toHaveLength(4);
    // The audit log is for admins only.
    expect((await as(manager).get('/v1/audit')).statusCode).toBe(403);
  });

  it('commits a decision and its audit entry together: when the entry cannot be written, nothing changes', async () => {
    // A trigger makes the audit insert fail as a deadlock victim would (errno 1213).
    const conn = await t.ctx.mysql.pool.getConnection();
    const failAudit = (on: boolean) =>
      conn.query(
        on
          ? `CREATE TRIGGER fail_campaign_audit BEFORE INSERT ON audit_events FOR EACH ROW
             IF NEW.target_type = 'campaign' THEN SIGNAL SQLSTATE '40001' SET MYSQL_ERRNO = 1213, MESSAGE_TEXT = 'Deadlock found'; END IF`
          : 'DROP TRIGGER IF EXISTS fail_campaign_audit',
      );
    const approvals = async (id: number) =>
      ((await as(admin).get(`/v1/audit?target_type=campaign&target_id=${id}`)).json() as PageJson<{ action: string }>).data.map((e) => e.action);
    const c = await inState('pending_approval');
    const s = await inState('sending');
    try {
      await failAudit(true);
      const approve = await act(admin, c.id, 'approve', { version: c.version });
      expect(approve.statusCode, approve.body).toBe(503);
      expect((approve.json() as ErrorJson).error.code).toBe('TRY_AGAIN');
      expect((await act(admin, s.id, 'cancel')).statusCode).toBe(503);
      expect((await act(admin, s.id, 'pause')).statusCode).toBe(503);
    } finally {
      await failAudit(false);
      conn.release();
    }
    expect((await fetchAs(admin, c.id)).status).toBe('pending_approval');
    expect((await fetchAs(admin, s.id)).status).toBe('sending');
    expect(await approvals(c.id)).toEqual([]);
    // The retry the 503 asks for works, and is audited once.
    await actOk(admin, c.id, 'approve', { version: c.version });
    expect(await approvals(c.id)).toEqual(['campaign.approved']);
  });

  it('audits every edit with the version it made and the fields it changed (never their values), and the history lists them all', async () => {
    const c = await create(manager, { type: 'promotion', promo_code: 'OLD10' });
    const secret = 'A body no audit row may hold';
    const edit = async (u: TestUser, body: Json) => {
      const res = await as(u).patch(`/v1/campaigns/${c.id}`, body);
      expect(res.statusCode, res.body).toBe(200);
    };
    await edit(manager, { subject: 'New {{first_name}}', promo_code: 'NEW15' });
    // body_text is derived again from a new body_html: both change.
    await edit(manager, { body_html: `<p>${secret}</p>` });
    // The same values again: still an edit (version 4), naming no field.
    await edit(admin, { subject: 'New {{first_name}}' });
    const end = inFuture(7 * 86_400_000);
    await edit(manager, { title: `${c.title} (v5)`, end_time: end, remarks: 'checked' });

    const res = await as(manager).get(`/v1/campaigns/${c.id}/history`);
    expect(res.statusCode, res.body).toBe(200);
    const history = (res.json() as PageJson<{ action: string; actor_id: number; details: Json }>).data;
    expect(history.map((e) => [e.action, e.actor_id, e.details])).toEqual([
      ['campaign.updated', manager.id, { version: 5, fields: ['title', 'remarks', 'end_time'] }],
      ['campaign.updated', admin.id, { version: 4, fields: [] }],
      ['campaign.updated', manager.id, { version: 3, fields: ['body_html', 'body_text'] }],
      ['campaign.updated', manager.id, { version: 2, fields: ['subject', 'promo_code'] }],
    ]);
    expect(res.body).not.toContain(secret);
    expect(res.body).not.toContain('NEW15');
    // The admin's audit log has them under the action too.
    const log = await as(admin).get(`/v1/audit?action=campaign.updated&target_type=campaign&target_id=${c.id}`);
    expect((log.json() as PageJson).total).toBe(4);
    // A refused edit leaves no trace.
    await actOk(manager, c.id, 'submit');
    await actOk(admin, c.id, 'approve', { version: 5 });
    expect((await as(manager).patch(`/v1/campaigns/${c.id}`, { subject: 'Late' })).statusCode).toBe(409);
    const after = (await as(manager).get(`/v1/campaigns/${c.id}/history`)).json() as PageJson<{ action: string }>;
    expect(after.data.filter((e) => e.action === 'campaign.updated')).toHaveLength(4);
  });

  it('commits an edit and its audit entry together: when the entry cannot be written, the edit is not saved', async () => {
    const conn = await t.ctx.mysql.pool.getConnection();
    const failAudit = (on: boolean) =>
      conn.query(
        on
          ? `CREATE TRIGGER fail_edit_audit BEFORE INSERT ON audit_events FOR EACH ROW
             IF NEW.action = 'campaign.updated' THEN SIGNAL SQLSTATE '40001' SET MYSQL_ERRNO = 1213, MESSAGE_TEXT = 'Deadlock found'; END IF`
          : 'DROP TRIGGER IF EXISTS fail_edit_audit',
      );
    const c = await inState('rejected');
    try {
      await failAudit(true);
      const res = await as(manager).patch(`/v1/campaigns/${c.id}`, { subject: 'Never saved' });
      expect(res.statusCode, res.body).toBe(503);
    } finally {
      await failAudit(false);
      conn.release();
    }
    expect(await fetchAs(manager, c.id)).toMatchObject({ subject: c.subject, version: c.version, status: 'rejected', rejection_reason: 'not good enough' });
    await as(manager).patch(`/v1/campaigns/${c.id}`, { subject: 'Saved' });
    const log = (await as(admin).get(`/v1/audit?action=campaign.updated&target_type=campaign&target_id=${c.id}`)).json() as PageJson<{ details: Json }>;
    expect(log.data.map((e) => e.details)).toEqual([{ version: c.version + 1, fields: ['subject'] }]);
  });

  it('two concurrent approvals: one wins, the other is 409, one audit entry', async () => {
    const c = await inState('pending_approval');
    const results = await Promise.all([act(admin, c.id, 'approve', { version: c.version }), act(admin, c.id, 'approve', { version: c.version }), act(admin, c.id, 'approve', { version: c.version })]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409, 409]);
    for (const r of results.filter((x) => x.statusCode === 409)) expectInvalidState(r, 'sending');
    const audit = (await as(admin).get(`/v1/audit?target_type=campaign&target_id=${c.id}&action=campaign.approved`)).json() as PageJson<Json>;
    expect(audit.total).toBe(1);
  });

  it('an edit racing an approval: exactly one of them happens', async () => {
    for (let i = 0; i < 30; i++) {
      const c = await inState('pending_approval');
      const [approve, edit] = await Promise.all([act(admin, c.id, 'approve', { version: c.version }), as(manager).patch(`/v1/campaigns/${c.id}`, { subject: 'sneaky {{first_name}}' })]);
      expect([approve.statusCode, edit.statusCode].sort()).toEqual([200, 409]);
      const after = await fetchAs(admin, c.id);
      if (approve.statusCode === 200) {
        expect(after.status).toBe('sending');
        expect(after.subject).toBe(c.subject);
      } else {
        expect(after.status).toBe('draft');
        expect(after.subject).toBe('sneaky {{first_name}}');
      }
    }
  });

  it('a status change waits for a writer holding the row instead of deadlocking with it', async () => {
    // Another transaction holds the row, as an edit does, and then moves the status. An approval that
    // reached for the status index before the row would deadlock with it (one side got a 500).
    const c = await inState('pending_approval');
    const conn = await t.ctx.mysql.pool.getConnection();
    try {
      await conn.query('BEGIN');
      await conn.query("UPDATE campaigns SET subject = 'held' WHERE id = ?", [c.id]);
      const approving = act(admin, c.id, 'approve', { version: c.version });
      // Until the approval waits for the row: its locking read stays in the process list while the row is held.
      await eventually(async () => {
        const [rows] = await t.ctx.mysql.pool.query<RowDataPacket[]>(
          "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> CONNECTION_ID() AND INFO LIKE '%for update%'",
        );
        return Number(rows[0]!.n) > 0;
      }, 20_000, 10);
      await conn.query("UPDATE campaigns SET status = 'draft' WHERE id = ?", [c.id]);
      await conn.query('COMMIT');
      expectInvalidState(await approving, 'draft');
    } finally {
      conn.release();
    }
    expect((await fetchAs(admin, c.id)).status).toBe('draft');
  });

  it('approve answers 200 with status sending', async () => {
    const c = await inState('pending_approval');
    const res = await act(admin, c.id, 'approve', { version: c.version });
    expect(res.statusCode).toBe(200);
    expect((res.json() as { campaign: CampaignJson }).campaign.status).toBe('sending');
  });

  it('admins may approve campaigns made by admins', async () => {
    const c = await inState('pending_approval', {}, admin);
    expect((await actOk(admin, c.id, 'approve', { version: c.version })).status).toBe('sending');
  });
});

describe('customer view', () => {
  const PUBLIC_KEYS = ['description', 'end_time', 'id', 'promo_code', 'start_time', 'subject', 'title', 'type'];

  it('lists only sending or completed campaigns whose end_time has not passed, with the public fields only', async () => {
    const live = await inState('sending', { type: 'promotion', promo_code: 'LIVE5', end_time: inFuture(), remarks: 'secret remark' });
    const noEnd = await inState('sending');
    const completed = await inState('completed', { end_time: inFuture() });
    const ended = await inState('sending', { end_time: inFuture() });
    expect(await t.ctx.repos.campaigns.transition(ended.id, ['sending'], { endTime: new Date(Date.now() - 1000) })).toBe(true);
    const completedEnded = await inState('completed', { end_time: inFuture() });
    expect(await t.ctx.repos.campaigns.transition(completedEnded.id, ['completed'], { endTime: new Date(Date.now() - 1000) })).toBe(true);
    const hidden = await Promise.all(
      (['draft', 'pending_approval', 'rejected', 'scheduled', 'paused', 'cancelled'] as const).map((s) => inState(s, { end_time: inFuture() })),
    );

    const seen = await listAll(customer);
    const ids = seen.map((c) => c.id);
    expect(ids).toEqual(expect.arrayContaining([live.id, noEnd.id, completed.id]));
    for (const c of [ended, completedEnded, ...hidden]) expect(ids, `campaign ${c.id} (${c.status})`).not.toContain(c.id);

    for (const c of seen) {
      expect(Object.keys(c).sort()).toEqual(PUBLIC_KEYS);
      const full = await fetchAs(admin, c.id);
      expect(['sending', 'completed']).toContain(full.status);
      if (full.end_time) expect(new Date(full.end_time).getTime()).toBeGreaterThan(Date.now());
    }
    const shown = seen.find((c) => c.id === live.id)!;
    expect(shown).toEqual({
      id: live.id,
      type: 'promotion',
      title: live.title,
      description: '',
      subject: live.subject,
      promo_code: 'LIVE5',
      start_time: null,
      end_time: live.end_time,
    });
    for (const hiddenKey of ['remarks', 'stats', 'created_by', 'updated_by', 'approved_by', 'body_html', 'body_text', 'status', 'rejection_reason']) {
      expect(shown).not.toHaveProperty(hiddenKey);
    }

    // The type filter works for customers; a status filter cannot widen the view.
    const promos = await listAll(customer, 'type=promotion');
    expect(promos.map((c) => c.id)).toContain(live.id);
    expect(promos.map((c) => c.id)).not.toContain(noEnd.id);
    const drafts = await listAll(customer, 'status=draft');
    for (const c of drafts) expect(['sending', 'completed']).toContain((await fetchAs(admin, c.id)).status);
    expect(drafts.map((c) => c.id)).not.toContain(hidden[0]!.id);
  });

  it('GET /v1/campaigns/:id shows a live campaign publicly and hides everything else (404)', async () => {
    const live = await inState('sending', { remarks: 'internal' });
    const res = await as(customer).get(`/v1/campaigns/${live.id}`);
    expect(res.statusCode, res.body).toBe(200);
    const c = (res.json() as { campaign: Json }).campaign;
    expect(Object.keys(c).sort()).toEqual(PUBLIC_KEYS);
    expect(c).not.toHaveProperty('remarks');
    expect(c).not.toHaveProperty('stats');
    expect(c).not.toHaveProperty('created_by');
    expect(c).not.toHaveProperty('body_html');

    for (const status of ['draft', 'pending_approval', 'rejected', 'scheduled', 'paused', 'cancelled'] as const) {
      const hidden = await inState(status);
      const r = await as(customer).get(`/v1/campaigns/${hidden.id}`);
      expect(r.statusCode, status).toBe(404);
      expect(r.body).not.toContain(hidden.title);
    }
    const ended = await inState('sending', { end_time: inFuture() });
    await t.ctx.repos.campaigns.transition(ended.id, ['sending'], { endTime: new Date(Date.now() - 1000) });
    expect((await as(customer).get(`/v1/campaigns/${ended.id}`)).statusCode).toBe(404);
  });

  it('customers never see stats, deliveries or previews: their view has none (404)', async () => {
    const live = await inState('sending');
    expect((await as(customer).get(`/v1/campaigns/${live.id}`)).statusCode).toBe(200);
    for (const what of ['stats', 'deliveries', 'preview']) {
      const res = await as(customer).get(`/v1/campaigns/${live.id}/${what}`);
      expect(res.statusCode, what).toBe(404);
      expect((res.json() as ErrorJson).error.code).toBe('NOT_FOUND');
    }
  });
});

describe('GET /v1/campaigns/:id/preview', () => {
  async function managerNamed(firstName: string) {
    const m = await userWithRole(t, 'manager');
    const res = await as(m).patch('/v1/users/me', { first_name: firstName, last_name: 'O\'Neil' });
    expect(res.statusCode, res.body).toBe(200);
    return m;
  }

  it('renders subject, HTML and text for the caller, escaping values in HTML only, with an unsubscribe link', async () => {
    const m = await managerNamed('Tom & "Jerry"');
    const c = await create(m, {
      type: 'promotion',
      promo_code: 'SAVE<5>',
      subject: 'Hi {{first_name}}',
      body_html: '<p>Hello {{first_name}} {{last_name}}</p>{{#if promo_code}}<p>Code: {{promo_code}}</p>{{/if}}',
    });
    const res = await as(m).get(`/v1/campaigns/${c.id}/preview`);
    expect(res.statusCode, res.body).toBe(200);
    const p = res.json() as { recipient: string; subject: string; html: string; text: string };
    expect(Object.keys(p).sort()).toEqual(['html', 'recipient', 'subject', 'text']);
    expect(p.recipient).toBe(m.email);
    expect(p.subject).toBe('Hi Tom & "Jerry"');
    expect(p.html).toContain('Hello Tom &amp; &quot;Jerry&quot; O&#x27;Neil');
    expect(p.html).toContain('Code: SAVE&lt;5&gt;');
    expect(p.html).not.toContain('"Jerry"');
    expect(p.html).not.toContain('<5>');
    expect(p.text).toContain('Hello Tom & "Jerry" O\'Neil');
    expect(p.text).toContain('Code: SAVE<5>');

    const url = `https://cns.example.test/v1/unsubscribe?token=${t.ctx.unsubscribe.sign(m.id)}`;
    expect(p.html).toContain(`href="${url}"`);
    expect(p.text).toContain(url);
  });

  it('uses {{unsubscribe_url}} where the template places it', async () => {
    const m = await userWithRole(t, 'manager');
    const c = await create(m, { body_html: '<p>Hi</p><a href="{{unsubscribe_url}}">Stop these</a>', body_text: 'Hi. Stop: {{unsubscribe_url}}' });
    const p = (await as(m).get(`/v1/campaigns/${c.id}/preview`)).json() as { html: string; text: string };
    const token = t.ctx.unsubscribe.sign(m.id);
    expect(p.text).toBe(`Hi. Stop: https://cns.example.test/v1/unsubscribe?token=${token}`);
    expect(p.html).toContain('Stop these');
    expect(p.html).toContain(token);
    expect(p.html.match(/unsubscribe\?token/g)).toHaveLength(1);
  });

  it('reflects an edit made just before', async () => {
    const m = await userWithRole(t, 'manager');
    const c = await create(m, { subject: 'First {{first_name}}' });
    expect(((await as(m).get(`/v1/campaigns/${c.id}/preview`)).json() as { subject: string }).subject).toBe('First manager');
    await as(m).patch(`/v1/campaigns/${c.id}`, { subject: 'Second {{first_name}}' });
    expect(((await as(m).get(`/v1/campaigns/${c.id}/preview`)).json() as { subject: string }).subject).toBe('Second manager');
  });

  it('keeps template variables working in the text derived from headings', async () => {
    const m = await userWithRole(t, 'manager');
    const c = await create(m, { body_html: '<h1>Welcome {{first_name}}</h1><p>Your code: {{promo_code}}</p>', type: 'promotion', promo_code: 'ABC' });
    const p = (await as(m).get(`/v1/campaigns/${c.id}/preview`)).json() as { text: string };
    expect(p.text.toLowerCase()).toContain('welcome manager');
    expect(p.text).toContain('Your code: ABC');
  });

  it('an admin may preview any campaign', async () => {
    const c = await create(manager);
    const res = await as(admin).get(`/v1/campaigns/${c.id}/preview`);
    expect(res.statusCode).toBe(200);
    expect((res.json() as { subject: string; recipient: string }).recipient).toBe(admin.email);
  });
});

describe('stats and deliveries', () => {
  it('GET /stats has the shape {status, recipients, pending, sent, failed, skipped, bounced, complained, started_at, completed_at}', async () => {
    const c = await create(manager);
    const res = await as(manager).get(`/v1/campaigns/${c.id}/stats`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      status: 'draft',
      recipients: 0,
      pending: 0,
      sent: 0,
      failed: 0,
      skipped: 0,
      bounced: 0,
      complained: 0,
      started_at: null,
      completed_at: null,
    });

    await actOk(manager, c.id, 'submit');
    await actOk(admin, c.id, 'approve', { version: c.version });
    const after = (await as(admin).get(`/v1/campaigns/${c.id}/stats`)).json() as Json;
    expect(Object.keys(after).sort()).toEqual(['bounced', 'complained', 'completed_at', 'failed', 'pending', 'recipients', 'sent', 'skipped', 'started_at', 'status']);
    expect(after.status).toBe('sending');
    expect(typeof after.started_at).toBe('string');
    expect(new Date(after.started_at as string).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(after.completed_at).toBeNull();
  });

  it('a scheduled campaign has not started', async () => {
    const c = await inState('scheduled');
    expect(((await as(admin).get(`/v1/campaigns/${c.id}/stats`)).json() as Json).started_at).toBeNull();
  });

  it('GET /deliveries is a page of ledger rows and validates its filters', async () => {
    const c = await inState('sending');
    const res = await as(manager).get(`/v1/campaigns/${c.id}/deliveries`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ data: [], page: 1, per_page: 20, total: 0 });
    for (const status of ['pending', 'sent', 'failed', 'skipped', 'bounced', 'complained']) {
      const r = await as(admin).get(`/v1/campaigns/${c.id}/deliveries?status=${status}&page=2&per_page=5`);
      expect(r.statusCode, status).toBe(200);
      expect(r.json()).toEqual({ data: [], page: 2, per_page: 5, total: 0 });
    }
    for (const q of ['status=bogus', 'per_page=101', 'page=0', 'colour=red']) {
      const r = await as(admin).get(`/v1/campaigns/${c.id}/deliveries?${q}`);
      expect(r.statusCode, q).toBe(400);
      expect((r.json() as ErrorJson).error.code).toBe('VALIDATION_FAILED');
    }
    expect((await as(admin).get('/v1/campaigns/99999999/deliveries')).statusCode).toBe(404);
  });

  it('GET /deliveries lists ledger rows as {user_id, email, status, attempts, last_error, sent_at}', async () => {
    const c = await inState('sending');
    const recipient = await userWithRole(t, 'customer');
    // The fan-out's own write: a ledger row, with the campaign's counters moved in the same transaction.
    expect(await t.ctx.repos.deliveries.savePage(c.id, 0, [{ userId: recipient.id, email: recipient.email, batchNo: recipient.id }], recipient.id, false)).toBe(true);
    const res = await as(admin).get(`/v1/campaigns/${c.id}/deliveries`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      data: [{ user_id: recipient.id, email: recipient.email, status: 'pending', attempts: 0, last_error: null, sent_at: null }],
      page: 1,
      per_page: 20,
      total: 1,
    });
    expect(((await as(admin).get(`/v1/campaigns/${c.id}/deliveries?status=sent`)).json() as PageJson<Json>).total).toBe(0);
    expect(((await as(admin).get(`/v1/campaigns/${c.id}/stats`)).json() as Json)).toMatchObject({ recipients: 1, pending: 1 });
    expect((await fetchAs(admin, c.id)).stats).toMatchObject({ recipients: 1, pending: 1, sent: 0 });
  });
});
