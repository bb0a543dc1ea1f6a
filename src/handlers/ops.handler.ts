import type { FastifyReply } from 'fastify';
import { AppError } from '../domain/errors.ts';
import type { HealthService } from '../services/health.service.ts';

/** What /metrics serves: a Prometheus registry. */
export interface MetricsSource {
  contentType: string;
  metrics(): Promise<string>;
}

/** HTTP handlers for liveness, readiness and metrics. */
export function opsHandlers({ health, metrics }: { health: HealthService; metrics: MetricsSource }) {
  return {
    async live() {
      return { status: 'ok' as const };
    },
    async ready() {
      const problems = await health.readiness();
      if (problems.length > 0) throw new AppError(503, 'SERVICE_UNAVAILABLE', 'A dependency is unreachable', problems);
      return { status: 'ready' as const, checks: { mysql: 'ok' as const, redis: 'ok' as const } };
    },
    async metrics(_req: unknown, reply: FastifyReply) {
      reply.header('content-type', metrics.contentType);
      return metrics.metrics();
    },
  };
}
