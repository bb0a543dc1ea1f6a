import { describe, expect, it } from 'vitest';
import type { CampaignRecord } from '../../src/domain/campaign.ts';
import { createMessageBuilder } from '../../src/services/message.service.ts';
import { createUnsubscribeTokens } from '../../src/services/unsubscribe.ts';

describe('the visible unsubscribe link', () => {
  const unsubscribe = createUnsubscribeTokens({ secret: 'test-unsubscribe-secret-0123456789abcdef', publicBaseUrl: 'https://cns.example.test' });
  const messages = createMessageBuilder({ mailFrom: 'Campaigns <no-reply@example.test>', unsubscribe });
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
