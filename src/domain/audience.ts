import { ROLE_IDS, type UserRecord } from './types.ts';

/** A user as the audience rule sees them: their row, and whether their address is on the suppression list. */
export type AudienceFields = Pick<UserRecord, 'roleId' | 'status' | 'emailOptIn'> & { suppressed: boolean };

/**
 * Who may receive campaign mail: active customers who opted in and whose address is not on the
 * suppression list. The fan-out query, the audience estimate and the recheck before each send all follow it.
 */
export const AUDIENCE = { roleId: ROLE_IDS.customer, status: 'active', emailOptIn: true, suppressed: false } as const satisfies AudienceFields;

/** True when a user meets every AUDIENCE criterion. */
export function inAudience(u: AudienceFields): boolean {
  return (Object.keys(AUDIENCE) as (keyof AudienceFields)[]).every((k) => u[k] === AUDIENCE[k]);
}
