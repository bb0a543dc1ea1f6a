/** The background jobs and what each carries: ids only, since a job reloads its state when it runs. */
export interface JobData {
  dispatch: { campaignId: number };
  send: { campaignId: number; batchNo: number };
  expire: { campaignId: number };
  reconcile: Record<string, never>;
}
export type JobName = keyof JobData;
