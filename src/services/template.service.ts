import Handlebars from 'handlebars';
import { convert } from 'html-to-text';
import { Parser } from 'htmlparser2';
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
export const MAX_TEMPLATE_MUSTACHES = 5000;
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

/** Parses a template; returns the problems (with line and column) or none. */
export function checkTemplate(field: string, source: string, html: boolean): FieldProblem[] {
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
  walk(ast, (n) => {
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
  return problems.slice(0, MAX_PROBLEMS);
}

/**
 * True when the HTML has a link a reader can follow to `url`: an `<a href>` equal to it (entities
 * decoded, blanks around it ignored) with text or an image inside. Parsed as HTML, so the URL in an
 * attribute of another element, a comment, a script or an empty link does not count.
 */
export function hasVisibleLink(html: string, url: string): boolean {
  if (!/href/i.test(html)) return false;
  let found = false;
  let depth = 0; // elements open inside the matching link, the link itself included
  const parser = new Parser(
    {
      onopentag(name, attribs) {
        if (depth) depth++;
        else if (name === 'a' && attribs.href?.trim() === url) depth = 1;
        if (depth && name === 'img') found = true;
      },
      onclosetag() {
        if (depth) depth--;
      },
      ontext(text) {
        if (depth && text.trim()) found = true;
      },
    },
    { decodeEntities: true },
  );
  const step = 16_384; // in pieces, so that the search stops soon after the link
  for (let i = 0; i < html.length && !found; i += step) parser.write(html.slice(i, i + step));
  if (!found) parser.end();
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
