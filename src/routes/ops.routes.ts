import type { FastifyInstance, onRequestHookHandler } from 'fastify';
import { UnauthorizedError } from '../domain/errors.ts';
import { sameSecret } from '../utils/same-secret.ts';
import { live, metricsHandler, opsHandlers, type MetricsSource } from '../handlers/ops.handler.ts';
import { PUBLIC } from '../middlewares/access.ts';
import type { HealthService } from '../services/health.service.ts';
import { errors, TextResponse } from '../types/common.schemas.ts';
import { Health, OpenApiDocument, Readiness } from '../types/ops.schemas.ts';

const tags = ['operations'];

/** Refuses a request unless it carries `Authorization: Bearer <token>`; compares in constant time. */
function requireBearer(token: string): onRequestHookHandler {
  return async (req) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!match || !sameSecret(match[1]!, token)) throw new UnauthorizedError('A valid metrics token is required');
  };
}

/** `GET /healthz`: the process is alive. */
export function healthRoute(app: FastifyInstance) {
  app.get('/healthz', {
    config: { access: PUBLIC },
    schema: { tags, summary: 'The process is alive', response: { 200: Health } },
    handler: live,
  });
}

/** `GET /metrics`: the registry in Prometheus text; behind METRICS_TOKEN when that is set (the API and the worker's listener alike). */
export function metricsRoute(app: FastifyInstance, deps: { metrics: MetricsSource; metricsToken?: string }) {
  app.get('/metrics', {
    // Public to users (no session); METRICS_TOKEN, when set, guards it instead.
    config: { access: PUBLIC },
    ...(deps.metricsToken ? { onRequest: requireBearer(deps.metricsToken) } : {}),
    schema: { tags, summary: 'Prometheus metrics', hide: true, response: { 200: TextResponse('text/plain', 'Prometheus text format'), ...errors(401) } },
    handler: metricsHandler(deps.metrics),
  });
}

export function opsRoutes(app: FastifyInstance, deps: { health: HealthService; metrics: MetricsSource; metricsToken?: string }) {
  const h = opsHandlers(deps);
  healthRoute(app);

  app.get('/readyz', {
    config: { access: PUBLIC },
    schema: { tags, summary: 'MySQL and Redis are reachable (503 otherwise)', response: { 200: Readiness, ...errors(503) } },
    handler: h.ready,
  });

  metricsRoute(app, deps);

  app.get('/openapi.json', {
    config: { access: PUBLIC },
    schema: { hide: true, response: { 200: OpenApiDocument } },
    handler: async () => app.swagger(),
  });
}
