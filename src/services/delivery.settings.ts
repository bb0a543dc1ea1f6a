/** The delivery engine's tunables, from the configuration. */
export interface DeliverySettings {
  dispatchPageSize: number;
  sendBatchSize: number;
  sendConcurrency: number;
  autoPauseMinFailures: number;
  autoPauseFailureRatio: number;
  /** Accepted messages are recorded in groups of up to this many, or every ledgerFlushMs. */
  ledgerFlushSize: number;
  ledgerFlushMs: number;
  statusCheckMs?: number;
}
