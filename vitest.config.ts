import { defineConfig } from 'vitest/config';

// Three groups, run in this order by one `vitest run`: `unit` (no database, Redis or network: a
// setup file refuses sockets), `integration` (real MariaDB, Redis and SMTP on loopback), and
// `browser` (the dashboard in Chromium against a real stack).
//
// No test bounds a time, a CPU time or the event loop's delay: another process on the core moves
// those, so the tests assert the work instead (what ran, how often, on which thread), and the
// timings are figures of `npm run bench` (BENCHMARKS.md). The time limits below are for a test
// that hangs, with room for a machine that other work keeps busy.
const UNIT = ['test/unit/**/*.test.ts', 'src/**/*.test.ts'];
const BROWSER = ['test/browser/**/*.test.ts'];

export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: UNIT,
          setupFiles: ['test/unit/no-network.ts'],
          testTimeout: 15_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: [...UNIT, ...BROWSER],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          sequence: { groupOrder: 1 },
        },
      },
      {
        // Last, on their own: Chromium takes a core, and the tier before starts processes and
        // threads enough of its own.
        extends: true,
        test: {
          name: 'browser',
          include: BROWSER,
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // What a page shows after a debounce and a request can take more than the default second
          // on a busy machine: 10 s, as the waits in the tests; a locator's waitFor allows 30 s.
          expect: { poll: { timeout: 10_000 } },
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
