import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { APP_SECTIONS } from './src/app/paths.ts';
import { firstLoadBudget } from './scripts/first-load-budget.ts';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/** Builds the dashboard into dist/web (served by the API at /). */
export default defineConfig({
  root: here('.'),
  base: '/',
  plugins: [
    react(),
    {
      name: 'cns-app-paths',
      generateBundle() {
        this.emitFile({ type: 'asset', fileName: 'app-paths.json', source: `${JSON.stringify(APP_SECTIONS)}\n` });
      },
    },
    firstLoadBudget({ maxGzipBytes: 250 * 1024 }),
  ],
  build: {
    outDir: here('../dist/web'),
    emptyOutDir: true,
    assetsDir: 'assets',
    // The server's CSP allows no inline script: keep every script in a file.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 600,
  },
  // `npm run web:dev`: the app with hot reload on :5173, the API (npm start) on :8080.
  server: { port: 5173, host: '127.0.0.1', proxy: { '/v1': 'http://127.0.0.1:8080' } },
});
