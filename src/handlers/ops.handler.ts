import type { FastifyReply } from 'fastify';
import { AppError } from '../domain/errors.ts';
import type { HealthService } from '../services/health.service.ts';

/** What /metrics serves: a Prometheus registry. */
export interface MetricsSource {
  contentType: string;
  metrics(): Promise<string>;
}

/** Liveness: the process answers. */
export async function live() {
  return { status: 'ok' as const };
}

/** The registry in Prometheus text format, with its content type. */
export function metricsHandler(metrics: MetricsSource) {
  return async (_req: unknown, reply: FastifyReply) => {
    reply.header('content-type', metrics.contentType);
    return metrics.metrics();
  };
}

/** HTTP handlers for liveness, readiness and metrics. */
export function opsHandlers({ health, metrics }: { health: HealthService; metrics: MetricsSource }) {
  return {
    live,
    async ready() {
      const problems = await health.readiness();
      if (problems.length > 0) throw new AppError(503, 'SERVICE_UNAVAILABLE', 'A dependency is unreachable', problems);
      return { status: 'ready' as const, checks: { mysql: 'ok' as const, redis: 'ok' as const } };
    },
    metrics: metricsHandler(metrics),
  };
}
