import newman from 'newman';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkers } from '../src/worker/worker.ts';
import { createTestEnv, seedCustomers, type TestEnv } from './helpers.ts';

const collection = JSON.parse(readFileSync(new URL('../dependency/postman_collection.json', import.meta.url), 'utf8'));
type Item = { name: string; request: { method: string; url: { path: string[] } } };

const WEBHOOK_SECRET = 'postman-bounce-webhook-secret-0123456789';
let t: TestEnv;
let workers: Awaited<ReturnType<typeof startWorkers>>;
let baseUrl: string;
beforeAll(async () => {
  t = await createTestEnv('postman', { BOUNCE_WEBHOOK_SECRET: WEBHOOK_SECRET });
  await t.ctx.services.users.ensureAdmin('admin@example.com', 'postman-admin-password');
  await seedCustomers(t, 5);
  workers = await startWorkers(t.ctx);
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  baseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await workers.close();
  await t.close();
});

describe('Postman collection', () => {
  it('runs the whole workflow with newman against a live server', async () => {
    const summary = await new Promise<newman.NewmanRunSummary>((resolve, reject) =>
      newman.run(
        {
          collection,
          envVar: [
            { key: 'baseUrl', value: baseUrl },
            { key: 'adminPassword', value: 'postman-admin-password' },
            { key: 'bounceWebhookSecret', value: WEBHOOK_SECRET },
          ],
          reporters: [],
        },
        (err, s) => (err ? reject(err) : resolve(s)),
      ),
    );
    const failures = summary.run.failures.map((f) => `${f.source?.name}: ${f.error.message}`);
    expect(failures).toEqual([]);
    expect(summary.run.stats.assertions.total).toBeGreaterThan(15);
  });

  it('uses only operations that the OpenAPI document describes', async () => {
    const spec = (await t.app.inject({ url: '/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
    // A {{variable}} or a literal (`generic`) may stand for a path parameter; a literal segment of the path matches itself first.
    const templates = Object.keys(spec.paths).map((p) => p.split('/').slice(1));
    const operation = (segs: string[]) => {
      const literal = '/' + segs.join('/');
      if (spec.paths[literal]) return literal;
      const t = templates.find((tpl) => tpl.length === segs.length && tpl.every((s, i) => s === segs[i] || s.startsWith('{')));
      return t && '/' + t.join('/');
    };
    for (const item of collection.item as Item[]) {
      const path = operation(item.request.url.path) ?? '/' + item.request.url.path.join('/');
      expect(spec.paths[path]?.[item.request.method.toLowerCase()], `${item.name}: ${item.request.method} ${path}`).toBeDefined();
    }
  });
});
