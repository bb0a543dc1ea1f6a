// The application context: everything a process runs on, built once from the config. The shared core
// (context.core.ts) for every role, and the worker parts (context.worker.ts) for the roles that run workers.
import type { Config } from '../config/types.ts';
import { createMailer } from '../conn/mailer.ts';
import type { Mailer } from '../domain/ports.ts';
import { createCore, type CoreOptions, type Core } from './context.core.ts';
import { createWorkerParts, type WorkerParts } from './context.worker.ts';

/** What a process runs: the HTTP API, the background workers, or both. */
export type Role = 'api' | 'worker' | 'all';

export interface ContextOptions extends CoreOptions {
  role: Role;
  /** Replacements: `passwords` for the argon2 hasher (it still runs behind the hashing gate), `mailer` for the one from the config. */
  deps?: CoreOptions['deps'] & { mailer?: Mailer };
}

type Context<W extends WorkerParts | undefined> = Omit<Core, 'connect' | 'close'> & {
  /** Built only for the roles that run workers. */
  worker: W;
  /** Connects to Redis (MySQL connects lazily per query). */
  connect(): Promise<void>;
  close(): Promise<void>;
};
/** A context without the worker parts (`cns serve`, `cns create-admin`). */
export type ApiContext = Context<undefined>;
/** A context that can run the workers (`cns worker`, `cns start`). */
export type WorkerContext = Context<WorkerParts>;
export type AppContext = ApiContext | WorkerContext;

/** Everything the HTTP API and the workers need, built once from the config; the worker parts only for a role that runs them. */
export function createAppContext(config: Config, opts: ContextOptions & { role: 'api' }): ApiContext;
export function createAppContext(config: Config, opts: ContextOptions & { role: 'worker' | 'all' }): WorkerContext;
export function createAppContext(config: Config, opts: ContextOptions): AppContext;
export function createAppContext(config: Config, opts: ContextOptions): Context<WorkerParts | undefined> {
  const core = createCore(config, opts);
  const worker = opts.role === 'api' ? undefined : createWorkerParts(core, opts.deps?.mailer ?? createMailer(config));
  return {
    ...core,
    worker,
    connect: core.connect,
    async close() {
      worker?.mailer.close();
      worker?.connection.disconnect();
      await core.close();
    },
  };
}
