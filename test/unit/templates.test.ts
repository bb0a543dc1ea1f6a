import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkTemplate, compileCampaign, htmlToText, TEMPLATE_VARIABLES, type TemplateVars } from '../../src/services/template.service.ts';

/** Campaign templates: what is accepted, what is refused with a position, and how they render (direct calls, no worker threads). */

const vars: TemplateVars = {
  first_name: 'Tom & "Jerry"',
  last_name: "<O'Neil>",
  email: 'tom@example.com',
  promo_code: 'SAVE10',
  unsubscribe_url: 'https://cns.example.test/v1/unsubscribe?token=1.abc',
};


describe('checkTemplate', () => {
  it('accepts every documented variable, in HTML and in text', () => {
    for (const v of TEMPLATE_VARIABLES) {
      expect(checkTemplate('body_html', `<p>{{${v}}}</p>`, true)).toEqual([]);
      expect(checkTemplate('body_text', `x {{ ${v} }} y`, false)).toEqual([]);
    }
  });

  it('accepts #if / #unless on a variable, with else', () => {
    expect(checkTemplate('body_html', '{{#if promo_code}}<b>{{promo_code}}</b>{{/if}}', true)).toEqual([]);
    expect(checkTemplate('body_html', '{{#if promo_code}}a{{else}}b{{/if}}', true)).toEqual([]);
    expect(checkTemplate('body_html', '{{#unless promo_code}}none{{/unless}}', true)).toEqual([]);
    expect(checkTemplate('body_html', '{{#if promo_code}}a{{else if first_name}}b{{/if}}', true)).toEqual([]);
  });

  it('accepts plain text and comments', () => {
    expect(checkTemplate('subject', 'No variables at all', false)).toEqual([]);
    expect(checkTemplate('body_html', '<p>{{!-- a note --}}Hi</p>', true)).toEqual([]);
  });

  it('reports a template that does not parse, with its line', () => {
    const [p, ...rest] = checkTemplate('body_html', '<p>ok</p>\n<p>{{first_name</p>', true);
    expect(rest).toEqual([]);
    expect(p!.field).toBe('body_html');
    expect(p!.message).toMatch(/line 2/);
    expect(checkTemplate('body_html', '{{#if promo_code}}never closed', true)[0]!.message).toMatch(/line \d/);
    expect(checkTemplate('body_html', '{{#if promo_code}}x{{/unless}}', true)).toHaveLength(1);
  });

  it('reports an unknown variable with its name, line and column', () => {
    const problems = checkTemplate('body_text', 'Hello\n  {{foo}}', false);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toEqual({ field: 'body_text', message: expect.stringContaining('{{foo}}') });
    expect(problems[0]!.message).toContain('line 2, column 5');
    expect(checkTemplate('body_html', '{{first_name.length}}', true)[0]!.message).toContain('first_name.length');
    expect(checkTemplate('body_html', '{{../first_name}}', true)).not.toEqual([]);
    expect(checkTemplate('body_html', '{{@root.first_name}}', true)).not.toEqual([]);
    expect(checkTemplate('body_html', '{{#if secret}}x{{/if}}', true)[0]!.message).toContain('secret');
  });

  it('refuses triple-stash in HTML only', () => {
    const problems = checkTemplate('body_html', '<p>{{{first_name}}}</p>', true);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toMatch(/unescaped/);
    expect(problems[0]!.message).toContain('line 1, column 4');
    expect(checkTemplate('body_html', '<p>{{& first_name}}</p>', true)).not.toEqual([]);
    expect(checkTemplate('body_text', '{{{first_name}}}', false)).toEqual([]);
  });

  it('refuses partials, decorators, other block helpers and helper calls', () => {
    for (const src of [
      '{{> partial}}',
      '{{#> layout}}x{{/layout}}',
      '{{*decorator}}',
      '{{#*inline "x"}}y{{/inline}}',
      '{{#each first_name}}x{{/each}}',
      '{{#with first_name}}x{{/with}}',
      '{{log first_name}}',
      '{{lookup first_name 0}}',
    ]) {
      expect(checkTemplate('body_html', src, true), src).not.toEqual([]);
    }
  });

  it('refuses what parses but cannot render: arguments, sub-expressions, bare if, #if without exactly one variable', () => {
    for (const src of [
      '{{first_name x=1}}',
      '{{first_name promo_code}}',
      '{{"literal" x=1}}',
      '{{if}}',
      '{{if promo_code}}',
      '{{unless promo_code}}',
      '{{#if}}x{{/if}}',
      '{{#if first_name last_name}}x{{/if}}',
      '{{#if (first_name)}}x{{/if}}',
      '{{#unless promo_code includeZero=true}}x{{/unless}}',
    ]) {
      expect(checkTemplate('body_html', src, true), src).not.toEqual([]);
      expect(checkTemplate('body_text', src, false), src).not.toEqual([]);
    }
  });

  it('refuses quoted names and literals wherever a name is looked up, at their position', () => {
    for (const [src, column] of [
      ['{{"constructor"}}', 3],
      ["{{'toString'}}", 3],
      ['{{"first_name"}}', 3],
      ['x {{ "a" }}', 6],
      ['{{1}}', 3],
      ['{{-1}}', 3],
      ['{{true}}', 3],
      ['{{null}}', 3],
      ['{{undefined}}', 3],
      ['{{#if "constructor"}}y{{/if}}', 7],
      ['{{#unless 0}}y{{/unless}}', 11],
      ['{{#if true}}y{{/if}}', 7],
      ['{{#"if" first_name}}y{{/if}}', 4],
      ['{{#if first_name}}{{"x"}}{{/if}}', 21],
    ] as const) {
      const [p, ...rest] = checkTemplate('body_html', src, true);
      expect(p?.message, src).toMatch(/quoted names and literal values/);
      expect(p?.message, src).toContain(`line 1, column ${column}`);
      expect(rest, src).toEqual([]);
    }
    // Literal segments look up the name they spell: one of the variables is fine, anything else is not.
    for (const src of ['{{[constructor]}}', '{{[__proto__]}}', '{{[this]}}', '{{#if [toString]}}y{{/if}}', '{{this.[constructor]}}', '{{#if if}}y{{/if}}']) {
      expect(checkTemplate('body_html', src, true)[0]?.message, src).toMatch(/unknown variable/);
    }
    expect(checkTemplate('body_html', '{{[first_name]}}{{#[if] email}}y{{/if}}', true)).toEqual([]);
  });

  it('whatever it accepts looks up nothing but the five variables when rendered', () => {
    const piece = fc.oneof(
      fc.constantFrom(
        '{{first_name}}', '{{[email]}}', '{{#if promo_code}}', '{{#unless email}}', '{{/if}}', '{{/unless}}', '{{else}}', '{{"constructor"}}',
        "{{'toString'}}", '{{[constructor]}}', '{{[this]}}', '{{1}}', '{{true}}', '{{#if "x"}}', '{{#if 1}}', '{{#unless null}}',
        '{{#"if" first_name}}', '{{#[if] promo_code}}', '{{#if [valueOf]}}', '{{this.[constructor]}}', '{{first_name.length}}', ' ', 'x',
      ),
      fc.string({ maxLength: 12 }).map((q) => `{{"${q.replace(/["\\{}]/g, '')}"}}`),
      fc.string({ maxLength: 12 }).map((q) => `{{#if '${q.replace(/['\\{}]/g, '')}'}}`),
      fc.string({ maxLength: 12 }).map((q) => `{{[${q.replace(/[\]\\{}]/g, '')}]}}`),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), fc.boolean(), (parts, html) => {
        const src = parts.join('');
        if (checkTemplate('t', src, html).length > 0) return;
        const read = new Set<string>();
        const context = new Proxy({ ...vars }, {
          get: (target, key) => (typeof key === 'string' && read.add(key), Reflect.get(target, key)),
          has: (target, key) => (typeof key === 'string' && read.add(key), Reflect.has(target, key)),
          getOwnPropertyDescriptor: (target, key) => (typeof key === 'string' && read.add(key), Reflect.getOwnPropertyDescriptor(target, key)),
        });
        const c = compileCampaign({ subject: 's', bodyHtml: html ? src : 'h', bodyText: html ? 't' : src });
        (html ? c.html : c.text)(context);
        for (const key of read) expect(TEMPLATE_VARIABLES as readonly string[], `${src} read ${key}`).toContain(key);
      }),
      { numRuns: 400 },
    );
  });

  const nested = (depth: number, inner = 'x') => '{{#if first_name}}'.repeat(depth) + inner + '{{/if}}'.repeat(depth);

  it('refuses blocks nested deeper than 20 levels, naming the field, without parsing them', () => {
    expect(checkTemplate('body_html', nested(20), true)).toEqual([]);
    const [p, ...rest] = checkTemplate('body_html', nested(400), true);
    expect(rest).toEqual([]);
    expect(p!.field).toBe('body_html');
    expect(p!.message).toMatch(/nested more than 20/);
    expect(checkTemplate('body_text', nested(21), false)[0]!.message).toMatch(/nested more than 20/);
    // An {{else if}} chain nests in the parsed template just as #if does.
    const chain = '{{#if first_name}}a' + '{{else if email}}b'.repeat(900) + '{{/if}}';
    expect(checkTemplate('body_html', chain, true)[0]!.message).toMatch(/nested more than 20/);
    expect(checkTemplate('body_html', '{{first_name ' + '('.repeat(3000) + 'x' + ')'.repeat(3000) + '}}', true)[0]!.message).toMatch(/nested/);
  });

  it('is not fooled by block ends inside comments, strings or escaped mustaches', () => {
    for (const fake of ['{{!-- {{/if}} --}}', '{{! {{/if}}', '{{email "{{/if}}"}}', '\\{{/if}}']) {
      const src = `{{#if first_name}}${fake}`.repeat(30) + '{{/if}}'.repeat(30);
      expect(checkTemplate('body_html', src, false)[0]?.message, fake).toMatch(/nested more than 20/);
    }
  });

  it('refuses more than 1000 mustaches, and accepts 1000', () => {
    expect(checkTemplate('body_text', '{{first_name}} '.repeat(1000), false)).toEqual([]);
    const [p] = checkTemplate('body_text', '{{first_name}} '.repeat(1001), false);
    expect(p).toEqual({ field: 'body_text', message: expect.stringMatching(/1000/) });
  });

  it('refuses a {{…}} stuffed with names before parsing it, and reports at most 20 problems, names shortened', () => {
    const stuffed = checkTemplate('body_html', '{{first_name ' + 'a '.repeat(100_000) + '}}', true);
    expect(stuffed).toEqual([{ field: 'body_html', message: expect.stringMatching(/too complex/) }]);
    const many = checkTemplate('body_text', '{{nope}} '.repeat(900), false);
    expect(many).toHaveLength(20);
    const [long] = checkTemplate('body_text', `{{${'a'.repeat(100_000)}}}`, false);
    expect(long!.message.length).toBeLessThan(300);
  });

  it('whatever it accepts renders without throwing', () => {
    const piece = fc.constantFrom(
      '{{first_name}}', '{{promo_code}}', '{{{email}}}', '{{#if promo_code}}', '{{#unless email}}', '{{/if}}', '{{/unless}}', '{{else}}',
      '{{', '{{#if', '{{#unless', '{{if', '{{first_name', '{{"s"', '{{this', ' promo_code', ' email', ' x=1', ' (first_name)', '}}',
      '{{this}}', '{{!c}}', '{{> p}}', '\\{{', ' ', '<p>', '</p>', 'text', '\n', '&',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), fc.boolean(), (parts, html) => {
        const src = parts.join('');
        if (checkTemplate('t', src, html).length > 0) return;
        const c = compileCampaign({ subject: html ? 's' : src, bodyHtml: html ? src : 'h', bodyText: html ? 't' : src });
        expect(() => [c.subject(vars), c.html(vars), c.text(vars)]).not.toThrow();
      }),
      { numRuns: 500 },
    );
  });
});

describe('compileCampaign', () => {
  const compiled = compileCampaign({
    subject: 'Hi {{first_name}} {{last_name}}',
    bodyHtml: '<p>Hi {{first_name}} {{last_name}}</p>{{#if promo_code}}<p>Code {{promo_code}}</p>{{/if}}<a href="{{unsubscribe_url}}">stop</a>',
    bodyText: 'Hi {{first_name}} {{last_name}}{{#unless promo_code}} (no code){{/unless}} {{unsubscribe_url}}',
  });

  it('escapes values in the HTML body', () => {
    const html = compiled.html(vars);
    expect(html).toContain('<p>Hi Tom &amp; &quot;Jerry&quot; &lt;O&#x27;Neil&gt;</p>');
    expect(html).toContain('<p>Code SAVE10</p>');
    expect(html).not.toContain('"Jerry"');
    expect(html).not.toContain('<O');
  });

  it('leaves values raw in the subject and the text body', () => {
    expect(compiled.subject(vars)).toBe(`Hi Tom & "Jerry" <O'Neil>`);
    expect(compiled.text(vars)).toBe(`Hi Tom & "Jerry" <O'Neil> ${vars.unsubscribe_url}`);
    expect(compiled.text({ ...vars, promo_code: '' })).toBe(`Hi Tom & "Jerry" <O'Neil> (no code) ${vars.unsubscribe_url}`);
  });

  it('drops #if blocks on an empty value', () => {
    expect(compiled.html({ ...vars, promo_code: '' })).not.toContain('Code');
  });

  it('keeps the subject on one line whatever the values', () => {
    expect(compiled.subject({ ...vars, first_name: 'a\r\nBcc: x@example.com' })).toBe(`Hi a Bcc: x@example.com <O'Neil>`);
  });

  it('does not evaluate template syntax inside values', () => {
    expect(compiled.text({ ...vars, first_name: '{{email}}' })).toContain('Hi {{email}}');
  });
});

describe('htmlToText', () => {
  it('keeps the template variables and blocks as they were', () => {
    const text = htmlToText('<p>Hi {{first_name}},</p><p>{{#if promo_code}}Code: <b>{{promo_code}}</b>{{/if}}</p>');
    expect(text).toBe('Hi {{first_name}},\n\n{{#if promo_code}}Code: {{promo_code}}{{/if}}');
  });

  it('decodes entities, lists links and skips images', () => {
    const text = htmlToText('<p>&lt;b&gt; &amp; co</p><ul><li>one</li></ul><img src="x.png" alt="pic"><a href="{{unsubscribe_url}}">Unsubscribe</a>');
    expect(text).toContain('<b> & co');
    expect(text).toContain('* one');
    expect(text).not.toContain('pic');
    expect(text).toContain('Unsubscribe [{{unsubscribe_url}}]');
  });

  it('does not upper-case headings or table headers (that would break the variables)', () => {
    const text = htmlToText('<h1>Welcome {{first_name}}</h1><h3>Code {{promo_code}}</h3><table><tr><th>{{email}}</th></tr><tr><td>x</td></tr></table>');
    expect(text).toContain('Welcome {{first_name}}');
    expect(text).toContain('Code {{promo_code}}');
    expect(text).toContain('{{email}}');
    expect(checkTemplate('body_text', text, false)).toEqual([]);
  });
});
