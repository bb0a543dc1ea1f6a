import { createHmac } from 'node:crypto';
import type { ParsedMessageId } from '../domain/suppression.ts';
import { sameSecret } from '../utils/same-secret.ts';

export type MessageIds = ReturnType<typeof createMessageIds>;

/**
 * Campaign messages' Message-IDs: `<c{campaign}.u{user}.{token}@domain>`, where the token is an
 * HMAC-SHA256 (96 bits, lower-case hex) of the campaign, the recipient and the campaign's random
 * key, keyed by a server secret. It is the same on every try of one message, differs between
 * deployments (the campaign key), and names one recipient: a recipient who quotes their own
 * Message-ID with another user's id in a forged bounce or complaint gets no match. The server
 * secret keeps it so for campaigns sent before the token existed, whose Message-IDs carried the
 * campaign key itself.
 */
export function createMessageIds({ secret }: { secret: string }) {
  const token = (messageKey: string, campaignId: number, userId: number) =>
    createHmac('sha256', secret).update(`msgid:${messageKey}:${campaignId}:${userId}`).digest().subarray(0, 12).toString('hex');

  return {
    /** The Message-ID of campaign `c`'s message to user `userId`, under `domain`. */
    messageId(c: { id: number; messageKey: string }, userId: number, domain: string): string {
      return `<c${c.id}.u${userId}.${token(c.messageKey, c.id, userId)}@${domain}>`;
    },
    /** Whether a parsed Message-ID's token is the one made for its (campaign, user) under this campaign key. */
    matches(parsed: ParsedMessageId, messageKey: string): boolean {
      return sameSecret(parsed.token, token(messageKey, parsed.campaignId, parsed.userId));
    },
  };
}
