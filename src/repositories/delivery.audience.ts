import { and, asc, count, eq, gt, inArray, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../conn/mysql.ts';
import { AUDIENCE, inAudience } from '../domain/audience.ts';
import type { Recipient } from '../domain/repositories.ts';
import { suppressions, users } from '../models/schema.ts';

// One primary-key lookup per user; the columns share the users table's collation, so an address
// matches its listed entry as MySQL matches users' addresses (whatever the case).
// Spelled out: Drizzle leaves a select list's columns unqualified, which would bind both sides to suppressions.
const isSuppressed = sql<boolean>`EXISTS (SELECT 1 FROM ${suppressions} s WHERE s.email = ${users}.email)`;

/** Each AUDIENCE criterion as a condition on the users table: the type makes a new criterion need its SQL here. */
const AUDIENCE_SQL: Record<keyof typeof AUDIENCE, SQL> = {
  roleId: eq(users.roleId, AUDIENCE.roleId),
  status: eq(users.status, AUDIENCE.status),
  emailOptIn: eq(users.emailOptIn, AUDIENCE.emailOptIn),
  suppressed: AUDIENCE.suppressed ? isSuppressed : sql`NOT ${isSuppressed}`,
};
/** AUDIENCE as one condition. */
const audience = and(...Object.values(AUDIENCE_SQL));
/** Every criterion but the suppression list: the users index (role, status, opt-in, id) answers it alone. */
const { suppressed: _, ...rowCriteria } = AUDIENCE_SQL;
const onRow = and(...Object.values(rowCriteria));

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

    /**
     * AUDIENCE counted as (users meeting the other criteria) − (those of them on the list): the first
     * from the users index alone, the second one unique-index lookup per listed address. A single
     * NOT EXISTS count reads every candidate's row for its address (1.7 s against 32 ms on 100,000 customers).
     */
    async audienceCount(): Promise<number> {
      const [[all], [listed]] = await Promise.all([
        db.select({ n: count() }).from(users).where(onRow),
        db.select({ n: count() }).from(suppressions).innerJoin(users, eq(users.email, suppressions.email)).where(onRow),
      ]);
      return Math.max(0, (all?.n ?? 0) - (listed?.n ?? 0));
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
          suppressed: isSuppressed,
        })
        .from(users)
        .where(inArray(users.id, ids));
      return new Map(
        rows.map((u) => {
          const r = { ...u, suppressed: Boolean(Number(u.suppressed)) };
          return [u.id, { ...r, eligible: inAudience(r) }];
        }),
      );
    },
  };
}
