import { createHash } from 'node:crypto';
import { EVENT_DETAIL_MAX } from '../../domain/deliverability.ts';
import { AppError, ValidationError } from '../../domain/errors.ts';
import { clipText } from '../../domain/ports.ts';
import { EVENT_ID_MAX, normalizeEmail } from '../../domain/suppression.ts';
import type { WebhookRequest } from './types.ts';

export type { BounceWebhookProvider, WebhookRequest } from './types.ts';

/** The most events one request may carry (a SendGrid batch of at most 768 KB holds fewer). */
export const MAX_EVENTS_PER_REQUEST = 5000;

/** One header's value (the first, when repeated). */
export function header(req: WebhookRequest, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** The body as JSON, or 400 MALFORMED_JSON. */
export function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new AppError(400, 'MALFORMED_JSON', 'Request body is not valid JSON');
  }
}

export type Json = Record<string, unknown>;

export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** 400 naming the field that does not have the expected shape. */
export function badShape(field: string, message: string): ValidationError {
  return new ValidationError(`${field} ${message}`, [{ field, message }]);
}

/** A string field of at most `max` characters, or undefined when absent (null counts as absent). */
export function optionalString(obj: Json, key: string, field: string, max: number): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw badShape(field, 'must be a string');
  if (v.length > max) throw badShape(field, `must be at most ${max} characters`);
  return v;
}

export function requiredString(obj: Json, key: string, field: string, max: number): string {
  const v = optionalString(obj, key, field, max);
  if (v === undefined || v === '') throw badShape(field, 'is required');
  return v;
}

/**
 * The address of `raw` as the suppression list keeps it (`Ada <Ada@Example.com>` → `ada@example.com`);
 * undefined when it is not one address of at most EMAIL_MAX characters.
 */
export function bareAddress(raw: string): string | undefined {
  const angle = /<([^<>\s]+)>\s*$/.exec(raw);
  return normalizeEmail(angle ? angle[1]! : raw);
}

/** A Message-ID as `<…>` (added when missing), or null when absent or not plausible. */
export function messageIdOf(raw: string | undefined | null): string | null {
  if (!raw) return null;
  const v = raw.trim();
  const inner = v.startsWith('<') && v.endsWith('>') ? v.slice(1, -1) : v;
  if (inner.length === 0 || inner.length > 995 || /[\s<>]/.test(inner)) return null;
  return `<${inner}>`;
}

/** `parts` joined by ':', kept under EVENT_ID_MAX: a longer id keeps its first part and hashes the rest. */
export function eventId(...parts: string[]): string {
  const id = parts.join(':');
  if (id.length <= EVENT_ID_MAX) return id;
  const digest = createHash('sha256').update(id).digest('hex');
  return `${parts[0]!.slice(0, EVENT_ID_MAX - 66)}:#${digest}`;
}

export const detailOf = (s: string): string => clipText(s.replace(/\s+/g, ' ').trim(), EVENT_DETAIL_MAX);

/** A date from an ISO string or seconds since the epoch; undefined when absent or not a date. */
export function dateOf(v: unknown): Date | undefined {
  const d = typeof v === 'number' ? new Date(v * 1000) : typeof v === 'string' ? new Date(v) : undefined;
  return d && Number.isFinite(d.getTime()) ? d : undefined;
}
