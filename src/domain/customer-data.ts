import { ATTRIBUTES_MAX_BYTES, TAG_NAME_RE, type AttributeDefinition } from './customer.ts';
import type { FieldProblem } from './errors.ts';
import { dateStart } from './segment-filter.ts';

/** The bounds of the audience API beyond the stored ones (src/domain/customer.ts). */
export const AUDIENCE_LIMITS = {
  /** Attribute definitions, at most. */
  attributes: 100,
  /** Options of an enum attribute. */
  optionsMin: 1,
  optionsMax: 100,
  optionMax: 100,
  stringMax: 1000,
  listItems: 100,
  listItemMax: 100,
  tagsPerCustomer: 100,
  /** Customers one bulk tag request names. */
  bulkIds: 10_000,
  /** Tags one bulk request adds or removes. */
  bulkTags: 100,
  description: 1000,
} as const;

/** One attribute value against its definition: a problem's message, or the value to store. */
export function attributeValue(def: AttributeDefinition, v: unknown): { ok: true; value: unknown } | { ok: false; message: string } {
  const L = AUDIENCE_LIMITS;
  const bad = (message: string) => ({ ok: false as const, message });
  switch (def.type) {
    case 'string':
      return typeof v === 'string' && v.length <= L.stringMax ? { ok: true, value: v } : bad(`must be a string of at most ${L.stringMax} characters`);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v) ? { ok: true, value: v } : bad('must be a finite number');
    case 'boolean':
      return typeof v === 'boolean' ? { ok: true, value: v } : bad('must be true or false');
    case 'date':
      return typeof v === 'string' && dateStart(v) !== undefined ? { ok: true, value: v } : bad('must be a date, YYYY-MM-DD');
    case 'enum': {
      // Stored as the option is spelled; chosen without regard to case, as filters compare.
      const option = typeof v === 'string' ? (def.options ?? []).find((o) => o.toLowerCase() === v.toLowerCase()) : undefined;
      return option !== undefined ? { ok: true, value: option } : bad(`must be one of ${(def.options ?? []).join(', ')}`);
    }
    case 'string_list':
      return Array.isArray(v) && v.length <= L.listItems && v.every((x) => typeof x === 'string' && x.length <= L.listItemMax)
        ? { ok: true, value: v }
        : bad(`must be a list of at most ${L.listItems} strings of at most ${L.listItemMax} characters`);
  }
}

/**
 * Merges a patch into a customer's attributes: a key set to null is removed, every other value is
 * checked against its definition. Problems name `attributes.KEY`.
 */
export function mergeAttributes(
  current: Readonly<Record<string, unknown>>,
  patch: Readonly<Record<string, unknown>>,
  definitions: ReadonlyMap<string, AttributeDefinition>,
): { ok: true; attributes: Record<string, unknown> } | { ok: false; errors: FieldProblem[] } {
  const errors: FieldProblem[] = [];
  const next: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    const field = `attributes.${key}`;
    const def = definitions.get(key);
    if (value === null) {
      delete next[key];
      continue;
    }
    if (!def) {
      errors.push({ field, message: 'is not a defined attribute' });
      continue;
    }
    const checked = attributeValue(def, value);
    if (checked.ok) next[key] = checked.value;
    else errors.push({ field, message: checked.message });
  }
  if (errors.length) return { ok: false, errors: errors.slice(0, 20) };
  if (new TextEncoder().encode(JSON.stringify(next)).length > ATTRIBUTES_MAX_BYTES) {
    return { ok: false, errors: [{ field: 'attributes', message: `a customer's attributes take at most ${ATTRIBUTES_MAX_BYTES} bytes as JSON` }] };
  }
  return { ok: true, attributes: next };
}

/** Tag names, checked and without repeats (one per lower-cased name, the first spelling kept). */
export function tagNames(names: readonly string[], field: string): { ok: true; names: string[] } | { ok: false; errors: FieldProblem[] } {
  const errors: FieldProblem[] = [];
  const seen = new Map<string, string>();
  names.forEach((n, i) => {
    if (!TAG_NAME_RE.test(n)) {
      if (errors.length < 20) errors.push({ field: `${field}.${i}`, message: 'must be a tag name: 1–64 letters, digits, spaces, _, . or -, not starting or ending with a space' });
    } else if (!seen.has(n.toLowerCase())) seen.set(n.toLowerCase(), n);
  });
  return errors.length ? { ok: false, errors } : { ok: true, names: [...seen.values()] };
}
