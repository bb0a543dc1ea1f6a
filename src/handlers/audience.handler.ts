import type { FastifyReply } from 'fastify';
import type { AttributeDefinition } from '../domain/customer.ts';
import type { CustomerRecord, SegmentRecord, TopicRecord } from '../domain/repositories.ts';
import { toUserView } from '../domain/types.ts';
import { principal } from '../middlewares/access.ts';
import type { AttributeService } from '../services/attribute.service.ts';
import type { CustomerService } from '../services/customer.service.ts';
import type { SegmentService } from '../services/segment.service.ts';
import type { TopicService } from '../services/topic.service.ts';
import type {
  CreateAttributeBody,
  CreateSegmentBody,
  CreateTopicBody,
  CustomerListQuery,
  EstimateBody,
  KeyParams,
  PageQueryOnly,
  RetagBody,
  SegmentListQuery,
  UpdateAttributeBody,
  UpdateCustomerBody,
  UpdateSegmentBody,
  UpdateTopicBody,
} from '../types/audience.schemas.ts';
import { pageBody, pageWindow, type IdParams } from '../types/common.schemas.ts';
import type { Req } from './request.ts';

const attributeView = (d: AttributeDefinition) => ({ key: d.key, label: d.label, type: d.type, options: d.options, indexed: d.indexed });

const topicView = (t: TopicRecord) => ({
  id: t.id,
  name: t.name,
  description: t.description,
  double_opt_in: t.doubleOptIn,
  subscribe_on_signup: t.subscribeOnSignup,
  created_at: t.createdAt.toISOString(),
  updated_at: t.updatedAt.toISOString(),
});

const segmentView = (s: SegmentRecord, customers: number) => ({
  id: s.id,
  name: s.name,
  description: s.description,
  filter: s.filter,
  version: s.version,
  customers,
  created_by: s.createdBy,
  updated_by: s.updatedBy,
  created_at: s.createdAt.toISOString(),
  updated_at: s.updatedAt.toISOString(),
});

const customerView = (c: CustomerRecord) => ({
  ...toUserView(c),
  external_id: c.externalId,
  origin: c.origin,
  attributes: c.attributes,
  tags: c.tags,
  topics: c.topics.map((t) => ({ topic_id: t.topicId, status: t.status, source: t.source, changed_at: t.changedAt.toISOString() })),
});

/** Keeps the fields given: an absent member stays absent (not undefined) in a patch. */
const given = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

/** HTTP handlers for the audience: attributes, topics, segments, customers and tags. */
export function audienceHandlers(deps: { attributes: AttributeService; topics: TopicService; segments: SegmentService; customers: CustomerService }) {
  const { attributes, topics, segments, customers } = deps;
  const withCount = async (s: SegmentRecord) => segmentView(s, await segments.customers(s));
  return {
    async listAttributes() {
      return { data: (await attributes.list()).map(attributeView) };
    },
    async createAttribute(req: Req<{ body: typeof CreateAttributeBody }>, reply: FastifyReply) {
      const b = req.body;
      const d = await attributes.create(principal(req), { key: b.key, label: b.label.trim(), type: b.type, options: b.options, indexed: b.indexed });
      return reply.status(201).send({ attribute: attributeView(d) });
    },
    async updateAttribute(req: Req<{ body: typeof UpdateAttributeBody; params: typeof KeyParams }>) {
      const b = req.body;
      return { attribute: attributeView(await attributes.update(principal(req), req.params.key, given({ label: b.label?.trim(), options: b.options }))) };
    },
    async deleteAttribute(req: Req<{ params: typeof KeyParams }>, reply: FastifyReply) {
      await attributes.delete(principal(req), req.params.key);
      return reply.status(204).send();
    },

    async listTopics() {
      return { data: (await topics.list()).map(topicView) };
    },
    async createTopic(req: Req<{ body: typeof CreateTopicBody }>, reply: FastifyReply) {
      const b = req.body;
      const t = await topics.create(principal(req), { name: b.name.trim(), description: b.description, doubleOptIn: b.double_opt_in, subscribeOnSignup: b.subscribe_on_signup });
      return reply.status(201).send({ topic: topicView(t) });
    },
    async updateTopic(req: Req<{ body: typeof UpdateTopicBody; params: typeof IdParams }>) {
      const b = req.body;
      const patch = given({ name: b.name?.trim(), description: b.description, doubleOptIn: b.double_opt_in, subscribeOnSignup: b.subscribe_on_signup });
      return { topic: topicView(await topics.update(principal(req), req.params.id, patch)) };
    },
    async deleteTopic(req: Req<{ params: typeof IdParams }>, reply: FastifyReply) {
      await topics.delete(principal(req), req.params.id);
      return reply.status(204).send();
    },

    async listSegments(req: Req<{ querystring: typeof SegmentListQuery }>) {
      const q = req.query;
      const { rows, total } = await segments.list({ q: q.q, ...pageWindow(q) });
      // A few counts at a time: a page of 100 segments must not take every pooled connection.
      const views: ReturnType<typeof segmentView>[] = [];
      for (let i = 0; i < rows.length; i += 4) views.push(...(await Promise.all(rows.slice(i, i + 4).map(withCount))));
      return pageBody(q, views, total);
    },
    async getSegment(req: Req<{ params: typeof IdParams }>) {
      return { segment: await withCount(await segments.get(req.params.id)) };
    },
    async createSegment(req: Req<{ body: typeof CreateSegmentBody }>, reply: FastifyReply) {
      const b = req.body;
      const s = await segments.create(principal(req), { name: b.name.trim(), description: b.description, filter: b.filter });
      return reply.status(201).send({ segment: await withCount(s) });
    },
    async updateSegment(req: Req<{ body: typeof UpdateSegmentBody; params: typeof IdParams }>) {
      const b = req.body;
      const s = await segments.update(principal(req), req.params.id, given({ name: b.name?.trim(), description: b.description, filter: b.filter }));
      return { segment: await withCount(s) };
    },
    async deleteSegment(req: Req<{ params: typeof IdParams }>, reply: FastifyReply) {
      await segments.delete(principal(req), req.params.id);
      return reply.status(204).send();
    },
    async estimate(req: Req<{ body: typeof EstimateBody }>) {
      return { customers: await segments.estimate(req.body.filter) };
    },
    async segmentCustomers(req: Req<{ params: typeof IdParams; querystring: typeof PageQueryOnly }>) {
      const q = req.query;
      await segments.get(req.params.id);
      const { rows, total } = await customers.list({ segmentId: req.params.id, ...pageWindow(q) });
      return pageBody(q, rows.map(customerView), total);
    },

    async listCustomers(req: Req<{ querystring: typeof CustomerListQuery }>) {
      const q = req.query;
      const { rows, total } = await customers.list({ q: q.q, tag: q.tag, topicId: q.topic_id, segmentId: q.segment_id, status: q.status, ...pageWindow(q) });
      return pageBody(q, rows.map(customerView), total);
    },
    async getCustomer(req: Req<{ params: typeof IdParams }>) {
      return { customer: customerView(await customers.get(req.params.id)) };
    },
    async updateCustomer(req: Req<{ body: typeof UpdateCustomerBody; params: typeof IdParams }>) {
      const b = req.body;
      const c = await customers.update(principal(req), req.params.id, {
        firstName: b.first_name?.trim(),
        lastName: b.last_name?.trim(),
        externalId: b.external_id,
        emailOptIn: b.email_opt_in,
        attributes: b.attributes as Record<string, unknown> | undefined,
        tags: b.tags,
        topics: b.topics as Record<string, 'subscribed' | 'unsubscribed'> | undefined,
      });
      return { customer: customerView(c) };
    },

    async listTags() {
      return { data: await customers.tags() };
    },
    async retag(req: Req<{ body: typeof RetagBody }>) {
      const b = req.body;
      return { changed: await customers.retag(principal(req), { add: b.add, remove: b.remove, ids: b.ids, segmentId: b.segment_id }) };
    },
  };
}
