import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ApiError, describeError, ERROR_SENTENCES, fieldErrors } from '../web/src/api/errors.ts';

/** Every error code the API guide's error table names. */
function documentedCodes(): string[] {
  const guide = readFileSync(new URL('../docs/api.md', import.meta.url), 'utf8');
  const table = guide.slice(guide.indexOf('| status | when | codes |'), guide.indexOf('No input, however malformed'));
  return [...table.matchAll(/`([A-Z][A-Z_]+)`/g)].map((m) => m[1]!);
}

describe('the dashboard’s error sentences', () => {
  it('say every documented API error code in plain words', () => {
    const codes = documentedCodes();
    expect(codes.length).toBeGreaterThan(20);
    expect(codes.filter((c) => !ERROR_SENTENCES[c])).toEqual([]);
  });

  it('add when to try again from Retry-After, and never show a raw code for a known one', () => {
    const limited = new ApiError(429, { error: { code: 'RATE_LIMITED', message: 'Too many login attempts' } }, '120');
    expect(describeError(limited)).toBe('Too many attempts. Try again in 2 minutes.');
    expect(describeError(new ApiError(409, { error: { code: 'STALE_VERSION', message: 'x' } }))).toBe('This campaign changed since you opened it.');
    expect(describeError(new ApiError(0, undefined))).toMatch(/cannot be reached/);
    expect(describeError(new ApiError(502, undefined))).toMatch(/server had a problem/);
  });

  it('place field problems on their fields, several on one field together', () => {
    const err = new ApiError(400, {
      error: {
        code: 'VALIDATION_FAILED',
        message: 'x',
        details: [
          { field: 'body_html', message: 'unknown variable {{a}} at line 1, column 1' },
          { field: 'body_html', message: 'unknown variable {{b}} at line 2, column 3' },
          { field: 'title', message: 'is required' },
        ],
      },
    });
    expect(fieldErrors(err)).toEqual({
      body_html: 'unknown variable {{a}} at line 1, column 1\nunknown variable {{b}} at line 2, column 3',
      title: 'is required',
    });
  });
});
