import { ATTRIBUTE_KEY_RE, TAG_NAME_RE, TOPIC_STATUSES, type AttributeDefinition } from './customer.ts';
import type { FieldProblem } from './errors.ts';
import { checkValue } from './segment-filter.values.ts';
import {
  FIELD_KINDS,
  FILTER_EVENTS,
  FILTER_FIELDS,
  FILTER_LIMITS as L,
  FILTER_OPS,
  OPS_BY_KIND,
  type Filter,
  type FilterOp,
  type ValueKind,
} from './segment-filter.ts';

/** What the checker needs to know beyond the filter; the caller loads it. */
export interface FilterLookups {
  attributes: ReadonlyMap<string, AttributeDefinition>;
  topicExists(id: number): boolean;
  /** Every saved segment this filter reaches (through segments it names, and theirs), by id. */
  segments: ReadonlyMap<number, Filter>;
  /** The segment whose filter this is, when one is saved: it must not reach itself. */
  selfId?: number;
}

export type FilterCheck = { ok: true; filter: Filter } | { ok: false; errors: FieldProblem[] };

const KINDS = ['all', 'any', 'not', 'attr', 'field', 'tag', 'topic', 'segment', 'event'] as const;
const MEMBERS: Record<(typeof KINDS)[number], readonly string[]> = {
  all: ['all'],
  any: ['any'],
  not: ['not'],
  attr: ['attr', 'op', 'value'],
  field: ['field', 'op', 'value'],
  tag: ['tag'],
  topic: ['topic', 'status'],
  segment: ['segment'],
  event: ['event', 'campaign', 'within_days'],
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isId = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 1;

/**
 * Checks a filter from outside (any JSON) against the language and the data it names. Each
 * problem names the path to its node (`filter.all.1.any.0.op`); at most FILTER_LIMITS.errors.
 */
export function checkFilter(input: unknown, lookups: FilterLookups, root = 'filter'): FilterCheck {
  const errors: FieldProblem[] = [];
  const fail = (field: string, message: string) => {
    if (errors.length < L.errors) errors.push({ field, message });
  };
  let nodes = 0;

  const node = (f: unknown, path: string, depth: number): void => {
    nodes += 1;
    if (nodes === L.nodes + 1) fail(root, `a filter has at most ${L.nodes} nodes`);
    if (!isObject(f)) return fail(path, 'must be an object: a group (all, any, not) or a condition');
    const kinds = KINDS.filter((k) => k in f);
    if (kinds.length !== 1) {
      return fail(path, kinds.length ? `has ${kinds.join(' and ')}: one per node` : `must have one of ${KINDS.join(', ')}`);
    }
    const kind = kinds[0]!;
    for (const member of Object.keys(f)) if (!MEMBERS[kind].includes(member)) fail(`${path}.${member}`, 'is not allowed here');
    if (depth > L.depth) return fail(path, `nesting is at most ${L.depth} levels deep`);
    switch (kind) {
      case 'all':
      case 'any': {
        const children = f[kind];
        if (!Array.isArray(children)) return fail(`${path}.${kind}`, 'must be a list of filters');
        if (children.length < L.childrenMin || children.length > L.childrenMax) {
          fail(`${path}.${kind}`, `a group has ${L.childrenMin} to ${L.childrenMax} filters`);
        }
        children.slice(0, L.childrenMax).forEach((c, i) => node(c, `${path}.${kind}.${i}`, depth + 1));
        return;
      }
      case 'not':
        return node(f.not, `${path}.not`, depth + 1);
      case 'attr': {
        const key = f.attr;
        const def = typeof key === 'string' && ATTRIBUTE_KEY_RE.test(key) ? lookups.attributes.get(key) : undefined;
        if (!def) return fail(`${path}.attr`, 'is not a defined attribute');
        return operation(f, path, def.type, def.options ?? undefined);
      }
      case 'field': {
        if (!FILTER_FIELDS.includes(f.field as never)) return fail(`${path}.field`, `must be one of ${FILTER_FIELDS.join(', ')}`);
        const { kind: k, options } = FIELD_KINDS[f.field as keyof typeof FIELD_KINDS];
        return operation(f, path, k, options);
      }
      case 'tag':
        if (typeof f.tag !== 'string' || !TAG_NAME_RE.test(f.tag)) {
          fail(`${path}.tag`, 'must be a tag name: 1–64 letters, digits, spaces, _, . or -, not starting or ending with a space');
        }
        return;
      case 'topic':
        if (!isId(f.topic)) fail(`${path}.topic`, 'must be a topic id');
        else if (!lookups.topicExists(f.topic)) fail(`${path}.topic`, `topic ${f.topic} does not exist`);
        if (!TOPIC_STATUSES.includes(f.status as never)) fail(`${path}.status`, `must be one of ${TOPIC_STATUSES.join(', ')}`);
        return;
      case 'segment':
        return segment(f.segment, `${path}.segment`);
      case 'event':
        if (!FILTER_EVENTS.includes(f.event as never)) return fail(`${path}.event`, `must be one of ${FILTER_EVENTS.join(', ')}`);
        return fail(`${path}.event`, 'event conditions are not supported yet');
    }
  };

  const operation = (f: Record<string, unknown>, path: string, kind: ValueKind, options?: readonly string[]) => {
    const op = f.op;
    if (!FILTER_OPS.includes(op as FilterOp)) return fail(`${path}.op`, `must be one of ${FILTER_OPS.join(', ')}`);
    if (!OPS_BY_KIND[kind].includes(op as FilterOp)) {
      return fail(`${path}.op`, `${String(op)} does not fit the type ${kind === 'datetime' ? 'date' : kind}; use one of ${OPS_BY_KIND[kind].join(', ')}`);
    }
    const problem = checkValue(kind, op as FilterOp, 'value' in f, f.value, options);
    if (problem) fail(`${path}.value`, problem);
  };

  // Segments this filter reaches, each with whether it leads back to `selfId` or round a circle.
  const state = new Map<number, 'open' | 'done'>();
  const expanded = new Map<number, number>();
  const segment = (id: unknown, path: string) => {
    if (!isId(id)) return fail(path, 'must be a segment id');
    if (id === lookups.selfId) return fail(path, 'a segment cannot include itself');
    const found = lookups.segments.get(id);
    if (!found) return fail(path, `segment ${id} does not exist`);
    const circle = reaches(id);
    if (circle) fail(path, `segment ${id} leads round a circle of segments (${circle.join(' → ')})`);
  };
  /** A circle through segment `id` (or back to selfId), as the ids along it; undefined when none. */
  const reaches = (id: number, trail: number[] = []): number[] | undefined => {
    if (id === lookups.selfId || state.get(id) === 'open') return [...trail, id];
    if (state.get(id) === 'done') return undefined;
    state.set(id, 'open');
    const f = lookups.segments.get(id);
    let found: number[] | undefined;
    if (f) for (const ref of refsOf(f)) if ((found = reaches(ref, [...trail, id]))) break;
    state.set(id, 'done');
    return found;
  };

  node(input, root, 1);
  if (errors.length === 0) {
    const size = expandedSize(input as Filter, lookups.segments, expanded);
    if (size > L.expandedNodes) fail(root, `with its segments inlined a filter has at most ${L.expandedNodes} nodes (this one, ${size})`);
  }
  return errors.length ? { ok: false, errors } : { ok: true, filter: input as Filter };
}

function refsOf(f: Filter): number[] {
  if ('all' in f) return f.all.flatMap(refsOf);
  if ('any' in f) return f.any.flatMap(refsOf);
  if ('not' in f) return refsOf(f.not);
  return 'segment' in f ? [f.segment] : [];
}

/** Nodes with segments inlined, each segment's size computed once (the tree may repeat it many times). */
function expandedSize(f: Filter, segments: ReadonlyMap<number, Filter>, memo: Map<number, number>): number {
  if ('all' in f) return 1 + f.all.reduce((n, c) => n + expandedSize(c, segments, memo), 0);
  if ('any' in f) return 1 + f.any.reduce((n, c) => n + expandedSize(c, segments, memo), 0);
  if ('not' in f) return 1 + expandedSize(f.not, segments, memo);
  if (!('segment' in f)) return 1;
  let n = memo.get(f.segment);
  if (n === undefined) {
    memo.set(f.segment, Infinity); // a circle (already reported) never loops here
    const inner = segments.get(f.segment);
    n = inner ? expandedSize(inner, segments, memo) : 1;
    memo.set(f.segment, n);
  }
  return n;
}
