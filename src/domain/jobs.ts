/** The background jobs and what each carries: ids only, since a job reloads its state when it runs. */
export interface JobData {
  dispatch: { campaignId: number };
  send: { campaignId: number; batchNo: number };
  expire: { campaignId: number };
  reconcile: Record<string, never>;
  /** One read of the bounce mailbox (BOUNCE_MAILBOX_URL), on a schedule. */
  bounce_poll: Record<string, never>;
  /** One test message of a campaign, rendered for `userId` (who asked for it) and sent to `email`; `key` makes its Message-ID. */
  test_send: TestSendJob;
}

/** What a test send job carries: who asked, which campaign, one address, and the key of its Message-ID. */
export interface TestSendJob {
  campaignId: number;
  userId: number;
  email: string;
  key: string;
}
export type JobName = keyof JobData;
