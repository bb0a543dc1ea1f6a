import Fastify, { type FastifyInstance } from 'fastify';
import { registerErrorHandler } from '../middlewares/error-handler.ts';
import { healthRoute, metricsRoute } from '../routes/ops.routes.ts';
import { ErrorBody } from '../types/common.schemas.ts';
import type { AppContext } from './context.ts';
import { listenerOptions } from './listener.ts';

/**
 * The listener of a `cns worker` process (WORKER_METRICS_HOST, WORKER_METRICS_PORT): `/metrics`
 * behind METRICS_TOKEN as on the API, and `/healthz`; any other path is a 404 in the one error
 * shape. Does not listen.
 */
export async function buildWorkerMetricsServer(ctx: Pick<AppContext, 'config' | 'log' | 'metrics'>): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: ctx.log,
    ...listenerOptions(ctx.config),
    return503OnClosing: false,
  }) as unknown as FastifyInstance;
  registerErrorHandler(app);
  app.addSchema(ErrorBody);
  // Scrapes every few seconds would fill the log: their requests are logged only at warn and above.
  await app.register(
    async (scope) => {
      healthRoute(scope);
      metricsRoute(scope, { metrics: ctx.metrics.registry, metricsToken: ctx.config.metricsToken });
    },
    { logLevel: 'warn' },
  );
  await app.ready();
  return app;
}
