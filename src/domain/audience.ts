import { ROLE_IDS, type UserRecord } from './types.ts';

type AudienceFields = Pick<UserRecord, 'roleId' | 'status' | 'emailOptIn'>;

/** Who may receive campaign mail: active customers who opted in. The fan-out query and the recheck before each send both follow it. */
export const AUDIENCE = { roleId: ROLE_IDS.customer, status: 'active', emailOptIn: true } as const satisfies AudienceFields;

/** True when a user meets every AUDIENCE criterion. */
export function inAudience(u: AudienceFields): boolean {
  return (Object.keys(AUDIENCE) as (keyof AudienceFields)[]).every((k) => u[k] === AUDIENCE[k]);
}
