// What an Amazon SES event (the Message of an SNS notification) says: one delivery event for each
// recipient of a bounce or a complaint, with its kind, the original Message-ID and a short detail.
import type { DeliveryEvent, DeliveryEventKind } from '../../domain/deliverability.ts';
import { badShape, bareAddress, dateOf, detailOf, eventId, isObject, messageIdOf, optionalString, requiredString, type Json } from './fields.ts';

/** The most recipients one SES event may name (SES allows 50 per message). */
const MAX_RECIPIENTS = 100;

/** SES's bounce kind for one recipient: Permanent is hard, Transient soft, Undetermined by its status code. */
function bounceKind(bounceType: string, status: string | undefined): DeliveryEventKind {
  if (bounceType === 'Permanent') return 'hard_bounce';
  if (bounceType === 'Transient') return 'soft_bounce';
  return status && /^5\.\d{1,3}\.\d{1,3}/.test(status) ? 'hard_bounce' : 'soft_bounce';
}

/** The original message's Message-ID: SES's copy of its common headers, or its full header list. */
function originalMessageId(mail: unknown): string | null {
  if (!isObject(mail)) return null;
  const common = mail.commonHeaders;
  if (isObject(common) && typeof common.messageId === 'string') return messageIdOf(common.messageId);
  if (Array.isArray(mail.headers)) {
    for (const h of mail.headers.slice(0, 200)) {
      if (isObject(h) && typeof h.name === 'string' && h.name.toLowerCase() === 'message-id' && typeof h.value === 'string') {
        return messageIdOf(h.value);
      }
    }
  }
  return null;
}

/** The events of one SES notification (a bounce or a complaint names one or more recipients). */
export function sesEvents(snsMessageId: string, message: Json, fallbackAt: Date | undefined): DeliveryEvent[] {
  const type = message.notificationType ?? message.eventType;
  if (type !== 'Bounce' && type !== 'Complaint') return []; // Delivery, Send, Open, the subscription test…
  const body = type === 'Bounce' ? message.bounce : message.complaint;
  const part = type === 'Bounce' ? 'bounce' : 'complaint';
  if (!isObject(body)) throw badShape(`Message.${part}`, 'must be an object');
  const list = type === 'Bounce' ? body.bouncedRecipients : body.complainedRecipients;
  const listName = `Message.${part}.${type === 'Bounce' ? 'bouncedRecipients' : 'complainedRecipients'}`;
  if (!Array.isArray(list)) throw badShape(listName, 'must be an array');
  if (list.length > MAX_RECIPIENTS) throw badShape(listName, `must name at most ${MAX_RECIPIENTS} recipients`);
  const messageId = originalMessageId(message.mail);
  const at = dateOf(body.timestamp) ?? fallbackAt;
  const bounceType = type === 'Bounce' ? requiredString(body, 'bounceType', 'Message.bounce.bounceType', 100) : '';
  const subType = type === 'Bounce' ? optionalString(body, 'bounceSubType', 'Message.bounce.bounceSubType', 100) : undefined;
  const feedbackType =
    type === 'Complaint' ? optionalString(body, 'complaintFeedbackType', 'Message.complaint.complaintFeedbackType', 100) : undefined;

  return list.map((r: unknown, i): DeliveryEvent => {
    const field = `${listName}[${i}]`;
    if (!isObject(r)) throw badShape(field, 'must be an object');
    const email = bareAddress(requiredString(r, 'emailAddress', `${field}.emailAddress`, 1000));
    if (!email) throw badShape(`${field}.emailAddress`, 'must be an email address');
    const status = optionalString(r, 'status', `${field}.status`, 100);
    const diagnostic = optionalString(r, 'diagnosticCode', `${field}.diagnosticCode`, 10_000);
    const event: DeliveryEvent = {
      source: 'ses',
      eventId: eventId(snsMessageId, email.toLowerCase()),
      kind: type === 'Complaint' ? 'complaint' : bounceKind(bounceType, status),
      email,
      messageId,
      detail:
        type === 'Complaint'
          ? detailOf(['complaint', feedbackType].filter(Boolean).join(': '))
          : detailOf([[bounceType, subType].filter(Boolean).join('/'), diagnostic ?? status].filter(Boolean).join(': ')),
      trusted: true,
    };
    if (at) event.occurredAt = at;
    return event;
  });
}
