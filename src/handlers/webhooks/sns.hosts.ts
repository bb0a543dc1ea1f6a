// Where Amazon SNS may be reached: the signing certificates and the subscription confirmations, on
// SNS's own regional hosts only, over https, with no credentials or port. Checked before any request.

/**
 * Where SNS keeps its signing certificates: https on an SNS regional host, nothing else (no port,
 * no credentials, no query). Anything else is refused before any request is made.
 */
export const SNS_CERT_URL = /^https:\/\/sns\.[a-z0-9-]{3,32}\.amazonaws\.com(\.cn)?\/SimpleNotificationService-[A-Za-z0-9]{1,64}\.pem$/;
/** Where a subscription is confirmed: an SNS regional host over https. */
const SNS_HOST = /^sns\.[a-z0-9-]{3,32}\.amazonaws\.com(\.cn)?$/;

/** Whether `raw` is an https URL on an SNS regional host (the SubscribeURL of a confirmation). */
export function isSnsUrl(raw: string): boolean {
  if (raw.length > 4096 || !raw.startsWith('https://')) return false;
  try {
    const u = new URL(raw);
    return u.protocol === 'https:' && SNS_HOST.test(u.hostname) && u.port === '' && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}
