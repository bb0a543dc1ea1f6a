import { audienceAudit } from '../domain/audit.ts';
import { AUDIENCE_LIMITS as L } from '../domain/customer-data.ts';
import type { AttributeDefinition, AttributeType } from '../domain/customer.ts';
import { ConflictError, NotFoundError, ValidationError } from '../domain/errors.ts';
import type { AttributeRepository, SegmentRepository } from '../domain/repositories.ts';
import type { Principal } from '../domain/types.ts';

export type AttributeService = ReturnType<typeof createAttributeService>;

/** An enum's options: 1–100 strings, none twice (without regard to case, as filters compare). */
function checkOptions(type: AttributeType, options: string[] | undefined): string[] | null {
  if (type !== 'enum') {
    if (options !== undefined) throw new ValidationError('Only an enum attribute has options', [{ field: 'options', message: 'only an enum attribute has options' }]);
    return null;
  }
  if (!options || options.length < L.optionsMin) throw new ValidationError('An enum attribute needs options', [{ field: 'options', message: `must be a list of ${L.optionsMin} to ${L.optionsMax} strings` }]);
  const seen = new Set<string>();
  options.forEach((o, i) => {
    if (seen.has(o.toLowerCase())) throw new ValidationError('An option is given twice', [{ field: `options.${i}`, message: 'is given twice (options ignore case)' }]);
    seen.add(o.toLowerCase());
  });
  return options;
}

/** Attribute definitions; every change audited. Deleting one a segment uses is refused (409 IN_USE). */
export function createAttributeService(deps: { attributes: AttributeRepository; segments: SegmentRepository }) {
  const { attributes, segments } = deps;

  async function get(key: string): Promise<AttributeDefinition> {
    const d = await attributes.find(key);
    if (!d) throw new NotFoundError('Attribute');
    return d;
  }

  return {
    list: () => attributes.list(),

    async create(p: Principal, input: { key: string; label: string; type: AttributeType; options?: string[]; indexed?: boolean }): Promise<AttributeDefinition> {
      const options = checkOptions(input.type, input.options);
      const all = await attributes.list();
      if (all.length >= L.attributes) throw new ConflictError(`At most ${L.attributes} attributes may be defined`, 'LIMIT_REACHED');
      if (input.indexed && all.filter((d) => d.indexed).length >= 10) throw new ConflictError('At most 10 attributes may be indexed', 'LIMIT_REACHED');
      const def: AttributeDefinition = { key: input.key, label: input.label, type: input.type, options, indexed: input.indexed ?? false };
      await attributes.create(def, audienceAudit(p.userId, 'attribute', 'created', null, { key: def.key, type: def.type }));
      return get(def.key);
    },

    async update(p: Principal, key: string, input: { label?: string; options?: string[] }): Promise<AttributeDefinition> {
      const before = await get(key);
      const options = input.options === undefined ? undefined : checkOptions(before.type, input.options)!;
      const ok = await attributes.update(key, { label: input.label, options }, audienceAudit(p.userId, 'attribute', 'updated', null, { key, fields: Object.keys(input) }));
      if (!ok) throw new NotFoundError('Attribute');
      return get(key);
    },

    /** Refused while a segment's filter uses it (campaign templates cannot name attributes yet). Customers' values go with it. */
    async delete(p: Principal, key: string): Promise<void> {
      await get(key);
      if (await segments.usesAttribute(key)) throw new ConflictError('A segment uses this attribute: change the segment first', 'IN_USE');
      if (!(await attributes.delete(key, audienceAudit(p.userId, 'attribute', 'deleted', null, { key })))) throw new NotFoundError('Attribute');
    },
  };
}
