import { FILTER_LIMITS as L, dateStart, type FilterOp, type ValueKind } from './segment-filter.ts';

/** A condition's `value` against its type and operator: a problem's message, or undefined when it fits. */
export function checkValue(kind: ValueKind, op: FilterOp, present: boolean, value: unknown, options?: readonly string[]): string | undefined {
  if (op === 'exists' || op === 'not_exists') return present ? `${op} takes no value` : undefined;
  if (!present) return 'is required';
  if (op === 'in_last_days') {
    return Number.isInteger(value) && (value as number) >= L.daysMin && (value as number) <= L.daysMax
      ? undefined
      : `must be a whole number of days, ${L.daysMin} to ${L.daysMax}`;
  }
  const scalar = scalarCheck(kind, options);
  if (op === 'between') {
    if (!Array.isArray(value) || value.length !== 2) return 'must be [low, high]';
    const problem = scalar(value[0]) ?? scalar(value[1]);
    if (problem) return problem;
    return order(kind, value[0], value[1]) > 0 ? 'low must not be above high' : undefined;
  }
  if (op === 'in' || op === 'nin' || op === 'contains_any' || op === 'contains_all') {
    if (!Array.isArray(value) || value.length < 1 || value.length > L.listValues) return `must be a list of 1 to ${L.listValues} values`;
    for (const v of value) {
      const problem = scalar(v);
      if (problem) return problem;
    }
    return undefined;
  }
  return scalar(value);
}

/** The check of one value of a type (a list's item for string_list). */
function scalarCheck(kind: ValueKind, options?: readonly string[]): (v: unknown) => string | undefined {
  switch (kind) {
    case 'string':
    case 'string_list':
      return (v) => (typeof v !== 'string' ? 'must be a string' : tooLong(v));
    case 'enum': {
      const allowed = new Set((options ?? []).map((o) => o.toLowerCase()));
      return (v) =>
        typeof v !== 'string' ? 'must be a string' : allowed.has(v.toLowerCase()) ? undefined : `must be one of ${(options ?? []).join(', ')}`;
    }
    case 'number':
      return (v) => (typeof v === 'number' && Number.isFinite(v) ? undefined : 'must be a finite number');
    case 'boolean':
      return (v) => (typeof v === 'boolean' ? undefined : 'must be true or false');
    case 'date':
    case 'datetime':
      return (v) => (typeof v === 'string' && dateStart(v) !== undefined ? undefined : 'must be a date, YYYY-MM-DD');
  }
}

const tooLong = (s: string) => ([...s].length > L.stringLength ? `must be at most ${L.stringLength} characters` : undefined);

/** Orders two checked values of a type (numbers, or YYYY-MM-DD dates as text). */
const order = (kind: ValueKind, a: unknown, b: unknown) =>
  kind === 'number' ? (a as number) - (b as number) : String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
