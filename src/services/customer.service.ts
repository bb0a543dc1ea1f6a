import { audienceAudit } from '../domain/audit.ts';
import { mergeAttributes, tagNames } from '../domain/customer-data.ts';
import { NotFoundError, ValidationError } from '../domain/errors.ts';
import type { AttributeRepository, CustomerChange, CustomerQuery, CustomerRecord, CustomerRepository, SegmentRepository, TopicRepository } from '../domain/repositories.ts';
import type { Principal, UserStatus } from '../domain/types.ts';
import type { FilterScopes } from './segment.service.ts';

export type CustomerService = ReturnType<typeof createCustomerService>;

export interface CustomerPatch {
  firstName?: string;
  lastName?: string;
  externalId?: string | null;
  emailOptIn?: boolean;
  attributes?: Record<string, unknown>;
  tags?: string[];
  topics?: Record<string, 'subscribed' | 'unsubscribed'>;
}

const invalid = (errors: { field: string; message: string }[]) => new ValidationError(`${errors[0]!.field} ${errors[0]!.message}`, errors);

/** Customers as staff see and change them; every change audited, every consent change recorded. */
export function createCustomerService(deps: {
  customers: CustomerRepository;
  attributes: AttributeRepository;
  topics: TopicRepository;
  segments: SegmentRepository;
  scopes: FilterScopes;
}) {
  const { customers, attributes, topics, segments, scopes } = deps;

  async function get(id: number): Promise<CustomerRecord> {
    const c = await customers.find(id);
    if (!c) throw new NotFoundError('Customer');
    return c;
  }

  /** A saved segment's filter and scope; 400 naming `field` when there is no such segment. */
  async function segmentFilter(id: number, field: string) {
    const s = await segments.find(id);
    if (!s) throw invalid([{ field, message: 'no segment has this id' }]);
    return { filter: s.filter, scope: await scopes.scopeOf(s.filter) };
  }

  return {
    get,

    async list(q: Omit<CustomerQuery, 'segment'> & { segmentId?: number; status?: UserStatus }) {
      const { segmentId, ...rest } = q;
      const segment = segmentId === undefined ? undefined : await segmentFilter(segmentId, 'segment_id');
      return customers.list({ ...rest, segment });
    },

    async update(p: Principal, id: number, patch: CustomerPatch): Promise<CustomerRecord> {
      const before = await get(id);
      const change: CustomerChange = {
        firstName: patch.firstName,
        lastName: patch.lastName,
        externalId: patch.externalId,
        emailOptIn: patch.emailOptIn,
        source: `admin:${p.userId}`,
      };
      if (patch.attributes !== undefined) {
        const defs = new Map((await attributes.list()).map((d) => [d.key, d]));
        const merged = mergeAttributes(before.attributes, patch.attributes, defs);
        if (!merged.ok) throw invalid(merged.errors);
        change.attributes = merged.attributes;
      }
      if (patch.tags !== undefined) {
        const names = tagNames(patch.tags, 'tags');
        if (!names.ok) throw invalid(names.errors);
        change.tags = names.names;
      }
      if (patch.topics !== undefined) {
        const known = new Set((await topics.list()).map((t) => t.id));
        const errors: { field: string; message: string }[] = [];
        change.topics = new Map();
        for (const [key, status] of Object.entries(patch.topics)) {
          const topicId = Number(key);
          if (!/^[1-9]\d{0,9}$/.test(key) || !known.has(topicId)) errors.push({ field: `topics.${key}`, message: 'no topic has this id' });
          else change.topics.set(topicId, status);
        }
        if (errors.length) throw invalid(errors.slice(0, 20));
      }
      const ok = await customers.update(id, change, (changed) => audienceAudit(p.userId, 'customer', 'updated', id, changed));
      if (!ok) throw new NotFoundError('Customer');
      return get(id);
    },

    tags: () => customers.tags(),

    /** Adds and removes tags on the listed customers or a segment's members; how many tag assignments changed. */
    async retag(p: Principal, input: { add?: string[]; remove?: string[]; ids?: number[]; segmentId?: number }): Promise<number> {
      const add = tagNames(input.add ?? [], 'add');
      if (!add.ok) throw invalid(add.errors);
      const remove = tagNames(input.remove ?? [], 'remove');
      if (!remove.ok) throw invalid(remove.errors);
      if (add.names.length + remove.names.length === 0) throw invalid([{ field: 'add', message: 'add or remove at least one tag' }]);
      if ((input.ids === undefined) === (input.segmentId === undefined)) throw invalid([{ field: 'ids', message: 'give either ids or segment_id' }]);
      const target = input.ids !== undefined ? { ids: [...new Set(input.ids)] } : await segmentFilter(input.segmentId!, 'segment_id');
      const details = { add: add.names, remove: remove.names, ...(input.ids ? { customers: target && 'ids' in target ? target.ids.length : 0 } : { segment_id: input.segmentId }) };
      return customers.retag(target, add.names, remove.names, (changed) => audienceAudit(p.userId, 'tag', 'bulk_changed', null, { ...details, changed }));
    },
  };
}
