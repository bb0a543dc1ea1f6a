#!/usr/bin/env node
// Runs the compiled CLI in dist/, which `npm run build` writes (`npm ci` runs it through the prepare
// script). `npm run dev` runs the TypeScript sources instead, restarting on every change.
import { existsSync } from 'node:fs';

const main = new URL('../dist/cmd/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('cns: dist/ is missing; run `npm run build` first (or `npm run dev` to run the sources)\n');
  process.exit(1);
}
await import(main.href);
