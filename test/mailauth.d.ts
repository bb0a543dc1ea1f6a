/** The part of mailauth (no types of its own) the DKIM tests use. */
declare module 'mailauth' {
  export interface DkimResult {
    signingDomain?: string;
    selector?: string;
    status: { result: string; comment?: string; aligned?: string | false };
  }
  export function authenticate(
    input: Buffer | string,
    opts: {
      resolver?: (name: string, rrtype: string) => Promise<unknown>;
      ip?: string;
      helo?: string;
      sender?: string;
      mta?: string;
      disableArc?: boolean;
      disableBimi?: boolean;
      disableDmarc?: boolean;
    },
  ): Promise<{ dkim: { results: DkimResult[] }; dmarc: false | { status: { result: string } } }>;
}
