import { createHash } from 'node:crypto';
import { simpleParser, type AddressObject, type HeaderValue } from 'mailparser';
import { EVENT_DETAIL_MAX, type DeliveryEvent } from '../domain/deliverability.ts';
import { EMAIL_MAX } from '../domain/suppression.ts';

/**
 * What one message of the bounce mailbox says: a delivery status notification (RFC 3464), a
 * feedback report (RFC 5965), or neither. `events` are the bounces and complaints it reports,
 * untrusted (anyone can send mail to the bounce address): the intake counts one only when its VERP
 * address or Message-ID maps to a ledger row.
 */
export interface BounceReport {
  type: 'dsn' | 'arf' | 'other';
  events: DeliveryEvent[];
}

/** A field block (`Name: value` lines, continuation lines folded in): lower-case name → its values in order. */
type Fields = Map<string, string[]>;

const MESSAGE_ID_MAX = 255;
const EVENT_ID_MAX = 255;

/** The part types that carry the reported message's headers. */
const RETURNED_TYPES = new Set(['text/rfc822-headers', 'message/rfc822', 'message/global', 'message/global-headers']);
const DSN_TYPES = new Set(['message/delivery-status', 'message/global-delivery-status']);

/**
 * Reads a raw message. DSN recipients with `Action: failed` become a hard bounce (status 5.x.x)
 * or a soft bounce (4.x.x); `delayed`, `delivered`, `relayed` and `expanded` recipients are no
 * bounce (the MTA is still trying, or delivered) and become nothing. An ARF report of
 * `Feedback-Type: abuse` becomes a complaint per reported recipient; other feedback types become nothing.
 */
export async function parseBounceReport(raw: Buffer): Promise<BounceReport> {
  // keepDeliveryStatus keeps message/delivery-status as a part of its own rather than body text;
  // ignoreEmbedded (passed on to the MIME splitter) keeps a returned message/rfc822 whole, headers included.
  const mail = await simpleParser(raw, { keepDeliveryStatus: true, ignoreEmbedded: true } as Parameters<typeof simpleParser>[1]);
  const contentType = mail.headers.get('content-type') as { value?: string; params?: Record<string, string> } | undefined;
  if (contentType?.value?.toLowerCase() !== 'multipart/report') return { type: 'other', events: [] };
  const reportType = contentType.params?.['report-type']?.toLowerCase();
  const parts = mail.attachments.map((a) => ({ type: a.contentType.toLowerCase(), text: a.content.toString('utf8') }));
  const returned = parts.find((p) => RETURNED_TYPES.has(p.type));
  const original = returned ? headerBlock(returned.text) : new Map<string, string[]>();
  const reportId = reportIdOf(mail.messageId, raw);
  const reportDate = mail.date && !Number.isNaN(mail.date.getTime()) ? mail.date : undefined;
  const envelope = envelopeRecipients(mail.headers);

  if (reportType === 'delivery-status') {
    const status = parts.find((p) => DSN_TYPES.has(p.type));
    if (!status) return { type: 'other', events: [] };
    const [perMessage = new Map(), ...perRecipient] = fieldBlocks(status.text);
    const messageId = messageIdOf(first(original, 'message-id') ?? first(perMessage, 'original-message-id') ?? first(perMessage, 'x-original-message-id'));
    const verpAddress = verpOf([...envelope, ...addresses(first(original, 'return-path'))]);
    const events: DeliveryEvent[] = [];
    for (const rcpt of perRecipient) {
      const kind = dsnKind(rcpt);
      if (!kind) continue;
      const email = emailOf(first(rcpt, 'original-recipient')) ?? emailOf(first(rcpt, 'final-recipient'));
      const statusCode = first(rcpt, 'status')?.trim().slice(0, 20);
      const diagnostic = first(rcpt, 'diagnostic-code');
      events.push({
        source: 'mailbox',
        eventId: eventIdOf(reportId, email ?? first(rcpt, 'final-recipient') ?? ''),
        kind,
        email,
        verpAddress,
        messageId,
        detail: bounded([statusCode, diagnostic].filter(Boolean).join(' ') || 'failed', EVENT_DETAIL_MAX),
        occurredAt: dateOf(first(rcpt, 'last-attempt-date')) ?? reportDate,
        trusted: false,
      });
    }
    return { type: 'dsn', events };
  }

  if (reportType === 'feedback-report') {
    const feedback = parts.find((p) => p.type === 'message/feedback-report');
    if (!feedback) return { type: 'other', events: [] };
    const fields = fieldBlocks(feedback.text)[0] ?? new Map<string, string[]>();
    const feedbackType = first(fields, 'feedback-type')?.trim().toLowerCase() ?? '';
    if (feedbackType !== 'abuse') return { type: 'arf', events: [] };
    const messageId = messageIdOf(first(original, 'message-id'));
    // The reported message's envelope sender is its VERP address.
    const verpAddress = verpOf([
      ...addresses(first(fields, 'original-mail-from')),
      ...addresses(first(original, 'return-path')),
      ...envelope,
    ]);
    const recipients = (fields.get('original-rcpt-to') ?? []).map(emailOf).filter((e): e is string => !!e);
    const userAgent = first(fields, 'user-agent');
    const detail = bounded(`Feedback-Type: abuse${userAgent ? ` (${userAgent})` : ''}`, EVENT_DETAIL_MAX);
    const occurredAt = dateOf(first(fields, 'arrival-date') ?? first(fields, 'received-date')) ?? reportDate;
    const events = (recipients.length > 0 ? recipients : [null]).map((email): DeliveryEvent => ({
      source: 'mailbox',
      eventId: eventIdOf(reportId, email ?? ''),
      kind: 'complaint',
      email,
      verpAddress,
      messageId,
      detail,
      occurredAt,
      trusted: false,
    }));
    return { type: 'arf', events };
  }
  return { type: 'other', events: [] };
}

/** failed + 5.x.x (or no status): hard; failed + 4.x.x: soft; anything else (delayed, delivered…): none. */
function dsnKind(rcpt: Fields): DeliveryEvent['kind'] | undefined {
  const action = first(rcpt, 'action')?.trim().toLowerCase();
  if (action !== 'failed') return undefined;
  const status = /^\s*([245])\.\d{1,3}\.\d{1,3}/.exec(first(rcpt, 'status') ?? '')?.[1];
  const smtp = /^\s*smtp\s*;\s*([245])\d\d/i.exec(first(rcpt, 'diagnostic-code') ?? '')?.[1];
  const cls = status ?? smtp;
  if (cls === '2') return undefined;
  return cls === '4' ? 'soft_bounce' : 'hard_bounce';
}

/** Splits field blocks on blank lines; each block's continuation lines are folded into their field. */
function fieldBlocks(text: string): Fields[] {
  return text
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t]*\n/)
    .map(headerBlock)
    .filter((block) => block.size > 0);
}

/** One block of `Name: value` lines (a header section ends at its first blank line). */
function headerBlock(text: string): Fields {
  const fields: Fields = new Map();
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let last: { name: string; index: number } | undefined;
  for (const line of lines) {
    if (/^[ \t]*$/.test(line)) {
      if (fields.size > 0) break;
      continue;
    }
    if (/^[ \t]/.test(line) && last) {
      const values = fields.get(last.name)!;
      values[last.index] = `${values[last.index]} ${line.trim()}`;
      continue;
    }
    const m = /^([!-9;-~]+)[ \t]*:[ \t]*(.*)$/.exec(line);
    if (!m) {
      last = undefined;
      continue;
    }
    const name = m[1]!.toLowerCase();
    const values = fields.get(name) ?? [];
    values.push(m[2]!.trim());
    fields.set(name, values);
    last = { name, index: values.length - 1 };
  }
  return fields;
}

const first = (fields: Fields, name: string) => fields.get(name)?.[0];

/** `rfc822; user@example.com` (or a bare or bracketed address) → the address, lower-cased domain kept as given. */
function emailOf(value: string | undefined): string | null {
  if (!value) return null;
  const address = value.replace(/^[^;@<]*;/, '').trim().replace(/^<|>$/g, '').trim();
  if (!address || address.length > EMAIL_MAX || !/^[^\s@<>]+@[^\s@<>]+$/.test(address)) return null;
  return address;
}

/** The addresses in a header value such as `<a@b>` or `Name <a@b>, c@d`. */
function addresses(value: string | undefined): string[] {
  if (!value) return [];
  return [...value.matchAll(/<?([^\s<>,;"]+@[^\s<>,;"]+)>?/g)].map((m) => m[1]!).filter((a) => a.length <= EMAIL_MAX);
}

/**
 * The addresses the report was delivered to, from the headers the receiving MTA adds for the
 * envelope recipient (most reliable first) and then To and Cc.
 */
function envelopeRecipients(headers: Map<string, HeaderValue>): string[] {
  const out: string[] = [];
  for (const name of ['x-original-to', 'delivered-to', 'envelope-to', 'x-envelope-to', 'original-recipient', 'to', 'cc']) {
    const value = headers.get(name);
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) {
      if (typeof v === 'string') out.push(...addresses(v));
      else if (v && typeof v === 'object' && 'value' in v && Array.isArray((v as AddressObject).value)) {
        for (const a of (v as AddressObject).value) if (a.address) out.push(a.address);
      }
    }
  }
  return out;
}

/** The first address with a `+tag` local part: a VERP address, or the bounce address itself when none has one. */
function verpOf(candidates: string[]): string | null {
  return candidates.find((a) => /^[^@]+\+[^@]+@/.test(a) && a.length <= EMAIL_MAX) ?? null;
}

function messageIdOf(value: string | undefined): string | null {
  const m = value ? /<[^<>\s]+>/.exec(value) : null;
  return m && m[0].length <= MESSAGE_ID_MAX ? m[0] : null;
}

/** The report's own Message-ID, or a hash of its bytes when it has none (or a too long one). */
function reportIdOf(messageId: string | undefined, raw: Buffer): string {
  const id = messageIdOf(messageId);
  return id && id.length <= 200 ? id : `sha256:${createHash('sha256').update(raw).digest('hex')}`;
}

/** The report and the recipient it is about; hashed when longer than an event id may be. */
function eventIdOf(reportId: string, recipient: string): string {
  const id = `${reportId}|${recipient.toLowerCase()}`;
  return id.length <= EVENT_ID_MAX ? id : `sha256:${createHash('sha256').update(id).digest('hex')}`;
}

function dateOf(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const d = new Date(value.replace(/\([^)]*\)/g, '').trim());
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function bounded(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}
