#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm run build`, which `npm ci` runs) when it is newer than
// every source file; otherwise runs the TypeScript sources directly through tsx, so an edit never
// runs stale code. The compiled form starts faster and uses about 50 MB less memory.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

function distIsFresh() {
  try {
    return statSync(join(root, 'dist/cmd/main.js')).mtimeMs >= newest(join(root, 'src'));
  } catch {
    return false;
  }
}

if (distIsFresh()) {
  await import('../dist/cmd/main.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cmd/main.ts');
}
