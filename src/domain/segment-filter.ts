import { Type, type Static } from '@sinclair/typebox';
import { CUSTOMER_ORIGINS, TOPIC_STATUSES, type AttributeType, type TopicStatus } from './customer.ts';

/**
 * The segment filter language: a tree of `all`/`any`/`not` groups over conditions on a customer's
 * attributes, fields, tags, topics and other segments. This file holds its shape; the checker
 * (segment-filter.check.ts) holds what a schema cannot say, the reference evaluator
 * (segment-filter.eval.ts) its meaning, and src/repositories/segment-filter.sql.ts its SQL.
 */

/** The bounds of one filter. */
export const FILTER_LIMITS = {
  /** A lone condition is depth 1, `{all: [condition]}` depth 2; `not` counts as a level. */
  depth: 6,
  /** Every Filter object: groups, `not` and conditions. */
  nodes: 100,
  childrenMin: 1,
  childrenMax: 50,
  /** Values of `in`, `nin`, `contains_any` and `contains_all`. */
  listValues: 1000,
  /** Characters of any string value. */
  stringLength: 256,
  daysMin: 1,
  daysMax: 3650,
  /** Nodes with every referenced segment inlined (what is compiled to SQL and frozen into a campaign). */
  expandedNodes: 1000,
  /** Problems reported for one filter at most. */
  errors: 20,
} as const;

export const TEXT_FIELDS = ['email', 'first_name', 'last_name', 'external_id'] as const;
export const FILTER_FIELDS = [...TEXT_FIELDS, 'origin', 'created_at'] as const;
export type FilterField = (typeof FILTER_FIELDS)[number];

export const FILTER_OPS = [
  'eq', 'neq', 'in', 'nin', 'contains', 'starts_with', 'ends_with', 'lt', 'lte', 'gt', 'gte', 'between',
  'in_last_days', 'contains_any', 'contains_all', 'exists', 'not_exists',
] as const;
export type FilterOp = (typeof FILTER_OPS)[number];

/** What is compared: an attribute's type, or the type a field is compared as. */
export type ValueKind = AttributeType | 'datetime';

const PRESENCE = ['exists', 'not_exists'] as const;
/** The operators each type takes. */
export const OPS_BY_KIND: Record<ValueKind, readonly FilterOp[]> = {
  string: ['eq', 'neq', 'in', 'nin', 'contains', 'starts_with', 'ends_with', ...PRESENCE],
  number: ['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'between', ...PRESENCE],
  date: ['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'between', 'in_last_days', ...PRESENCE],
  datetime: ['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'between', 'in_last_days', ...PRESENCE],
  boolean: ['eq', ...PRESENCE],
  enum: ['eq', 'neq', 'in', 'nin', ...PRESENCE],
  string_list: ['contains', 'contains_any', 'contains_all', ...PRESENCE],
};

/** How each field is compared: text fields as strings, origin as an enum, created_at by its UTC day. */
export const FIELD_KINDS: Record<FilterField, { kind: ValueKind; options?: readonly string[] }> = {
  email: { kind: 'string' },
  first_name: { kind: 'string' },
  last_name: { kind: 'string' },
  external_id: { kind: 'string' },
  origin: { kind: 'enum', options: CUSTOMER_ORIGINS },
  created_at: { kind: 'datetime' },
};

export const FILTER_EVENTS = ['sent', 'opened', 'clicked', 'bounced'] as const;

export type FilterValue = string | number | boolean | (string | number)[];

export interface AttrCondition { attr: string; op: FilterOp; value?: FilterValue }
export interface FieldCondition { field: FilterField; op: FilterOp; value?: FilterValue }
export interface TagCondition { tag: string }
export interface TopicCondition { topic: number; status: TopicStatus }
export interface SegmentCondition { segment: number }
export interface EventCondition { event: (typeof FILTER_EVENTS)[number]; campaign?: number; within_days?: number }
export type Condition = AttrCondition | FieldCondition | TagCondition | TopicCondition | SegmentCondition | EventCondition;
export type Filter = { all: Filter[] } | { any: Filter[] } | { not: Filter } | Condition;

const literals = <T extends readonly string[]>(values: T) => Type.Union(values.map((v) => Type.Literal(v)));
const closed = { additionalProperties: false };
const Id = Type.Integer({ minimum: 1 });
const ScalarValue = Type.Union([Type.String({ maxLength: FILTER_LIMITS.stringLength }), Type.Number(), Type.Boolean()]);
const ListValue = Type.Array(Type.Union([Type.String({ maxLength: FILTER_LIMITS.stringLength }), Type.Number()]), {
  maxItems: FILTER_LIMITS.listValues,
});
const Value = Type.Union([ScalarValue, ListValue]);

/**
 * The shape of a filter, for the OpenAPI document and a first check. It cannot say which operator
 * fits which attribute, nor the depth and node bounds: checkFilter does, and says where.
 */
export const FilterSchema = Type.Recursive(
  (This) =>
    Type.Union([
      Type.Object({ all: Type.Array(This, { minItems: 1, maxItems: FILTER_LIMITS.childrenMax }) }, closed),
      Type.Object({ any: Type.Array(This, { minItems: 1, maxItems: FILTER_LIMITS.childrenMax }) }, closed),
      Type.Object({ not: This }, closed),
      Type.Object({ attr: Type.String({ maxLength: 40 }), op: literals(FILTER_OPS), value: Type.Optional(Value) }, closed),
      Type.Object({ field: literals(FILTER_FIELDS), op: literals(FILTER_OPS), value: Type.Optional(Value) }, closed),
      Type.Object({ tag: Type.String({ minLength: 1, maxLength: 64 }) }, closed),
      Type.Object({ topic: Id, status: literals(TOPIC_STATUSES) }, closed),
      Type.Object({ segment: Id }, closed),
      Type.Object(
        {
          event: literals(FILTER_EVENTS),
          campaign: Type.Optional(Id),
          within_days: Type.Optional(Type.Integer({ minimum: FILTER_LIMITS.daysMin, maximum: FILTER_LIMITS.daysMax })),
        },
        closed,
      ),
    ]),
  { $id: 'SegmentFilter' },
);
// Checked by the compiler: every Filter of this file's type fits the schema.
const _everyFilterFits = (f: Filter): Static<typeof FilterSchema> => f;

/** The ids of the segments a filter names directly (the caller loads them, and theirs, for the checker). */
export function segmentRefs(filter: Filter): number[] {
  const out = new Set<number>();
  const walk = (f: Filter): void => {
    if ('all' in f) f.all.forEach(walk);
    else if ('any' in f) f.any.forEach(walk);
    else if ('not' in f) walk(f.not);
    else if ('segment' in f) out.add(f.segment);
  };
  walk(filter);
  return [...out];
}

const DAY_MS = 86_400_000;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Midnight UTC of a `YYYY-MM-DD` date, or undefined when it is not a real calendar date. */
export function dateStart(date: string): number | undefined {
  const m = DATE_RE.exec(date);
  if (!m) return undefined;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return new Date(t).toISOString().slice(0, 10) === date ? t : undefined;
}

/** `YYYY-MM-DD` of an instant, in UTC. */
export const utcDate = (t: number): string => new Date(t).toISOString().slice(0, 10);

/** The first and last date `in_last_days: N` matches: N days before today (UTC) up to today. */
export function lastDaysRange(now: Date, days: number): [string, string] {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return [utcDate(today - days * DAY_MS), utcDate(today)];
}

/** A created_at date value as the instants it covers: [start of the day, start of the next day). */
export function dayRange(date: string): [Date, Date] {
  const start = dateStart(date)!;
  return [new Date(start), new Date(start + DAY_MS)];
}

/** `in_last_days: N` on created_at: from N × 24 hours before now up to now. */
export const lastDaysSince = (now: Date, days: number): Date => new Date(now.getTime() - days * DAY_MS);
