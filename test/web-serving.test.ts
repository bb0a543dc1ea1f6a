import Fastify from 'fastify';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerErrorHandler } from '../src/middlewares/error-handler.ts';
import { APP_CSP, RESERVED_PATHS, WEB_ROOT, webApp } from '../src/server/web.ts';
import { ensureWebBuild } from './browser/build.ts';
import { createTestEnv, type TestEnv } from './helpers.ts';

let t: TestEnv;
let index: string;
let entryScript: string;

beforeAll(async () => {
  await ensureWebBuild();
  index = readFileSync(join(WEB_ROOT, 'index.html'), 'utf8');
  entryScript = /<script type="module" crossorigin src="(\/assets\/[^"]+\.js)"/.exec(index)![1]!;
  t = await createTestEnv('web_serving');
});
afterAll(() => t?.close());

const get = (url: string, method: 'GET' | 'HEAD' | 'POST' = 'GET') => t.app.inject({ method, url });

/** The directives of a Content-Security-Policy header. */
function directives(header: string | string[] | number | undefined): Map<string, string[]> {
  return new Map(
    String(header)
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...values]) => [name!, values]),
  );
}

describe('the dashboard at /', () => {
  it('serves index.html at / and on the app’s own paths, never cached', async () => {
    for (const url of ['/', '/signin', '/campaigns', '/campaigns/12', '/campaigns/12/edit?x=1', '/approvals/3', '/offers', '/profile']) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type'], url).toBe('text/html; charset=utf-8');
      expect(res.headers['cache-control'], url).toBe('no-store');
      expect(res.body, url).toBe(index);
    }
    const head = await get('/campaigns', 'HEAD');
    expect(head.statusCode).toBe(200);
    expect(head.headers['cache-control']).toBe('no-store');
  });

  it('serves hashed assets cached for a year as immutable', async () => {
    const res = await get(entryScript);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^(text|application)\/javascript/);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.headers.etag).toBeTruthy();
    const css = /href="(\/assets\/[^"]+\.css)"/.exec(index)![1]!;
    expect((await get(css)).headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('answers a missing asset with the JSON 404 and no year-long caching', async () => {
    const res = await get('/assets/index-doesnotexist.js');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
    expect(String(res.headers['cache-control'] ?? '')).not.toMatch(/immutable|max-age=31536000/);
  });

  it('serves top-level files of the build (the icon) but not index.html under its own name', async () => {
    const icon = await get('/favicon.svg');
    expect(icon.statusCode).toBe(200);
    expect(icon.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(String(icon.headers['cache-control'])).not.toMatch(/immutable/);
    expect((await get('/index.html')).statusCode).toBe(404);
  });

  it('leaves /admin/queues to the queue dashboard, whose gate answers, never the app', async () => {
    const res = await get('/admin/queues');
    expect(res.statusCode).toBe(401);
    expect(res.body).not.toContain('<div id="root">');
  });

  it.each(RESERVED_PATHS.flatMap((p) => [`${p}/nope`, ...(p === '/v1' ? [p] : [])]))(
    'never falls back to the app for the server’s path %s: JSON 404 in the error shape',
    async (url) => {
      const res = await get(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.json().error.code).toBe('NOT_FOUND');
    },
  );

  it.each(['/nope', '/wp-login.php', '/campaigns.js', '/campaigns/12/app.js', '/v2/campaigns', '/favicon.ico', '/app-paths'])(
    'answers %s, which is not the app’s, with the JSON 404',
    async (url) => {
      const res = await get(url);
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('NOT_FOUND');
    },
  );

  it('keeps API routes and other methods as they were', async () => {
    expect((await get('/healthz')).json()).toEqual({ status: 'ok' });
    expect((await get('/v1/campaigns')).statusCode).toBe(401);
    const post = await get('/campaigns', 'POST');
    expect(post.statusCode).toBe(404);
    expect(post.json().error.code).toBe('NOT_FOUND');
  });

  it('serves nothing outside the build through encoded or dotted paths (raw over a socket)', async () => {
    // inject() normalises the path; a socket sends it as written.
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as AddressInfo;
    const raw = (path: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode!, body }));
        });
        req.on('error', reject);
        req.end();
      });
    for (const url of [
      '/assets/..%2f..%2fpackage.json',
      '/assets/%2e%2e/index.html',
      '/assets/%2e%2e/%2e%2e/package.json',
      '/assets/../../package.json',
      '/assets/..\\..\\package.json',
      '/assets//etc/passwd',
      '/%2e%2e/package.json',
      '/assets/%00.js',
    ]) {
      const res = await raw(url);
      expect(res.status, url).toBeGreaterThanOrEqual(400);
      expect(res.status, url).toBeLessThan(500);
      expect(res.body, url).not.toContain('campaign-notification-service');
      expect(res.body, url).not.toContain('<div id="root">');
      expect(() => JSON.parse(res.body), url).not.toThrow();
    }
  });
});

describe('the content security policy', () => {
  it('gives the app a policy with scripts from this origin only, no inline script', async () => {
    const res = await get('/campaigns/1');
    expect(res.headers['content-security-policy']).toBe(APP_CSP);
    const csp = directives(res.headers['content-security-policy']);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('script-src-attr')).toEqual(["'none'"]);
    expect(csp.get('default-src')).toEqual(["'self'"]);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'self'"]);
    // Mantine's CSS variables need inline styles; nothing else is inline.
    expect(csp.get('style-src')).toEqual(["'self'", "'unsafe-inline'"]);
    for (const [name, values] of csp) expect(values, name).not.toContain("'unsafe-eval'");
    // The other security headers of the API stay.
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
  });

  it('builds a page whose every script is a file of this origin (nothing the policy would block)', () => {
    const scripts = [...index.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(attrs).toMatch(/\bsrc="\/assets\/[^"]+\.js"/);
      expect(body!.trim()).toBe('');
    }
    expect(index).not.toMatch(/\son[a-z]+=/i); // no inline event handlers
  });

  it('leaves the API’s own policy on API answers', async () => {
    const res = await get('/healthz');
    expect(res.headers['content-security-policy']).not.toBe(APP_CSP);
    expect(directives(res.headers['content-security-policy']).get('script-src')).toEqual(["'self'"]);
  });
});

describe('without a build', () => {
  it('answers the app’s paths with a page saying to build it, and keeps the 404s', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'cns-web-'));
    const app = Fastify();
    registerErrorHandler(app);
    await app.register(webApp, { root: join(empty, 'missing') });
    try {
      for (const url of ['/', '/campaigns', '/anything']) {
        const res = await app.inject({ url });
        expect(res.statusCode, url).toBe(200);
        expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
        expect(res.headers['cache-control']).toBe('no-store');
        expect(res.body).toContain('npm run build');
      }
      for (const url of ['/assets/index-abc.js', '/v1/nope', '/docs/x', '/favicon.svg']) {
        const res = await app.inject({ url });
        expect(res.statusCode, url).toBe(404);
        expect(res.json().error.code, url).toBe('NOT_FOUND');
      }
    } finally {
      await app.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
