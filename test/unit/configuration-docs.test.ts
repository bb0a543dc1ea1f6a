import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** Every environment variable src/config reads is described in docs/configuration.md (files only). */
describe('docs/configuration.md', () => {
  const dir = new URL('../../src/config/', import.meta.url);
  const sources = readdirSync(dir)
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))
    .map((name) => readFileSync(new URL(name, dir), 'utf8'))
    .join('\n');
  // read('NAME', …), given('NAME'), env.NAME, env['NAME'], and the secrets' list.
  const patterns = [/\bread\('([A-Z][A-Z0-9_]+)'/g, /\bgiven\('([A-Z][A-Z0-9_]+)'\)/g, /\benv\.([A-Z][A-Z0-9_]+)/g, /\benv\[['"]([A-Z][A-Z0-9_]+)['"]\]/g];
  const names = new Set(patterns.flatMap((re) => [...sources.matchAll(re)].map((m) => m[1]!)));
  for (const m of sources.matchAll(/SECRET_NAMES = \[([^\]]*)\]/g)) for (const s of m[1]!.matchAll(/'([A-Z_]+)'/g)) names.add(s[1]!);
  const guide = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');

  it('finds the variables src/config reads', () => {
    expect(names.size).toBeGreaterThan(60);
    expect(names).toContain('DATABASE_URL');
    expect(names).toContain('JWT_ACCESS_SECRET');
  });

  it('describes each of them', () => {
    expect([...names].filter((name) => !guide.includes(`\`${name}\``)).sort()).toEqual([]);
  });
});
