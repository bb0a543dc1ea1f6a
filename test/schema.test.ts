import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dumpSchema } from '../src/cmd/schema.ts';
import { createTestEnv, type TestEnv } from './helpers.ts';

let t: TestEnv;
beforeAll(async () => {
  t = await createTestEnv('schema');
});
afterAll(() => t.close());

describe('schema', () => {
  it('dependency/schema.sql matches what the migrations produce (run `npm run schema:dump` after a migration)', async () => {
    const committed = readFileSync(new URL('../dependency/schema.sql', import.meta.url), 'utf8');
    expect(await dumpSchema(t.config.databaseUrl)).toBe(committed);
  });

  it('seeds the documented permission matrix', async () => {
    const [rows] = await t.ctx.mysql.pool.query(
      'SELECT r.name AS role, p.name AS permission FROM role_permissions rp JOIN roles r ON r.id = rp.role_id JOIN permissions p ON p.id = rp.permission_id ORDER BY r.id, p.name',
    );
    const byRole: Record<string, string[]> = {};
    for (const r of rows as { role: string; permission: string }[]) (byRole[r.role] ??= []).push(r.permission);
    const campaign = ['campaign.create', 'campaign.delete', 'campaign.fetch', 'campaign.list', 'campaign.update'];
    const segment = ['segment.create', 'segment.delete', 'segment.fetch', 'segment.list', 'segment.update'];
    const readAudience = ['attribute.list', 'customer.fetch', 'customer.list', 'topic.list'];
    expect(byRole.customer).toEqual(['campaign.fetch', 'campaign.list']);
    expect(byRole.manager).toEqual([...campaign, ...readAudience, ...segment, 'user.fetch', 'user.list'].sort());
    expect(byRole.admin).toEqual(
      [
        'audit.list', 'campaign.approve_reject', 'campaign.control', ...campaign, 'queue.dashboard', 'suppression.list', 'suppression.manage',
        'user.create', 'user.delete', 'user.fetch', 'user.list', 'user.update',
        ...readAudience, 'attribute.manage', 'customer.manage', 'topic.manage', ...segment,
      ].sort(),
    );
  });
});
