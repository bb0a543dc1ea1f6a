import Handlebars from 'handlebars';
import { MAX_BODY_LENGTH } from '../domain/campaign.ts';
import type { FieldProblem } from '../domain/errors.ts';
import { tooComplex } from './template.limits.ts';

type Node = hbs.AST.Node;
type Path = hbs.AST.PathExpression;

/** The variables a campaign template may use. */
export const TEMPLATE_VARIABLES = ['first_name', 'last_name', 'email', 'promo_code', 'unsubscribe_url'] as const;
export type TemplateVars = Record<(typeof TEMPLATE_VARIABLES)[number], string>;

const VARIABLES = new Set<string>(TEMPLATE_VARIABLES);
const BLOCK_HELPERS = new Set(['if', 'unless']);

/** A body renders to at most this many characters for any recipient, so that values cannot blow a template up. */
export const MAX_RENDERED_LENGTH = 2 * MAX_BODY_LENGTH;
/** Problems reported per field: enough to fix a template, not a reply larger than the request. */
const MAX_PROBLEMS = 20;

/**
 * The one name a path looks up, judged by what Handlebars resolves rather than by its spelling:
 * `this`, or a single segment (`[first_name]` is first_name, `[this]` the property "this"); undefined
 * for data (@…), parent (../…) and dotted paths, and for literals.
 */
function lookupOf(path: Node): string | undefined {
  if (path.type !== 'PathExpression') return undefined;
  const { parts, data, depth, original } = path as Path;
  if (data || depth > 0) return undefined;
  if (parts.length === 0) return original === 'this' ? 'this' : undefined;
  return parts.length === 1 && parts[0] !== 'this' ? parts[0] : undefined;
}

/** The most one use of each variable can write: as is (subject, text) and HTML-escaped. */
export type ValueBounds = Record<string, { raw: number; html: number }>;

/** Value bounds for one campaign: names and addresses at their column widths, its own promo code, the longest unsubscribe URL. */
export function valueBounds(promoCode: string, unsubscribeUrl: string): ValueBounds {
  // A character is at most 2 UTF-16 units, and at most 6 once HTML-escaped (&quot;).
  const person = (chars: number) => ({ raw: 2 * chars, html: 6 * chars });
  const exact = (value: string) => ({ raw: value.length, html: Handlebars.escapeExpression(value).length });
  return {
    first_name: person(100),
    last_name: person(100),
    email: person(254),
    promo_code: exact(promoCode),
    unsubscribe_url: exact(unsubscribeUrl),
    this: exact(String({})),
  };
}

const at = (n: Node) => `line ${n.loc?.start.line ?? '?'}, column ${(n.loc?.start.column ?? 0) + 1}`;
const shown = (name: string) => (name.length > 60 ? `${name.slice(0, 60)}…` : name);

/**
 * Walks a parsed template (Handlebars' own Visitor, in source order) and collects what is outside
 * the allow-list, and the most the template can write. Only node handlers are methods here: the
 * Visitor dispatches on node types.
 */
class AllowListVisitor extends Handlebars.Visitor {
  readonly problems: FieldProblem[] = [];
  /** The path of each {{#if}}/{{#unless}}: a helper, not a variable. */
  readonly blockNames = new Set<Node>();
  /** The most the template can write. */
  rendered = 0;

  constructor(
    readonly field: string,
    readonly html: boolean,
    readonly bounds: ValueBounds | undefined,
  ) {
    super();
  }

  #report(message: string): void {
    if (this.problems.length < MAX_PROBLEMS) this.problems.push({ field: this.field, message });
  }

  // Hash arguments, sub-expressions and helper calls outside #if/#unless would compile into calls that throw when rendered.
  #noArguments(n: hbs.AST.MustacheStatement | hbs.AST.BlockStatement): void {
    if (n.hash) this.#report(`arguments (name=value) are not allowed at ${at(n)}`);
  }

  override ContentStatement(n: hbs.AST.ContentStatement): void {
    this.rendered += String(n.original ?? n.value).length;
  }

  override MustacheStatement(n: hbs.AST.MustacheStatement): void {
    const bound = this.bounds?.[lookupOf(n.path) ?? ''];
    if (bound) this.rendered += this.html && n.escaped !== false ? bound.html : bound.raw;
    this.#noArguments(n);
    if (n.params.length > 0 || BLOCK_HELPERS.has(String((n.path as { original?: unknown }).original))) {
      this.#report(`only a variable may appear in {{…}} at ${at(n)}; use {{#if …}}…{{/if}} for conditions`);
    }
    if (this.html && n.escaped === false) this.#report(`unescaped output {{{…}}} is not allowed in HTML at ${at(n)}`);
    this.#children(n);
  }

  override BlockStatement(n: hbs.AST.BlockStatement): void {
    this.#noArguments(n);
    const path = n.path as Node;
    const name = lookupOf(path); // a quoted name ({{#"if" …}}) is a literal, reported when visited
    if (path.type === 'PathExpression' && (name === undefined || !BLOCK_HELPERS.has(name))) {
      this.#report(`unknown block {{#${shown(String(n.path.original))}}} at ${at(n)}; use #if or #unless`);
    } else if (n.params.length !== 1) this.#report(`{{#${String(n.path.original)}}} takes exactly one variable at ${at(n)}`);
    this.blockNames.add(path);
    this.#children(n);
    if (n.program) this.accept(n.program);
    if (n.inverse) this.accept(n.inverse);
  }

  override SubExpression(n: hbs.AST.SubExpression): void {
    this.#report(`sub-expressions (…) are not allowed at ${at(n)}`);
    this.#children(n);
  }

  /** The path and the parameters; a hash is refused as a whole, its values are not looked at. */
  #children(n: { path: Node; params: hbs.AST.Expression[] }): void {
    this.accept(n.path);
    for (const p of n.params) this.accept(p);
  }

  override PathExpression(n: Path): void {
    const name = lookupOf(n);
    if (!this.blockNames.has(n) && name !== 'this' && !VARIABLES.has(name ?? '')) {
      this.#report(`unknown variable {{${shown(String(n.original))}}} at ${at(n)}; use ${TEMPLATE_VARIABLES.join(', ')}`);
    }
  }

  // {{"constructor"}}, {{#if 1}}, {{'x'}}: a quoted name is looked up like a variable, outside the allow-list.
  override StringLiteral(n: Node): void {
    this.#report(`quoted names and literal values ("…", numbers, true, false, null) are not allowed at ${at(n)}; use ${TEMPLATE_VARIABLES.join(', ')}`);
  }
  override NumberLiteral(n: Node): void {
    this.StringLiteral(n);
  }
  override BooleanLiteral(n: Node): void {
    this.StringLiteral(n);
  }
  override UndefinedLiteral(n?: Node): void {
    this.StringLiteral(n!);
  }
  override NullLiteral(n?: Node): void {
    this.StringLiteral(n!);
  }

  // Partials and decorators are refused as a whole; what they hold is judged too, as anywhere else.
  #refuse(n: Node): void {
    this.#report(`partials and decorators are not allowed (${at(n)})`);
  }
  override PartialStatement(n: hbs.AST.PartialStatement): void {
    this.#refuse(n);
    for (const p of n.params) this.accept(p);
  }
  override PartialBlockStatement(n: hbs.AST.PartialBlockStatement): void {
    this.#refuse(n);
    for (const p of n.params) this.accept(p);
    this.accept(n.program);
  }
  override Decorator(n: hbs.AST.Decorator): void {
    this.#refuse(n);
    this.#children(n);
  }
  override DecoratorBlock(n: hbs.AST.DecoratorBlock): void {
    this.#refuse(n);
    this.#children(n);
    if (n.program) this.accept(n.program);
    if (n.inverse) this.accept(n.inverse);
  }
}

/**
 * Parses a template; returns the problems (with line and column) or none. With `bounds`, also
 * refuses a template that could render to more than MAX_RENDERED_LENGTH characters (both branches
 * of every block counted).
 */
export function checkTemplate(field: string, source: string, html: boolean, bounds?: ValueBounds): FieldProblem[] {
  const complex = tooComplex(source);
  if (complex) return [{ field, message: `template ${complex}` }];
  let ast: hbs.AST.Program;
  try {
    ast = Handlebars.parse(source);
  } catch (err) {
    const msg = (err as Error).message;
    const line = /on line (\d+)/.exec(msg)?.[1] ?? '?';
    const excerpt = msg.split('\n').slice(1, 3).join(' ⏎ ');
    return [{ field, message: `template does not parse at line ${line}: ${excerpt}` }];
  }
  const visitor = new AllowListVisitor(field, html, bounds);
  visitor.accept(ast);
  const { problems, rendered } = visitor;
  if (bounds && rendered > MAX_RENDERED_LENGTH && problems.length < MAX_PROBLEMS) {
    problems.push({
      field,
      message: `can render to ${rendered.toLocaleString('en')} characters for a recipient with the longest names and address, more than the ${MAX_RENDERED_LENGTH.toLocaleString('en')} allowed; use variables fewer times`,
    });
  }
  return problems;
}
