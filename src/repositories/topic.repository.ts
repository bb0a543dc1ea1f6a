import { asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../conn/mysql.ts';
import { ConflictError } from '../domain/errors.ts';
import type { TopicRepository } from '../domain/repositories.ts';
import { topics } from '../models/schema.ts';
import { insertAudit } from './audit.repository.ts';
import { isDuplicateKey } from './errors.ts';

const nameTaken = () => new ConflictError('A topic with this name already exists', 'NAME_TAKEN');

/** Topics; each change with its audit entry in one transaction. */
export function createTopicRepository({ db }: { db: Db }): TopicRepository {
  const columns = {
    id: topics.id,
    name: topics.name,
    description: topics.description,
    doubleOptIn: topics.doubleOptIn,
    subscribeOnSignup: topics.subscribeOnSignup,
    createdAt: topics.createdAt,
    updatedAt: topics.updatedAt,
  };
  return {
    list: () => db.select(columns).from(topics).orderBy(asc(topics.id)),

    async find(id: number) {
      const [row] = await db.select(columns).from(topics).where(eq(topics.id, id)).limit(1);
      return row;
    },

    async create(input, audit) {
      try {
        return await db.transaction(async (tx) => {
          const [{ id }] = (await tx.insert(topics).values(input).$returningId()) as [{ id: number }];
          await insertAudit(tx, [audit(id)]);
          return id;
        });
      } catch (err) {
        if (isDuplicateKey(err)) throw nameTaken();
        throw err;
      }
    },

    async update(id, patch, audit) {
      try {
        return await db.transaction(async (tx) => {
          const [res] = await tx
            .update(topics)
            .set({ ...patch, updatedAt: sql`CURRENT_TIMESTAMP(3)` })
            .where(eq(topics.id, id));
          if (res.affectedRows === 0) return false;
          await insertAudit(tx, [audit]);
          return true;
        });
      } catch (err) {
        if (isDuplicateKey(err)) throw nameTaken();
        throw err;
      }
    },

    async delete(id, audit) {
      return db.transaction(async (tx) => {
        // Subscriptions go with the topic (foreign key); the consent record stays.
        const [res] = await tx.delete(topics).where(eq(topics.id, id));
        if (res.affectedRows === 0) return false;
        await insertAudit(tx, [audit]);
        return true;
      });
    },
  };
}
