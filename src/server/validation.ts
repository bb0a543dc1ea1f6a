import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import { MAX_DETAILS } from '../middlewares/error-handler.ts';

function ajv(coerceTypes: boolean, allErrors: boolean) {
  const a = new Ajv({ allErrors, coerceTypes, removeAdditional: false, useDefaults: true, strict: false });
  addFormats.default(a);
  return a;
}

/** Inputs of up to this many values get every problem listed; a larger one gets its first problem only. */
const LIST_ALL_UP_TO = 200;

/** True when `data` holds at most `limit` values (objects, arrays and scalars), without walking more than that. */
function holdsAtMost(data: unknown, limit: number): boolean {
  const stack = [data];
  let seen = 0;
  while (stack.length > 0) {
    const v = stack.pop();
    if (++seen > limit) return false;
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      if (seen + stack.length + v.length > limit) return false;
      stack.push(...(v as unknown[]));
      continue;
    }
    for (const key in v) {
      if (seen + stack.length >= limit) return false;
      stack.push((v as Record<string, unknown>)[key]);
    }
  }
  return true;
}

/**
 * A validator that stops at the first problem and, only when there is one and the input is small,
 * lists up to MAX_DETAILS of them: Ajv's all-errors mode cannot stop at a count, and on a large
 * input (100,000 unknown keys) it blocked the event loop for most of a second.
 */
function boundedValidator(firstOnly: ValidateFunction, every: ValidateFunction) {
  const validate = (data: unknown) => {
    if (firstOnly(data)) return true;
    const listed = holdsAtMost(data, LIST_ALL_UP_TO) && !every(data) ? every.errors : undefined;
    validate.errors = (listed ?? firstOnly.errors ?? []).slice(0, MAX_DETAILS);
    return false;
  };
  validate.errors = [] as ValidateFunction['errors'];
  return validate;
}

/** The schema compiler for bodies, query strings and path parameters, with bounded error lists. */
export function validatorCompiler(): FastifySchemaCompiler<unknown> {
  // JSON bodies are validated strictly; query strings and params are strings, so they are coerced.
  const strict = [ajv(false, false), ajv(false, true)] as const;
  const coercing = [ajv(true, false), ajv(true, true)] as const;
  return ({ schema, httpPart }) => {
    const [firstOnly, every] = httpPart === 'body' ? strict : coercing;
    return boundedValidator(firstOnly.compile(schema as object), every.compile(schema as object));
  };
}
