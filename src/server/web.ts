import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PUBLIC } from '../middlewares/access.ts';
import { TextResponse } from '../types/common.schemas.ts';

/** Where the build puts the dashboard: dist/web from src/server and from dist/server alike. */
export const WEB_ROOT = fileURLToPath(new URL('../../dist/web/', import.meta.url));

/** The server's own paths: never answered with the app, so they keep their JSON 404. */
export const RESERVED_PATHS = ['/v1', '/docs', '/metrics', '/openapi.json', '/healthz', '/readyz', '/admin/queues'];

/**
 * The app's policy. Scripts only from this origin (Vite emits no inline script); inline styles are
 * allowed because Mantine sets CSS variables through style attributes and a <style> element. Images
 * may come from any https origin: the preview shows an email as sent, and emails link their images.
 * No upgrade-insecure-requests (which helmet adds for the API): on a plain-http address other than
 * localhost it would send the app's own scripts to https and leave a blank page.
 */
export const APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "script-src-attr 'none'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: https:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'self'",
].join('; ');

const YEAR_MS = 365 * 24 * 3600 * 1000;

const NOT_BUILT =
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">' +
  '<title>Dashboard not built</title></head><body style="font-family:sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem">' +
  '<h1>The dashboard is not built</h1><p>The API is running, but the web app has not been built. ' +
  'Run <code>npm run build</code> (which <code>npm ci</code> also runs) and restart the service.</p>' +
  '<p>The API is at <a href="/docs">/docs</a>.</p></body></html>';

const isReserved = (path: string) => RESERVED_PATHS.some((p) => path === p || path.startsWith(`${p}/`));

/** Reads the top-level sections the build lists; `/` and these fall back to index.html. */
function readSections(root: string): Set<string> {
  try {
    const list = JSON.parse(readFileSync(join(root, 'app-paths.json'), 'utf8')) as unknown;
    return new Set(Array.isArray(list) ? list.filter((s): s is string => typeof s === 'string' && !isReserved(`/${s}`)) : []);
  } catch {
    return new Set();
  }
}

/**
 * Serves the dashboard built in `root` (default dist/web) at `/`: hashed assets cached for a year,
 * index.html never cached and answered for the app's own paths; every other path, and every
 * server path, gets the JSON 404. Without a build, the app's paths get a page saying to build it.
 */
export async function webApp(app: FastifyInstance, opts: { root?: string } = {}) {
  const root = opts.root ?? WEB_ROOT;
  const indexPath = join(root, 'index.html');
  const built = existsSync(indexPath);
  const index = built ? readFileSync(indexPath) : Buffer.from(NOT_BUILT);
  const sections = readSections(root);
  // Files at the top of the build other than the page itself (favicon…), served as they are.
  const topFiles = new Set(
    built ? readdirSync(root, { withFileTypes: true }).filter((e) => e.isFile() && e.name !== 'index.html').map((e) => e.name) : [],
  );

  await app.register(fastifyStatic, { root, serve: false });

  const sendApp = (reply: FastifyReply) =>
    reply.header('cache-control', 'no-store').header('content-security-policy', APP_CSP).type('text/html; charset=utf-8').send(index);

  app.get('/*', {
    config: { access: PUBLIC },
    schema: { hide: true, response: { 200: TextResponse('text/html', 'the dashboard page, or one of its built files') } },
    handler: (req: FastifyRequest, reply: FastifyReply) => {
      const path = req.url.split('?')[0]!;
      if (isReserved(path)) return reply.callNotFound();
      if (path.startsWith('/assets/')) {
        if (!built) return reply.callNotFound();
        // Names carry a content hash: a file never changes, so browsers keep it for a year. (A 404 gets no such header.)
        return reply.sendFile(path.slice('/assets/'.length), join(root, 'assets'), { maxAge: YEAR_MS, immutable: true });
      }
      const segments = path.split('/');
      if (segments.length === 2 && topFiles.has(segments[1]!)) return reply.sendFile(segments[1]!, root, { maxAge: 0 });
      const section = segments[1] ?? '';
      const isAppPath = path === '/' || (sections.has(section) && !/\.[A-Za-z0-9]+$/.test(path));
      if (isAppPath || (!built && !path.slice(1).includes('.'))) return sendApp(reply);
      return reply.callNotFound();
    },
  });
}
