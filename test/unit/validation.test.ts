import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { MAX_DETAILS } from '../../src/middlewares/error-handler.ts';
import { validatorCompiler } from '../../src/server/validation.ts';

/** The schema compiler: strict bodies, coerced query strings, and error lists bounded in length and in work. */

type Validate = ((data: unknown) => boolean) & { errors?: { instancePath: string; keyword: string }[] | null };
const compile = (schema: object, httpPart: 'body' | 'querystring' = 'body') =>
  validatorCompiler()({ schema, httpPart, method: 'POST', url: '/x' }) as Validate;

const body = Type.Object(
  { title: Type.String({ minLength: 1, maxLength: 5 }), count: Type.Integer({ minimum: 0 }), tags: Type.Optional(Type.Array(Type.String())) },
  { additionalProperties: false },
);

describe('validatorCompiler', () => {
  it('accepts a valid body and leaves no errors', () => {
    const validate = compile(body);
    expect(validate({ title: 'abc', count: 2 })).toBe(true);
  });

  it('does not coerce a body, and coerces a query string', () => {
    expect(compile(body)({ title: 'abc', count: '2' })).toBe(false);
    const query = { count: '2' } as Record<string, unknown>;
    expect(compile(Type.Object({ count: Type.Integer() }), 'querystring')(query)).toBe(true);
    expect(query.count).toBe(2);
  });

  it('lists every problem of a small input', () => {
    const validate = compile(body);
    expect(validate({ title: '', count: -1, extra: 1 })).toBe(false);
    expect(validate.errors!.map((e) => e.keyword).sort()).toEqual(['additionalProperties', 'minLength', 'minimum']);
  });

  it('lists at most MAX_DETAILS problems', () => {
    const validate = compile(Type.Object({}, { additionalProperties: false }));
    const input = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, i]));
    expect(validate(input)).toBe(false);
    expect(validate.errors).toHaveLength(MAX_DETAILS);
  });

  it('gives only the first problem of a large input, without listing them all', () => {
    const validate = compile(Type.Object({ tags: Type.Array(Type.String()) }, { additionalProperties: false }));
    const unknownKeys = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i]));
    expect(validate(unknownKeys)).toBe(false);
    expect(validate.errors).toHaveLength(1);
    // Just past the bound of values listed in full (200): first problem only.
    expect(validate({ tags: Array.from({ length: 250 }, (_, i) => i) })).toBe(false);
    expect(validate.errors).toHaveLength(1);
    // Within it: every problem, up to MAX_DETAILS.
    expect(validate({ tags: Array.from({ length: 150 }, (_, i) => i) })).toBe(false);
    expect(validate.errors).toHaveLength(MAX_DETAILS);
  });

  it('keeps each result to its own call', () => {
    const validate = compile(body);
    expect(validate({ title: '', count: 1 })).toBe(false);
    expect(validate.errors).toHaveLength(1);
    expect(validate({ title: 'ok', count: 1 })).toBe(true);
  });
});
