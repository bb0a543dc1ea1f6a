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
      { numRuns: 150 },
    );
  }, 120_000);
});
