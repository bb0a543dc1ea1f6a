/**
 * Customer data: how a customer came to be, their typed attributes, tags and topic subscriptions.
 * The Drizzle schema, the filter engine and (later) the customer routes read these lists and bounds.
 */

/** How a customer's account came to be. */
export const CUSTOMER_ORIGINS = ['signup', 'import', 'api', 'admin'] as const;
export type CustomerOrigin = (typeof CUSTOMER_ORIGINS)[number];

/** The longest external id (a key in the business's own systems). */
export const EXTERNAL_ID_MAX = 255;

/** What an attribute holds; the type of a definition never changes. */
export const ATTRIBUTE_TYPES = ['string', 'number', 'boolean', 'date', 'enum', 'string_list'] as const;
export type AttributeType = (typeof ATTRIBUTE_TYPES)[number];

/** An attribute key: names a JSON member of users.attributes and is never put into SQL text. */
export const ATTRIBUTE_KEY_RE = /^[a-z][a-z0-9_]{0,39}$/;
export const ATTRIBUTE_KEY_MAX = 40;
export const ATTRIBUTE_LABEL_MAX = 100;
/** A customer's attributes as JSON, at most (the column holds more; the app refuses it). */
export const ATTRIBUTES_MAX_BYTES = 16 * 1024;

/** A defined attribute: `options` only for `enum`. */
export interface AttributeDefinition {
  key: string;
  label: string;
  type: AttributeType;
  options: string[] | null;
  indexed: boolean;
}

/**
 * A tag name: letters, digits, spaces, `_`, `.` and `-`, 1–64 of them, neither starting nor ending
 * with a space (the tags table's collation ignores trailing spaces, so "vip " would be "vip").
 */
export const TAG_NAME_MAX = 64;
export const TAG_NAME_RE = /^(?=.{1,64}$)[\p{L}\p{N}_.-](?:[\p{L}\p{N} _.-]*[\p{L}\p{N}_.-])?$/u;

/** Where a customer stands with one topic; only `subscribed` customers are mailed. */
export const TOPIC_STATUSES = ['subscribed', 'unsubscribed', 'pending'] as const;
export type TopicStatus = (typeof TOPIC_STATUSES)[number];

/** The topic every deployment starts with (created by the migration). */
export const GENERAL_TOPIC_ID = 1;

/** The longest consent source (`import:<id>`, `admin:<user id>`, `list_unsubscribe`, …). */
export const CONSENT_SOURCE_MAX = 64;

export const TOPIC_NAME_MAX = 100;
export const SEGMENT_NAME_MAX = 100;
export const DESCRIPTION_MAX = 2000;
