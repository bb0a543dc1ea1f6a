import { audienceAudit } from '../domain/audit.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../domain/errors.ts';
import type { AttributeRepository, FilterScope, SegmentQuery, SegmentRecord, SegmentRepository, TopicRepository } from '../domain/repositories.ts';
import { checkFilter } from '../domain/segment-filter.check.ts';
import type { Filter } from '../domain/segment-filter.ts';
import type { CountCache } from '../domain/stores.ts';
import { ROLE_IDS, type Clock, type Principal } from '../domain/types.ts';

export type SegmentService = ReturnType<typeof createSegmentService>;
export type FilterScopes = ReturnType<typeof createFilterScopes>;

/** The ids of every `segment` member of a filter not yet checked (any JSON), to load before checking it. */
function namedSegments(f: unknown, out = new Set<number>(), depth = 0): Set<number> {
  if (depth > 20 || typeof f !== 'object' || f === null || out.size > 100) return out;
  if (Array.isArray(f)) {
    for (const x of f.slice(0, 100)) namedSegments(x, out, depth + 1);
    return out;
  }
  const o = f as Record<string, unknown>;
  if (Number.isSafeInteger(o.segment) && (o.segment as number) >= 1 && (o.segment as number) <= 4294967295) out.add(o.segment as number);
  for (const k of ['all', 'any', 'not']) if (k in o) namedSegments(o[k], out, depth + 1);
  return out;
}

/** Checks filters from outside against the saved data, and gives what compiling one needs. */
export function createFilterScopes(deps: { attributes: AttributeRepository; topics: TopicRepository; segments: SegmentRepository; clock: Clock }) {
  const { attributes, topics, segments, clock } = deps;

  async function definitions() {
    return new Map((await attributes.list()).map((d) => [d.key, d]));
  }

  return {
    /** A checked filter and its scope; 400 VALIDATION_FAILED naming the paths of its problems. */
    async check(input: unknown, selfId?: number, root = 'filter'): Promise<{ filter: Filter; scope: FilterScope }> {
      const [attrs, topicList, reached] = await Promise.all([definitions(), topics.list(), segments.reach([...namedSegments(input)])]);
      const topicIds = new Set(topicList.map((t) => t.id));
      const result = checkFilter(input, { attributes: attrs, topicExists: (id) => topicIds.has(id), segments: reached, selfId }, root);
      if (!result.ok) throw new ValidationError(`${result.errors[0]!.field} ${result.errors[0]!.message}`, result.errors);
      return { filter: result.filter, scope: { attributes: attrs, segments: reached, now: clock.now() } };
    },

    /** The scope of a saved (already checked) filter. */
    async scopeOf(filter: Filter, extra: number[] = []): Promise<FilterScope> {
      const [attrs, reached] = await Promise.all([definitions(), segments.reach([...namedSegments(filter), ...extra])]);
      return { attributes: attrs, segments: reached, now: clock.now() };
    },
  };
}

export interface SegmentInput {
  name: string;
  description?: string;
  filter: unknown;
}

/** Saved segments: anyone with segment.update/delete changes their own; only admins change others'. Every change is audited. */
export function createSegmentService(deps: { segments: SegmentRepository; scopes: FilterScopes; counts?: CountCache }) {
  const { segments, scopes, counts } = deps;

  async function get(id: number): Promise<SegmentRecord> {
    const s = await segments.find(id);
    if (!s) throw new NotFoundError('Segment');
    return s;
  }

  /** The segment, when the caller may change it (an admin, or its author): another's → 403. */
  async function mine(p: Principal, id: number): Promise<SegmentRecord> {
    const s = await get(id);
    if (p.roleId !== ROLE_IDS.admin && s.createdBy !== p.userId) throw new ForbiddenError('Only its author or an admin may change this segment');
    return s;
  }

  /** The segment's count of customers, at most 60 s old (kept per segment version). */
  async function customers(s: SegmentRecord): Promise<number> {
    const count = async () => segments.count(s.filter, await scopes.scopeOf(s.filter));
    return counts ? counts.read(`${s.id}:${s.version}`, count) : count();
  }

  return {
    get,
    customers,
    list: (q: SegmentQuery) => segments.list(q),

    async create(p: Principal, input: SegmentInput): Promise<SegmentRecord> {
      const { filter } = await scopes.check(input.filter);
      const id = await segments.create({ name: input.name, description: input.description ?? '', filter, createdBy: p.userId }, (id) =>
        audienceAudit(p.userId, 'segment', 'created', id, { name: input.name }),
      );
      return get(id);
    },

    async update(p: Principal, id: number, input: Partial<SegmentInput>): Promise<SegmentRecord> {
      const before = await mine(p, id);
      if (input.name === undefined && input.description === undefined && input.filter === undefined) return before;
      const filter = input.filter === undefined ? undefined : (await scopes.check(input.filter, id)).filter;
      const patch = { name: input.name, description: input.description, filter, updatedBy: p.userId };
      const fields = Object.entries({ name: input.name, description: input.description, filter }).filter(([, v]) => v !== undefined).map(([k]) => k);
      const ok = await segments.update(id, patch, audienceAudit(p.userId, 'segment', 'updated', id, { fields, version: before.version + 1 }));
      if (!ok) throw new NotFoundError('Segment');
      return get(id);
    },

    async delete(p: Principal, id: number): Promise<void> {
      const s = await mine(p, id);
      const users = await segments.namedBy(id);
      if (users.length) throw new ConflictError(`Segment ${users.slice(0, 10).join(', ')} names this segment: change it first`, 'IN_USE');
      if (!(await segments.delete(id, audienceAudit(p.userId, 'segment', 'deleted', id, { name: s.name })))) throw new NotFoundError('Segment');
    },

    async estimate(input: unknown): Promise<number> {
      const { filter, scope } = await scopes.check(input);
      return segments.count(filter, scope);
    },

  };
}
