import { asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../conn/mysql.ts';
import type { AttributeDefinition } from '../domain/customer.ts';
import { ConflictError } from '../domain/errors.ts';
import type { AttributeRepository } from '../domain/repositories.ts';
import { attributeDefinitions } from '../models/schema.ts';
import { insertAudit } from './audit.repository.ts';
import { isDuplicateKey } from './errors.ts';

const toDefinition = (r: typeof attributeDefinitions.$inferSelect): AttributeDefinition => ({
  key: r.key,
  label: r.label,
  type: r.type,
  options: r.options ?? null,
  indexed: r.indexed,
});

/** Attribute definitions; each change with its audit entry in one transaction. */
export function createAttributeRepository({ db }: { db: Db }): AttributeRepository {
  return {
    async list() {
      return (await db.select().from(attributeDefinitions).orderBy(asc(attributeDefinitions.key))).map(toDefinition);
    },

    async find(key: string) {
      const [row] = await db.select().from(attributeDefinitions).where(eq(attributeDefinitions.key, key)).limit(1);
      return row ? toDefinition(row) : undefined;
    },

    async create(def, audit) {
      try {
        await db.transaction(async (tx) => {
          await tx.insert(attributeDefinitions).values(def);
          await insertAudit(tx, [audit]);
        });
      } catch (err) {
        if (isDuplicateKey(err)) throw new ConflictError('An attribute with this key already exists', 'KEY_TAKEN');
        throw err;
      }
    },

    async update(key, patch, audit) {
      return db.transaction(async (tx) => {
        const [res] = await tx
          .update(attributeDefinitions)
          .set({ ...patch, updatedAt: sql`CURRENT_TIMESTAMP(3)` })
          .where(eq(attributeDefinitions.key, key));
        if (res.affectedRows === 0) return false;
        await insertAudit(tx, [audit]);
        return true;
      });
    },

    async delete(key, audit) {
      return db.transaction(async (tx) => {
        const [res] = await tx.delete(attributeDefinitions).where(eq(attributeDefinitions.key, key));
        if (res.affectedRows === 0) return false;
        // The values go with the definition: users.attributes holds only defined keys.
        await tx.execute(sql`UPDATE users SET attributes = JSON_REMOVE(attributes, ${`$."${key}"`}) WHERE JSON_CONTAINS_PATH(attributes, 'one', ${`$."${key}"`})`);
        await insertAudit(tx, [audit]);
        return true;
      });
    },
  };
}
