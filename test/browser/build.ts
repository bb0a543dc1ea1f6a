import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { WEB_ROOT } from '../../src/server/web.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LOCK = join(ROOT, 'var', 'web-build.lock');

function newest(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(path).reduce((m, name) => Math.max(m, newest(join(path, name))), st.mtimeMs);
}

function isFresh(): boolean {
  try {
    return statSync(join(WEB_ROOT, 'index.html')).mtimeMs >= newest(join(ROOT, 'web'));
  } catch {
    return false;
  }
}

/** Builds the dashboard into dist/web unless it is newer than every file in web/; one build at a time across test files. */
export async function ensureWebBuild(): Promise<void> {
  if (isFresh()) return;
  mkdirSync(join(ROOT, 'var'), { recursive: true });
  for (const until = Date.now() + 120_000; ; ) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      if (Date.now() > until) rmSync(LOCK, { recursive: true, force: true }); // a crashed run's lock
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    if (!isFresh()) {
      await promisify(execFile)(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '-c', join(ROOT, 'web/vite.config.ts'), '--logLevel', 'warn'], {
        cwd: ROOT,
      });
    }
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}
