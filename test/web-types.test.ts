import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateSchemaTypes, SCHEMA_FILE } from '../web/scripts/openapi-types.ts';

describe('the web client types', () => {
  it('match the OpenAPI document the API serves (else run `npm run web:types`)', async () => {
    const fresh = await generateSchemaTypes();
    expect(fresh).toContain('"/v1/campaigns/{id}/approve"');
    const committed = readFileSync(SCHEMA_FILE, 'utf8');
    expect(committed, 'web/src/api/schema.d.ts differs from the API: run `npm run web:types` and commit it').toBe(fresh);
  });
});
