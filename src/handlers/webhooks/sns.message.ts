// An Amazon SNS message as it arrives over HTTP: its type and fields read from the JSON body, each a
// string of bounded length, and the text SNS signed over them.
import { badShape, isObject, optionalString, parseJson, requiredString } from './fields.ts';

export const SNS_TYPES = ['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation'] as const;
export type SnsType = (typeof SNS_TYPES)[number];
export type SnsFields = Record<string, string | undefined>;

/** The fields an SNS signature covers, in the order they are signed (AWS: "Verifying the signatures of Amazon SNS messages"). */
const SIGNED_FIELDS: Record<SnsType, readonly string[]> = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
  UnsubscribeConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
};

/** The text SNS signed: each present field's name and value, each on its own line. */
export function snsStringToSign(msg: SnsFields, type: SnsType): string {
  let out = '';
  for (const key of SIGNED_FIELDS[type]) {
    const v = msg[key];
    if (v !== undefined) out += `${key}\n${v}\n`;
  }
  return out;
}

/** The SNS message's fields, each a string of sane length; a 400 when the body is not an SNS message. */
export function readSnsMessage(rawBody: Buffer): { type: SnsType; msg: SnsFields } {
  const body = parseJson(rawBody);
  if (!isObject(body)) throw badShape('body', 'must be a JSON object');
  const type = body.Type;
  if (typeof type !== 'string' || !(SNS_TYPES as readonly string[]).includes(type)) {
    throw badShape('Type', `must be one of ${SNS_TYPES.join(', ')}`);
  }
  const msg: SnsFields = {};
  for (const [key, max] of [
    ['Message', 256 * 1024],
    ['MessageId', 100],
    ['Subject', 1000],
    ['SubscribeURL', 4096],
    ['Timestamp', 100],
    ['Token', 4096],
    ['TopicArn', 400],
    ['Type', 100],
    ['SignatureVersion', 10],
    ['Signature', 4096],
    ['SigningCertURL', 1000],
  ] as const) {
    msg[key] = optionalString(body, key, key, max);
  }
  requiredString(body, 'MessageId', 'MessageId', 100);
  requiredString(body, 'TopicArn', 'TopicArn', 400);
  if (msg.Message === undefined) throw badShape('Message', 'is required');
  return { type: type as SnsType, msg };
}
