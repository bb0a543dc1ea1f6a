import fc from 'fast-check';
import { CUSTOMER_ORIGINS, TOPIC_STATUSES, type AttributeDefinition, type TopicStatus } from '../src/domain/customer.ts';
import type { FilterSubject } from '../src/domain/segment-filter.eval.ts';
import { FIELD_KINDS, FILTER_FIELDS, OPS_BY_KIND, type Filter, type FilterOp, type ValueKind } from '../src/domain/segment-filter.ts';

/** Generators of customers and valid filters that meet on the same values, for the segment filter's tests. */

export const NOW = new Date('2026-03-15T12:34:56.789Z');
const DAY = 86_400_000;

const def = (key: string, type: AttributeDefinition['type'], options: string[] | null = null): AttributeDefinition => ({
  key,
  label: key,
  type,
  options,
  indexed: false,
});
export const DEFINITIONS = new Map(
  [
    def('plan', 'enum', ['Free', 'Pro', 'Énterprise']),
    def('city', 'string'),
    def('nick', 'string'),
    def('score', 'number'),
    def('vip', 'boolean'),
    def('birthday', 'date'),
    def('interests', 'string_list'),
  ].map((d) => [d.key, d]),
);

/** Tags as stored; filters name them in any case. */
export const TAGS = ['VIP', 'Ärger', 'news_letter', 'a.b-c', 'straße', 'ÉTÉ 2026'];
export const TOPIC_IDS = [1, 2, 3];

/** Pieces of strings: mixed case, non-ASCII, LIKE's metacharacters and SQL-looking text. */
const PIECES = ['a', 'B', 'ä', 'Ä', 'ß', 'é', 'É', '%', '_', '!', '\\', "'", ' ', 'x', 'Berlin', "' OR 1=1 --", 'a_b', '5%'];
const piece = fc.constantFrom(...PIECES);
const recase = (s: fc.Arbitrary<string>) =>
  fc.tuple(s, fc.constantFrom('same', 'upper', 'lower')).map(([v, c]) => (c === 'upper' ? v.toUpperCase() : c === 'lower' ? v.toLowerCase() : v));
/** A stored string: 0–4 pieces. */
const storedString = recase(fc.array(piece, { maxLength: 4 }).map((p) => p.join('')));
/** A filter's string: 0–2 pieces, so that eq and contains hit often. */
const filterString = recase(fc.array(piece, { maxLength: 2 }).map((p) => p.join('')));

const NUMBERS = [-2.5, -1, 0, 0.1, 1, 2, 2.5, 10, 1e6];
const number = fc.constantFrom(...NUMBERS);
const dayOffset = fc.integer({ min: -45, max: 5 });
const dateOf = (offset: number) => new Date(Date.UTC(2026, 2, 15) + offset * DAY).toISOString().slice(0, 10);
const date = dayOffset.map(dateOf);
/** created_at: around now, including the edges of days and of in_last_days windows. */
const createdAt = fc.oneof(
  fc.integer({ min: -45 * 24, max: 48 }).map((h) => new Date(NOW.getTime() + h * 3_600_000)),
  fc.integer({ min: -45, max: 2 }).map((d) => new Date(Date.UTC(2026, 2, 15) + d * DAY)),
  fc.integer({ min: 1, max: 40 }).map((d) => new Date(NOW.getTime() - d * DAY)),
  fc.constant(NOW),
);

function attributeValue(d: AttributeDefinition): fc.Arbitrary<unknown> {
  switch (d.type) {
    case 'string': return storedString;
    case 'enum': return fc.constantFrom(...d.options!);
    case 'number': return number;
    case 'boolean': return fc.boolean();
    case 'date': return date;
    case 'string_list': return fc.array(storedString, { maxLength: 3 });
  }
}

const attributes = fc
  .tuple(...[...DEFINITIONS.values()].map((d) => fc.option(attributeValue(d), { nil: undefined, freq: 3 })))
  .map((values) => Object.fromEntries([...DEFINITIONS.keys()].map((k, i) => [k, values[i]]).filter(([, v]) => v !== undefined)));

const customer = fc.record({
  local: storedString,
  firstName: storedString,
  lastName: storedString,
  externalId: fc.option(storedString, { nil: null }),
  origin: fc.constantFrom(...CUSTOMER_ORIGINS),
  createdAt,
  attributes,
  tags: fc.subarray(TAGS),
  topics: fc.array(fc.tuple(fc.constantFrom(...TOPIC_IDS), fc.constantFrom(...TOPIC_STATUSES)), { maxLength: 3 }),
});

/** 0–max customers with ids 1…n and unique emails and external ids (the index makes them unique). */
export const population = (max = 40): fc.Arbitrary<FilterSubject[]> =>
  fc.array(customer, { maxLength: max }).map((cs) =>
    cs.map((c, i) => ({
      id: i + 1,
      email: `${c.local}.${i}@Example.com`,
      firstName: c.firstName,
      lastName: c.lastName,
      externalId: c.externalId === null ? null : `${c.externalId}#${i}`,
      origin: c.origin,
      createdAt: c.createdAt,
      attributes: c.attributes,
      tags: c.tags,
      topics: new Map<number, TopicStatus>(c.topics),
    })),
  );

function value(kind: ValueKind, op: FilterOp, options?: readonly string[]): fc.Arbitrary<unknown> | undefined {
  if (op === 'exists' || op === 'not_exists') return undefined;
  if (op === 'in_last_days') return fc.oneof(fc.integer({ min: 1, max: 40 }), fc.constant(3650));
  const one: fc.Arbitrary<unknown> =
    kind === 'number' ? number
    : kind === 'date' || kind === 'datetime' ? date
    : kind === 'boolean' ? fc.boolean()
    : kind === 'enum' ? recase(fc.constantFrom(...options!))
    : filterString;
  if (op === 'between') return fc.tuple(one, one).map(([a, b]) => ((a as number | string) <= (b as number | string) ? [a, b] : [b, a]));
  if (['in', 'nin', 'contains_any', 'contains_all'].includes(op)) return fc.array(one, { minLength: 1, maxLength: 4 });
  return one;
}

const operation = <T extends object>(base: T, kind: ValueKind, options?: readonly string[]) =>
  fc.constantFrom(...OPS_BY_KIND[kind]).chain((op) => {
    const v = value(kind, op, options);
    return v ? v.map((value) => ({ ...base, op, value })) : fc.constant({ ...base, op });
  });

const attrCondition = fc.constantFrom(...DEFINITIONS.values()).chain((d) => operation({ attr: d.key }, d.type, d.options ?? undefined));
const fieldCondition = fc.constantFrom(...FILTER_FIELDS).chain((f) => operation({ field: f }, FIELD_KINDS[f].kind, FIELD_KINDS[f].options));
const tagCondition = recase(fc.constantFrom(...TAGS)).map((tag) => ({ tag }));
const topicCondition = fc.record({ topic: fc.constantFrom(...TOPIC_IDS), status: fc.constantFrom(...TOPIC_STATUSES) });

/** Valid filters of at most `depth` levels, naming only the given segments. */
export function filter(depth: number, segmentIds: number[] = []): fc.Arbitrary<Filter> {
  const leaves: fc.Arbitrary<Filter>[] = [attrCondition, attrCondition, fieldCondition, tagCondition, topicCondition] as fc.Arbitrary<Filter>[];
  if (segmentIds.length) leaves.push(fc.constantFrom(...segmentIds).map((segment) => ({ segment })));
  const leaf = fc.oneof(...leaves);
  const tree = fc.letrec<{ f: Filter }>((tie) => ({
    f: fc.oneof(
      { maxDepth: depth - 1, depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.array(tie('f'), { minLength: 1, maxLength: 3 }).map((all) => ({ all })),
      fc.array(tie('f'), { minLength: 1, maxLength: 3 }).map((any) => ({ any })),
      tie('f').map((not) => ({ not })),
    ),
  })).f;
  return tree.filter((f) => nodes(f) <= 100);
}

export function nodes(f: Filter): number {
  if ('all' in f) return 1 + f.all.reduce((n, c) => n + nodes(c), 0);
  if ('any' in f) return 1 + f.any.reduce((n, c) => n + nodes(c), 0);
  if ('not' in f) return 1 + nodes(f.not);
  return 1;
}
