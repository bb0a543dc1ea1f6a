import { and, asc, count, eq, gt, inArray, type Column } from 'drizzle-orm';
import type { Db } from '../conn/mysql.ts';
import { AUDIENCE, inAudience } from '../domain/audience.ts';
import type { Recipient } from '../domain/repositories.ts';
import { users } from '../models/schema.ts';

const AUDIENCE_COLUMNS: Record<keyof typeof AUDIENCE, Column> = { roleId: users.roleId, status: users.status, emailOptIn: users.emailOptIn };
/** AUDIENCE as one condition on the users table. */
const audience = and(...(Object.keys(AUDIENCE) as (keyof typeof AUDIENCE)[]).map((k) => eq(AUDIENCE_COLUMNS[k], AUDIENCE[k])));

/** Who is in the audience: the fan-out's pages, their count, and the recheck of each recipient before a send. */
export function createAudienceQueries({ db }: { db: Db }) {
  return {
    async audiencePage(afterId: number, limit: number): Promise<{ id: number; email: string }[]> {
      return db
        .select({ id: users.id, email: users.email })
        .from(users)
        .where(and(audience, gt(users.id, afterId)))
        .orderBy(asc(users.id))
        .limit(limit);
    },

    async audienceCount(): Promise<number> {
      const [row] = await db.select({ n: count() }).from(users).where(audience);
      return row?.n ?? 0;
    },

    async recipients(ids: number[]): Promise<Map<number, Recipient>> {
      if (ids.length === 0) return new Map();
      const rows = await db
        .select({
          id: users.id,
          email: users.email,
          firstName: users.firstName,
          lastName: users.lastName,
          status: users.status,
          emailOptIn: users.emailOptIn,
          roleId: users.roleId,
        })
        .from(users)
        .where(inArray(users.id, ids));
      return new Map(rows.map((u) => [u.id, { ...u, eligible: inAudience(u) }]));
    },
  };
}
