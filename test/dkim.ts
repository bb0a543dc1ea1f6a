import { authenticate } from 'mailauth';

/** A DNS resolver for mailauth that knows only `records` (name → the strings of one TXT record); anything else is not found. */
export function txtResolver(records: Record<string, string[]>) {
  return async (name: string, rrtype: string): Promise<string[][]> => {
    const record = records[name.toLowerCase().replace(/\.$/, '')];
    if (rrtype === 'TXT' && record) return [record];
    throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
  };
}

/** The DNS TXT record that publishes an SPKI public key (DER) for DKIM. */
export const dkimRecord = (publicKeyDer: Buffer) => [`v=DKIM1; k=rsa; p=${publicKeyDer.toString('base64')}`];

/**
 * Verifies `raw` as a receiving server would (DKIM and DMARC; DNS from `resolver`): the result of
 * each DKIM signature, and its signed header list (`h=`) in lower case. A body changed after
 * signing is `neutral` with the comment "body hash did not verify", as Gmail reports it; a changed
 * signed header, `fail`.
 */
export async function verify(raw: string | Buffer, resolver: ReturnType<typeof txtResolver>) {
  const res = await authenticate(typeof raw === 'string' ? Buffer.from(raw) : raw, {
    resolver,
    ip: '127.0.0.1',
    helo: 'localhost',
    mta: 'mx.example.test',
    disableArc: true,
    disableBimi: true,
  });
  const results = res.dkim.results.map((r) => ({
    result: r.status.result,
    domain: r.signingDomain,
    selector: r.selector,
    ...(r.status.comment ? { comment: r.status.comment } : {}),
  }));
  return { results, dmarc: res.dmarc ? res.dmarc.status.result : undefined, signedHeaders: signedHeaders(raw.toString()) };
}

/** The h= tag of each DKIM-Signature header of `raw`, as lower-case header names. */
export function signedHeaders(raw: string): string[][] {
  const head = raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' ');
  return [...head.matchAll(/^DKIM-Signature:(.*)$/gim)].map((m) => {
    const h = /(?:^|;)\s*h=([^;]*)/.exec(m[1]!)?.[1] ?? '';
    return h.split(':').map((s) => s.trim().toLowerCase()).filter(Boolean);
  });
}

/** `raw` with its first Subject header's value replaced. */
export const withSubject = (raw: string, subject: string) => raw.replace(/^Subject:.*(\r?\n[ \t].*)*$/m, `Subject: ${subject}`);

/** `raw` with one character of its body changed (the first letter after the header block). */
export function withBodyByteChanged(raw: string): string {
  const start = raw.search(/\r?\n\r?\n/) + 4;
  const at = raw.slice(start).search(/[A-Za-z]/) + start;
  const c = raw[at]!;
  return raw.slice(0, at) + (c === 'x' ? 'y' : 'x') + raw.slice(at + 1);
}
