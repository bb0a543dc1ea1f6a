import { sql, type SQL } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMysql, ensureDatabase, runMigrations, type Mysql } from '../src/conn/mysql.ts';
import { checkFilter } from '../src/domain/segment-filter.check.ts';
import { matches, type FilterSubject } from '../src/domain/segment-filter.eval.ts';
import type { Filter } from '../src/domain/segment-filter.ts';
import { customerTags, tags, topicSubscriptions, topics, users } from '../src/models/schema.ts';
import { compileFilter } from '../src/repositories/segment-filter.sql.ts';
import { DEFINITIONS, NOW, TAGS, TOPIC_IDS, filter, population } from './segment-filter.arbitraries.ts';
import { dropDatabase, testConfig } from './helpers.ts';

/**
 * The SQL compiler against the reference evaluator: for generated customers and valid filters, the
 * database matches exactly the customers the evaluator does. One database, emptied between runs.
 */

let m: Mysql;
let url: string;
const tagIds = new Map<string, number>();

beforeAll(async () => {
  url = testConfig('segment_filter').databaseUrl;
  await ensureDatabase(url);
  m = createMysql(url, 2);
  await runMigrations(m);
  await m.db.insert(topics).values([{ id: 2, name: 'News' }, { id: 3, name: 'Offers' }]);
  for (const name of TAGS) {
    const [{ id }] = (await m.db.insert(tags).values({ name }).$returningId()) as [{ id: number }];
    tagIds.set(name, id);
  }
});
afterAll(async () => {
  await m?.close();
  await dropDatabase(url);
});

async function store(people: FilterSubject[]) {
  await m.db.delete(users); // tags and subscriptions go with them
  if (people.length === 0) return;
  await m.db.insert(users).values(
    people.map((c) => ({
      id: c.id,
      email: c.email,
      passwordHash: '',
      firstName: c.firstName,
      lastName: c.lastName,
      roleId: 3,
      externalId: c.externalId,
      origin: c.origin,
      attributes: c.attributes,
      createdAt: c.createdAt,
    })),
  );
  const tagRows = people.flatMap((c) => c.tags.map((t) => ({ userId: c.id, tagId: tagIds.get(t)! })));
  if (tagRows.length) await m.db.insert(customerTags).values(tagRows);
  const topicRows = people.flatMap((c) => [...c.topics].map(([topicId, status]) => ({ userId: c.id, topicId, status, source: 'test' })));
  if (topicRows.length) await m.db.insert(topicSubscriptions).values(topicRows);
}

async function matchedIds(where: SQL): Promise<{ ids: number[]; count: number }> {
  const [rows] = (await m.db.execute(sql`SELECT u.id FROM users u WHERE ${where} ORDER BY u.id`)) as unknown as [{ id: number }[]];
  const [[{ n }]] = (await m.db.execute(sql`SELECT COUNT(*) AS n FROM users u WHERE ${where}`)) as unknown as [[{ n: number }]];
  return { ids: rows.map((r) => r.id), count: Number(n) };
}

const lookups = (segments: Map<number, Filter>) => ({ attributes: DEFINITIONS, topicExists: (id: number) => TOPIC_IDS.includes(id), segments });

describe('the compiled SQL matches the reference evaluator', () => {
  it('on generated customers and filters (segments inlined, depth up to 6)', async () => {
    const scenario = fc.record({
      people: population(40),
      seg1: filter(3),
      seg2: filter(3, [1]),
      main: filter(6, [1, 2]),
    });
    await fc.assert(
      fc.asyncProperty(scenario, async ({ people, seg1, seg2, main }) => {
        const segments = new Map<number, Filter>([[1, seg1], [2, seg2]]);
        const check = checkFilter(main, lookups(segments));
        expect(check).toEqual({ ok: true, filter: main });
        await store(people);
        const ctx = { attributes: DEFINITIONS, segments, now: NOW };
        const expected = people.filter((c) => matches(main, c, ctx)).map((c) => c.id);
        const got = await matchedIds(compileFilter(main, ctx));
        expect(got.ids).toEqual(expected);
        expect(got.count).toBe(expected.length);
        // The complement, exactly: no customer is lost to NULL on either side.
        const negated = await matchedIds(compileFilter({ not: main }, ctx));
        expect(negated.count).toBe(people.length - expected.length);
      }),
      { numRuns: 200 },
    );
  }, 120_000);
});

describe('examples, in SQL and in the evaluator alike', () => {
  const person = (id: number, p: Partial<FilterSubject>): FilterSubject => ({
    id,
    email: `p${id}@example.com`,
    firstName: '',
    lastName: '',
    externalId: null,
    origin: 'signup',
    createdAt: new Date('2026-01-01T00:00:00Z'),
    attributes: {},
    tags: [],
    topics: new Map(),
    ...p,
  });
  const people = [
    person(1, { attributes: { city: "' OR 1=1 --" } }),
    person(2, { attributes: { city: '100%' } }),
    person(3, { attributes: { city: 'a_b' } }),
    person(4, { attributes: { city: 'back\\slash!' } }),
    person(5, { attributes: { city: 'Ärger', interests: ['ärger', 'Straße'] }, firstName: 'Ärger', tags: ['VIP'] }),
    person(6, { attributes: { city: 'Straße', birthday: '2026-03-08' }, firstName: 'Arger', tags: ['straße'], createdAt: new Date(NOW.getTime() - 7 * 86_400_000) }),
    person(7, { attributes: { city: 'strasse', birthday: '2026-03-07' }, createdAt: new Date(NOW.getTime() - 7 * 86_400_000 - 1) }),
    person(8, { attributes: { city: 'abc ', birthday: '2026-03-16' }, createdAt: new Date(NOW.getTime() + 1) }),
    person(9, {}),
  ];
  const ctx = { attributes: DEFINITIONS, segments: new Map<number, Filter>(), now: NOW };
  /** The ids a filter matches, after checking that the evaluator matches the same. */
  const ids = async (f: Filter) => {
    expect(checkFilter(f, lookups(ctx.segments)).ok).toBe(true);
    const got = (await matchedIds(compileFilter(f, ctx))).ids;
    expect(got).toEqual(people.filter((c) => matches(f, c, ctx)).map((c) => c.id));
    return got;
  };
  beforeAll(() => store(people));

  it('matches SQL-looking text and LIKE metacharacters literally', async () => {
    expect(await ids({ attr: 'city', op: 'eq', value: "' OR 1=1 --" })).toEqual([1]);
    expect(await ids({ attr: 'city', op: 'contains', value: '%' })).toEqual([2]);
    expect(await ids({ attr: 'city', op: 'contains', value: '_' })).toEqual([3]);
    expect(await ids({ attr: 'city', op: 'contains', value: '\\' })).toEqual([4]);
    expect(await ids({ attr: 'city', op: 'ends_with', value: '!' })).toEqual([4]);
    expect(await ids({ attr: 'city', op: 'starts_with', value: "'" })).toEqual([1]);
    expect(await ids({ attr: 'city', op: 'in', value: ['%', '_', "'"] })).toEqual([]);
  });

  it('ignores case, and only case: not accents, not ß against ss, not trailing spaces', async () => {
    expect(await ids({ attr: 'city', op: 'eq', value: 'äRGER' })).toEqual([5]);
    expect(await ids({ attr: 'city', op: 'eq', value: 'arger' })).toEqual([]);
    expect(await ids({ attr: 'city', op: 'eq', value: 'STRAßE' })).toEqual([6]);
    expect(await ids({ attr: 'city', op: 'eq', value: 'abc' })).toEqual([]);
    expect(await ids({ field: 'first_name', op: 'eq', value: 'ÄRGER' })).toEqual([5]);
    expect(await ids({ field: 'first_name', op: 'starts_with', value: 'ä' })).toEqual([5]);
    expect(await ids({ attr: 'interests', op: 'contains', value: 'ÄRGER' })).toEqual([5]);
    expect(await ids({ attr: 'interests', op: 'contains_all', value: ['straße', 'Ärger'] })).toEqual([5]);
    expect(await ids({ tag: 'vip' })).toEqual([5]);
  });

  it('names tags as the tags table does: one tag whatever the case, but not whatever the accents', async () => {
    expect(await ids({ tag: 'STRAßE' })).toEqual([6]);
    expect(await ids({ tag: 'STRASSE' })).toEqual([]);
    expect(await ids({ tag: 'strasse' })).toEqual([]);
    expect(await ids({ any: [{ tag: 'vip' }, { tag: 'straßE' }] })).toEqual([5, 6]);
    expect(await ids({ tag: 'ärger' })).toEqual([]);
    expect(await ids({ tag: 'arger' })).toEqual([]);
  });

  it('keeps "Ärger" and "arger" two tags, and "VIP" and "vip" one', async () => {
    await expect(m.db.insert(tags).values({ name: 'arger' })).resolves.toBeDefined();
    await expect(m.db.insert(tags).values({ name: 'vip' })).rejects.toThrow();
    await m.db.delete(tags).where(sql`name = 'arger'`);
  });

  it('treats a missing attribute as false but for not_exists, and not as the exact complement', async () => {
    expect(await ids({ attr: 'birthday', op: 'neq', value: '2026-03-08' })).toEqual([7, 8]);
    expect(await ids({ attr: 'birthday', op: 'not_exists' })).toEqual([1, 2, 3, 4, 5, 9]);
    expect(await ids({ not: { attr: 'birthday', op: 'eq', value: '2026-03-08' } })).toEqual([1, 2, 3, 4, 5, 7, 8, 9]);
    expect(await ids({ attr: 'city', op: 'nin', value: ['100%'] })).toEqual([1, 3, 4, 5, 6, 7, 8]);
  });

  it('in_last_days runs from N days before now up to now, both included', async () => {
    // Today is 2026-03-15: 7 days back is 03-08; 03-16 is in the future.
    expect(await ids({ attr: 'birthday', op: 'in_last_days', value: 7 })).toEqual([6]);
    expect(await ids({ attr: 'birthday', op: 'in_last_days', value: 8 })).toEqual([6, 7]);
    expect(await ids({ field: 'created_at', op: 'in_last_days', value: 7 })).toEqual([6]);
    expect(await ids({ field: 'created_at', op: 'eq', value: '2026-03-08' })).toEqual([6, 7]);
    expect(await ids({ field: 'created_at', op: 'gt', value: '2026-03-15' })).toEqual([]);
    expect(await ids({ field: 'created_at', op: 'gte', value: '2026-03-15' })).toEqual([8]);
  });
});
