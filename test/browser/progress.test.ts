// Live progress in a real browser: the review screen's audience estimate, and a campaign to 60
// customers through a slow SMTP sink, followed on its detail page (messages per second, time left,
// the chart of messages over time and its text alternative) until it completes with the right counts.
import { describe, expect, it } from 'vitest';
import { seedCustomers } from '../helpers.ts';
import { expectAccessible, screenshot, signIn, useStack, type Person } from './harness.ts';

const CUSTOMERS = 60;
/** The sink's hold per message once the sending state has been seen: about 20 messages a second. */
const WATCHED_DELAY_MS = 100;

// Two SMTP connections, each message held 1.5 s at the end of DATA: two messages every 1.5 s, so
// each poll of the page (every 2 s) sees some go out, and the campaign is still sending (for about
// 45 s) however long a busy machine takes to show the page. Once the page has been looked at while
// sending, the sink speeds up (WATCHED_DELAY_MS).
const stack = useStack('progress', { sink: { delayMs: 1500 }, env: { SMTP_POOL_SIZE: '2' } }, async (s) => {
  await seedCustomers(s.t, CUSTOMERS, 'progress');
});
const { open, as } = stack;
const TITLE = `Autumn news ${Date.now().toString(36)}`;
let campaignId: number;

describe('live progress of a campaign', () => {
  let adm: Person;

  it('the review screen shows the audience estimate: the eligible customers', async () => {
    const created = await stack.t.app.inject({
      method: 'POST',
      url: '/v1/campaigns',
      headers: await as(stack.manager),
      payload: { type: 'campaign', title: TITLE, subject: 'News for {{first_name}}', body_html: '<h1>Autumn news</h1><p>Hello {{first_name}}, here is what is new.</p>' },
    });
    expect(created.statusCode).toBe(201);
    campaignId = (created.json() as { campaign: { id: number } }).campaign.id;
    expect((await stack.t.app.inject({ method: 'POST', url: `/v1/campaigns/${campaignId}/submit`, headers: await as(stack.manager) })).statusCode).toBe(200);
    const audience = await stack.t.app.inject({ method: 'GET', url: `/v1/campaigns/${campaignId}/audience`, headers: await as(stack.admin) });
    expect(audience.json()).toEqual({ eligible: CUSTOMERS });

    adm = await open();
    const { page } = adm;
    await page.goto(`/approvals/${campaignId}`);
    await signIn(page, stack.admin.email, stack.admin.password);
    await page.getByRole('heading', { name: `Review: ${TITLE}` }).waitFor();
    await expect.poll(() => page.getByTestId('audience-estimate').innerText()).toBe(`Will reach about ${CUSTOMERS} customers now`);
    await page.frameLocator('iframe[title="Email preview, Desktop"]').getByText('Hello admin,').waitFor();
    await expectAccessible(page, 'review with the audience estimate');
    await screenshot(page, 'progress-review');
  });

  it('after approval the admin sees progress moving: the rate, the time left and the chart, then completed with the right counts', async () => {
    const { page } = adm;
    await page.getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => page.url()).toMatch(new RegExp(`/campaigns/${campaignId}$`));
    await page.getByRole('heading', { name: 'Messages over time' }).waitFor();

    // While it sends: a measured rate and the time left, and the counts moving.
    const rate = page.getByTestId('rate');
    // "Measuring…" at first; 0.0 while the first messages are still held.
    await expect.poll(async () => Number(await rate.innerText()) || 0, { timeout: 30_000 }).toBeGreaterThan(0);
    expect(await rate.innerText()).toMatch(/^\d+(\.\d)?$/);
    const left = page.getByTestId('time-left');
    await expect.poll(() => left.innerText(), { timeout: 20_000 }).toMatch(/^About (\d+ seconds?|less than a second|\d+ min \d+ s)$/);
    const sentWhileSending = Number(await page.getByTestId('count-sent').innerText());
    expect(sentWhileSending).toBeLessThan(CUSTOMERS);
    await expect.poll(async () => Number(await page.getByTestId('count-sent').innerText()), { timeout: 20_000 }).toBeGreaterThan(sentWhileSending);
    // The chart (loaded lazily) draws its bars; its numbers are in a table for screen readers.
    await page.getByTestId('timeline-chart').locator('svg.recharts-surface').first().waitFor();
    await expect.poll(() => page.getByTestId('timeline-chart').locator('.recharts-bar-rectangle').count(), { timeout: 20_000 }).toBeGreaterThan(0);
    await page.getByRole('table', { name: 'Messages per minute' }).waitFor({ state: 'attached' });
    expect(await page.getByText('Sending', { exact: true }).count()).toBeGreaterThan(0);
    await expectAccessible(page, 'campaign detail, sending');
    await screenshot(page, 'progress-sending');
    stack.sink.setDelay(WATCHED_DELAY_MS);

    // The campaign's manager sees the same live progress.
    const mgr = await open({ phone: true });
    await mgr.page.goto(`/campaigns/${campaignId}`);
    await signIn(mgr.page, stack.manager.email, stack.manager.password);
    await mgr.page.getByRole('heading', { name: 'Messages over time' }).waitFor();

    // To completed: the counts are right, the time left is gone, the chart and its table add up.
    await expect.poll(() => page.getByText('Completed', { exact: true }).count(), { timeout: 60_000 }).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('count-sent').innerText(), { timeout: 10_000 }).toBe(String(CUSTOMERS));
    expect(await page.getByTestId('count-recipients').innerText()).toBe(String(CUSTOMERS));
    expect(await page.getByTestId('count-failed').innerText()).toBe('0');
    expect(await page.getByTestId('count-skipped').innerText()).toBe('0');
    expect(await page.getByTestId('count-pending').innerText()).toBe('0');
    expect(await page.getByTestId('time-left').count()).toBe(0);
    expect(await page.getByTestId('rate').count()).toBe(0);
    expect(Number(await page.getByTestId('average-rate').innerText())).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('timeline-summary').innerText(), { timeout: 10_000 }).toMatch(new RegExp(`^Over \\d+ minutes?: ${CUSTOMERS} sent, 0 failed, 0 skipped, 0 bounced, 0 complained\\.$`));
    const table = page.getByRole('table', { name: 'Messages per minute' });
    const sentCells = await table.locator('tbody tr td:nth-of-type(1)').allTextContents();
    expect(sentCells.reduce((n, c) => n + Number(c), 0)).toBe(CUSTOMERS);
    expect(stack.sink.messages).toHaveLength(CUSTOMERS);
    await expectAccessible(page, 'campaign detail, completed');
    await screenshot(page, 'progress-completed');

    // Polling stops once it is done.
    let polls = 0;
    page.on('request', (req) => {
      if (/\/timeline|\/stats/.test(new URL(req.url()).pathname)) polls++;
    });
    await page.waitForTimeout(4_500);
    expect(polls).toBe(0);

    // The manager's phone: the same counts, nothing wider than the screen.
    await expect.poll(() => mgr.page.getByTestId('count-sent').innerText(), { timeout: 10_000 }).toBe(String(CUSTOMERS));
    await mgr.page.getByTestId('timeline-summary').waitFor();
    expect(await mgr.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await expectAccessible(mgr.page, 'campaign detail on a phone, completed');
    await screenshot(mgr.page, 'progress-completed-phone');
  }, 180_000);

  it('when the chart cannot be loaded, or the timeline cannot, the page says so and keeps the counts', async () => {
    // The admin's page, loaded afresh (routing turns the browser's cache off).
    const { page } = adm;
    await page.route('**/assets/TimelineChart-*', (route) => route.abort());
    await page.goto(`/campaigns/${campaignId}`);
    // The failed chunk is only reported once the browser gives up on it: allow for a busy machine.
    await page.getByText('The chart could not be drawn; reload the page to try again.').waitFor({ timeout: 25_000 });
    expect(await page.getByTestId('timeline-summary').innerText()).toMatch(new RegExp(`${CUSTOMERS} sent`));
    await expectAccessible(page, 'campaign detail without its chart');

    await page.route('**/v1/campaigns/*/timeline*', (route) =>
      route.fulfill({ status: 503, json: { error: { code: 'SERVICE_UNAVAILABLE', message: 'try again' } } }),
    );
    await page.reload();
    await page.getByRole('alert').filter({ hasText: 'The timeline could not be loaded' }).waitFor();
    expect(await page.getByTestId('count-sent').innerText()).toBe(String(CUSTOMERS));
  }, 45_000);
});
