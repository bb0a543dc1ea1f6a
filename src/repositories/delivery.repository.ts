import type { Pool } from 'mysql2/promise';
import type { Db } from '../conn/mysql.ts';
import type { DeliveryRepository } from '../domain/repositories.ts';
import type { ListCache } from '../domain/stores.ts';
import { createAudienceQueries } from './delivery.audience.ts';
import { createLedger } from './delivery.ledger.ts';
import { createTimelineQueries } from './delivery.timeline.ts';

/** The per-recipient ledger, the audience it is filled from, and its outcomes over time. */
export function createDeliveryRepository(deps: { db: Db; pool: Pool; lists?: ListCache }): DeliveryRepository {
  return { ...createAudienceQueries(deps), ...createLedger(deps), ...createTimelineQueries(deps) };
}
