import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { handlebarsLexer, LEXER_TOKENS, tooComplex } from '../../src/services/template.limits.ts';

/**
 * The depth check before parsing reads Handlebars' private lexer (Parser.lexer, Parser.symbols_):
 * these fail, naming what changed, if an upgrade moves them, before any template check can go wrong.
 */
describe("Handlebars' private lexer, as the depth check uses it", () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { dependencies: Record<string, string> };

  it('is pinned: package.json names the exact version installed', () => {
    expect(pkg.dependencies.handlebars, 'pin handlebars to an exact version (npm i -E handlebars@…)').toMatch(/^\d+\.\d+\.\d+$/);
    expect(Handlebars.VERSION).toBe(pkg.dependencies.handlebars);
  });

  it('is reachable, with every token the count needs', () => {
    const { lexer, token } = handlebarsLexer();
    expect(typeof lexer.setInput).toBe('function');
    expect(typeof lexer.lex).toBe('function');
    for (const name of LEXER_TOKENS) expect(Number.isInteger(token[name]), name).toBe(true);
  });

  it('lexes blocks, chains, sub-expressions, comments and escapes as the count expects', () => {
    const { lexer: shared, token, idOf } = handlebarsLexer();
    const names = new Map(LEXER_TOKENS.map((name) => [token[name], name]));
    const lex = (source: string) => {
      const lexer = Object.create(shared) as typeof shared;
      lexer.setInput(source);
      const seen: string[] = [];
      for (let t = idOf(lexer.lex()); t !== token.EOF && t !== 1; t = idOf(lexer.lex())) seen.push(names.get(t) ?? 'other');
      return { seen, line: lexer.yylloc.first_line };
    };
    expect(lex('a{{#if x}}b{{else if y}}c{{/if}}').seen.filter((n) => n !== 'other')).toEqual([
      'CONTENT', 'OPEN_BLOCK', 'CONTENT', 'OPEN_INVERSE_CHAIN', 'CONTENT', 'OPEN_ENDBLOCK',
    ]);
    expect(lex('{{^x}}{{/x}}{{#> p}}{{/p}}').seen.filter((n) => n !== 'other')).toEqual(['OPEN_INVERSE', 'OPEN_ENDBLOCK', 'OPEN_PARTIAL_BLOCK', 'OPEN_ENDBLOCK']);
    expect(lex('{{x (y z)}}').seen.filter((n) => n !== 'other')).toEqual(['OPEN_SEXPR', 'CLOSE_SEXPR']);
    expect(lex('{{{{raw}}}}{{/if}}{{{{/raw}}}}').seen.filter((n) => n !== 'other')).toEqual(['OPEN_RAW_BLOCK', 'CONTENT', 'END_RAW_BLOCK']);
    // A block end inside a comment or after a backslash is content, not a block end.
    expect(lex('{{!-- {{/if}} --}}\\{{/if}}').seen).not.toContain('OPEN_ENDBLOCK');
    expect(lex('a\nb\n{{x}}').line).toBe(3);
  });

  it('keeps its own state per template: two counts in turn do not share a position', () => {
    const deep = '{{#if first_name}}'.repeat(21) + '{{/if}}'.repeat(21);
    expect(tooComplex(deep)).toMatch(/nested more than 20 deep at line 1/);
    expect(tooComplex('x')).toBeUndefined();
    expect(tooComplex(deep)).toMatch(/nested more than 20/);
    // END_RAW_BLOCK comes from the lexer by name, not by id: raw blocks in a row are not nested.
    expect(tooComplex('{{{{raw}}}}x{{{{/raw}}}}'.repeat(25))).toBeUndefined();
  });
});
