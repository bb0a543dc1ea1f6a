import type { AttributeDefinition, AttributeType, CustomerOrigin, TopicStatus } from './customer.ts';
import {
  FIELD_KINDS,
  dayRange,
  lastDaysRange,
  lastDaysSince,
  type Condition,
  type Filter,
  type FilterOp,
  type FilterValue,
} from './segment-filter.ts';

/**
 * The meaning of a filter, in plain TypeScript over one customer in memory: the reference the SQL
 * compiler (src/repositories/segment-filter.sql.ts) is tested against. It assumes a checked filter.
 */

/** What a filter can see of a customer. */
export interface FilterSubject {
  id: number;
  email: string;
  firstName: string;
  lastName: string;
  externalId: string | null;
  origin: CustomerOrigin;
  createdAt: Date;
  attributes: Readonly<Record<string, unknown>>;
  /** Tag names as stored (the tags table holds one per lower-cased name). */
  tags: readonly string[];
  topics: ReadonlyMap<number, TopicStatus>;
}

export interface FilterContext {
  attributes: ReadonlyMap<string, AttributeDefinition>;
  segments: ReadonlyMap<number, Filter>;
  now: Date;
}

/** Case folding: the database's LOWER(); both agree on the letters customers' data uses (not on ẞ or İ). */
const fold = (s: string) => s.toLowerCase();

/**
 * Which names are one tag: the same once lower-cased (tags.name_key = LOWER(name), compared byte for
 * byte): "VIP" and "vip" are one tag, "Ärger" and "arger", or "Straße" and "STRASSE", two.
 */
const sameTag = (a: string, b: string) => fold(a) === fold(b);

export function matches(f: Filter, c: FilterSubject, ctx: FilterContext): boolean {
  if ('all' in f) return f.all.every((x) => matches(x, c, ctx));
  if ('any' in f) return f.any.some((x) => matches(x, c, ctx));
  if ('not' in f) return !matches(f.not, c, ctx);
  return condition(f, c, ctx);
}

function condition(f: Condition, c: FilterSubject, ctx: FilterContext): boolean {
  if ('tag' in f) return c.tags.some((t) => sameTag(t, f.tag));
  if ('topic' in f) return c.topics.get(f.topic) === f.status;
  if ('segment' in f) return matches(ctx.segments.get(f.segment)!, c, ctx);
  if ('event' in f) throw new Error('event conditions are not supported yet');
  if ('attr' in f) {
    const type = ctx.attributes.get(f.attr)!.type;
    const v = Object.hasOwn(c.attributes, f.attr) ? c.attributes[f.attr] : undefined;
    return compare(type, f.op, f.value, fits(type, v) ? v : undefined, ctx.now);
  }
  if (f.field === 'created_at') return createdAt(f.op, f.value, c.createdAt, ctx.now);
  const actual = { email: c.email, first_name: c.firstName, last_name: c.lastName, external_id: c.externalId, origin: c.origin }[f.field];
  return compare(FIELD_KINDS[f.field].kind as AttributeType, f.op, f.value, actual ?? undefined, ctx.now);
}

/** Whether a stored value is one of its type: any other value (or none) counts as missing. */
function fits(type: AttributeType, v: unknown): boolean {
  switch (type) {
    case 'string':
    case 'date':
    case 'enum':
      return typeof v === 'string';
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'string_list':
      return Array.isArray(v) && v.every((x) => typeof x === 'string');
  }
}

/** A condition on a value (undefined when the customer has none: false but for not_exists). */
function compare(type: AttributeType, op: FilterOp, value: FilterValue | undefined, actual: unknown, now: Date): boolean {
  if (op === 'not_exists') return actual === undefined;
  if (actual === undefined) return false;
  if (op === 'exists') return true;
  const list = value as (string | number)[];
  if (type === 'string_list') {
    const items = new Set((actual as string[]).map(fold));
    if (op === 'contains') return items.has(fold(value as string));
    if (op === 'contains_any') return list.some((x) => items.has(fold(String(x))));
    return list.every((x) => items.has(fold(String(x))));
  }
  if (type === 'string' || type === 'enum') {
    const a = fold(actual as string);
    const v = typeof value === 'string' ? fold(value) : '';
    switch (op) {
      case 'eq': return a === v;
      case 'neq': return a !== v;
      case 'in': return list.some((x) => fold(String(x)) === a);
      case 'nin': return !list.some((x) => fold(String(x)) === a);
      case 'contains': return a.includes(v);
      case 'starts_with': return a.startsWith(v);
      case 'ends_with': return a.endsWith(v);
      default: return false;
    }
  }
  if (type === 'boolean') return actual === value;
  // Numbers compare as numbers; dates (YYYY-MM-DD) as text, which orders them by time.
  const a = actual as number | string;
  if (op === 'in_last_days') {
    const [from, to] = lastDaysRange(now, value as number);
    return a >= from && a <= to;
  }
  if (op === 'between') return a >= list[0]! && a <= list[1]!;
  const v = value as number | string;
  return { eq: a === v, neq: a !== v, lt: a < v, lte: a <= v, gt: a > v, gte: a >= v }[op as 'eq'] ?? false;
}

/** created_at against dates: a date stands for its whole UTC day; in_last_days is N × 24 hours back from now. */
function createdAt(op: FilterOp, value: FilterValue | undefined, at: Date, now: Date): boolean {
  const t = at.getTime();
  if (op === 'exists') return true;
  if (op === 'not_exists') return false;
  if (op === 'in_last_days') return t >= lastDaysSince(now, value as number).getTime() && t <= now.getTime();
  if (op === 'between') {
    const [lo, hi] = value as string[];
    return t >= dayRange(lo!)[0].getTime() && t < dayRange(hi!)[1].getTime();
  }
  const [start, end] = dayRange(value as string).map((d) => d.getTime()) as [number, number];
  const within = t >= start && t < end;
  return { eq: within, neq: !within, lt: t < start, lte: t < end, gt: t >= end, gte: t >= start }[op as 'eq'] ?? false;
}
