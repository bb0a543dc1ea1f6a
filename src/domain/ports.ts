import type { TestSendJob } from './jobs.ts';

/** One rendered message for one recipient. */
export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  messageId: string;
  headers: Record<string, string>;
  /** The SMTP envelope sender (MAIL FROM); unset: From's address. */
  envelopeFrom?: string;
}

/**
 * Why a message was not sent: `recipient-permanent` (a 5xx to RCPT TO or DATA: that recipient
 * fails), `transient` (4xx, connection trouble: retried), `sender` (authentication, TLS, the relay
 * refusing our sender: nobody's fault but ours, so the campaign pauses and nobody fails).
 */
export type SendErrorKind = 'recipient-permanent' | 'transient' | 'sender';

/** The longest SendError message (ledger rows keep it in a varchar(1000)). */
export const SEND_ERROR_MAX = 1000;

/** Thrown by a Mailer; `message` is the server's reply as given (or the connection error), at most SEND_ERROR_MAX characters. */
export class SendError extends Error {
  constructor(
    message: string,
    readonly kind: SendErrorKind,
  ) {
    super(clipText(message, SEND_ERROR_MAX));
  }
}

/** `s` cut to at most `max` UTF-16 units, ending in "…" when cut, never splitting a surrogate pair. */
export function clipText(s: string, max: number): string {
  if (s.length <= max) return s;
  const head = s.slice(0, max - 1);
  return `${/[\uD800-\uDBFF]$/.test(head) ? head.slice(0, -1) : head}…`;
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
  /** One job per test message; their keys are unique, so adding one twice is harmless. */
  testSend(jobs: TestSendJob[]): Promise<void>;
}
