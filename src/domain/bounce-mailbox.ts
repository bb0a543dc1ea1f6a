/**
 * The bounce mailbox: an IMAP folder that receives the delivery status notifications (RFC 3464)
 * and feedback reports (RFC 5965) sent back to the VERP addresses. The workers read it on a schedule.
 */

/** Where the mailbox is, from BOUNCE_MAILBOX_URL. */
export interface BounceMailboxSettings {
  host: string;
  port: number;
  /** imaps: TLS from the first byte; imap: STARTTLS when the server offers it. */
  secure: boolean;
  user: string;
  password: string;
  /** The folder that is read (INBOX by default). */
  mailbox: string;
  /** false accepts a self-signed certificate (`?tls_verify=false`). */
  tlsVerify: boolean;
}

/** A message waiting in the mailbox. */
export interface MailboxMessage {
  uid: number;
  /** Its size in bytes, as the server states it. */
  size: number;
}

/** One open session on the mailbox. */
export interface BounceMailboxSession {
  /** At most `limit` messages not yet read (no \Seen) and not yet processed, oldest first. */
  unread(limit: number): Promise<MailboxMessage[]>;
  /** The raw message, read without setting \Seen. */
  source(uid: number): Promise<Buffer>;
  /** A report that was handed to the intake: \Seen and the $CnsProcessed keyword. */
  markProcessed(uid: number): Promise<void>;
  /** A message that is not a report, or one too large to read: \Seen only, so no poll reads it again. */
  markSeen(uid: number): Promise<void>;
}

/** Connects, runs `work` on one session and logs out, whatever `work` does. */
export interface BounceMailbox {
  session<T>(work: (session: BounceMailboxSession) => Promise<T>): Promise<T>;
}

/** The keyword set on every message whose report was handed to the intake. */
export const PROCESSED_KEYWORD = '$CnsProcessed';
