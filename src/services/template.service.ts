import Handlebars from 'handlebars';
import { convert } from 'html-to-text';
import type { FieldProblem } from '../domain/errors.ts';

/** The variables a campaign template may use (API.md §4.2). */
export const TEMPLATE_VARIABLES = ['first_name', 'last_name', 'email', 'promo_code', 'unsubscribe_url'] as const;
export type TemplateVars = Record<(typeof TEMPLATE_VARIABLES)[number], string>;

const ALLOWED = new Set<string>([...TEMPLATE_VARIABLES, 'this']);
const BLOCK_HELPERS = new Set(['if', 'unless']);
const hbs = Handlebars.create();

type Node = { type: string; loc?: { start: { line: number; column: number } } } & Record<string, unknown>;

function walk(node: unknown, visit: (n: Node) => void): void {
  if (Array.isArray(node)) return node.forEach((n) => walk(n, visit));
  if (!node || typeof node !== 'object') return;
  const n = node as Node;
  if (typeof n.type === 'string') visit(n);
  for (const key of ['body', 'program', 'inverse', 'params', 'path']) if (key in n) walk(n[key], visit);
}

/** Parses a template; returns the problems (with line and column) or none. */
export function checkTemplate(field: string, source: string, html: boolean): FieldProblem[] {
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
  walk(ast, (n) => {
    // Hash arguments, sub-expressions and helper calls outside #if/#unless would compile into calls that throw when rendered.
    const params = (n.params as unknown[] | undefined) ?? [];
    if ((n.type === 'MustacheStatement' || n.type === 'BlockStatement') && n.hash) {
      problems.push({ field, message: `arguments (name=value) are not allowed at ${at(n)}` });
    }
    if (n.type === 'SubExpression') problems.push({ field, message: `sub-expressions (…) are not allowed at ${at(n)}` });
    if (n.type === 'BlockStatement') {
      const name = (n.path as { original?: string }).original ?? '';
      if (!BLOCK_HELPERS.has(name)) problems.push({ field, message: `unknown block {{#${name}}} at ${at(n)}; use #if or #unless` });
      else if (params.length !== 1) problems.push({ field, message: `{{#${name}}} takes exactly one variable at ${at(n)}` });
    } else if (n.type === 'MustacheStatement' && (params.length > 0 || BLOCK_HELPERS.has(String((n.path as { original?: unknown }).original)))) {
      problems.push({ field, message: `only a variable may appear in {{…}} at ${at(n)}; use {{#if …}}…{{/if}} for conditions` });
    }
    if (n.type === 'PathExpression') {
      const name = String(n.original);
      if (!ALLOWED.has(name) && !BLOCK_HELPERS.has(name)) {
        problems.push({ field, message: `unknown variable {{${name}}} at ${at(n)}; use ${TEMPLATE_VARIABLES.join(', ')}` });
      }
    } else if (n.type === 'MustacheStatement' && html && n.escaped === false) {
      problems.push({ field, message: `unescaped output {{{…}}} is not allowed in HTML at ${at(n)}` });
    } else if (n.type === 'PartialStatement' || n.type === 'PartialBlockStatement' || n.type === 'DecoratorBlock' || n.type === 'Decorator') {
      problems.push({ field, message: `partials and decorators are not allowed (${at(n)})` });
    }
  });
  return problems;
}

/** Plain text derived from an HTML template (the template variables survive as text). */
export function htmlToText(html: string): string {
  // No upper-casing of headings or header cells: it would turn {{first_name}} into the unknown {{FIRST_NAME}}.
  const keepCase = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({ selector, options: { uppercase: false } }));
  return convert(html, {
    wordwrap: 100,
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
