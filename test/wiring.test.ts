import { Type } from '@sinclair/typebox';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { PUBLIC } from '../src/middlewares/access.ts';
import { buildApp } from '../src/server/app.ts';
import { createAppContext, type AppContext } from '../src/server/context.ts';
import { testConfig } from './helpers.ts';

const log = pino({ level: 'silent' });
const contexts: AppContext[] = [];
afterAll(async () => {
  for (const ctx of contexts) await ctx.close();
});

describe('createAppContext', () => {
  it('builds the worker parts (mailer, delivery, BullMQ connection, bounce mailbox reader) only for a role that runs workers', () => {
    const config = testConfig('wiring');
    const api = createAppContext(config, { role: 'api', log });
    const worker = createAppContext(config, { role: 'worker', log });
    const all = createAppContext(config, { role: 'all', log });
    contexts.push(api, worker, all);
    expect(api.worker).toBeUndefined();
    for (const ctx of [worker, all]) {
      expect(Object.keys(ctx.worker).sort()).toEqual(['bounces', 'connection', 'delivery', 'mailer']);
      expect(typeof ctx.worker.delivery.sendBatch).toBe('function');
      // No BOUNCE_MAILBOX_URL: no mailbox reader.
      expect(ctx.worker.bounces).toBeUndefined();
    }
  });

  it('gives the workers a bounce mailbox reader only with BOUNCE_MAILBOX_URL (no connection until a poll)', () => {
    const config = testConfig('wiring_bounces', { BOUNCE_MAILBOX_URL: 'imaps://u:pw@127.0.0.1:41399/INBOX' });
    const api = createAppContext(config, { role: 'api', log });
    const worker = createAppContext(config, { role: 'worker', log });
    contexts.push(api, worker);
    expect(api.worker).toBeUndefined();
    expect(typeof worker.worker.bounces?.poll).toBe('function');
  });
});

describe('the route table', () => {
  it('refuses at registration a route that declares no response schema', async () => {
    const ctx = createAppContext(testConfig('wiring_routes'), { role: 'api', log });
    contexts.push(ctx);
    const app = await buildApp(ctx);
    try {
      expect(() => app.get('/no-response', { config: { access: PUBLIC }, schema: { querystring: Type.Object({}) }, handler: async () => 'x' })).toThrow(
        /GET \/no-response declares no response schema/,
      );
    } finally {
      await app.close();
    }
  });
});
