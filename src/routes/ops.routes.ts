import { Type } from '@sinclair/typebox';
import { sql } from 'drizzle-orm';
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
    config: { access: PUBLIC },
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
