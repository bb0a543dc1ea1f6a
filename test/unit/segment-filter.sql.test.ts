import { MySqlDialect } from 'drizzle-orm/mysql-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AttributeDefinition } from '../../src/domain/customer.ts';
import type { Filter } from '../../src/domain/segment-filter.ts';
import { compileFilter } from '../../src/repositories/segment-filter.sql.ts';
import { DEFINITIONS, NOW, filter } from '../segment-filter.arbitraries.ts';

const dialect = new MySqlDialect();
const text = (f: Filter, attributes: ReadonlyMap<string, AttributeDefinition> = DEFINITIONS, segments = new Map<number, Filter>()) =>
  dialect.sqlToQuery(compileFilter(f, { attributes, segments, now: NOW }));

const def = (key: string, type: AttributeDefinition['type'], options: string[] | null = null): [string, AttributeDefinition] => [
  key,
  { key, label: key, type, options, indexed: false },
];

describe('compileFilter keeps everything a filter holds out of the SQL text', () => {
  it('binds attribute keys, values, tag names, topics and statuses', () => {
    const attributes = new Map([
      def('zqkey_s', 'string'),
      def('zqkey_n', 'number'),
      def('zqkey_d', 'date'),
      def('zqkey_b', 'boolean'),
      def('zqkey_e', 'enum', ['Zqenum']),
      def('zqkey_l', 'string_list'),
    ]);
    const f: Filter = {
      all: [
        { attr: 'zqkey_s', op: 'eq', value: "zqv1' OR 1=1 --" },
        { attr: 'zqkey_s', op: 'in', value: ['zqv2', 'zqv3'] },
        { attr: 'zqkey_s', op: 'contains', value: 'zqv4%_!\\' },
        { attr: 'zqkey_n', op: 'between', value: [424242.5, 525252] },
        { attr: 'zqkey_d', op: 'gte', value: '2031-07-19' },
        { attr: 'zqkey_d', op: 'in_last_days', value: 3456 },
        { attr: 'zqkey_b', op: 'eq', value: true },
        { attr: 'zqkey_e', op: 'nin', value: ['Zqenum'] },
        { attr: 'zqkey_l', op: 'contains_all', value: ['zqv5', 'zqv6'] },
        { attr: 'zqkey_l', op: 'contains_any', value: ['zqv7'] },
        { attr: 'zqkey_l', op: 'not_exists' },
        { field: 'email', op: 'ends_with', value: '@zqdomain' },
        { field: 'origin', op: 'eq', value: 'import' },
        { field: 'created_at', op: 'between', value: ['2031-07-20', '2031-07-21'] },
        { not: { tag: 'ZqTag' } },
        { topic: 987654, status: 'pending' },
        { segment: 7 },
      ],
    };
    const { sql, params } = text(f, attributes, new Map([[7, { field: 'last_name', op: 'starts_with', value: 'zqv8' }]]));
    for (const needle of ['zq', 'Zq', '424242', '525252', '2031', '3456', '987654', 'pending', 'import', 'true', '%_', '--', "'zqv"]) {
      expect(sql).not.toContain(needle);
    }
    expect(sql.split('?').length - 1).toBe(params.length);
    expect(params).toEqual(
      expect.arrayContaining(['$."zqkey_s"', "zqv1' OR 1=1 --", '%zqv4!%!_!!\\%', 424242.5, 'ZqTag', 987654, 'pending', 'zqv8%', '["zqv5","zqv6"]']),
    );
  });

  it('gives the same text whatever the values: the text depends on the shape alone', () => {
    // Every string value becomes another string, every number another number.
    const swap = (f: Filter): Filter => {
      if ('all' in f) return { all: f.all.map(swap) };
      if ('any' in f) return { any: f.any.map(swap) };
      if ('not' in f) return { not: swap(f.not) };
      if ('tag' in f) return { tag: `${f.tag}x` };
      if ('topic' in f) return { topic: f.topic + 1000, status: f.status === 'pending' ? 'subscribed' : 'pending' };
      if (!('op' in f) || f.value === undefined || typeof f.value === 'boolean') return f;
      const other = (v: string | number) => (typeof v === 'number' ? v + 1 : /^\d{4}-/.test(v) ? '1999-01-01' : `${v}y`);
      return { ...f, value: Array.isArray(f.value) ? f.value.map(other) : other(f.value) };
    };
    fc.assert(
      fc.property(filter(6), (f) => {
        expect(text(swap(f)).sql).toBe(text(f).sql);
      }),
      { numRuns: 300 },
    );
  });
});
