import type { FastifyInstance } from 'fastify';
import { campaignHandlers } from '../handlers/campaign.handler.ts';
import { can, type Permission } from '../middlewares/access.ts';
import type { CampaignService } from '../services/campaign.service.ts';
import {
  AnyCampaignEnvelope,
  AnyCampaignSummary,
  ApproveBody,
  AudienceResponse,
  CampaignEnvelope,
  CampaignListQuery,
  CreateCampaignBody,
  Delivery,
  DeliveryListQuery,
  HistoryQuery,
  PreviewResponse,
  RejectBody,
  RenderCampaignBody,
  StatsResponse,
  TestSendBody,
  TestSendResponse,
  TimelineQuery,
  TimelineResponse,
  UpdateCampaignBody,
} from '../types/campaign.schemas.ts';
import { AuditEvent } from '../types/audit.schemas.ts';
import { errors, IdParams, NoContent, PageOf } from '../types/common.schemas.ts';

const tags = ['campaigns'];
const security = [{ bearer: [] }];

export function campaignRoutes(app: FastifyInstance, deps: { campaigns: CampaignService }) {
  const h = campaignHandlers(deps);
  app.post('/v1/campaigns', {
    config: { access: can('campaign.create') },
    schema: { tags, security, summary: 'Create a campaign or promotion (status draft)', body: CreateCampaignBody, response: { 201: CampaignEnvelope, ...errors(400, 401, 403, 409) } },
    handler: h.create,
  });
  app.post('/v1/campaigns/render', {
    config: { access: can('campaign.create') },
    schema: {
      tags,
      security,
      summary: 'Render unsaved content for a sample recipient (the caller), without saving it',
      description:
        'The fields that make the message, checked as create checks them (same limits): the rendered subject, HTML and text, or 400 with the template problems (field, line and column in the message). For a live preview while editing.',
      body: RenderCampaignBody,
      response: { 200: PreviewResponse, ...errors(400, 401, 403) },
    },
    handler: h.render,
  });
  app.get('/v1/campaigns', {
    config: { access: can('campaign.list') },
    schema: {
      tags,
      security,
      summary: "List campaigns, without their bodies (managers: their own; customers: the public view of live promotions)",
      description: '`q` matches part of the title, case-insensitively and literally.',
      querystring: CampaignListQuery,
      response: { 200: PageOf(AnyCampaignSummary), ...errors(400, 401, 403) },
    },
    handler: h.list,
  });
  app.get('/v1/campaigns/:id', {
    config: { access: can('campaign.fetch') },
    schema: { tags, security, summary: 'One campaign', params: IdParams, response: { 200: AnyCampaignEnvelope, ...errors(400, 401, 403, 404) } },
    handler: h.get,
  });
  app.patch('/v1/campaigns/:id', {
    config: { access: can('campaign.update') },
    schema: {
      tags,
      security,
      summary: 'Edit a campaign before approval; it returns to draft',
      params: IdParams,
      body: UpdateCampaignBody,
      response: { 200: CampaignEnvelope, ...errors(400, 401, 403, 404, 409) },
    },
    handler: h.update,
  });
  app.delete('/v1/campaigns/:id', {
    config: { access: can('campaign.delete') },
    schema: { tags, security, summary: 'Delete a campaign before approval', params: IdParams, response: { 204: NoContent, ...errors(401, 403, 404, 409) } },
    handler: h.remove,
  });

  const transitions: Array<[string, Permission, string, typeof h.submit]> = [
    ['submit', 'campaign.update', 'Submit a draft for approval', h.submit],
    ['pause', 'campaign.control', 'Pause sending; in-flight messages finish', h.pause],
    ['resume', 'campaign.control', 'Resume a paused campaign from the ledger', h.resume],
    ['cancel', 'campaign.control', 'Cancel; whatever is pending becomes skipped', h.cancel],
  ];
  for (const [name, permission, summary, handler] of transitions) {
    app.post(`/v1/campaigns/:id/${name}`, {
      config: { access: can(permission) },
      schema: { tags, security, summary, params: IdParams, response: { 200: CampaignEnvelope, ...errors(401, 403, 404, 409) } },
      handler,
    });
  }
  app.post('/v1/campaigns/:id/approve', {
    config: { access: can('campaign.approve_reject') },
    schema: {
      tags,
      security,
      summary: 'Approve the version reviewed: scheduled (start_time ahead) or sending; fan-out runs in the background',
      description: 'A campaign edited since that version → 409 STALE_VERSION.',
      params: IdParams,
      body: ApproveBody,
      response: { 200: CampaignEnvelope, ...errors(400, 401, 403, 404, 409) },
    },
    handler: h.approve,
  });
  app.post('/v1/campaigns/:id/reject', {
    config: { access: can('campaign.approve_reject') },
    schema: {
      tags,
      security,
      summary: 'Reject the version reviewed, with a reason',
      description: 'A campaign edited since that version → 409 STALE_VERSION.',
      params: IdParams,
      body: RejectBody,
      response: { 200: CampaignEnvelope, ...errors(400, 401, 403, 404, 409) },
    },
    handler: h.reject,
  });
  app.get('/v1/campaigns/:id/preview', {
    config: { access: can('campaign.fetch') },
    schema: { tags, security, summary: 'Render for a sample recipient (the caller)', params: IdParams, response: { 200: PreviewResponse, ...errors(401, 403, 404) } },
    handler: h.preview,
  });
  app.get('/v1/campaigns/:id/history', {
    config: { access: can('campaign.fetch') },
    schema: {
      tags,
      security,
      summary: "The campaign's audit entries, newest first: approvals, rejections with their reason, pauses, test sends…",
      description: 'For its author and admins (customers: 404).',
      params: IdParams,
      querystring: HistoryQuery,
      response: { 200: PageOf(AuditEvent), ...errors(400, 401, 403, 404) },
    },
    handler: h.history,
  });
  app.get('/v1/campaigns/:id/stats', {
    config: { access: can('campaign.fetch') },
    schema: { tags, security, summary: 'Delivery counts from the ledger', params: IdParams, response: { 200: StatsResponse, ...errors(401, 403, 404) } },
    handler: h.stats,
  });
  app.get('/v1/campaigns/:id/deliveries', {
    config: { access: can('campaign.fetch') },
    schema: {
      tags,
      security,
      summary: 'One row per recipient',
      description: '`q` matches part of the address, case-insensitively and literally.',
      params: IdParams,
      querystring: DeliveryListQuery,
      response: { 200: PageOf(Delivery), ...errors(400, 401, 403, 404) },
    },
    handler: h.deliveries,
  });
  app.get('/v1/campaigns/:id/audience', {
    config: { access: can('campaign.fetch') },
    schema: {
      tags,
      security,
      summary: 'How many customers the fan-out would reach now (counted, never loaded)',
      params: IdParams,
      response: { 200: AudienceResponse, ...errors(400, 401, 403, 404) },
    },
    handler: h.audience,
  });
  app.get('/v1/campaigns/:id/timeline', {
    config: { access: can('campaign.fetch') },
    schema: {
      tags,
      security,
      summary: 'Outcomes per minute or hour, from the ledger, for a progress chart',
      description: 'Each ledger row counts in the bucket of the time it reached its outcome. At most the latest 1,440 buckets.',
      params: IdParams,
      querystring: TimelineQuery,
      response: { 200: TimelineResponse, ...errors(400, 401, 403, 404) },
    },
    handler: h.timeline,
  });
  app.post('/v1/campaigns/:id/test-send', {
    config: { access: can('campaign.update') },
    schema: {
      tags,
      security,
      summary: "Send the campaign to 1–5 addresses as a test, rendered for the caller, subject prefixed '[Test] '",
      description:
        "The campaign's author or an admin, before the campaign completes or is cancelled (else 409 INVALID_STATE). Sent by the workers; recorded in the audit log (campaign.test_sent), never in the ledger or the stats. At most TEST_SEND_MAX_PER_HOUR per user and hour (429).",
      params: IdParams,
      body: TestSendBody,
      response: { 202: TestSendResponse, ...errors(400, 401, 403, 404, 409, 429) },
    },
    handler: h.testSend,
  });
}

