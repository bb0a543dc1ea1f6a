import type { CampaignRecord } from '../domain/campaign.ts';
import { defaultListId, mailDomain } from '../domain/mail-address.ts';
import type { OutgoingMail } from '../domain/ports.ts';
import { compileCampaign, hasVisibleLink, type CompiledCampaign } from './template.service.ts';
import type { UnsubscribeTokens } from './unsubscribe.ts';
import type { MessageIds } from './message-id.ts';
import type { VerpAddresses } from './verp.ts';

export interface MessageRecipient {
  id: number;
  email: string;
  firstName: string;
  lastName: string;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export type MessageBuilder = ReturnType<typeof createMessageBuilder>;

export interface MessageBuilderOptions {
  mailFrom: string;
  unsubscribe: UnsubscribeTokens;
  /** Campaign messages' Message-IDs, one per recipient. */
  messageIds: MessageIds;
  /** The List-Id header; default `Campaigns <campaigns.DOMAIN>` from mailFrom's domain. */
  listId?: string;
  /** The sender part of Feedback-ID (the DKIM domain when signing); default mailFrom's domain. */
  senderId?: string;
  /** The envelope sender: a campaign message's is `verp.address(campaign, user)`, a test's `address` itself. */
  bounce?: { address: string; verp: VerpAddresses };
}

/** Renders a campaign for one recipient, with its unsubscribe link and the bulk-mail headers. */
export function createMessageBuilder({ mailFrom, unsubscribe, messageIds, listId, senderId, bounce }: MessageBuilderOptions) {
  const domain = mailDomain(mailFrom);
  const list = listId ?? defaultListId(domain);
  const sender = (senderId ?? domain).toLowerCase();
  const cache = new Map<string, CompiledCampaign>();

  function compiled(c: CampaignRecord): CompiledCampaign {
    // The version moves with every edit; updatedAt can repeat within one millisecond.
    const key = `${c.id}:${c.version}`;
    let hit = cache.get(key);
    if (!hit) {
      if (cache.size >= 20) cache.delete(cache.keys().next().value!);
      hit = compileCampaign(c);
      cache.set(key, hit);
    }
    return hit;
  }

  function render(t: CompiledCampaign, promoCode: string | null, r: MessageRecipient) {
    const unsubscribeUrl = unsubscribe.url(r.id);
    const vars = {
      first_name: r.firstName,
      last_name: r.lastName,
      email: r.email,
      promo_code: promoCode ?? '',
      unsubscribe_url: unsubscribeUrl,
    };
    let html = t.html(vars);
    let text = t.text(vars);
    // A visible unsubscribe link, unless the rendered HTML already has one (a real <a href> with text);
    // the URL in a comment or another attribute, an empty {{#if}} or the bare word does not count.
    if (!hasVisibleLink(html, unsubscribeUrl)) {
      html += `\n<p style="font-size:12px;color:#666">You receive this email because you opted in. <a href="${escapeHtml(unsubscribeUrl)}">Unsubscribe</a></p>`;
    }
    if (!text.includes(unsubscribeUrl)) text += `\n\n--\nUnsubscribe: ${unsubscribeUrl}\n`;
    return { subject: t.subject(vars), html, text, unsubscribeUrl };
  }

  const builder = {
    build(c: CampaignRecord, r: MessageRecipient): OutgoingMail {
      const { subject, html, text, unsubscribeUrl } = render(compiled(c), c.promoCode, r);
      return {
        from: mailFrom,
        to: r.email,
        subject,
        html,
        text,
        // The same for every try to this recipient, and this recipient's alone.
        messageId: messageIds.messageId(c, r.id, domain),
        headers: {
          'List-Id': list,
          'List-Unsubscribe': `<${unsubscribeUrl}>`,
          'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
          // Gmail's feedback loop: complaints counted per campaign and type, for this sender.
          'Feedback-ID': `${c.id}:${c.type}:${sender}`,
          // Not a standard, but what auto-responders (out-of-office) look for to stay quiet (RFC 3834 §2).
          Precedence: 'bulk',
        },
        ...(bounce ? { envelopeFrom: bounce.verp.address(c.id, r.id) } : {}),
      };
    },

    /** Unsaved templates (already checked) rendered for `r`, as build would: subject, HTML and text. */
    renderDraft(d: { subject: string; bodyHtml: string; bodyText: string; promoCode: string | null }, r: MessageRecipient) {
      const { subject, html, text } = render(compileCampaign(d), d.promoCode, r);
      return { subject, html, text };
    },

    /**
     * A test of the campaign: the message `r` would get (their names, their own unsubscribe link),
     * sent to `to`, the subject prefixed "[Test] ", under a Message-ID of its own made from `key`
     * (<t…>, never a campaign message's <c…>), with the plain bounce address as its envelope sender.
     */
    buildTest(c: CampaignRecord, r: MessageRecipient, to: string, key: string): OutgoingMail {
      const mail = builder.build(c, r);
      return {
        ...mail,
        to,
        subject: `[Test] ${mail.subject}`,
        messageId: `<t${c.id}.u${r.id}.${key}@${domain}>`,
        // A test has no ledger row for a bounce to land on: the plain bounce address.
        ...(bounce ? { envelopeFrom: bounce.address } : {}),
      };
    },
  };
  return builder;
}
