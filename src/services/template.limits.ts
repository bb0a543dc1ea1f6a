import Handlebars from 'handlebars';

/** Limits checked before parsing: Handlebars' parser is superlinear in the nesting depth and recursive. */
export const MAX_TEMPLATE_DEPTH = 20;
/** Also bounds the time Handlebars takes to compile a template (about 20 ms per 1,000), on the API's and the workers' event loop. */
export const MAX_TEMPLATE_MUSTACHES = 1000;
/** Names and symbols inside {{…}}: an allowed expression has at most four (`{{#if first_name}}`). */
const MAX_TEMPLATE_TOKENS = 4 * MAX_TEMPLATE_MUSTACHES;

/** Handlebars' jison lexer, as its parser holds it. */
export interface HandlebarsLexer {
  setInput(input: string): void;
  lex(): number | string;
  yylloc: { first_line: number };
}

/** The tokens the depth count reads. */
export const LEXER_TOKENS = [
  'EOF', 'CONTENT', 'OPEN_BLOCK', 'OPEN_INVERSE', 'OPEN_INVERSE_CHAIN', 'OPEN_PARTIAL_BLOCK', 'OPEN_RAW_BLOCK', 'OPEN_SEXPR',
  'OPEN_ENDBLOCK', 'END_RAW_BLOCK', 'CLOSE_SEXPR',
] as const;

/**
 * Handlebars' own lexer and its token ids. Handlebars has no public tokenizer (parse() is the
 * recursive, superlinear parser this check must run before), so this reads the private
 * `Parser.lexer` and `Parser.symbols_`: package.json pins handlebars to an exact version, and this
 * throws at start-up, naming what is missing, if another version holds them differently.
 */
export function handlebarsLexer(): { lexer: HandlebarsLexer; token: Record<(typeof LEXER_TOKENS)[number], number>; idOf: (t: number | string) => number } {
  const parser = (Handlebars as unknown as { Parser?: { lexer?: Partial<HandlebarsLexer>; symbols_?: Record<string, number> } }).Parser;
  const changed = (what: string) => new Error(`handlebars ${Handlebars.VERSION}: ${what}; the template depth check (template.limits.ts) needs it`);
  if (typeof parser?.lexer?.setInput !== 'function' || typeof parser.lexer.lex !== 'function') throw changed('Parser.lexer is not a jison lexer');
  const ids = parser.symbols_;
  if (!ids || typeof ids !== 'object') throw changed('Parser.symbols_ is missing');
  const missing = LEXER_TOKENS.filter((name) => !Number.isInteger(ids[name]));
  if (missing.length > 0) throw changed(`its lexer has no token ${missing.join(', ')}`);
  return {
    lexer: parser.lexer as HandlebarsLexer,
    token: ids as Record<(typeof LEXER_TOKENS)[number], number>,
    // The lexer returns most tokens by id and a few by name (END_RAW_BLOCK), as the parser reads them.
    idOf: (t) => (typeof t === 'number' ? t : (ids[t] ?? -1)),
  };
}

const { lexer: LEXER, token: TOKEN, idOf } = handlebarsLexer();
const OPENS = new Set([TOKEN.OPEN_BLOCK, TOKEN.OPEN_INVERSE, TOKEN.OPEN_PARTIAL_BLOCK, TOKEN.OPEN_RAW_BLOCK, TOKEN.OPEN_SEXPR]);
const CLOSES = new Set([TOKEN.OPEN_ENDBLOCK, TOKEN.END_RAW_BLOCK, TOKEN.CLOSE_SEXPR]);

/** Why a template is too big or too deep to parse safely, or undefined: one linear pass of Handlebars' own lexer. */
export function tooComplex(source: string): string | undefined {
  let mustaches = 0;
  for (let i = source.indexOf('{{'); i !== -1; i = source.indexOf('{{', i + 2)) {
    if (++mustaches > MAX_TEMPLATE_MUSTACHES) return `has more than ${MAX_TEMPLATE_MUSTACHES} {{…}} expressions`;
  }
  // The lexer, not a hand-made scan, so that a block end inside a comment, a string or an escape is not counted.
  const lexer = Object.create(LEXER) as HandlebarsLexer;
  lexer.setInput(source);
  const levels: number[] = []; // per open block or (…): the levels it adds, 1 plus its {{else if …}} links
  let depth = 0;
  let tokens = 0;
  try {
    for (let token = idOf(lexer.lex()); token !== TOKEN.EOF && token !== 1; token = idOf(lexer.lex())) {
      if (token !== TOKEN.CONTENT && ++tokens > MAX_TEMPLATE_TOKENS) {
        return `is too complex: more than ${MAX_TEMPLATE_TOKENS} names and symbols inside {{…}} (at line ${lexer.yylloc.first_line})`;
      }
      if (OPENS.has(token) || (token === TOKEN.OPEN_INVERSE_CHAIN && !levels.length)) {
        levels.push(1);
        depth++;
      } else if (token === TOKEN.OPEN_INVERSE_CHAIN) {
        levels[levels.length - 1]! += 1;
        depth++;
      } else if (CLOSES.has(token)) {
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
