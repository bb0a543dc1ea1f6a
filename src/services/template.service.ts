import Handlebars from 'handlebars';
import { convert } from 'html-to-text';
import { Tokenizer } from 'htmlparser2';
import { MAX_BODY_LENGTH } from '../domain/campaign.ts';
import type { FieldProblem } from '../domain/errors.ts';

/** The variables a campaign template may use (API.md §4.2). */
export const TEMPLATE_VARIABLES = ['first_name', 'last_name', 'email', 'promo_code', 'unsubscribe_url'] as const;
export type TemplateVars = Record<(typeof TEMPLATE_VARIABLES)[number], string>;

const VARIABLES = new Set<string>(TEMPLATE_VARIABLES);
const BLOCK_HELPERS = new Set(['if', 'unless']);
const hbs = Handlebars.create();

type Node = { type: string; loc?: { start: { line: number; column: number } } } & Record<string, unknown>;

/** Visits every node depth-first, in source order, without recursion, until `visit` returns false. */
function walk(root: unknown, visit: (n: Node) => boolean): void {
  const stack: unknown[] = [root];
  while (stack.length) {
    const node = stack.pop();
    if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) stack.push(node[i]);
      continue;
    }
    if (!node || typeof node !== 'object') continue;
    const n = node as Node;
    if (typeof n.type === 'string' && !visit(n)) return;
    for (const key of ['path', 'params', 'inverse', 'program', 'body']) if (key in n) stack.push(n[key]);
  }
}

/** Limits checked before parsing: Handlebars' parser is superlinear in the nesting depth and recursive. */
export const MAX_TEMPLATE_DEPTH = 20;
/** Also bounds the time Handlebars takes to compile a template (about 20 ms per 1,000), on the API's and the workers' event loop. */
export const MAX_TEMPLATE_MUSTACHES = 1000;
/** A body renders to at most this many characters for any recipient, so that values cannot blow a template up. */
export const MAX_RENDERED_LENGTH = 2 * MAX_BODY_LENGTH;
/** Names and symbols inside {{…}}: an allowed expression has at most four (`{{#if first_name}}`). */
const MAX_TEMPLATE_TOKENS = 4 * MAX_TEMPLATE_MUSTACHES;
/** Problems reported per field: enough to fix a template, not a reply larger than the request. */
const MAX_PROBLEMS = 20;

interface Lexer {
  setInput(input: string): void;
  lex(): number | string;
  yylloc: { first_line: number };
}
const parser = (hbs as unknown as { Parser: { lexer: Lexer; terminals_: Record<number, string> } }).Parser;
const TOKEN = Object.fromEntries(Object.entries(parser.terminals_).map(([id, name]) => [name, Number(id)]));
const OPENS = new Set(['OPEN_BLOCK', 'OPEN_INVERSE', 'OPEN_PARTIAL_BLOCK', 'OPEN_RAW_BLOCK', 'OPEN_SEXPR'].map((t) => TOKEN[t]));
const CLOSES = new Set(['OPEN_ENDBLOCK', 'END_RAW_BLOCK', 'CLOSE_SEXPR'].map((t) => TOKEN[t]));

/** Why a template is too big or too deep to parse safely, or undefined: one linear pass of Handlebars' own lexer. */
function tooComplex(source: string): string | undefined {
  let mustaches = 0;
  for (let i = source.indexOf('{{'); i !== -1; i = source.indexOf('{{', i + 2)) {
    if (++mustaches > MAX_TEMPLATE_MUSTACHES) return `has more than ${MAX_TEMPLATE_MUSTACHES} {{…}} expressions`;
  }
  // The lexer, not a hand-made scan, so that a block end inside a comment, a string or an escape is not counted.
  const lexer = Object.create(parser.lexer) as Lexer;
  lexer.setInput(source);
  const levels: number[] = []; // per open block or (…): the levels it adds, 1 plus its {{else if …}} links
  let depth = 0;
  let tokens = 0;
  try {
    for (let token = lexer.lex(); token !== TOKEN.EOF && token !== 1; token = lexer.lex()) {
      if (token !== TOKEN.CONTENT && ++tokens > MAX_TEMPLATE_TOKENS) {
        return `is too complex: more than ${MAX_TEMPLATE_TOKENS} names and symbols inside {{…}} (at line ${lexer.yylloc.first_line})`;
      }
      if (OPENS.has(token as number) || (token === TOKEN.OPEN_INVERSE_CHAIN && !levels.length)) {
        levels.push(1);
        depth++;
      } else if (token === TOKEN.OPEN_INVERSE_CHAIN) {
        levels[levels.length - 1]! += 1;
        depth++;
      } else if (CLOSES.has(token as number)) {
        depth -= levels.pop() ?? 0;
      }
      if (depth > MAX_TEMPLATE_DEPTH) {
        return `blocks are nested more than ${MAX_TEMPLATE_DEPTH} deep at line ${lexer.yylloc.first_line} (each {{else if …}} and (…) counts as a level)`;
      }
    }
  } catch {
    // A lexical error: the parser reports it, with its position, on the prefix already found shallow enough.
  }
  return undefined;
}

/**
 * The one name a path looks up, judged by what Handlebars resolves rather than by its spelling:
 * `this`, or a single segment (`[first_name]` is first_name, `[this]` the property "this"); undefined
 * for data (@…), parent (../…) and dotted paths.
 */
function lookupOf(path: Node): string | undefined {
  const parts = path.parts as string[] | undefined;
  if (path.type !== 'PathExpression' || !parts || path.data || (path.depth as number) > 0) return undefined;
  if (parts.length === 0) return path.original === 'this' ? 'this' : undefined;
  return parts.length === 1 && parts[0] !== 'this' ? parts[0] : undefined;
}

/** The most one use of each variable can write: as is (subject, text) and HTML-escaped. */
export type ValueBounds = Record<string, { raw: number; html: number }>;

/** Value bounds for one campaign: names and addresses at their column widths, its own promo code, the longest unsubscribe URL. */
export function valueBounds(promoCode: string, unsubscribeUrl: string): ValueBounds {
  // A character is at most 2 UTF-16 units, and at most 6 once HTML-escaped (&quot;).
  const person = (chars: number) => ({ raw: 2 * chars, html: 6 * chars });
  const exact = (value: string) => ({ raw: value.length, html: hbs.escapeExpression(value).length });
  return {
    first_name: person(100),
    last_name: person(100),
    email: person(254),
    promo_code: exact(promoCode),
    unsubscribe_url: exact(unsubscribeUrl),
    this: exact(String({})),
  };
}

/**
 * Parses a template; returns the problems (with line and column) or none. With `bounds`, also
 * refuses a template that could render to more than MAX_RENDERED_LENGTH characters (both branches
 * of every block counted).
 */
export function checkTemplate(field: string, source: string, html: boolean, bounds?: ValueBounds): FieldProblem[] {
  const complex = tooComplex(source);
  if (complex) return [{ field, message: `template ${complex}` }];
  let ast: unknown;
  try {
    ast = hbs.parse(source);
  } catch (err) {
    const msg = (err as Error).message;
    const line = /on line (\d+)/.exec(msg)?.[1] ?? '?';
    const excerpt = msg.split('\n').slice(1, 3).join(' ⏎ ');
    return [{ field, message: `template does not parse at line ${line}: ${excerpt}` }];
  }
  const problems: FieldProblem[] = [];
  const at = (n: Node) => `line ${n.loc?.start.line ?? '?'}, column ${(n.loc?.start.column ?? 0) + 1}`;
  const shown = (name: string) => (name.length > 60 ? `${name.slice(0, 60)}…` : name);
  const blockNames = new Set<unknown>(); // the path of each {{#if}}/{{#unless}}: a helper, not a variable
  let rendered = 0; // the most the template can write
  walk(ast, (n) => {
    if (n.type === 'ContentStatement') rendered += String(n.original ?? n.value).length;
    else if (n.type === 'MustacheStatement' && bounds) {
      const bound = bounds[lookupOf(n.path as Node) ?? ''];
      if (bound) rendered += html && n.escaped !== false ? bound.html : bound.raw;
    }
    // Hash arguments, sub-expressions and helper calls outside #if/#unless would compile into calls that throw when rendered.
    const params = (n.params as unknown[] | undefined) ?? [];
    if ((n.type === 'MustacheStatement' || n.type === 'BlockStatement') && n.hash) {
      problems.push({ field, message: `arguments (name=value) are not allowed at ${at(n)}` });
    }
    if (n.type === 'SubExpression') problems.push({ field, message: `sub-expressions (…) are not allowed at ${at(n)}` });
    if (n.type === 'BlockStatement') {
      const path = n.path as Node;
      const name = lookupOf(path); // a quoted name ({{#"if" …}}) is a literal, reported below
      if (path.type === 'PathExpression' && (name === undefined || !BLOCK_HELPERS.has(name))) {
        problems.push({ field, message: `unknown block {{#${shown(String(path.original))}}} at ${at(n)}; use #if or #unless` });
      } else if (params.length !== 1) problems.push({ field, message: `{{#${String(path.original)}}} takes exactly one variable at ${at(n)}` });
      blockNames.add(path);
    } else if (n.type === 'MustacheStatement' && (params.length > 0 || BLOCK_HELPERS.has(String((n.path as { original?: unknown }).original)))) {
      problems.push({ field, message: `only a variable may appear in {{…}} at ${at(n)}; use {{#if …}}…{{/if}} for conditions` });
    }
    if (n.type.endsWith('Literal')) {
      // {{"constructor"}}, {{#if 1}}, {{'x'}}: a quoted name is looked up like a variable, outside the allow-list.
      problems.push({ field, message: `quoted names and literal values ("…", numbers, true, false, null) are not allowed at ${at(n)}; use ${TEMPLATE_VARIABLES.join(', ')}` });
    } else if (n.type === 'PathExpression') {
      const name = lookupOf(n);
      if (!blockNames.has(n) && name !== 'this' && !VARIABLES.has(name ?? '')) {
        problems.push({ field, message: `unknown variable {{${shown(String(n.original))}}} at ${at(n)}; use ${TEMPLATE_VARIABLES.join(', ')}` });
      }
    } else if (n.type === 'MustacheStatement' && html && n.escaped === false) {
      problems.push({ field, message: `unescaped output {{{…}}} is not allowed in HTML at ${at(n)}` });
    } else if (n.type === 'PartialStatement' || n.type === 'PartialBlockStatement' || n.type === 'DecoratorBlock' || n.type === 'Decorator') {
      problems.push({ field, message: `partials and decorators are not allowed (${at(n)})` });
    }
    return problems.length < MAX_PROBLEMS;
  });
  if (bounds && rendered > MAX_RENDERED_LENGTH && problems.length < MAX_PROBLEMS) {
    problems.push({
      field,
      message: `can render to ${rendered.toLocaleString('en')} characters for a recipient with the longest names and address, more than the ${MAX_RENDERED_LENGTH.toLocaleString('en')} allowed; use variables fewer times`,
    });
  }
  return problems.slice(0, MAX_PROBLEMS);
}

/** Elements whose content is raw text, never shown as part of a link (and never parsed for tags). */
const RAW_TEXT = new Set(['script', 'style', 'title', 'textarea', 'xmp', 'iframe', 'noembed', 'noframes', 'noscript', 'template']);

/**
 * True when the HTML has a link a reader can follow to `url`: an `<a href>` equal to it (entities
 * decoded, blanks around it ignored) with text or an image inside. Read with htmlparser2's
 * tokenizer, so the URL in an attribute of another element, a comment, a script or an empty link
 * does not count. The tokenizer alone, not the Parser: the Parser's element stack costs time
 * quadratic in the nesting depth (hundreds of milliseconds for 256 KiB of unclosed <div>s), and this
 * runs for every recipient.
 */
export function hasVisibleLink(html: string, url: string): boolean {
  if (!/href/i.test(html)) return false;
  let found = false;
  let inLink = false; // inside the content of a matching <a>
  let rawText = ''; // the raw-text element being skipped, if any
  let tag = '';
  let attribute = '';
  let value = '';
  let href: string | undefined;
  const name = (start: number, end: number) => html.slice(start, end).toLowerCase();
  const see = () => {
    found = true;
    tokenizer.pause();
  };
  const tokenizer = new Tokenizer(
    { decodeEntities: true },
    {
      onopentagname(start, end) {
        tag = name(start, end);
        href = undefined;
      },
      onattribname(start, end) {
        attribute = name(start, end);
        value = '';
      },
      onattribdata(start, end) {
        value += html.slice(start, end);
      },
      onattribentity(codepoint) {
        value += String.fromCodePoint(codepoint);
      },
      onattribend() {
        if (attribute === 'href' && href === undefined) href = value;
      },
      onopentagend() {
        if (rawText) return;
        if (tag === 'a') inLink = href?.trim() === url; // a new <a> ends the one before
        else if (tag === 'img' && inLink) see();
        else if (RAW_TEXT.has(tag)) rawText = tag;
      },
      onselfclosingtag() {
        if (!rawText && tag === 'img' && inLink) see();
      },
      onclosetag(start, end) {
        const closed = name(start, end);
        if (rawText) {
          if (closed === rawText) rawText = '';
        } else if (closed === 'a') inLink = false;
      },
      ontext(start, end) {
        if (inLink && !rawText && html.slice(start, end).trim()) see();
      },
      ontextentity(codepoint) {
        if (inLink && !rawText && String.fromCodePoint(codepoint).trim()) see();
      },
      oncomment() {},
      oncdata() {},
      ondeclaration() {},
      onprocessinginstruction() {},
      onend() {},
    },
  );
  tokenizer.write(html);
  if (!found) tokenizer.end();
  return found;
}

/** Plain text derived from an HTML template (the template variables survive as text). */
export function htmlToText(html: string): string {
  // No upper-casing of headings or header cells: it would turn {{first_name}} into the unknown {{FIRST_NAME}}.
  const keepCase = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({ selector, options: { uppercase: false } }));
  return convert(html, {
    wordwrap: 100,
    // html-to-text recurses per element: deeper content is elided rather than overflowing the stack.
    limits: { maxDepth: 100 },
    selectors: [{ selector: 'img', format: 'skip' }, ...keepCase, { selector: 'table', options: { uppercaseHeaderCells: false } }],
  });
}

/** Unicode code points in `s` (a surrogate pair is one). */
function codePoints(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n--;
      i++;
    }
  }
  return n;
}

/** The templates of a campaign as written, and what their values can be. */
export interface CampaignTemplates {
  subject: string;
  bodyHtml: string;
  /** Empty or null: derived from the HTML. */
  bodyText: string | null;
  promoCode: string | null;
  /** The longest unsubscribe URL a recipient can get. */
  unsubscribeUrl: string;
}

/** What a check or a conversion is busy with: the field a time limit blames. */
export type TemplateStage = 'subject' | 'body_html' | 'body_text' | 'derive_text';

/**
 * Checks the three templates of a campaign and derives the text body when none is given: the
 * work that can take long on hostile input, meant for a worker thread. `stage` hears of each step.
 */
export function checkCampaignTemplates(t: CampaignTemplates, stage: (s: TemplateStage) => void = () => {}): { bodyText: string; problems: FieldProblem[] } {
  const bounds = valueBounds(t.promoCode ?? '', t.unsubscribeUrl);
  const problems: FieldProblem[] = [];
  stage('subject');
  problems.push(...checkTemplate('subject', t.subject, false, bounds));
  stage('body_html');
  problems.push(...checkTemplate('body_html', t.bodyHtml, true, bounds));
  if (t.bodyText) {
    stage('body_text');
    problems.push(...checkTemplate('body_text', t.bodyText, false, bounds));
    return { bodyText: t.bodyText, problems };
  }
  if (problems.some((q) => q.field === 'body_html')) return { bodyText: '', problems };
  stage('derive_text');
  const bodyText = htmlToText(t.bodyHtml);
  const length = codePoints(bodyText); // as the schema counts body_text
  if (length > MAX_BODY_LENGTH) {
    const message = `is too long as plain text: the text body derived from it has ${length.toLocaleString('en')} characters, more than the ${MAX_BODY_LENGTH.toLocaleString('en')} allowed; shorten the HTML or give body_text`;
    problems.push({ field: 'body_html', message });
    return { bodyText: '', problems };
  }
  // The derived text is a template too (decoded entities can form tags): it must compile as well.
  stage('body_html');
  problems.push(...checkTemplate('body_html', bodyText, false, bounds).map((q) => ({ ...q, message: `(as plain text) ${q.message}` })));
  return { bodyText, problems };
}

export interface CompiledCampaign {
  subject: (v: TemplateVars) => string;
  html: (v: TemplateVars) => string;
  text: (v: TemplateVars) => string;
}

/** Compiles the three templates of a campaign; values are HTML-escaped in the HTML body only. */
export function compileCampaign(t: { subject: string; bodyHtml: string; bodyText: string }): CompiledCampaign {
  const opts = { strict: false, knownHelpersOnly: true, knownHelpers: { if: true, unless: true } } as const;
  const subject = hbs.compile(t.subject, { ...opts, noEscape: true });
  return {
    subject: (v) => subject(v).replace(/[\r\n]+/g, ' '),
    html: hbs.compile(t.bodyHtml, opts),
    text: hbs.compile(t.bodyText, { ...opts, noEscape: true }),
  };
}
