import type { FastifyInstance } from 'fastify';
import { audienceHandlers } from '../handlers/audience.handler.ts';
import { can } from '../middlewares/access.ts';
import type { AttributeService } from '../services/attribute.service.ts';
import type { CustomerService } from '../services/customer.service.ts';
import type { SegmentService } from '../services/segment.service.ts';
import type { TopicService } from '../services/topic.service.ts';
import {
  AttributeEnvelope,
  AttributeList,
  CreateAttributeBody,
  CreateSegmentBody,
  CreateTopicBody,
  CustomerEnvelope,
  CustomerListQuery,
  EstimateBody,
  EstimateResponse,
  KeyParams,
  PageQueryOnly,
  RetagBody,
  RetagResponse,
  SegmentEnvelope,
  SegmentListQuery,
  TagList,
  TopicEnvelope,
  TopicList,
  UpdateAttributeBody,
  UpdateCustomerBody,
  UpdateSegmentBody,
  UpdateTopicBody,
} from '../types/audience.schemas.ts';
import { errors, IdParams, NoContent, PageOf } from '../types/common.schemas.ts';
import { Type } from '@sinclair/typebox';

const security = [{ bearer: [] }];

/** Customers, attributes, tags, topics and segments (docs/audiences.md). */
export function audienceRoutes(
  app: FastifyInstance,
  deps: { attributes: AttributeService; topics: TopicService; segments: SegmentService; customers: CustomerService },
) {
  const h = audienceHandlers(deps);

  let tags = ['attributes'];
  app.get('/v1/attributes', {
    config: { access: can('attribute.list') },
    schema: { tags, security, summary: 'The attribute definitions', response: { 200: AttributeList, ...errors(401, 403) } },
    handler: h.listAttributes,
  });
  app.post('/v1/attributes', {
    config: { access: can('attribute.manage') },
    schema: { tags, security, summary: 'Define an attribute (its type never changes)', body: CreateAttributeBody, response: { 201: AttributeEnvelope, ...errors(400, 401, 403, 409) } },
    handler: h.createAttribute,
  });
  app.patch('/v1/attributes/:key', {
    config: { access: can('attribute.manage') },
    schema: { tags, security, summary: "Change an attribute's label or an enum's options", params: KeyParams, body: UpdateAttributeBody, response: { 200: AttributeEnvelope, ...errors(400, 401, 403, 404) } },
    handler: h.updateAttribute,
  });
  app.delete('/v1/attributes/:key', {
    config: { access: can('attribute.manage') },
    schema: {
      tags,
      security,
      summary: 'Delete an attribute and every customer’s value of it; 409 IN_USE while a segment uses it',
      params: KeyParams,
      response: { 204: NoContent, ...errors(400, 401, 403, 404, 409) },
    },
    handler: h.deleteAttribute,
  });

  tags = ['topics'];
  app.get('/v1/topics', {
    config: { access: can('topic.list') },
    schema: { tags, security, summary: 'The topics customers subscribe to', response: { 200: TopicList, ...errors(401, 403) } },
    handler: h.listTopics,
  });
  app.post('/v1/topics', {
    config: { access: can('topic.manage') },
    schema: { tags, security, summary: 'Create a topic', body: CreateTopicBody, response: { 201: TopicEnvelope, ...errors(400, 401, 403, 409) } },
    handler: h.createTopic,
  });
  app.patch('/v1/topics/:id', {
    config: { access: can('topic.manage') },
    schema: { tags, security, summary: 'Change a topic', params: IdParams, body: UpdateTopicBody, response: { 200: TopicEnvelope, ...errors(400, 401, 403, 404, 409) } },
    handler: h.updateTopic,
  });
  app.delete('/v1/topics/:id', {
    config: { access: can('topic.manage') },
    schema: {
      tags,
      security,
      summary: 'Delete a topic and its subscriptions (not General; 409 IN_USE while a segment names it)',
      params: IdParams,
      response: { 204: NoContent, ...errors(400, 401, 403, 404, 409) },
    },
    handler: h.deleteTopic,
  });

  tags = ['segments'];
  app.get('/v1/segments', {
    config: { access: can('segment.list') },
    schema: { tags, security, summary: 'List segments (q matches names)', querystring: SegmentListQuery, response: { 200: PageOf(Type.Ref('Segment')), ...errors(400, 401, 403, 503) } },
    handler: h.listSegments,
  });
  app.post('/v1/segments/estimate', {
    config: { access: can('segment.list') },
    schema: { tags, security, summary: 'Count the customers an unsaved filter matches', body: EstimateBody, response: { 200: EstimateResponse, ...errors(400, 401, 403, 503) } },
    handler: h.estimate,
  });
  app.get('/v1/segments/:id', {
    config: { access: can('segment.fetch') },
    schema: { tags, security, summary: 'One segment, with its count of customers', params: IdParams, response: { 200: SegmentEnvelope, ...errors(400, 401, 403, 404, 503) } },
    handler: h.getSegment,
  });
  app.get('/v1/segments/:id/customers', {
    config: { access: can('segment.fetch') },
    schema: {
      tags,
      security,
      summary: "The segment's customers, newest first",
      params: IdParams,
      querystring: PageQueryOnly,
      response: { 200: PageOf(Type.Ref('Customer')), ...errors(400, 401, 403, 404, 503) },
    },
    handler: h.segmentCustomers,
  });
  app.post('/v1/segments', {
    config: { access: can('segment.create') },
    schema: { tags, security, summary: 'Save a segment', body: CreateSegmentBody, response: { 201: SegmentEnvelope, ...errors(400, 401, 403, 409, 503) } },
    handler: h.createSegment,
  });
  app.patch('/v1/segments/:id', {
    config: { access: can('segment.update') },
    schema: {
      tags,
      security,
      summary: 'Change a segment (version + 1); a manager changes only their own',
      params: IdParams,
      body: UpdateSegmentBody,
      response: { 200: SegmentEnvelope, ...errors(400, 401, 403, 404, 409, 503) },
    },
    handler: h.updateSegment,
  });
  app.delete('/v1/segments/:id', {
    config: { access: can('segment.delete') },
    schema: {
      tags,
      security,
      summary: 'Delete a segment (409 IN_USE while another segment names it); a manager deletes only their own',
      params: IdParams,
      response: { 204: NoContent, ...errors(400, 401, 403, 404, 409) },
    },
    handler: h.deleteSegment,
  });

  tags = ['customers'];
  app.get('/v1/customers', {
    config: { access: can('customer.list') },
    schema: { tags, security, summary: 'List customers', querystring: CustomerListQuery, response: { 200: PageOf(Type.Ref('Customer')), ...errors(400, 401, 403, 503) } },
    handler: h.listCustomers,
  });
  app.get('/v1/customers/:id', {
    config: { access: can('customer.fetch') },
    schema: { tags, security, summary: 'One customer (404 for staff accounts)', params: IdParams, response: { 200: CustomerEnvelope, ...errors(400, 401, 403, 404) } },
    handler: h.getCustomer,
  });
  app.patch('/v1/customers/:id', {
    config: { access: can('customer.manage') },
    schema: {
      tags,
      security,
      summary: "Change a customer's names, external id, opt-in, attributes, tags or topics (consent changes recorded)",
      params: IdParams,
      body: UpdateCustomerBody,
      response: { 200: CustomerEnvelope, ...errors(400, 401, 403, 404, 409, 503) },
    },
    handler: h.updateCustomer,
  });
  app.get('/v1/tags', {
    config: { access: can('customer.list') },
    schema: { tags, security, summary: 'Every tag and how many customers have it', response: { 200: TagList, ...errors(401, 403) } },
    handler: h.listTags,
  });
  app.post('/v1/customers/tags', {
    config: { access: can('customer.manage') },
    schema: { tags, security, summary: "Add and remove tags on listed customers or a segment's", body: RetagBody, response: { 200: RetagResponse, ...errors(400, 401, 403, 503) } },
    handler: h.retag,
  });
}
