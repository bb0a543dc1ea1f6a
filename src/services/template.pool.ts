import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import workerpool from 'workerpool';
import { AppError, type FieldProblem } from '../domain/errors.ts';
import type { CampaignTemplates, checkCampaignTemplates, TemplateStage } from './template.service.ts';

export type TemplateChecker = ReturnType<typeof createTemplateChecker>;
type Result = ReturnType<typeof checkCampaignTemplates>;

/** Checks waiting for a thread beyond this many get a 503: each holds up to three 256 KiB templates. */
const MAX_QUEUED = 32;

/**
 * Runs checkCampaignTemplates in worker threads, `timeoutMs` at most from the start of each run:
 * on some inputs of 256 KiB, html-to-text takes seconds (and the checks tens of milliseconds), far
 * too long for the event loop that serves every request. A run past its time limit or its thread's
 * memory cap ends that thread, and its input is refused (400) naming the field it was busy with.
 */
export function createTemplateChecker({
  timeoutMs,
  unsubscribeUrl,
  // One core stays free for the event loop: threads busy on hostile input must not starve it either.
  threads = Math.min(4, Math.max(1, availableParallelism() - 1)),
  heapMb = 128,
}: {
  timeoutMs: number;
  unsubscribeUrl: string;
  threads?: number;
  /** Old-generation heap of each thread (the worst input found needs under 48 MB). */
  heapMb?: number;
}) {
  let pool: workerpool.Pool | undefined;

  function start(): workerpool.Pool {
    // Run from the TypeScript sources (tsx, vitest), the worker is TypeScript too. Node 20 does not apply
    // module hooks (--import tsx) to a worker's entry, so the thread starts with a line that registers
    // tsx's require() hook and then loads the worker through it.
    const fromSource = import.meta.url.endsWith('.ts');
    const entry = fileURLToPath(new URL(`./template.worker.${fromSource ? 'ts' : 'js'}`, import.meta.url));
    const tsx = fromSource ? createRequire(import.meta.url).resolve('tsx/cjs/api') : '';
    const script = fromSource ? `require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(entry)});` : entry;
    return workerpool.pool(script, {
      workerType: 'thread',
      maxWorkers: threads,
      maxQueueSize: MAX_QUEUED,
      // A thread past its time limit is busy and cannot clean up: end it at once.
      workerTerminateTimeout: 1,
      workerThreadOpts: { eval: fromSource, resourceLimits: { maxOldGenerationSizeMb: heapMb } },
    });
  }

  const tooComplex = (stage: TemplateStage, why: string): FieldProblem =>
    stage === 'derive_text'
      ? { field: 'body_html', message: `is too complex to turn into a text body (${why}); simplify the HTML or give body_text` }
      : { field: stage, message: `is too complex to check (${why}); simplify it` };

  return {
    /** The text body (given or derived) and the problems of a campaign's templates. */
    async check(t: Omit<CampaignTemplates, 'unsubscribeUrl'>): Promise<Result> {
      pool ??= start();
      let stage: TemplateStage | undefined;
      let timer: NodeJS.Timeout | undefined;
      let timedOut = false;
      let run: ReturnType<workerpool.Pool['exec']>;
      try {
        run = pool.exec('checkCampaignTemplates', [{ ...t, unsubscribeUrl }], {
          on: (e: { stage: TemplateStage }) => {
            stage = e.stage;
            // The clock starts with the work itself: neither the wait for a thread nor its start-up counts.
            timer ??= setTimeout(() => {
              timedOut = true;
              run.cancel();
            }, timeoutMs);
          },
        });
      } catch (err) {
        if (/max queue size/i.test((err as Error).message)) {
          throw new AppError(503, 'TRY_AGAIN', 'Too many campaigns are being checked at once; try again shortly', undefined, { 'retry-after': '1' });
        }
        throw err;
      }
      try {
        return (await run) as Result;
      } catch (err) {
        const e = err as Error & { code?: string };
        if (timedOut) return { bodyText: '', problems: [tooComplex(stage ?? 'subject', `it took longer than ${timeoutMs} ms`)] };
        if ([e.code, (e.cause as { code?: string } | undefined)?.code].includes('ERR_WORKER_OUT_OF_MEMORY')) {
          return { bodyText: '', problems: [tooComplex(stage ?? 'subject', 'it needs too much memory')] };
        }
        throw err;
      } finally {
        clearTimeout(timer);
      }
    },

    async close(): Promise<void> {
      const p = pool;
      pool = undefined;
      await p?.terminate(true);
    },
  };
}
