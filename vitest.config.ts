import { defineConfig } from 'vitest/config';

// Two tiers, run in this order by one `vitest run`: `unit` (no database, Redis or network: a
// setup file refuses sockets) and then `integration` (real MariaDB, Redis and SMTP on loopback).
const UNIT = ['test/unit/**/*.test.ts', 'src/**/*.test.ts'];

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
          testTimeout: 5_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: UNIT,
          testTimeout: 30_000,
          hookTimeout: 60_000,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
