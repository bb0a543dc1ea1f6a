import { createHmac, timingSafeEqual } from 'node:crypto';

export type UnsubscribeTokens = ReturnType<typeof createUnsubscribeTokens>;

/** HMAC-signed tokens naming one user, for unsubscribe links (no expiry: old emails keep working). */
export function createUnsubscribeTokens({ secret, publicBaseUrl }: { secret: string; publicBaseUrl: string }) {
  const mac = (userId: number) => createHmac('sha256', secret).update(`unsubscribe:${userId}`).digest().subarray(0, 18);
  return {
    sign: (userId: number) => `${userId}.${mac(userId).toString('base64url')}`,
    /** The user id the token names, or undefined when it is forged or altered. */
    verify(token: string): number | undefined {
      const m = /^(\d{1,10})\.([A-Za-z0-9_-]{24})$/.exec(token);
      if (!m) return undefined;
      const userId = Number(m[1]);
      const given = Buffer.from(m[2]!, 'base64url');
      const expected = mac(userId);
      return given.length === expected.length && timingSafeEqual(given, expected) ? userId : undefined;
    },
    url(userId: number) {
      return `${publicBaseUrl}/v1/unsubscribe?token=${this.sign(userId)}`;
    },
  };
}
