import { Value } from '@sinclair/typebox/value';
import { Ajv } from 'ajv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkFilter, type FilterLookups } from '../../src/domain/segment-filter.check.ts';
import { FilterSchema, segmentRefs, type Filter } from '../../src/domain/segment-filter.ts';
import { DEFINITIONS, TOPIC_IDS, filter } from '../segment-filter.arbitraries.ts';

const base: FilterLookups = { attributes: DEFINITIONS, topicExists: (id) => TOPIC_IDS.includes(id), segments: new Map() };
const errorsOf = (f: unknown, lookups: Partial<FilterLookups> = {}) => {
  const r = checkFilter(f, { ...base, ...lookups });
  return r.ok ? [] : r.errors;
};
/** The one problem a filter has. */
const problem = (f: unknown, lookups: Partial<FilterLookups> = {}) => {
  const errors = errorsOf(f, lookups);
  expect(errors).toHaveLength(1);
  return errors[0]!;
};
const cond = { attr: 'city', op: 'eq', value: 'Berlin' } as const;
const nest = (levels: number): Filter => (levels <= 1 ? cond : { not: nest(levels - 1) });

describe('checkFilter', () => {
  it('accepts every generated filter, and so does the TypeBox schema', () => {
    const segments = new Map<number, Filter>([[1, cond], [2, { segment: 1 }]]);
    fc.assert(
      fc.property(filter(6, [1, 2]), (f) => {
        expect(checkFilter(f, { ...base, segments })).toEqual({ ok: true, filter: f });
        expect(Value.Check(FilterSchema, f)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('has a schema that Ajv (the validator Fastify uses) compiles, refusing what is malformed', () => {
    const validate = new Ajv().compile(FilterSchema);
    expect(validate({ all: [cond, { not: { tag: 'vip' } }, { topic: 1, status: 'pending' }] })).toBe(true);
    expect(validate({ all: [] })).toBe(false);
    expect(validate({ all: [cond], extra: 1 })).toBe(false);
    expect(validate({ attr: 'city', op: 'like', value: 'x' })).toBe(false);
  });

  it('lists the segments a filter names', () => {
    expect(segmentRefs({ all: [{ segment: 2 }, { not: { any: [cond, { segment: 5 }, { segment: 2 }] } }] })).toEqual([2, 5]);
  });

  it('bounds the depth at 6: a lone condition is 1, and not counts as a level', () => {
    expect(errorsOf(nest(6))).toEqual([]);
    expect(errorsOf({ all: [nest(5)] })).toEqual([]);
    expect(problem(nest(7))).toEqual({ field: 'filter.not.not.not.not.not.not', message: 'nesting is at most 6 levels deep' });
    expect(problem({ all: [nest(6)] }).field).toBe('filter.all.0.not.not.not.not.not');
  });

  it('bounds the nodes at 100 and the children of a group at 1 to 50', () => {
    const fifty = { any: Array.from({ length: 50 }, () => cond) };
    expect(errorsOf({ all: [fifty, { any: Array.from({ length: 47 }, () => cond) }] })).toEqual([]); // 100 nodes
    expect(problem({ all: [fifty, { any: Array.from({ length: 48 }, () => cond) }] })).toEqual({
      field: 'filter',
      message: 'a filter has at most 100 nodes',
    });
    expect(problem({ any: Array.from({ length: 51 }, () => cond) }).field).toBe('filter.any');
    expect(problem({ all: [] })).toEqual({ field: 'filter.all', message: 'a group has 1 to 50 filters' });
    expect(problem({ any: 'x' })).toEqual({ field: 'filter.any', message: 'must be a list of filters' });
  });

  it('bounds lists at 1,000 values and strings at 256 characters', () => {
    const list = (n: number) => Array.from({ length: n }, (_, i) => `v${i}`);
    expect(errorsOf({ attr: 'city', op: 'in', value: list(1000) })).toEqual([]);
    expect(problem({ attr: 'city', op: 'in', value: list(1001) })).toEqual({ field: 'filter.value', message: 'must be a list of 1 to 1000 values' });
    expect(problem({ attr: 'interests', op: 'contains_all', value: [] }).field).toBe('filter.value');
    expect(errorsOf({ attr: 'city', op: 'eq', value: 'ä'.repeat(256) })).toEqual([]);
    expect(problem({ attr: 'city', op: 'contains', value: 'a'.repeat(257) }).message).toBe('must be at most 256 characters');
    expect(problem({ field: 'email', op: 'nin', value: ['ok', 'b'.repeat(257)] }).field).toBe('filter.value');
  });

  it('bounds in_last_days at 1 to 3,650 whole days', () => {
    for (const ok of [1, 3650]) expect(errorsOf({ attr: 'birthday', op: 'in_last_days', value: ok })).toEqual([]);
    for (const bad of [0, 3651, 1.5, '7']) {
      expect(problem({ field: 'created_at', op: 'in_last_days', value: bad })).toEqual({
        field: 'filter.value',
        message: 'must be a whole number of days, 1 to 3650',
      });
    }
  });

  it('names the path to each problem, and reports several', () => {
    const errors = errorsOf({
      all: [cond, { any: [{ attr: 'score', op: 'contains', value: 1 }, { attr: 'nope', op: 'eq', value: 1 }] }, { tag: ' vip' }],
    });
    expect(errors).toEqual([
      { field: 'filter.all.1.any.0.op', message: 'contains does not fit the type number; use one of eq, neq, lt, lte, gt, gte, between, exists, not_exists' },
      { field: 'filter.all.1.any.1.attr', message: 'is not a defined attribute' },
      { field: 'filter.all.2.tag', message: expect.stringContaining('must be a tag name') },
    ]);
  });

  it('reports at most 20 problems', () => {
    expect(errorsOf({ any: Array.from({ length: 30 }, () => ({ attr: 'nope', op: 'eq' })) })).toHaveLength(20);
  });

  it('refuses malformed shapes', () => {
    expect(problem(null)).toEqual({ field: 'filter', message: expect.stringContaining('must be an object') });
    expect(problem([cond])).toEqual({ field: 'filter', message: expect.stringContaining('must be an object') });
    expect(problem({})).toEqual({ field: 'filter', message: expect.stringContaining('must have one of all, any, not') });
    expect(problem({ all: [cond], tag: 'x' })).toEqual({ field: 'filter', message: 'has all and tag: one per node' });
    expect(problem({ ...cond, extra: 1 })).toEqual({ field: 'filter.extra', message: 'is not allowed here' });
    expect(problem({ not: 5 }).field).toBe('filter.not');
  });

  it('checks operators and values against the attribute type', () => {
    const bad: [unknown, string, string][] = [
      [{ attr: 'city' }, 'filter.op', 'must be one of'],
      [{ attr: 'city', op: 'like', value: 'x' }, 'filter.op', 'must be one of'],
      [{ attr: 'vip', op: 'neq', value: true }, 'filter.op', 'neq does not fit the type boolean'],
      [{ attr: 'city', op: 'gt', value: 'a' }, 'filter.op', 'gt does not fit the type string'],
      [{ attr: 'interests', op: 'eq', value: 'a' }, 'filter.op', 'eq does not fit the type string_list'],
      [{ attr: 'plan', op: 'contains', value: 'a' }, 'filter.op', 'contains does not fit the type enum'],
      [{ attr: 'city', op: 'eq' }, 'filter.value', 'is required'],
      [{ attr: 'city', op: 'exists', value: 'x' }, 'filter.value', 'exists takes no value'],
      [{ attr: 'city', op: 'eq', value: 1 }, 'filter.value', 'must be a string'],
      [{ attr: 'score', op: 'eq', value: '1' }, 'filter.value', 'must be a finite number'],
      [{ attr: 'score', op: 'between', value: [2, 1] }, 'filter.value', 'low must not be above high'],
      [{ attr: 'score', op: 'between', value: [1] }, 'filter.value', 'must be [low, high]'],
      [{ attr: 'vip', op: 'eq', value: 'true' }, 'filter.value', 'must be true or false'],
      [{ attr: 'birthday', op: 'eq', value: '2026-02-30' }, 'filter.value', 'must be a date, YYYY-MM-DD'],
      [{ attr: 'birthday', op: 'between', value: ['2026-03-02', '2026-03-01'] }, 'filter.value', 'low must not be above high'],
      [{ attr: 'plan', op: 'in', value: ['free', 'Gold'] }, 'filter.value', 'must be one of Free, Pro, Énterprise'],
      [{ field: 'origin', op: 'eq', value: 'web' }, 'filter.value', 'must be one of signup, import, api, admin'],
      [{ field: 'phone', op: 'eq', value: 'x' }, 'filter.field', 'must be one of'],
      [{ field: 'created_at', op: 'contains', value: 'x' }, 'filter.op', 'contains does not fit the type date'],
      [{ field: 'created_at', op: 'gt', value: '2026-03-15T00:00:00Z' }, 'filter.value', 'must be a date, YYYY-MM-DD'],
    ];
    for (const [f, field, message] of bad) expect(problem(f)).toEqual({ field, message: expect.stringContaining(message) });
    // Enum values compare ignoring case; so does naming them.
    expect(errorsOf({ attr: 'plan', op: 'in', value: ['FREE', 'énterprise'] })).toEqual([]);
  });

  it('checks tag names, topics and events', () => {
    for (const ok of ['VIP', 'Ärger', 'a.b-c_d', 'two words', 'x'.repeat(64)]) expect(errorsOf({ tag: ok })).toEqual([]);
    for (const bad of ['', 'x'.repeat(65), 'a%b', "' OR 1=1 --", 'trailing ', 5]) expect(problem({ tag: bad }).field).toBe('filter.tag');
    expect(problem({ topic: 9, status: 'subscribed' })).toEqual({ field: 'filter.topic', message: 'topic 9 does not exist' });
    expect(problem({ topic: 0, status: 'subscribed' })).toEqual({ field: 'filter.topic', message: 'must be a topic id' });
    expect(problem({ topic: 1, status: 'gone' }).field).toBe('filter.status');
    expect(problem({ event: 'sent', within_days: 7 })).toEqual({ field: 'filter.event', message: 'event conditions are not supported yet' });
    expect(problem({ event: 'viewed' }).message).toContain('must be one of sent, opened, clicked, bounced');
  });

  it('refuses a missing segment, a segment including itself, and circles', () => {
    expect(problem({ segment: 4 })).toEqual({ field: 'filter.segment', message: 'segment 4 does not exist' });
    expect(problem({ segment: 'x' })).toEqual({ field: 'filter.segment', message: 'must be a segment id' });
    expect(problem({ all: [{ segment: 3 }] }, { selfId: 3 })).toEqual({ field: 'filter.all.0.segment', message: 'a segment cannot include itself' });
    // Saving segment 3 as "segment 1", where 1 → 2 → 3.
    const chain = new Map<number, Filter>([[1, { segment: 2 }], [2, { any: [cond, { segment: 3 }] }]]);
    expect(problem({ segment: 1 }, { segments: chain, selfId: 3 }).message).toBe('segment 1 leads round a circle of segments (1 → 2 → 3)');
    // A circle among saved segments (should never be stored, still never followed).
    const loop = new Map<number, Filter>([[1, { segment: 2 }], [2, { segment: 1 }]]);
    expect(problem({ segment: 1 }, { segments: loop }).message).toBe('segment 1 leads round a circle of segments (1 → 2 → 1)');
    expect(errorsOf({ all: [{ segment: 1 }, { segment: 2 }] }, { segments: chain, selfId: 4 })).toEqual([]);
  });

  it('bounds a filter with its segments inlined at 1,000 nodes', () => {
    // Each segment names the one below it twice: 2^10 copies of the bottom condition.
    const segments = new Map<number, Filter>([[1, cond]]);
    for (let i = 2; i <= 11; i++) segments.set(i, { all: [{ segment: i - 1 }, { segment: i - 1 }] });
    expect(problem({ segment: 11 }, { segments }).message).toBe('with its segments inlined a filter has at most 1000 nodes (this one, 2047)');
    expect(errorsOf({ segment: 9 }, { segments })).toEqual([]);
  });
});
