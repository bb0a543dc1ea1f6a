import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The repository root: children run from here so `bin/cns.js` and `bench/*.ts` resolve. */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Thrown from a `waitFor` check to stop waiting at once (other errors are retried until the timeout). */
export class Fatal extends Error {}

/** Polls `check` every `every` ms until it returns a truthy value; throws after `ms`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, ms: number, every = 100): Promise<T> {
  const until = Date.now() + ms;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      if (err instanceof Fatal) throw err;
      lastError = err;
    }
    if (Date.now() > until) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${Math.round(ms / 1000)} s waiting for ${what}${why}`);
    }
    await sleep(every);
  }
}

/** Rejects when `p` has not settled within `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${Math.round(ms / 1000)} s waiting for ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** A free TCP port on loopback (bound and released at once). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Warn-or-worse log lines (pino level ≥ 40) seen on the service processes' stdout. */
export const serviceLog = { warnings: 0, errors: 0, samples: [] as string[] };

export interface Child {
  name: string;
  proc: ChildProcess;
  pid: number;
  /** Resolves with the exit code (or null when killed by a signal). */
  exited: Promise<number | null>;
  done: boolean;
}

const children = new Set<Child>();

/**
 * Spawns `node <args>` (or `command <args>`) from the repository root. stderr is inherited; every stdout
 * line goes to `onLine` when given, else it is forwarded to our stderr with the child's name (and pino
 * levels counted).
 */
export function startChild(
  name: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  onLine?: (line: string) => void,
  command = process.execPath,
): Child {
  const proc = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
  if (proc.pid === undefined) throw new Error(`could not start ${name}`);
  const child: Child = { name, proc, pid: proc.pid, done: false, exited: Promise.resolve(null) };
  child.exited = new Promise((resolve) => {
    proc.once('exit', (code) => {
      child.done = true;
      children.delete(child);
      resolve(code);
    });
  });
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    if (onLine) return onLine(line);
    countLevel(line);
    process.stderr.write(`[${name}] ${line}\n`);
  });
  children.add(child);
  return child;
}

function countLevel(line: string) {
  let level: number;
  try {
    level = (JSON.parse(line) as { level?: number }).level ?? 0;
  } catch {
    return;
  }
  if (level >= 50) serviceLog.errors++;
  else if (level >= 40) serviceLog.warnings++;
  if (level >= 40 && serviceLog.samples.length < 10) serviceLog.samples.push(line.slice(0, 400));
}

/** SIGTERM, then SIGKILL if the child has not exited within `graceMs`. Returns the exit code. */
export async function stopChild(child: Child, graceMs = 5000): Promise<number | null> {
  if (!child.done) {
    child.proc.kill('SIGTERM');
    const timer = setTimeout(() => child.proc.kill('SIGKILL'), graceMs);
    await child.exited;
    clearTimeout(timer);
  }
  return child.exited;
}

export async function stopAll(): Promise<void> {
  await Promise.all([...children].map((c) => stopChild(c)));
}

/** Peak resident set size (VmHWM) of a live process, in MB. */
export function peakRssMb(pid: number): number {
  const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmHWM for pid ${pid}`);
  return Number(m[1]) / 1024;
}

/**
 * Kills every child on exit, on SIGINT/SIGTERM and on an uncaught error; `extra` runs before exiting
 * on a signal (e.g. deleting Redis keys).
 */
export function installCleanup(extra: () => Promise<void>) {
  process.on('exit', () => {
    for (const c of children) c.proc.kill('SIGKILL');
  });
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`\nbench: ${signal}, stopping child processes…\n`);
    void stopAll()
      .then(extra)
      .catch(() => undefined)
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}
