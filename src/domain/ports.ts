/** One rendered message for one recipient. */
export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  messageId: string;
  headers: Record<string, string>;
}

/** Thrown by a Mailer; `permanent` (SMTP 5xx) is not retried. */
export class SendError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

export interface Mailer {
  /** Resolves once the server accepted the message; throws SendError otherwise. */
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

/** The background work the domain asks for; every job id is deterministic, so adding twice is harmless. */
export interface DeliveryQueue {
  dispatch(campaignId: number, delayMs?: number): Promise<void>;
  send(campaignId: number, batchNos: number[]): Promise<void>;
  expire(campaignId: number, at: Date): Promise<void>;
}
