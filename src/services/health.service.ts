import type { FieldProblem } from '../domain/errors.ts';
import type { Ping } from '../domain/health.ts';

export type HealthService = ReturnType<typeof createHealthService>;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

/** Readiness: every dependency answers its ping within `timeoutMs`. */
export function createHealthService({ pings, timeoutMs = 2000 }: { pings: { mysql: Ping; redis: Ping }; timeoutMs?: number }) {
  const names = ['mysql', 'redis'] as const;
  return {
    /** One problem per dependency that did not answer (`field` names it); none when ready. */
    async readiness(): Promise<FieldProblem[]> {
      const checks = await Promise.allSettled(names.map((name) => withTimeout(pings[name](), timeoutMs)));
      return names.flatMap((field, i) => {
        const check = checks[i]!;
        return check.status === 'rejected' ? [{ field, message: String(check.reason?.message ?? 'unreachable') }] : [];
      });
    },
  };
}
