import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestEnv, userWithRole, type TestEnv, type TestUser } from './helpers.ts';

/** Campaign templates over HTTP (the checks themselves are unit tests: test/unit/templates.test.ts). */

describe('templates over HTTP', () => {
  let t: TestEnv;
  let manager: TestUser;
  beforeAll(async () => {
    t = await createTestEnv('templates');
    manager = await userWithRole(t, 'manager');
  });
  afterAll(() => t.close());

  let seq = 0;
  const post = (over: Record<string, unknown>) =>
    t.app.inject({
      method: 'POST',
      url: '/v1/campaigns',
      headers: bearer(manager.access),
      payload: { type: 'promotion', title: `Template ${++seq}`, subject: 'Hi {{first_name}}', body_html: '<p>Hello</p>', ...over },
    });
  type ErrorJson = { error: { code: string; message: string; details: { field: string; message: string }[] } };
  const refused = async (over: Record<string, unknown>, field: string) => {
    const res = await post(over);
    expect(res.statusCode, res.body).toBe(400);
    const err = (res.json() as ErrorJson).error;
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.details[0]!.field).toBe(field);
    return err;
  };

  it('a template that does not parse is 400 VALIDATION_FAILED on body_html with the line', async () => {
    const err = await refused({ body_html: '<p>{{first_name</p>' }, 'body_html');
    expect(err.details[0]!.message).toContain('line');
    expect(err.message).toContain('line');
  });

  it('an unknown variable is 400 naming it with its line and column', async () => {
    const err = await refused({ body_html: '<p>Hi</p>\n<p>{{foo}}</p>' }, 'body_html');
    expect(err.details[0]!.message).toContain('foo');
    expect(err.details[0]!.message).toContain('line 2, column 6');
    expect((await refused({ subject: 'Hi {{name}}' }, 'subject')).details[0]!.message).toContain('name');
    expect((await refused({ body_text: 'ok\n{{bar}}' }, 'body_text')).details[0]!.message).toContain('bar');
  });

  it('triple-stash in HTML is 400; in text it is allowed', async () => {
    await refused({ body_html: '<p>{{{first_name}}}</p>' }, 'body_html');
    expect((await post({ body_text: 'Hi {{{first_name}}}' })).statusCode).toBe(201);
  });

  it('{{#if promo_code}}…{{/if}} is allowed', async () => {
    const res = await post({ promo_code: 'X1', body_html: '<p>{{#if promo_code}}Use {{promo_code}}{{/if}}</p>' });
    expect(res.statusCode, res.body).toBe(201);
  });

  it('a partial is 400', async () => {
    await refused({ body_html: '<p>{{> partial}}</p>' }, 'body_html');
  });

  it('templates that parse but cannot render are 400 at create and at update', async () => {
    for (const body_html of ['<p>{{first_name x=1}}</p>', '{{#if}}x{{/if}}', '<p>{{if promo_code}}</p>']) {
      await refused({ body_html }, 'body_html');
    }
    const ok = await post({});
    expect(ok.statusCode).toBe(201);
    const id = (ok.json() as { campaign: { id: number } }).campaign.id;
    const res = await t.app.inject({ method: 'PATCH', url: `/v1/campaigns/${id}`, headers: bearer(manager.access), payload: { subject: '{{first_name x=1}}' } });
    expect(res.statusCode).toBe(400);
    expect((res.json() as ErrorJson).error.details[0]!.field).toBe('subject');
  });

  it('an HTML body whose derived text would not compile is refused', async () => {
    // The entities decode to a tag that is only a template in the derived text.
    await refused({ body_html: '<p>&#123;&#123;#if promo_code}} never closed</p>' }, 'body_html');
  });

  it('a template nested 5000 deep is 400 on body_html (refused before parsing); 20 deep is accepted', async () => {
    const deep = (n: number) => '{{#if first_name}}'.repeat(n) + 'x' + '{{/if}}'.repeat(n);
    const err = await refused({ body_html: deep(5000) }, 'body_html');
    expect(err.details[0]!.message).toMatch(/nested more than 20|more than 1000/);
    expect((await refused({ body_html: deep(400) }, 'body_html')).details[0]!.message).toMatch(/nested more than 20/);
    expect((await post({ body_html: deep(20) })).statusCode).toBe(201);
    await refused({ body_html: deep(21) }, 'body_html');
    await refused({ body_html: '<p>Hi</p>', body_text: deep(5000) }, 'body_text');
  });

  it('an HTML body nested too deep for its derived text is not a 500', async () => {
    const res = await post({ body_html: '<div>'.repeat(20000) + '{{first_name}}' });
    expect(res.statusCode, res.body.slice(0, 300)).toBeLessThan(500);
  });

  it('every template the API accepts previews without error', async () => {
    const piece = fc.constantFrom(
      '{{first_name}}', '{{promo_code}}', '{{#if promo_code}}', '{{/if}}', '{{else}}', '{{', '}}', '&#123;', '&#125;', '#if ', '/if',
      'promo_code', '<h1>', '</h1>', '<p>', '</p>', '<th>', 'x', ' ', '\n', '&amp;', '<a href="{{unsubscribe_url}}">', '</a>',
    );
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { minLength: 1, maxLength: 10 }), async (parts) => {
        const res = await post({ body_html: parts.join(''), promo_code: 'P' });
        if (res.statusCode === 400) return;
        expect(res.statusCode, res.body).toBe(201);
        const id = (res.json() as { campaign: { id: number } }).campaign.id;
        const preview = await t.app.inject({ url: `/v1/campaigns/${id}/preview`, headers: bearer(manager.access) });
        expect(preview.statusCode, `${JSON.stringify(parts.join(''))}: ${preview.body}`).toBe(200);
      }),
      { numRuns: 80 },
    );
  });
});
