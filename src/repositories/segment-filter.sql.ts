import { sql, type SQL } from 'drizzle-orm';
import type { AttributeDefinition, AttributeType } from '../domain/customer.ts';
import {
  FIELD_KINDS,
  dayRange,
  lastDaysRange,
  lastDaysSince,
  type AttrCondition,
  type Condition,
  type FieldCondition,
  type Filter,
  type FilterOp,
  type FilterValue,
} from '../domain/segment-filter.ts';

/**
 * A checked segment filter as one SQL condition over `users u`, with the meaning of
 * src/domain/segment-filter.eval.ts (a property test holds the two together).
 *
 * Nothing a filter holds reaches the SQL text: values, attribute paths, tag names and topic ids are
 * bound parameters; the text is built from this file's constants alone. Every condition is TRUE or
 * FALSE, never NULL (`IS TRUE` around those that could be), so `NOT` is the exact complement.
 * Strings compare case-insensitively as LOWER() on both sides, then byte for byte (CAST … AS BINARY):
 * a collation would also ignore accents ('ä' = 'a') and trailing spaces.
 */
export interface CompileContext {
  attributes: ReadonlyMap<string, AttributeDefinition>;
  /** Every segment the filter reaches, by id: their filters are inlined. */
  segments: ReadonlyMap<number, Filter>;
  now: Date;
}

export function compileFilter(f: Filter, ctx: CompileContext): SQL {
  if ('all' in f) return sql`(${sql.join(f.all.map((x) => compileFilter(x, ctx)), sql` AND `)})`;
  if ('any' in f) return sql`(${sql.join(f.any.map((x) => compileFilter(x, ctx)), sql` OR `)})`;
  if ('not' in f) return sql`(NOT ${compileFilter(f.not, ctx)})`;
  return condition(f, ctx);
}

function condition(f: Condition, ctx: CompileContext): SQL {
  if ('tag' in f) {
    // One tag per LOWER(name), byte for byte (tags.name_key, unique): case is ignored, accents are not.
    return sql`EXISTS (SELECT 1 FROM customer_tags ct JOIN tags t ON t.id = ct.tag_id WHERE ct.user_id = u.id AND t.name_key = LOWER(${f.tag}))`;
  }
  if ('topic' in f) {
    return sql`EXISTS (SELECT 1 FROM topic_subscriptions ts WHERE ts.topic_id = ${f.topic} AND ts.user_id = u.id AND ts.status = ${f.status})`;
  }
  if ('segment' in f) {
    const inner = ctx.segments.get(f.segment);
    if (!inner) throw new Error(`segment ${f.segment} is not loaded`);
    return compileFilter(inner, ctx);
  }
  if ('event' in f) throw new Error('event conditions are not supported yet');
  return 'attr' in f ? attribute(f, ctx) : field(f, ctx.now);
}

/** JSON_TYPE names of each attribute type's values (MySQL has more number types than MariaDB). */
const JSON_TYPES: Record<AttributeType, SQL> = {
  string: sql`('STRING')`,
  date: sql`('STRING')`,
  enum: sql`('STRING')`,
  number: sql`('INTEGER', 'UNSIGNED INTEGER', 'DOUBLE', 'DECIMAL')`,
  boolean: sql`('BOOLEAN')`,
  string_list: sql`('ARRAY')`,
};

const folded = (x: SQL) => sql`CAST(LOWER(${x}) AS BINARY)`;
const bytes = (x: SQL) => sql`CAST(${x} AS BINARY)`;
const param = (v: unknown) => sql`${v}`;
const isTrue = (x: SQL) => sql`((${x}) IS TRUE)`;
const listItems = (json: SQL, alias: string) =>
  sql`JSON_TABLE(${json}, '$[*]' COLUMNS (v VARCHAR(1000) CHARACTER SET utf8mb4 PATH '$')) AS ${sql.raw(alias)}`;

function attribute(f: AttrCondition, ctx: CompileContext): SQL {
  const type = ctx.attributes.get(f.attr)?.type;
  if (!type) throw new Error(`attribute ${f.attr} is not defined`);
  // The key is bound too (its definition vouches for it, but nothing from a filter is SQL text).
  const json = sql`JSON_EXTRACT(u.attributes, ${`$."${f.attr}"`})`;
  const has = sql`JSON_TYPE(${json}) IN ${JSON_TYPES[type]}`;
  if (f.op === 'exists') return isTrue(has);
  if (f.op === 'not_exists') return sql`NOT ${isTrue(has)}`;
  const text = sql`JSON_UNQUOTE(${json})`;
  let test: SQL;
  switch (type) {
    case 'string':
    case 'enum':
      test = strings(folded(text), f.op, f.value);
      break;
    case 'number':
      test = ordered(sql`CAST(${text} AS DOUBLE)`, f.op, f.value, (v) => sql`CAST(${v} AS DOUBLE)`);
      break;
    case 'date':
      test = dates(bytes(text), f.op, f.value, ctx.now);
      break;
    case 'boolean':
      test = sql`${bytes(text)} = ${bytes(param(f.value ? 'true' : 'false'))}`;
      break;
    case 'string_list':
      test = list(json, f.op, f.value);
      break;
  }
  return isTrue(sql`${has} AND ${test}`);
}

/** eq … ends_with on a folded string. */
function strings(x: SQL, op: FilterOp, value: FilterValue | undefined): SQL {
  const one = () => folded(param(value));
  const many = () => sql`(${sql.join((value as string[]).map((v) => folded(param(v))), sql`, `)})`;
  // The pattern is built here and bound: the value's %, _ and ! are escaped, and match themselves.
  const like = (pattern: string) => sql`${x} LIKE ${folded(param(pattern))} ESCAPE '!'`;
  const escaped = typeof value === 'string' ? value.replace(/[!%_]/g, '!$&') : '';
  switch (op) {
    case 'eq': return sql`${x} = ${one()}`;
    case 'neq': return sql`${x} <> ${one()}`;
    case 'in': return sql`${x} IN ${many()}`;
    case 'nin': return sql`${x} NOT IN ${many()}`;
    case 'contains': return like(`%${escaped}%`);
    case 'starts_with': return like(`${escaped}%`);
    case 'ends_with': return like(`%${escaped}`);
    default: throw new Error(`${op} does not apply to strings`);
  }
}

/** eq … between on a value that orders (numbers, dates as text). */
function ordered(x: SQL, op: FilterOp, value: FilterValue | undefined, as: (v: SQL) => SQL): SQL {
  const v = (y: unknown) => as(param(y));
  switch (op) {
    case 'eq': return sql`${x} = ${v(value)}`;
    case 'neq': return sql`${x} <> ${v(value)}`;
    case 'lt': return sql`${x} < ${v(value)}`;
    case 'lte': return sql`${x} <= ${v(value)}`;
    case 'gt': return sql`${x} > ${v(value)}`;
    case 'gte': return sql`${x} >= ${v(value)}`;
    case 'between': return sql`${x} BETWEEN ${v((value as unknown[])[0])} AND ${v((value as unknown[])[1])}`;
    default: throw new Error(`${op} does not apply here`);
  }
}

function dates(x: SQL, op: FilterOp, value: FilterValue | undefined, now: Date): SQL {
  if (op !== 'in_last_days') return ordered(x, op, value, bytes);
  const [from, to] = lastDaysRange(now, value as number);
  return sql`${x} BETWEEN ${bytes(param(from))} AND ${bytes(param(to))}`;
}

/** A string_list's items, as rows of JSON_TABLE, against one value or a list (itself bound as one JSON text). */
function list(json: SQL, op: FilterOp, value: FilterValue | undefined): SQL {
  const item = folded(sql`li.v`);
  if (op === 'contains') return sql`EXISTS (SELECT 1 FROM ${listItems(json, 'li')} WHERE ${item} = ${folded(param(value))})`;
  const wanted = sql`${JSON.stringify((value as unknown[]).map(String))}`;
  if (op === 'contains_any') {
    return sql`EXISTS (SELECT 1 FROM ${listItems(json, 'li')} WHERE ${item} IN (SELECT ${folded(sql`w.v`)} FROM ${listItems(wanted, 'w')}))`;
  }
  return sql`NOT EXISTS (SELECT 1 FROM ${listItems(wanted, 'w')} WHERE NOT EXISTS (SELECT 1 FROM ${listItems(json, 'li')} WHERE ${item} = ${folded(sql`w.v`)}))`;
}

const COLUMNS = { email: sql`u.email`, first_name: sql`u.first_name`, last_name: sql`u.last_name`, external_id: sql`u.external_id`, origin: sql`u.origin` };

function field(f: FieldCondition, now: Date): SQL {
  if (f.field === 'created_at') return createdAt(f.op, f.value, now);
  const column = COLUMNS[f.field];
  // Only external_id can be NULL: the others always exist.
  const has = f.field === 'external_id' ? sql`${column} IS NOT NULL` : sql`TRUE`;
  if (f.op === 'exists') return has;
  if (f.op === 'not_exists') return sql`NOT (${has})`;
  if (FIELD_KINDS[f.field].kind !== 'string' && FIELD_KINDS[f.field].kind !== 'enum') throw new Error(`${f.field} is not text`);
  return isTrue(sql`${has} AND ${strings(folded(column), f.op, f.value)}`);
}

/** created_at (never NULL, and compared with bound instants, so no IS TRUE: the index can serve it). */
function createdAt(op: FilterOp, value: FilterValue | undefined, now: Date): SQL {
  const at = sql`u.created_at`;
  if (op === 'exists') return sql`TRUE`;
  if (op === 'not_exists') return sql`FALSE`;
  if (op === 'in_last_days') return sql`(${at} >= ${lastDaysSince(now, value as number)} AND ${at} <= ${now})`;
  if (op === 'between') {
    const [lo, hi] = value as string[];
    return sql`(${at} >= ${dayRange(lo!)[0]} AND ${at} < ${dayRange(hi!)[1]})`;
  }
  const [start, end] = dayRange(value as string);
  switch (op) {
    case 'eq': return sql`(${at} >= ${start} AND ${at} < ${end})`;
    case 'neq': return sql`(${at} < ${start} OR ${at} >= ${end})`;
    case 'lt': return sql`${at} < ${start}`;
    case 'lte': return sql`${at} < ${end}`;
    case 'gt': return sql`${at} >= ${end}`;
    case 'gte': return sql`${at} >= ${start}`;
    default: throw new Error(`${op} does not apply to created_at`);
  }
}
