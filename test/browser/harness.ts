// A real stack for browser tests: the built dashboard and the API with its workers on a free
// loopback port (own database and Redis prefix), an SMTP sink, and Debian's Chromium driven by
// playwright-core (never a downloaded browser).
import { AxeBuilder } from '@axe-core/playwright';
import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { startWorkers } from '../../src/worker/worker.ts';
import { bearer, createTestEnv, login, userWithRole, type TestEnv, type TestUser } from '../helpers.ts';
import { startSmtpSink, type SinkOptions, type SmtpSink } from '../smtp.ts';
import { ensureWebBuild } from './build.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/**
 * Where screenshots go: docs/screenshots/ (committed, shown in the README) only when
 * UPDATE_SCREENSHOTS=1, else var/screenshots/ (ignored by git) to look at. A PNG re-encoded from the
 * same page differs by a few bytes each run, so writing the committed ones every run would change
 * them every run.
 */
export const SCREENSHOTS = fileURLToPath(new URL(process.env.UPDATE_SCREENSHOTS === '1' ? '../../docs/screenshots/' : '../../var/screenshots/', import.meta.url));

export interface Stack {
  t: TestEnv;
  sink: SmtpSink;
  baseUrl: string;
  browser: Browser;
  close(): Promise<void>;
}

/** Builds the app if needed, starts the API, the workers, the sink and the browser; `sink` and `env` adjust the sink and the settings. */
export async function startStack(name: string, opts: { sink?: SinkOptions; env?: Record<string, string> } = {}): Promise<Stack> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
  await ensureWebBuild();
  const sink = await startSmtpSink(opts.sink);
  // Access tokens live 2 s: the app refreshes its session all through the tests, as it would
  // every 15 minutes in use. A refused recipient is retried after 2 s, 4 s…: while the sink refuses,
  // a campaign stays `sending` long enough to be paused by clicking.
  const t = await createTestEnv(name, {
    SMTP_URL: sink.url,
    SEND_BATCH_SIZE: '5',
    LEDGER_FLUSH_INTERVAL: '20ms',
    ACCESS_TOKEN_TTL: '2s',
    SEND_BACKOFF: '2s',
    // A busy test machine can take the worker threads past the 2 s default: a slow check would read
    // as a template that is too complex, not the problem the test looks for.
    TEMPLATE_CHECK_TIMEOUT: '20s',
    ...opts.env,
  });
  const workers = await startWorkers(t.ctx);
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = t.app.server.address() as AddressInfo;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Playwright gives every launch a fresh temporary --user-data-dir of its own.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    t,
    sink,
    baseUrl: `http://127.0.0.1:${port}`,
    browser,
    async close() {
      await browser.close().catch(() => undefined);
      await workers.close();
      await t.close();
      await sink.close();
    },
  };
}

/** A test file's stack, with an admin and a manager, and the people who opened a browser on it. */
export interface StackFixture extends Stack {
  admin: TestUser;
  manager: TestUser;
  /** A person at their own browser; their page's problems are checked when the file ends. */
  open(opts?: { phone?: boolean }): Promise<Person>;
  /** A fresh access token (they live 2 s here) as the Authorization header: one per request, since a busy machine can take 2 s between two. */
  as(u: { email: string; password: string }): Promise<{ authorization: string }>;
}

/**
 * Starts a stack before the file's tests (with an admin and a manager; `setup` may add to it) and
 * closes it after them, failing the file if any page it opened had an error or a CSP refusal.
 * Its fields are there once the file's first beforeAll has run.
 */
export function useStack(name: string, opts: Parameters<typeof startStack>[1] = {}, setup?: (s: StackFixture) => Promise<void>): StackFixture {
  let stack: Stack | undefined;
  let admin: TestUser | undefined;
  let manager: TestUser | undefined;
  const people: Person[] = [];
  const started = () => {
    if (!stack) throw new Error('the stack has not started: use it in a test or a hook');
    return stack;
  };
  const fixture: StackFixture = {
    get t() {
      return started().t;
    },
    get sink() {
      return started().sink;
    },
    get baseUrl() {
      return started().baseUrl;
    },
    get browser() {
      return started().browser;
    },
    get admin() {
      return admin!;
    },
    get manager() {
      return manager!;
    },
    close: () => started().close(),
    async open(o = {}) {
      const p = await person(started(), o);
      people.push(p);
      return p;
    },
    as: async (u) => bearer((await login(started().t, u.email, u.password)).access_token),
  };
  beforeAll(async () => {
    stack = await startStack(name, opts);
    admin = await userWithRole(stack.t, 'admin');
    manager = await userWithRole(stack.t, 'manager');
    await setup?.(fixture);
  }, 60_000);
  afterAll(async () => {
    for (const p of people) expect(p.problems, 'errors or CSP refusals in the page').toEqual([]);
    await stack?.close();
  });
  return fixture;
}

export interface Person {
  context: BrowserContext;
  page: Page;
  /** Messages that mean the app broke: uncaught errors and Content-Security-Policy refusals. */
  problems: string[];
  /** Every error the page's console showed, a failed request's included ("Failed to load resource: … 401"). */
  consoleErrors: string[];
  /** How many times the app refreshed its session. */
  refreshes(): number;
}

/** A person at their own browser (own cookies and memory), at desktop or phone width. */
export async function person(stack: Stack, { phone = false } = {}): Promise<Person> {
  const context = await stack.browser.newContext({
    baseURL: stack.baseUrl,
    viewport: phone ? { width: 375, height: 780 } : { width: 1280, height: 860 },
    deviceScaleFactor: 1,
    locale: 'en-GB',
    timezoneId: 'UTC',
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.baseUrl });
  const page = await context.newPage();
  // Generous: a wait that ends early costs nothing, one that ends too soon fails on a busy machine.
  page.setDefaultTimeout(30_000);
  const problems: string[] = [];
  const consoleErrors: string[] = [];
  let refreshes = 0;
  page.on('request', (req) => {
    if (new URL(req.url()).pathname === '/v1/auth/refresh') refreshes++;
  });
  page.on('pageerror', (err) => problems.push(`uncaught: ${err.message}`));
  page.on('console', (msg) => {
    if (/Content.Security.Policy|Refused to/i.test(msg.text())) problems.push(`csp: ${msg.text()}`);
    if (msg.type() === 'error') consoleErrors.push(`${msg.text()} (${msg.location().url})`);
  });
  return { context, page, problems, consoleErrors, refreshes: () => refreshes };
}

/** Signs in through the form. */
export async function signIn(page: Page, email: string, password: string) {
  await page.getByLabel('Email').fill(email);
  await page.getByRole('textbox', { name: 'Password' }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** The main navigation's link to the page shown. */
export const ACTIVE_NAV_LINK = 'nav[aria-label="Main navigation"] a[aria-current="page"]';

/**
 * Runs axe on the page as it is: no serious or critical WCAG A/AA violation, colour contrast included.
 * The pointer rests on `hover` (a selector) during the run, or out of the way without it.
 */
export async function expectAccessible(page: Page, screen: string, { hover }: { hover?: string } = {}) {
  // Judge the resting state, not whatever the pointer last hovered; or a hover state on purpose.
  if (hover) await page.hover(hover);
  else await page.mouse.move(0, 0);
  let builder = new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']);
  // axe's default mode waits forever on a sandboxed frame that runs no script.
  if ((await page.locator('iframe').count()) > 0) builder = builder.setLegacyMode(true).options({ iframes: false });
  const { violations } = await builder.analyze();
  const bad = violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(' | ')}`);
  expect(bad, `accessibility of ${screen}`).toEqual([]);
}

/** Saves a screenshot of the whole page to <SCREENSHOTS>/<name>.png. */
export async function screenshot(page: Page, name: string) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.mouse.move(0, 0);
  // A viewport as tall as the page, rather than a stitched full-page capture, keeps the fixed header
  // and the navigation where a person sees them.
  const viewport = page.viewportSize()!;
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width: viewport.width, height: Math.max(viewport.height, height) });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(250); // let transitions settle
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), animations: 'disabled' });
  await page.setViewportSize(viewport);
}
