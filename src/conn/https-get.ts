import type { HttpsGet } from '../domain/webhooks.ts';

export interface HttpsGetOptions {
  timeoutMs?: number;
  /** The most bytes of a body read; a longer one fails. */
  maxBytes?: number;
  /** The platform's fetch unless given (tests). */
  fetchImpl?: typeof fetch;
}

/**
 * An HttpsGet on the platform's fetch: https only, no redirect followed (a 3xx is returned as it
 * is), a time limit on the whole exchange and a bounded body.
 */
export function createHttpsGet({ timeoutMs = 5000, maxBytes = 64 * 1024, fetchImpl = fetch }: HttpsGetOptions = {}): HttpsGet {
  return async (url) => {
    if (!url.startsWith('https://')) throw new Error('only https URLs are fetched');
    const signal = AbortSignal.timeout(timeoutMs);
    const res = await fetchImpl(url, { redirect: 'manual', signal, headers: { accept: '*/*' } });
    const chunks: Uint8Array[] = [];
    let size = 0;
    if (res.body) {
      for await (const chunk of res.body) {
        size += chunk.byteLength;
        if (size > maxBytes) {
          await res.body.cancel().catch(() => undefined);
          throw new Error(`response of ${url} is larger than ${maxBytes} bytes`);
        }
        chunks.push(chunk);
      }
    }
    return { status: res.status, body: Buffer.concat(chunks).toString('utf8') };
  };
}
