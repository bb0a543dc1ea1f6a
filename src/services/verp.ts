import { createHmac, timingSafeEqual } from 'node:crypto';

export type VerpAddresses = ReturnType<typeof createVerpAddresses>;

/**
 * VERP envelope senders: `bounce@example.com` becomes `bounce+c12-u345-<mac>@example.com` for
 * campaign 12's message to user 345. The MAC (HMAC-SHA256, 64 bits, lower-case hex so that a relay
 * that folds case changes nothing) makes a bounce map to one ledger row without trusting what the
 * bounce says. Test sends have no ledger row and keep the plain bounce address.
 */
export function createVerpAddresses({ bounceAddress, secret }: { bounceAddress: string; secret: string }) {
  const at = bounceAddress.lastIndexOf('@');
  const local = bounceAddress.slice(0, at);
  const domain = bounceAddress.slice(at + 1);
  const mac = (campaignId: number, userId: number) =>
    createHmac('sha256', secret).update(`verp:${campaignId}:${userId}`).digest().subarray(0, 8);
  const pattern = /^(.*)\+c(\d{1,10})-u(\d{1,10})-([0-9a-f]{16})@(.+)$/i;

  return {
    /** The envelope sender of campaign `campaignId`'s message to user `userId`. */
    address(campaignId: number, userId: number): string {
      return `${local}+c${campaignId}-u${userId}-${mac(campaignId, userId).toString('hex')}@${domain}`;
    },
    /** The (campaign, user) an address names, or undefined when it is not ours, forged or altered. */
    parse(address: string): { campaignId: number; userId: number } | undefined {
      const m = pattern.exec(address.trim().replace(/^<|>$/g, ''));
      if (!m || m[1]!.toLowerCase() !== local.toLowerCase() || m[5]!.toLowerCase() !== domain.toLowerCase()) return undefined;
      const campaignId = Number(m[2]);
      const userId = Number(m[3]);
      if (campaignId > 4294967295 || userId > 4294967295) return undefined;
      const given = Buffer.from(m[4]!.toLowerCase(), 'hex');
      return timingSafeEqual(given, mac(campaignId, userId)) ? { campaignId, userId } : undefined;
    },
  };
}
