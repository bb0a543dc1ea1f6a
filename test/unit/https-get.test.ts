import { describe, expect, it } from 'vitest';
import { createHttpsGet } from '../../src/conn/https-get.ts';

/** The SNS provider's only way out: https only, no redirect followed, a bounded body. */

function fakeFetch(make: () => Response) {
  const calls: { url: string; init: RequestInit | undefined }[] = [];
  const impl = (async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(url), init });
    return make();
  }) as typeof fetch;
  return { impl, calls };
}

describe('createHttpsGet', () => {
  it('returns the status and body, asking fetch not to follow redirects and to give up in time', async () => {
    const f = fakeFetch(() => new Response('-----BEGIN CERTIFICATE-----', { status: 200 }));
    const get = createHttpsGet({ fetchImpl: f.impl });
    await expect(get('https://sns.eu-west-1.amazonaws.com/x.pem')).resolves.toEqual({ status: 200, body: '-----BEGIN CERTIFICATE-----' });
    expect(f.calls[0]!.init).toMatchObject({ redirect: 'manual' });
    expect(f.calls[0]!.init!.signal).toBeInstanceOf(AbortSignal);
  });

  it('hands back a redirect as it is, without following it', async () => {
    const f = fakeFetch(() => new Response(null, { status: 302, headers: { location: 'https://attacker.example/' } }));
    await expect(createHttpsGet({ fetchImpl: f.impl })('https://sns.eu-west-1.amazonaws.com/x.pem')).resolves.toMatchObject({ status: 302 });
    expect(f.calls).toHaveLength(1);
  });

  it('refuses anything but https before calling, and a body over the limit', async () => {
    const f = fakeFetch(() => new Response('x'.repeat(2000)));
    const get = createHttpsGet({ fetchImpl: f.impl, maxBytes: 1000 });
    await expect(get('http://sns.eu-west-1.amazonaws.com/x.pem')).rejects.toThrow(/https/);
    expect(f.calls).toHaveLength(0);
    await expect(get('https://sns.eu-west-1.amazonaws.com/x.pem')).rejects.toThrow(/larger than 1000 bytes/);
  });
});
