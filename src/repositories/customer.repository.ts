import { and, asc, count, desc, eq, getTableColumns, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../conn/mysql.ts';
import { ConflictError } from '../domain/errors.ts';
import type { CustomerQuery, CustomerRecord, CustomerRepository, FilterScope, TopicSubscription } from '../domain/repositories.ts';
import type { UserCache } from '../domain/stores.ts';
import type { Filter } from '../domain/segment-filter.ts';
import { consentEvents, customerTags, tags, topicSubscriptions, users } from '../models/schema.ts';
import { insertAudit } from './audit.repository.ts';
import { isDuplicateKey } from './errors.ts';
import { customerFilter, limitedSelect } from './filter-query.ts';
import { contains } from './search.ts';
import { userCacheWrites } from './user.repository.ts';

const { passwordHash: _p, ...customerColumns } = getTableColumns(users);
type CustomerRow = Omit<CustomerRecord, 'tags' | 'topics'>;

const externalIdTaken = () => new ConflictError('Another customer has this external id', 'EXTERNAL_ID_TAKEN');

/**
 * Customers (users of role 3) with their data: attributes, tags and topics. Writes to the users
 * table drop and refresh the cached profile, as the user repository's do.
 */
export function createCustomerRepository({ db, cache }: { db: Db; cache?: UserCache }): CustomerRepository {
  const cacheWrites = userCacheWrites({ db, cache });

  /** Tags and topics of the given customers, added to their rows. */
  async function withData(rows: CustomerRow[]): Promise<CustomerRecord[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const [tagRows, topicRows] = await Promise.all([
      db
        .select({ userId: customerTags.userId, name: tags.name })
        .from(customerTags)
        .innerJoin(tags, eq(tags.id, customerTags.tagId))
        .where(inArray(customerTags.userId, ids))
        .orderBy(asc(tags.nameKey)),
      db.select().from(topicSubscriptions).where(inArray(topicSubscriptions.userId, ids)).orderBy(asc(topicSubscriptions.topicId)),
    ]);
    const tagsOf = new Map<number, string[]>();
    for (const t of tagRows) (tagsOf.get(t.userId) ?? tagsOf.set(t.userId, []).get(t.userId)!).push(t.name);
    const topicsOf = new Map<number, TopicSubscription[]>();
    for (const t of topicRows) {
      (topicsOf.get(t.userId) ?? topicsOf.set(t.userId, []).get(t.userId)!).push({ topicId: t.topicId, status: t.status, source: t.source, changedAt: t.changedAt });
    }
    return rows.map((r) => ({ ...r, attributes: r.attributes ?? {}, tags: tagsOf.get(r.id) ?? [], topics: topicsOf.get(r.id) ?? [] }));
  }

  /** Tag ids of the names (creating the tags that do not exist yet; one tag per lower-cased name). */
  async function tagIds(tx: Pick<Db, 'insert' | 'select'>, names: string[], create: boolean): Promise<number[]> {
    if (names.length === 0) return [];
    if (create) await tx.insert(tags).values(names.map((name) => ({ name }))).onDuplicateKeyUpdate({ set: { id: sql`${tags.id}` } });
    const keys = names.map((n) => n.toLowerCase());
    return (await tx.select({ id: tags.id }).from(tags).where(sql`${tags.nameKey} IN (${sql.join(keys.map((k) => sql`LOWER(${k})`), sql`, `)})`)).map((r) => r.id);
  }

  return {
    async find(id: number) {
      const [row] = await db.select(customerColumns).from(users).where(and(eq(users.id, id), eq(users.roleId, 3))).limit(1);
      return row ? (await withData([row]))[0] : undefined;
    },

    async list(q: CustomerQuery) {
      const filters: SQL[] = [eq(users.roleId, 3)];
      if (q.q) filters.push(or(contains(users.email, q.q), contains(users.firstName, q.q), contains(users.lastName, q.q))!);
      if (q.status) filters.push(eq(users.status, q.status));
      if (q.tag) {
        filters.push(sql`EXISTS (SELECT 1 FROM customer_tags ct JOIN tags t ON t.id = ct.tag_id WHERE ct.user_id = ${users.id} AND t.name_key = LOWER(${q.tag}))`);
      }
      if (q.topicId !== undefined) {
        filters.push(sql`EXISTS (SELECT 1 FROM topic_subscriptions ts WHERE ts.topic_id = ${q.topicId} AND ts.user_id = ${users.id} AND ts.status = 'subscribed')`);
      }
      const where = and(...filters)!;
      if (q.segment) {
        // The filter runs under the statement limit, over `users u`.
        const cond = sql`${users.id} IN (SELECT u.id FROM users u WHERE ${customerFilter(q.segment.filter, q.segment.scope)})`;
        const all = sql`${where} AND ${cond}`;
        const [ids, [total]] = await Promise.all([
          limitedSelect<{ id: number }>(
            db,
            sql`id FROM users WHERE ${all} ORDER BY id DESC LIMIT ${q.perPage} OFFSET ${(q.page - 1) * q.perPage}`,
          ),
          limitedSelect<{ n: number | string }>(db, sql`COUNT(*) AS n FROM users WHERE ${all}`),
        ]);
        const rows = ids.length ? await db.select(customerColumns).from(users).where(inArray(users.id, ids.map((r) => r.id))).orderBy(desc(users.id)) : [];
        return { rows: await withData(rows), total: Number(total?.n ?? 0) };
      }
      const [rows, [total]] = await Promise.all([
        db
          .select(customerColumns)
          .from(users)
          .where(where)
          .orderBy(desc(users.id))
          .limit(q.perPage)
          .offset((q.page - 1) * q.perPage),
        db.select({ n: count() }).from(users).where(where),
      ]);
      return { rows: await withData(rows), total: total?.n ?? 0 };
    },

    async update(id, change, audit) {
      await cacheWrites.before(id);
      let done: boolean;
      try {
        done = await db.transaction(async (tx) => {
          const [row] = await tx.select(customerColumns).from(users).where(and(eq(users.id, id), eq(users.roleId, 3))).for('update');
          if (!row) return false;
          const changed: Record<string, unknown> = {};
          const set: Partial<typeof users.$inferInsert> = {};
          if (change.firstName !== undefined && change.firstName !== row.firstName) set.firstName = changed.first_name = change.firstName;
          if (change.lastName !== undefined && change.lastName !== row.lastName) set.lastName = changed.last_name = change.lastName;
          if (change.externalId !== undefined && change.externalId !== row.externalId) set.externalId = changed.external_id = change.externalId;
          if (change.attributes !== undefined && JSON.stringify(change.attributes) !== JSON.stringify(row.attributes)) {
            set.attributes = change.attributes;
            changed.attributes = Object.keys(change.attributes).sort();
          }
          if (change.emailOptIn !== undefined && change.emailOptIn !== row.emailOptIn) {
            set.emailOptIn = changed.email_opt_in = change.emailOptIn;
            await tx.insert(consentEvents).values({ userId: id, topicId: null, status: change.emailOptIn ? 'subscribed' : 'unsubscribed', source: change.source });
          }
          if (Object.keys(set).length) await tx.update(users).set({ ...set, updatedAt: sql`CURRENT_TIMESTAMP(3)` }).where(eq(users.id, id));
          if (change.tags !== undefined) {
            const before = await tx.select({ tagId: customerTags.tagId }).from(customerTags).where(eq(customerTags.userId, id));
            const ids = await tagIds(tx, change.tags, true);
            const same = before.length === ids.length && before.every((b) => ids.includes(b.tagId));
            if (!same) {
              await tx.delete(customerTags).where(eq(customerTags.userId, id));
              if (ids.length) await tx.insert(customerTags).values(ids.map((tagId) => ({ userId: id, tagId })));
              changed.tags = change.tags;
            }
          }
          if (change.topics?.size) {
            const current = await tx.select().from(topicSubscriptions).where(eq(topicSubscriptions.userId, id));
            const topicChanges: Record<string, string> = {};
            for (const [topicId, status] of change.topics) {
              if (current.find((c) => c.topicId === topicId)?.status === status) continue;
              await tx
                .insert(topicSubscriptions)
                .values({ topicId, userId: id, status, source: change.source })
                .onDuplicateKeyUpdate({ set: { status, source: change.source, changedAt: sql`CURRENT_TIMESTAMP(3)` } });
              await tx.insert(consentEvents).values({ userId: id, topicId, status, source: change.source });
              topicChanges[String(topicId)] = status;
            }
            if (Object.keys(topicChanges).length) changed.topics = topicChanges;
          }
          if (Object.keys(changed).length) await insertAudit(tx, [audit(changed)]);
          return true;
        });
      } catch (err) {
        if (isDuplicateKey(err)) throw externalIdTaken();
        throw err;
      }
      await cacheWrites.after(id);
      return done;
    },

    async tags() {
      return db
        .select({ name: tags.name, customers: sql<number>`CAST(COUNT(${customerTags.userId}) AS UNSIGNED)`.mapWith(Number) })
        .from(tags)
        .leftJoin(customerTags, eq(customerTags.tagId, tags.id))
        .groupBy(tags.id, tags.name)
        .orderBy(asc(tags.nameKey))
        .limit(10_000);
    },

    async retag(target: { ids: number[] } | { filter: Filter; scope: FilterScope }, add: string[], remove: string[], audit) {
      const who = 'ids' in target ? sql`u.role_id = 3 AND u.id IN (${sql.join(target.ids.map((i) => sql`${i}`), sql`, `)})` : customerFilter(target.filter, target.scope);
      if ('ids' in target && target.ids.length === 0) return 0;
      return db.transaction(async (tx) => {
        let changed = 0;
        const addIds = await tagIds(tx, add, true);
        if (addIds.length) {
          const [res] = (await tx.execute(
            sql`INSERT IGNORE INTO customer_tags (user_id, tag_id) SELECT u.id, t.id FROM users u JOIN tags t ON t.id IN (${sql.join(addIds.map((i) => sql`${i}`), sql`, `)}) WHERE ${who}`,
          )) as unknown as [{ affectedRows: number }];
          changed += res.affectedRows;
        }
        const removeIds = await tagIds(tx, remove, false);
        if (removeIds.length) {
          const [res] = (await tx.execute(
            sql`DELETE FROM customer_tags WHERE tag_id IN (${sql.join(removeIds.map((i) => sql`${i}`), sql`, `)}) AND user_id IN (SELECT u.id FROM users u WHERE ${who})`,
          )) as unknown as [{ affectedRows: number }];
          changed += res.affectedRows;
        }
        await insertAudit(tx, [audit(changed)]);
        return changed;
      });
    },
  };
}
