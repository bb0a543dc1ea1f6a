import type { FastifyInstance } from 'fastify';
import type { BrowserSessionOptions } from '../handlers/browser-session.ts';
import type { MetricsSource } from '../handlers/ops.handler.ts';
import type { AuditService } from '../services/audit.service.ts';
import type { AuthService } from '../services/auth.service.ts';
import type { CampaignService } from '../services/campaign.service.ts';
import type { HealthService } from '../services/health.service.ts';
import type { DeliverabilityService } from '../services/deliverability.service.ts';
import type { SuppressionService } from '../services/suppression.service.ts';
import type { UnsubscribeService } from '../services/unsubscribe.service.ts';
import type { BounceWebhookProvider } from '../handlers/webhooks/providers.ts';
import type { UserService } from '../services/user.service.ts';
import type { AttributeService } from '../services/attribute.service.ts';
import type { CustomerService } from '../services/customer.service.ts';
import type { SegmentService } from '../services/segment.service.ts';
import type { TopicService } from '../services/topic.service.ts';
import { audienceRoutes } from './audience.routes.ts';
import { auditRoutes } from './audit.routes.ts';
import { authRoutes } from './auth.routes.ts';
import { campaignRoutes } from './campaign.routes.ts';
import { deliverabilityRoutes } from './deliverability.routes.ts';
import { opsRoutes } from './ops.routes.ts';
import { unsubscribeRoutes } from './unsubscribe.routes.ts';
import { userRoutes } from './user.routes.ts';

/** The services the routes call. */
export interface RouteServices {
  auth: AuthService;
  users: UserService;
  campaigns: CampaignService;
  audit: AuditService;
  health: HealthService;
  unsubscribe: UnsubscribeService;
  deliverability: DeliverabilityService;
  suppressions: SuppressionService;
  attributes: AttributeService;
  topics: TopicService;
  segments: SegmentService;
  customers: CustomerService;
}

/** The route table: every route declares its access in config.access; each file gets the services it calls. */
export async function registerRoutes(
  app: FastifyInstance,
  deps: {
    services: RouteServices;
    metrics: MetricsSource;
    metricsToken?: string;
    browser: BrowserSessionOptions;
    webhookProviders: ReadonlyMap<string, BounceWebhookProvider>;
  },
) {
  const { services } = deps;
  opsRoutes(app, { health: services.health, metrics: deps.metrics, metricsToken: deps.metricsToken });
  authRoutes(app, { auth: services.auth, browser: deps.browser });
  userRoutes(app, { users: services.users, auth: services.auth });
  auditRoutes(app, { audit: services.audit });
  campaignRoutes(app, { campaigns: services.campaigns });
  audienceRoutes(app, { attributes: services.attributes, topics: services.topics, segments: services.segments, customers: services.customers });
  await unsubscribeRoutes(app, { unsubscribe: services.unsubscribe });
  await deliverabilityRoutes(app, { deliverability: services.deliverability, suppressions: services.suppressions, providers: deps.webhookProviders });
}
