// Where Amazon SNS may be reached, and whose certificate it signs with: the signing certificates and
// the subscription confirmations on SNS's own regional hosts only (https, a real region name, no
// credentials, no port), checked before any request; and the names SNS's certificates carry.

/**
 * The shape of an AWS region's name: us-east-1, eu-central-2, ap-southeast-4, us-gov-west-1,
 * cn-north-1, us-isob-east-1. Not a list of regions, so a new one works; but `s3-external-1`,
 * `s3-accelerate` or `evil` are not regions (S3 names like those would reach a bucket called "sns").
 */
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;

/**
 * The region of an SNS regional host: `sns.<region>.amazonaws.com`, or `sns.<region>.amazonaws.com.cn`
 * for a China (`cn-`) region and for it only; undefined for any other host.
 */
export function snsHostRegion(host: string): string | undefined {
  const m = /^sns\.([a-z0-9-]{1,32})\.amazonaws\.com(\.cn)?$/.exec(host);
  if (!m || !REGION.test(m[1]!)) return undefined;
  const region = m[1]!;
  return (m[2] === '.cn') === region.startsWith('cn-') ? region : undefined;
}

/** A signing certificate's URL as SNS writes it: the host (checked by snsHostRegion), then one file, nothing else. */
const CERT_URL = /^https:\/\/([^/?#@:\\]{1,100})\/SimpleNotificationService-[A-Za-z0-9]{1,64}\.pem$/;

/**
 * The region of the SNS host a SigningCertURL points to, or undefined when the URL is not exactly
 * `https://sns.<region>.amazonaws.com[.cn]/SimpleNotificationService-<id>.pem`: no credentials, no
 * port, no query or fragment. Anything else is refused before any request is made.
 */
export function snsCertUrlRegion(raw: string): string | undefined {
  const m = CERT_URL.exec(raw);
  return m ? snsHostRegion(m[1]!) : undefined;
}

/** Whether `raw` is an https URL on an SNS regional host (the SubscribeURL of a confirmation). */
export function isSnsUrl(raw: string): boolean {
  if (raw.length > 4096 || !raw.startsWith('https://')) return false;
  try {
    const u = new URL(raw);
    return u.protocol === 'https:' && snsHostRegion(u.hostname) !== undefined && u.port === '' && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}

/** The regions enabled by default (those before 2019): their signing certificate is for `sns.amazonaws.com`. */
const DEFAULT_REGIONS = new Set([
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-south-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'ca-central-1',
  'eu-central-1',
  'eu-north-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'sa-east-1',
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
]);

/** The opt-in regions, whose signing certificate is for `sns-signing.<region>.amazonaws.com`. */
const OPT_IN_REGIONS = new Set([
  'af-south-1',
  'ap-east-1',
  'ap-east-2',
  'ap-south-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ap-southeast-5',
  'ap-southeast-6',
  'ap-southeast-7',
  'ca-west-1',
  'eu-central-2',
  'eu-south-1',
  'eu-south-2',
  'il-central-1',
  'me-central-1',
  'me-south-1',
  'mx-central-1',
]);

/**
 * The names SNS's signing certificate for a region is issued to (its subject alternative name, or
 * its common name when it has none), as AWS's SDK for Java 2 expects them (SnsHostProvider): the
 * default regions `sns.amazonaws.com`; the opt-in regions `sns-signing.<region>.amazonaws.com`;
 * China `sns-<region>.amazonaws.com.cn`; GovCloud, both regions, `sns-us-gov-west-1.amazonaws.com`.
 * A region not listed here yet may have either of the first two forms, in its partition's domain.
 */
export function snsCertificateNames(region: string): string[] {
  if (DEFAULT_REGIONS.has(region)) return ['sns.amazonaws.com'];
  if (OPT_IN_REGIONS.has(region)) return [`sns-signing.${region}.amazonaws.com`];
  if (region === 'cn-north-1' || region === 'cn-northwest-1') return [`sns-${region}.amazonaws.com.cn`];
  if (region === 'us-gov-west-1' || region === 'us-gov-east-1') return ['sns-us-gov-west-1.amazonaws.com'];
  const domain = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return [`sns.${domain}`, `sns-signing.${region}.${domain}`];
}
