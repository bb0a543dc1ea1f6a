// SNS's signature on a message: first the checks that need no request (signature version, the
// certificate's URL, the signature's shape, a configured topic), then the signing certificate,
// fetched from SNS, checked to be SNS's own (in date, issued to SNS's name for the region) and kept
// in a small cache, and the signature verified with its key.
import { verify, X509Certificate, type KeyObject } from 'node:crypto';
import { AppError } from '../../domain/errors.ts';
import type { HttpsGet } from '../../domain/webhooks.ts';
import { snsCertificateNames, snsCertUrlRegion } from './sns.hosts.ts';
import { snsStringToSign, type SnsFields, type SnsType } from './sns.message.ts';

export interface SnsSignatureOptions {
  /** The topics whose messages are accepted; a message from any other is refused before any request. */
  topicArns: readonly string[];
  /** Fetches the signing certificates (only ever on SNS's own hosts). */
  httpsGet: HttpsGet;
  /** Signing certificates kept in memory (least recently used dropped first). */
  certCacheSize?: number;
  /**
   * Told when SNS's host answers with a certificate that is not issued to SNS's name for the region
   * (the message is refused): should AWS rename its certificates, every message would be refused.
   */
  onForeignCertificate?: (fields: { certUrl: string; subject: string; subjectAltName: string | undefined; expected: string[] }) => void;
}

/** A small least-recently-used map of certificate URL → public key (a pending fetch counts). */
function certCache(size: number) {
  const entries = new Map<string, Promise<KeyObject>>();
  return {
    get(url: string, load: () => Promise<KeyObject>): Promise<KeyObject> {
      let p = entries.get(url);
      if (p) {
        entries.delete(url);
        entries.set(url, p);
        return p;
      }
      p = load();
      entries.set(url, p);
      p.catch(() => {
        if (entries.get(url) === p) entries.delete(url); // a failure is not kept: the next message tries again
      });
      while (entries.size > size) entries.delete(entries.keys().next().value!);
      return p;
    },
  };
}

/** The certificate address answered, but not with a valid certificate of SNS's: the message is not proven. */
class NotACertificate extends Error {}

/** Names are compared exactly: SNS's certificates name their hosts, never a wildcard. */
const EXACT = { wildcards: false, partialWildcards: false } as const;

/**
 * Whether SNS signed a message (versions 1, SHA1, and 2, SHA256) from one of the configured topics.
 * False for anything not proven; throws a 503 when SNS cannot be reached for the certificate.
 */
export function createSnsSignatureCheck(opts: SnsSignatureOptions) {
  const topics = new Set(opts.topicArns);
  const certs = certCache(opts.certCacheSize ?? 16);

  async function loadKey(url: string, region: string, now: Date): Promise<KeyObject> {
    let res;
    try {
      res = await opts.httpsGet(url);
    } catch {
      throw new AppError(503, 'SERVICE_UNAVAILABLE', 'The SNS signing certificate could not be fetched; try again shortly');
    }
    if (res.status !== 200) throw new NotACertificate();
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(res.body);
    } catch {
      throw new NotACertificate();
    }
    if (Date.parse(cert.validFrom) > now.getTime() || Date.parse(cert.validTo) < now.getTime()) throw new NotACertificate();
    const expected = snsCertificateNames(region);
    if (!expected.some((name) => cert.checkHost(name, EXACT) !== undefined)) {
      opts.onForeignCertificate?.({ certUrl: url, subject: cert.subject, subjectAltName: cert.subjectAltName, expected });
      throw new NotACertificate();
    }
    return cert.publicKey;
  }

  /** Whether SNS signed `msg`: the checks that need no request first, and the certificate fetched only from SNS. */
  return async function signedBySns(msg: SnsFields, type: SnsType, now: Date): Promise<boolean> {
    const version = msg.SignatureVersion;
    const certUrl = msg.SigningCertURL ?? '';
    const signature = msg.Signature ?? '';
    if (version !== '1' && version !== '2') return false;
    const region = snsCertUrlRegion(certUrl);
    if (!region) return false;
    if (!/^[A-Za-z0-9+/]{1,2048}={0,2}$/.test(signature)) return false;
    if (!topics.has(msg.TopicArn!)) return false;
    let key: KeyObject;
    try {
      key = await certs.get(certUrl, () => loadKey(certUrl, region, now));
    } catch (err) {
      if (err instanceof NotACertificate) return false;
      throw err;
    }
    return verify(version === '1' ? 'sha1' : 'sha256', Buffer.from(snsStringToSign(msg, type)), key, Buffer.from(signature, 'base64'));
  };
}
