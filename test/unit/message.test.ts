import { describe, expect, it } from 'vitest';
import type { CampaignRecord } from '../../src/domain/campaign.ts';
import { parseMessageId } from '../../src/domain/suppression.ts';
import { createMessageIds } from '../../src/services/message-id.ts';
import { createMessageBuilder } from '../../src/services/message.service.ts';
import { createUnsubscribeTokens, type UnsubscribeTokens } from '../../src/services/unsubscribe.ts';
import { createVerpAddresses } from '../../src/services/verp.ts';

/** Rendering one campaign for one recipient: headers, Message-ID, and the unsubscribe footer. */

/** A fixed token service: the URL names the user, with an & to show where it is escaped. */
const fixedTokens: UnsubscribeTokens = {
  sign: (userId) => `t${userId}`,
  verify: (token) => (/^t\d+$/.test(token) ? Number(token.slice(1)) : undefined),
  url: (userId) => `https://cns.example.test/v1/unsubscribe?token=t${userId}&src=mail`,
};

const messageIds = createMessageIds({ secret: 'test-unsubscribe-secret-0123456789abcdef' });

const record = (over: Partial<CampaignRecord>): CampaignRecord =>
  ({
    id: 7,
    messageKey: 'k3y',
    version: 1,
    updatedAt: new Date(1_000),
    subject: 'Hello {{first_name}}',
    bodyHtml: '<p>Dear {{first_name}} {{last_name}}, {{promo_code}}</p>',
    bodyText: 'Dear {{first_name}} {{last_name}}, {{promo_code}}',
    promoCode: 'SAVE10',
    type: 'promotion',
    ...over,
  }) as CampaignRecord;

describe('the message builder', () => {
  const messages = createMessageBuilder({ mailFrom: 'Campaigns <no-reply@mail.example.test>', unsubscribe: fixedTokens, messageIds });
  const ada = { id: 42, email: 'ada@example.com', firstName: 'Ada', lastName: '<Lovelace>' };
  const url = fixedTokens.url(42);

  it('addresses the message and sets the list, feedback, bulk-mail and unsubscribe headers', () => {
    const mail = messages.build(record({}), ada);
    expect(mail).toMatchObject({ from: 'Campaigns <no-reply@mail.example.test>', to: 'ada@example.com', subject: 'Hello Ada' });
    expect(mail.headers).toEqual({
      'List-Id': 'Campaigns <campaigns.mail.example.test>',
      'List-Unsubscribe': `<${url}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      'Feedback-ID': '7:promotion:mail.example.test',
      Precedence: 'bulk',
    });
    // No envelope sender of its own without a bounce address: MAIL FROM is From's address.
    expect(mail.envelopeFrom).toBeUndefined();
    expect(messages.buildTest(record({}), ada, 'qa@example.com', 'key').envelopeFrom).toBeUndefined();
  });

  it('takes the List-Id and the Feedback-ID sender as configured; Feedback-ID names the campaign and its type', () => {
    const configured = createMessageBuilder({
      mailFrom: 'Campaigns <no-reply@mail.example.test>',
      unsubscribe: fixedTokens,
      messageIds,
      listId: 'Offers <offers.example.test>',
      senderId: 'Example.test',
    });
    const mail = configured.build(record({ id: 12, type: 'campaign' }), ada);
    expect(mail.headers['List-Id']).toBe('Offers <offers.example.test>');
    // Gmail's a:b:c:SenderId form: identifiers, then the sender.
    expect(mail.headers['Feedback-ID']).toBe('12:campaign:example.test');
  });

  it('gives a campaign message a VERP envelope sender that maps back to it, and a test send the plain bounce address', () => {
    const verp = createVerpAddresses({ bounceAddress: 'bounces@example.test', secret: 'test-unsubscribe-secret-0123456789abcdef' });
    const bouncing = createMessageBuilder({ mailFrom: 'no-reply@example.test', unsubscribe: fixedTokens, messageIds, bounce: { address: 'bounces@example.test', verp } });
    const mail = bouncing.build(record({}), ada);
    expect(mail.envelopeFrom).toMatch(/^bounces\+c7-u42-[0-9a-f]{16}@example\.test$/);
    expect(verp.parse(mail.envelopeFrom!)).toEqual({ campaignId: 7, userId: 42 });
    expect(bouncing.build(record({}), { ...ada, id: 43 }).envelopeFrom).not.toBe(mail.envelopeFrom);
    expect(bouncing.buildTest(record({}), ada, 'qa@example.com', 'key').envelopeFrom).toBe('bounces@example.test');
  });

  it('renders the values: escaped in the HTML, as given in the text, the promo code of the campaign', () => {
    const mail = messages.build(record({}), ada);
    expect(mail.html).toContain('<p>Dear Ada &lt;Lovelace&gt;, SAVE10</p>');
    expect(mail.text).toContain('Dear Ada <Lovelace>, SAVE10');
    expect(messages.build(record({ id: 8, promoCode: null }), ada).text).toMatch(/^Dear Ada <Lovelace>, \n/);
  });

  it('names the campaign and the recipient in a Message-ID at the sender domain, with a token of that recipient alone, the same on every try', () => {
    const mail = messages.build(record({}), ada);
    expect(mail.messageId).toMatch(/^<c7\.u42\.[0-9a-f]{24}@mail\.example\.test>$/);
    expect(messages.build(record({}), ada).messageId).toBe(mail.messageId);
    // The campaign's key is never in it: a recipient cannot learn what makes another's.
    expect(mail.messageId).not.toContain('k3y');
    const parsed = parseMessageId(mail.messageId)!;
    expect(parsed).toMatchObject({ campaignId: 7, userId: 42 });
    expect(messageIds.matches(parsed, 'k3y')).toBe(true);
    // Another recipient, another campaign key (another deployment) or another secret: another token.
    const other = messages.build(record({}), { ...ada, id: 43 }).messageId;
    expect(other).toMatch(/^<c7\.u43\.[0-9a-f]{24}@mail\.example\.test>$/);
    expect(other.split('.')[2]).not.toBe(mail.messageId.split('.')[2]);
    expect(messages.build(record({ messageKey: 'k4y' }), ada).messageId).not.toBe(mail.messageId);
    expect(createMessageIds({ secret: 'another-secret' }).messageId(record({}), 42, 'mail.example.test')).not.toBe(mail.messageId);
    // A recipient's token with another user's id (a forged report) does not match.
    expect(messageIds.matches({ ...parsed, userId: 43 }, 'k3y')).toBe(false);
    expect(messageIds.matches({ ...parsed, campaignId: 8 }, 'k3y')).toBe(false);
    expect(messageIds.matches(parsed, 'k4y')).toBe(false);
    const bare = createMessageBuilder({ mailFrom: 'no-reply@bare.example.test', unsubscribe: fixedTokens, messageIds });
    expect(bare.build(record({}), ada).messageId).toBe(mail.messageId.replace('mail.example.test', 'bare.example.test'));
    const local = createMessageBuilder({ mailFrom: 'postmaster', unsubscribe: fixedTokens, messageIds });
    expect(local.build(record({}), ada).messageId).toBe(mail.messageId.replace('mail.example.test', 'localhost'));
  });

  it('appends the unsubscribe footer to each part that does not show the URL, the HTML one with the URL escaped', () => {
    const mail = messages.build(record({}), ada);
    expect(mail.html).toMatch(/<a href="https:\/\/cns\.example\.test\/v1\/unsubscribe\?token=t42&amp;src=mail">Unsubscribe<\/a><\/p>$/);
    expect(mail.text.endsWith(`\n\n--\nUnsubscribe: ${url}\n`)).toBe(true);
    const shown = messages.build(record({ id: 9, bodyHtml: '<a href="{{unsubscribe_url}}">Leave</a>', bodyText: 'Leave: {{unsubscribe_url}}' }), ada);
    // The link's href is HTML-escaped by the template (& and = as entities) and still counts as the URL.
    expect(shown.html).toMatch(/^<a href="https:[^"]+&amp;src&#x3D;mail">Leave<\/a>$/);
    expect(shown.text).toBe(`Leave: ${url}`);
  });

  it('renders a campaign again once it was edited (a newer version), even within the same millisecond', () => {
    expect(messages.build(record({ id: 10 }), ada).subject).toBe('Hello Ada');
    expect(messages.build(record({ id: 10, version: 2, subject: 'Bye {{last_name}}' }), ada).subject).toBe('Bye <Lovelace>');
  });
});

describe('the visible unsubscribe link', () => {
  const unsubscribe = createUnsubscribeTokens({ secret: 'test-unsubscribe-secret-0123456789abcdef', publicBaseUrl: 'https://cns.example.test' });
  const messages = createMessageBuilder({ mailFrom: 'Campaigns <no-reply@example.test>', unsubscribe, messageIds });
  const recipient = { id: 42, email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace' };
  const url = unsubscribe.url(42);
  let id = 0;
  const campaign = (bodyHtml: string, bodyText: string) =>
    ({ id: ++id, updatedAt: new Date(0), subject: 'Hi', bodyHtml, bodyText, promoCode: null }) as CampaignRecord;
  const build = (bodyHtml: string, bodyText: string) => messages.build(campaign(bodyHtml, bodyText), recipient);
  const links = (s: string) => s.replace(/<!--.*?-->/g, '').split('unsubscribe?token').length - 1;

  it('is appended when the template mentions unsubscribe_url without showing it', () => {
    for (const [html, text] of [
      ['<p>Hi</p>{{!-- unsubscribe_url --}}', 'Hi {{!-- {{unsubscribe_url}} --}}'],
      ['<p>Hi</p>{{#if unsubscribe_url}}{{/if}}', 'Hi{{#if unsubscribe_url}}{{/if}}'],
      ['<p>To unsubscribe_url, reply.</p>', 'To unsubscribe_url, reply.'],
      ['<p>Hi</p><!-- <a href="{{unsubscribe_url}}">x</a> -->', 'Hi'],
    ]) {
      const mail = build(html!, text!);
      expect(links(mail.html), html).toBe(1);
      expect(mail.html, html).toMatch(/<a href="[^"]*unsubscribe\?token=[^"]*">Unsubscribe<\/a><\/p>$/);
      expect(mail.text, text).toContain(`Unsubscribe: ${url}`);
    }
  });

  it('is appended when the URL appears only where nobody can follow it: an attribute, an empty link, a script', () => {
    for (const html of [
      '<p title="{{unsubscribe_url}}">Hi</p>',
      '<img src="x.png" alt="{{unsubscribe_url}}">',
      '<a title="{{unsubscribe_url}}" href="https://example.test/">Shop</a>',
      '<a href="{{unsubscribe_url}}"></a><a href="{{unsubscribe_url}}">  </a>',
      '<script>var u = "<a href=\'{{unsubscribe_url}}\'>x</a>";</script>',
      '<textarea><a href="{{unsubscribe_url}}">x</a></textarea>',
      '<p>Stop: {{unsubscribe_url}}</p>',
    ]) {
      const mail = build(html, 'Hi {{unsubscribe_url}}');
      expect(mail.html, html).toMatch(/<a href="[^"]*unsubscribe\?token=[^"]*">Unsubscribe<\/a><\/p>$/);
      expect(mail.html, html).toContain('You receive this email');
      expect(mail.text).toBe(`Hi ${url}`);
    }
  });

  it('is not appended a second time when the template shows the link', () => {
    const mail = build('<p>Hi</p><a href="{{unsubscribe_url}}">Stop these</a>', 'Stop: {{unsubscribe_url}}');
    expect(links(mail.html)).toBe(1);
    expect(mail.html).not.toContain('You receive this email');
    expect(mail.text).toBe(`Stop: ${url}`);
    for (const html of [
      '<a href=" {{unsubscribe_url}} "><b>Unsubscribe</b></a>',
      "<A HREF='{{unsubscribe_url}}'>stop</A>",
      '<p title="{{unsubscribe_url}}">Hi</p><a href="{{unsubscribe_url}}"><img src="stop.png" alt=""></a>',
      '<table><tr><td><a class="x" href="{{unsubscribe_url}}">Leave the list</a></td></tr></table>',
    ]) {
      expect(build(html, 'x').html, html).not.toContain('You receive this email');
    }
  });

  it('decides the text part from the text alone', () => {
    const shown = build('<p title="{{unsubscribe_url}}">Hi</p>', 'Leave: {{unsubscribe_url}}');
    expect(shown.text).toBe(`Leave: ${url}`);
    const hidden = build('<a href="{{unsubscribe_url}}">Leave</a>', 'Hi {{#if unsubscribe_url}}{{/if}}');
    expect(hidden.html).not.toContain('You receive this email');
    expect(hidden.text).toBe(`Hi \n\n--\nUnsubscribe: ${url}\n`);
  });
});
