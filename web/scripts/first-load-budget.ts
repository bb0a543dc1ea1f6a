import { gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';

interface Chunk {
  type: 'chunk';
  code: string;
  isEntry: boolean;
  imports: string[];
}

/** The JavaScript a first visit loads (the entry and its static imports), gzipped; fails the build over the budget. */
export function firstLoadBudget({ maxGzipBytes }: { maxGzipBytes: number }): Plugin {
  let report = '';
  return {
    name: 'cns-first-load-budget',
    apply: 'build',
    generateBundle(_options, bundle) {
      const chunks = new Map<string, Chunk>();
      for (const [name, item] of Object.entries(bundle)) if (item.type === 'chunk') chunks.set(name, item as unknown as Chunk);
      const seen = new Set<string>();
      const visit = (name: string) => {
        if (seen.has(name) || !chunks.has(name)) return;
        seen.add(name);
        for (const dep of chunks.get(name)!.imports) visit(dep);
      };
      for (const [name, chunk] of chunks) if (chunk.isEntry) visit(name);
      const bytes = [...seen].reduce((sum, name) => sum + gzipSync(chunks.get(name)!.code, { level: 9 }).length, 0);
      const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
      const line = `first load: ${kb(bytes)} of JavaScript gzipped in ${seen.size} file(s) (budget ${kb(maxGzipBytes)})`;
      if (bytes > maxGzipBytes) this.error(line);
      report = line;
    },
    closeBundle() {
      // After Vite's own table of chunk sizes.
      if (report) process.stdout.write(`${report}\n`);
    },
  };
}
