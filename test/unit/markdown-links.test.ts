import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Every relative link and image in every Markdown file of the repository points at a file that
 * exists, and every `#anchor` into a Markdown file names one of its headings (GitHub's slugs).
 * Files only: the repository's own Markdown, read from disk.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'var', '.git']);

/** Every *.md under `dir`, skipping dependencies, build output, local state and git's own files. */
function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return SKIPPED_DIRS.has(entry.name) ? [] : markdownFiles(path);
    return entry.isFile() && entry.name.toLowerCase().endsWith('.md') ? [path] : [];
  });
}

/** The text with fenced code blocks blanked out (line numbers kept), so code is never read as a link or a heading. */
function withoutFences(text: string): string {
  const lines = text.split('\n');
  let fence: string | undefined;
  const kept = lines.map((line) => {
    const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === undefined && marker) {
      fence = marker;
      return '';
    }
    if (fence !== undefined) {
      if (marker && marker[0] === fence[0] && marker.length >= fence.length && line.trim() === marker) fence = undefined;
      return '';
    }
    return line;
  });
  return kept.join('\n');
}

/** …and inline code spans too (a run of backticks, anything, the same run, as in CommonMark), so code is never read as a link. */
function withoutCode(text: string): string {
  return withoutFences(text).replace(/(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)/g, (span) => span.replace(/[^\n]/g, ' '));
}

interface Link {
  line: number;
  target: string;
}

/** The destinations of inline links and images (`[x](dest)`, `![x](dest)`) and of reference definitions (`[x]: dest`). */
function linksOf(markdown: string): Link[] {
  const text = withoutCode(markdown);
  const lineOf = (index: number) => text.slice(0, index).split('\n').length;
  const links: Link[] = [];
  // `](` then a destination: <anything but >> or a run without spaces (balanced parentheses allowed), then an optional title.
  for (const m of text.matchAll(/\]\(\s*(<[^>\n]*>|(?:[^\s()]|\([^\s()]*\))*)(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*\)/g)) {
    links.push({ line: lineOf(m.index), target: m[1]!.replace(/^<|>$/g, '') });
  }
  for (const m of text.matchAll(/^ {0,3}\[[^\]\n]+\]:\s*(<[^>\n]*>|\S+)/gm)) {
    links.push({ line: lineOf(m.index), target: m[1]!.replace(/^<|>$/g, '') });
  }
  return links;
}

/** GitHub's anchor for a heading's text: lower case, punctuation other than - and _ dropped, each space a -. */
function slug(heading: string): string {
  const plain = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images: their text
    .replace(/<[^>]+>/g, '') // inline HTML
    .replace(/[`*]/g, '') // code and emphasis marks
    .trim();
  return plain.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '').replace(/ /g, '-');
}

/** The anchors a Markdown file offers: its headings' slugs (repeats get -1, -2, …), and explicit `id`/`name` attributes. */
function anchorsOf(markdown: string): Set<string> {
  const text = withoutFences(markdown);
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const m of text.matchAll(/^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/gm)) {
    const base = slug(m[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  // Setext headings: a line of text underlined with = or -.
  for (const m of text.matchAll(/^([^\n#>|].*)\n {0,3}(=+|-+)[ \t]*$/gm)) {
    if (m[1]!.trim() !== '' && !/^\s*[-*+] /.test(m[1]!)) anchors.add(slug(m[1]!));
  }
  for (const m of withoutCode(markdown).matchAll(/<[a-z][^>]*\s(?:id|name)="([^"]+)"/gi)) anchors.add(m[1]!);
  return anchors;
}

const anchorCache = new Map<string, Set<string>>();
function anchorsOfFile(path: string): Set<string> {
  let anchors = anchorCache.get(path);
  if (!anchors) {
    anchors = anchorsOf(readFileSync(path, 'utf8'));
    anchorCache.set(path, anchors);
  }
  return anchors;
}

/** What is wrong with the relative links of one Markdown file (`file` absolute, `markdown` its text): one sentence each. */
function problemsOf(file: string, markdown: string): string[] {
  const problems: string[] = [];
  const where = (link: Link) => `${relative(ROOT, file).split(sep).join('/')}:${link.line}: (${link.target})`;
  for (const link of linksOf(markdown)) {
    const { target } = link;
    if (target === '' || /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) continue; // absolute: https:, mailto:, …
    const hash = target.indexOf('#');
    const pathPart = hash === -1 ? target : target.slice(0, hash);
    const anchor = hash === -1 ? undefined : target.slice(hash + 1);
    let path = file; // `#anchor` alone: this file
    if (pathPart !== '') {
      let decoded: string;
      try {
        decoded = decodeURIComponent(pathPart.replace(/\?.*$/, ''));
      } catch {
        problems.push(`${where(link)} has a bad percent-encoding`);
        continue;
      }
      path = decoded.startsWith('/') ? join(ROOT, decoded) : resolve(dirname(file), decoded);
    }
    if (path !== file && !existsSync(path)) {
      problems.push(`${where(link)} points at ${relative(ROOT, path).split(sep).join('/')}, which does not exist`);
      continue;
    }
    if (anchor === undefined || anchor === '' || !path.toLowerCase().endsWith('.md') || (path !== file && !statSync(path).isFile())) continue;
    const anchors = path === file ? anchorsOf(markdown) : anchorsOfFile(path);
    let wanted: string;
    try {
      wanted = decodeURIComponent(anchor);
    } catch {
      wanted = anchor;
    }
    if (!anchors.has(wanted)) {
      problems.push(`${where(link)} names #${anchor}, which is no heading of ${relative(ROOT, path).split(sep).join('/')}`);
    }
  }
  return problems;
}

describe('the Markdown link checker', () => {
  it('makes GitHub’s slugs', () => {
    expect(slug('Configuration errors (exit status 2)')).toBe('configuration-errors-exit-status-2');
    expect(slug('The `cns` command')).toBe('the-cns-command');
    expect(slug('`cns dkim-keygen`')).toBe('cns-dkim-keygen');
    expect(slug('Bounces, complaints and the suppression list')).toBe('bounces-complaints-and-the-suppression-list');
    expect(slug('Users (admin)')).toBe('users-admin');
    expect(slug('Search, audience — and TIMELINE')).toBe('search-audience--and-timeline');
    expect(slug('snake_case and [a link](x.md)')).toBe('snake_case-and-a-link');
  });

  it('numbers repeated headings and ignores headings and links in code', () => {
    const md = ['# Title', '## Notes', '## Notes', '## `cns start`', '```sh', '# not a heading', '[not](a-link.md)', '```', 'See `[code](nowhere.md)`.'].join('\n');
    expect([...anchorsOf(md)]).toEqual(['title', 'notes', 'notes-1', 'cns-start']);
    expect(linksOf(md)).toEqual([]);
  });

  it('reads links, images, titles, angle brackets and reference definitions, with their lines', () => {
    const md = ['[a](one.md) and ![b](img/two.png "Two")', '[c](<with space.md#part>)', '', '[ref]: three.md#x'].join('\n');
    expect(linksOf(md)).toEqual([
      { line: 1, target: 'one.md' },
      { line: 1, target: 'img/two.png' },
      { line: 2, target: 'with space.md#part' },
      { line: 4, target: 'three.md#x' },
    ]);
  });

  it('reports a missing file, a missing heading in another file and in the same one, and passes good links', () => {
    const file = join(ROOT, 'docs', 'virtual.md');
    const md = [
      '# Virtual',
      '[gone](no-such-guide.md), [bad anchor](api.md#no-such-heading), [here](#nowhere),',
      '[fine](api.md#errors), [self](#virtual), [image](screenshots/review.png), [site](https://example.com/x.md)',
    ].join('\n');
    expect(problemsOf(file, md)).toEqual([
      'docs/virtual.md:2: (no-such-guide.md) points at docs/no-such-guide.md, which does not exist',
      'docs/virtual.md:2: (api.md#no-such-heading) names #no-such-heading, which is no heading of docs/api.md',
      'docs/virtual.md:2: (#nowhere) names #nowhere, which is no heading of docs/virtual.md',
    ]);
  });
});

describe('the repository’s Markdown', () => {
  const files = markdownFiles(ROOT);

  it('is found: the README and the guides, nothing from node_modules, dist or var', () => {
    const names = files.map((f) => relative(ROOT, f).split(sep).join('/'));
    expect(names).toContain('README.md');
    expect(names).toContain('docs/configuration.md');
    expect(names.filter((n) => /^(node_modules|dist|var|\.git)\//.test(n))).toEqual([]);
  });

  it('links every guide in docs/ from the README', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const linked = new Set(linksOf(readme).map((l) => l.target.replace(/#.*$/, '')));
    const guides = readdirSync(join(ROOT, 'docs')).filter((n) => n.endsWith('.md'));
    expect(guides.length).toBeGreaterThan(5);
    expect(guides.filter((g) => !linked.has(`docs/${g}`))).toEqual([]);
  });

  it.each(files.map((f) => [relative(ROOT, f).split(sep).join('/'), f] as const))('%s: every relative link and image resolves', (_name, file) => {
    expect(problemsOf(file, readFileSync(file, 'utf8'))).toEqual([]);
  });
});
