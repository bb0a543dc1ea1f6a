import { Type } from '@sinclair/typebox';
import { sql } from 'drizzle-orm';
import type { onRequestHookHandler } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { UnauthorizedError } from '../domain/errors.ts';
import { PUBLIC } from '../middlewares/access.ts';
import type { App } from '../server/app.ts';
import type { AppContext } from '../server/context.ts';

const tags = ['operations'];

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Refuses a request unless it carries `Authorization: Bearer <token>`; compares in constant time. */
function requireBearer(token: string): onRequestHookHandler {
  const expected = digest(token);
  return async (req) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    // Digests have one length, so timingSafeEqual compares them without revealing the token's length.
    if (!match || !timingSafeEqual(digest(match[1]!), expected)) throw new UnauthorizedError('A valid metrics token is required');
  };
}

export function opsRoutes(app: App, ctx: AppContext) {
  app.get('/healthz', {
    config: { access: PUBLIC },
    schema: { tags, summary: 'The process is alive', response: { 200: Type.Object({ status: Type.Literal('ok') }) } },
    handler: async () => ({ status: 'ok' as const }),
  });

  app.get('/readyz', {
    config: { access: PUBLIC },
    schema: { tags, summary: 'MySQL and Redis are reachable (503 otherwise)' },
    handler: async (_req, reply) => {
      const checks = await Promise.allSettled([
        withTimeout(ctx.mysql.db.execute(sql`SELECT 1`), 2000),
        withTimeout(ctx.redis.ping(), 2000),
      ]);
      const details = (['mysql', 'redis'] as const).flatMap((field, i) =>
        checks[i]!.status === 'rejected' ? [{ field, message: String((checks[i] as PromiseRejectedResult).reason?.message ?? 'unreachable') }] : [],
      );
      if (details.length === 0) return { status: 'ready', checks: { mysql: 'ok', redis: 'ok' } };
      return reply.status(503).send({ error: { code: 'SERVICE_UNAVAILABLE', message: 'A dependency is unreachable', details } });
    },
  });

  app.get('/metrics', {
    // Public to users (no session); METRICS_TOKEN, when set, guards it instead.
    config: { access: PUBLIC },
    ...(ctx.config.metricsToken ? { onRequest: requireBearer(ctx.config.metricsToken) } : {}),
    schema: { tags, summary: 'Prometheus metrics', hide: true },
    handler: async (_req, reply) => {
      reply.header('content-type', ctx.metrics.registry.contentType);
      return ctx.metrics.registry.metrics();
    },
  });

  app.get('/openapi.json', {
    config: { access: PUBLIC },
    schema: { hide: true },
    handler: async () => app.swagger(),
  });
}
