import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import helmet from 'helmet';
import { randomUUID } from 'node:crypto';
import { AppError } from '../domain/errors.ts';
import { QUEUE_DASHBOARD_PATH } from '../handlers/browser-session.ts';
import { enforceAccess, type RouteEntry } from '../middlewares/access.ts';
import { registerErrorHandler, sendError } from '../middlewares/error-handler.ts';
import { registerRoutes } from '../routes/index.ts';
import { ErrorBody } from '../types/common.schemas.ts';
import { Attribute, Customer, Segment, Topic } from '../types/audience.schemas.ts';
import { Campaign, PublicCampaign } from '../types/campaign.schemas.ts';
import { User } from '../types/user.schemas.ts';
import type { AppContext } from './context.ts';
import { clientErrorHandler, limitConnectionsPerClient, listenerOptions, refuseExpectations } from './listener.ts';
import { registerQueueDashboard } from './queue-dashboard.ts';
import { validatorCompiler } from './validation.ts';
import { webApp } from './web.ts';

export type App = FastifyInstance & { routeCatalog: RouteEntry[] };

/** JSON bodies longer than this are parsed in a turn of the event loop of their own. */
const YIELD_AFTER_CHARS = 64 * 1024;

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Served by plugins that guard themselves: the API docs (static, public) and the queue dashboard (its pass cookie). */
const SELF_GUARDED = ['/docs', QUEUE_DASHBOARD_PATH];

/** Builds the HTTP application on an app context; does not listen (tests use inject). */
export async function buildApp(ctx: AppContext): Promise<App> {
  const app = Fastify({
    loggerInstance: ctx.log,
    ...listenerOptions(ctx.config),
    clientErrorHandler,
    // Errors found before routing (a bad percent-encoding in the path) get the one error shape too.
    frameworkErrors: (err, req, reply) => {
      reply.header('x-request-id', req.id);
      securityHeaders(req.raw, reply.raw, () => sendError(err, req, reply));
    },
    bodyLimit: ctx.config.bodyLimitBytes,
    trustProxy: ctx.config.trustProxy,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    // A path segment holds at most an email address (254 characters), percent-encoded.
    routerOptions: { maxParamLength: 800 },
    // Answered below, in the one error shape.
    return503OnClosing: false,
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;
  limitConnectionsPerClient(app.server, ctx.config.maxConnectionsPerClient);
  refuseExpectations(app.server);

  app.setValidatorCompiler(validatorCompiler());

  // JSON only: other content types get 415.
  app.removeAllContentTypeParsers();
  // An empty body with a JSON content type is treated as no body (curl -H 'content-type: application/json' -X POST).
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (body === '' || (typeof body === 'string' && body.trim() === '')) return done(null, undefined);
    if ((body as string).length <= YIELD_AFTER_CHARS) return parseJson(req, body as string, done);
    // Parsing a large body takes tens of milliseconds: let other requests run before it is validated.
    parseJson(req, body as string, (err, value) => setImmediate(() => done(err, value)));
  });

  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });

  // Security headers. The middleware is built once: @fastify/helmet built it again (re-parsing the
  // CSP) on every request, a few per cent of the API's CPU.
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      directives: { defaultSrc: ["'self'"], imgSrc: ["'self'", 'data:'], styleSrc: ["'self'", "'unsafe-inline'"] },
    },
  });
  app.addHook('onRequest', (req, reply, done) => securityHeaders(req.raw, reply.raw, () => done()));
  // A request that reaches a closing server (pipelined, or on a kept-alive connection) is refused.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async () => {
    if (closing) throw new AppError(503, 'SERVICE_UNAVAILABLE', 'The server is shutting down; try again', undefined, { 'retry-after': '1' });
  });
  registerErrorHandler(app);
  ctx.metrics.instrument(app);

  app.addSchema(ErrorBody);
  app.addSchema(User);
  app.addSchema(Campaign);
  app.addSchema(PublicCampaign);
  app.addSchema(Attribute);
  app.addSchema(Topic);
  app.addSchema(Segment);
  app.addSchema(Customer);
  await app.register(swagger, {
    openapi: {
      info: { title: 'Campaign Notification Service', version: '1.0.0', description: 'The guide is docs/api.md in the repository; README.md covers running the service.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
    refResolver: { buildLocalReference: (json, _base, _frag, i) => (json.$id as string) ?? `def-${i}` },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  await app.register(cookie);

  app.decorate('routeCatalog', [] as RouteEntry[]);
  // Every route says what it answers (validation of our own output, serialisation, the OpenAPI document).
  app.addHook('onRoute', (route) => {
    if (SELF_GUARDED.some((prefix) => route.url.startsWith(prefix))) return;
    if (!route.schema?.response) throw new Error(`route ${String(route.method)} ${route.url} declares no response schema`);
  });
  enforceAccess(app, { auth: ctx.services.auth, permissions: ctx.services.permissions }, app.routeCatalog, SELF_GUARDED);
  const browser = {
    secure: ctx.config.publicBaseUrl.startsWith('https://'),
    publicOrigin: new URL(ctx.config.publicBaseUrl).origin,
    refreshTtlSec: ctx.config.refreshTokenTtlSec,
  };
  await registerRoutes(app, {
    services: ctx.services,
    metrics: ctx.metrics.registry,
    metricsToken: ctx.config.metricsToken,
    browser,
    webhookProviders: ctx.webhookProviders,
  });
  await registerQueueDashboard(app, { queue: ctx.queue.queue, auth: ctx.services.auth, permissions: ctx.services.permissions, browser });
  await app.register(webApp);
  return app;
}
