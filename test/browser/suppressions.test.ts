// Bounces, complaints and the suppression list in a real browser: an admin adds an address, finds it
// by reason and by search, and removes it after a confirmation, all by keyboard; a hard bounce and a
// complaint posted to the signed generic webhook for a sent campaign show up in the list, in the
// campaign's delivery bar, chart and deliveries; a manager is not allowed on the list.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, eventually, login, seedCustomers, uniqueEmail, userWithRole, type TestUser } from '../helpers.ts';
import { expectAccessible, person, screenshot, signIn, startStack, type Person, type Stack } from './harness.ts';

const SECRET = 'browser-bounce-webhook-secret-0123456789abcdef';
const CUSTOMERS = 6;
const BOUNCE = '550 5.1.1 <recipient>: Recipient address rejected: User unknown in virtual mailbox table';

let stack: Stack;
let admin: TestUser;
let owner: TestUser;
const people: Person[] = [];
let campaignId: number;
let campaignTitle: string;
let bounced: string;
let complained: string;
let emails: string[];

/** A fresh access token (they live 2 s here) as the Authorization header. */
const as = async (u: { email: string; password: string }) => bearer((await login(stack.t, u.email, u.password)).access_token);

async function open(opts: { phone?: boolean } = {}) {
  const p = await person(stack, opts);
  people.push(p);
  return p;
}

/** Posts events to the generic webhook as a mail provider would: HMAC-SHA256 of "<timestamp>.<raw body>". */
async function postBounces(events: { id: string; type: 'hard_bounce' | 'soft_bounce' | 'complaint'; email: string; detail?: string }[]) {
  const body = JSON.stringify({ events });
  const ts = String(Math.floor(Date.now() / 1000));
  const signature = `sha256=${createHmac('sha256', SECRET).update(`${ts}.${body}`).digest('hex')}`;
  const res = await fetch(`${stack.baseUrl}/v1/webhooks/bounces/generic`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-cns-timestamp': ts, 'x-cns-signature': signature },
    body,
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as { applied: number; duplicates: number; unmatched: number };
}

beforeAll(async () => {
  // A campaign pauses itself once 2 messages went out and more than 5% of them bounced.
  stack = await startStack('suppressions', { env: { BOUNCE_WEBHOOK_SECRET: SECRET, AUTO_PAUSE_MIN_SENT: '2', AUTO_PAUSE_BOUNCE_RATIO: '0.05' } });
  admin = await userWithRole(stack.t, 'admin');
  owner = await userWithRole(stack.t, 'manager');
  await seedCustomers(stack.t, CUSTOMERS, `sup${Date.now().toString(36)}x`);
  campaignTitle = `Spring sale ${Date.now().toString(36)}`;
  const created = await stack.t.app.inject({
    method: 'POST',
    url: '/v1/campaigns',
    headers: await as(owner),
    payload: { type: 'campaign', title: campaignTitle, subject: 'News', body_html: '<p>Hello {{first_name}}</p>' },
  });
  campaignId = created.json().campaign.id as number;
  await stack.t.app.inject({ method: 'POST', url: `/v1/campaigns/${campaignId}/submit`, headers: await as(owner) });
  const approved = await stack.t.app.inject({ method: 'POST', url: `/v1/campaigns/${campaignId}/approve`, headers: await as(admin), payload: { version: 1 } });
  expect(approved.statusCode, approved.body).toBe(200);
  await eventually(async () => {
    const stats = await stack.t.app.inject({ url: `/v1/campaigns/${campaignId}/stats`, headers: await as(admin) });
    return stats.json().status === 'completed' && stats.json().sent === CUSTOMERS;
  });
  const rows = (await stack.t.app.inject({ url: `/v1/campaigns/${campaignId}/deliveries?per_page=100`, headers: await as(admin) })).json().data as { email: string }[];
  emails = rows.map((r) => r.email).sort();
  expect(emails).toHaveLength(CUSTOMERS);
  bounced = emails[0]!;
  complained = emails[1]!;
}, 60_000);

afterAll(async () => {
  for (const p of people) expect(p.problems, 'errors or CSP refusals in the page').toEqual([]);
  await stack?.close();
});

const HAND = uniqueEmail('blocked');

describe('the suppression list', () => {
  let adm: Person;

  it('a manager gets "not allowed" at its address, and no way to it in the navigation', async () => {
    const { page } = await open();
    await page.goto('/suppressions');
    await signIn(page, owner.email, owner.password);
    await page.getByRole('heading', { name: 'Not allowed' }).waitFor();
    await page.getByText('Your role does not allow this page').waitFor();
    const nav = page.getByRole('navigation', { name: 'Main navigation' });
    await nav.getByRole('link', { name: 'Campaigns', exact: true }).waitFor();
    expect(await nav.getByRole('link', { name: 'Suppressions' }).count()).toBe(0);
  });

  it('starts empty; the admin adds an address by keyboard, and the API’s problems show beside the field in plain words', async () => {
    adm = await open();
    const { page } = adm;
    await page.goto('/');
    await signIn(page, admin.email, admin.password);
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Suppressions' }).click();
    await page.getByRole('heading', { name: 'Suppressions' }).waitFor();
    await page.getByText('No suppressed addresses').waitFor();
    await expectAccessible(page, 'suppressions, empty');

    // Keyboard only: the "Add address" button, the form, Enter to send it.
    const add = page.getByRole('button', { name: 'Add address' });
    await add.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Add an address to the suppression list' });
    const email = dialog.getByRole('textbox', { name: 'Email' });
    await expect.poll(() => email.evaluate((el) => el === document.activeElement)).toBe(true);
    await page.keyboard.type('not-an-address');
    await page.keyboard.press('Enter');
    // The API refuses it; its words, made plain, sit under the field that caused it.
    await expect.poll(() => email.getAttribute('aria-invalid')).toBe('true');
    const described = async () => page.locator(`#${(await email.getAttribute('aria-describedby'))?.split(' ').find((id) => id.includes('error'))}`).innerText();
    await expect.poll(described).toBe('Enter a valid email address, such as ada@example.com');
    await dialog.getByRole('alert').filter({ hasText: 'Some fields need attention' }).waitFor();

    await email.fill('');
    await email.focus();
    await page.keyboard.type(HAND.toUpperCase());
    await page.keyboard.press('Tab');
    await expect.poll(() => dialog.getByRole('textbox', { name: 'Note' }).evaluate((el) => el === document.activeElement)).toBe(true);
    await page.keyboard.type('Asked by phone not to receive campaigns');
    await page.keyboard.press('Tab'); // Cancel
    await page.keyboard.press('Tab'); // Add address
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'hidden' });
    await page.getByText(`${HAND} is on the list: no campaign is sent to it.`).waitFor();

    const table = page.getByRole('table', { name: 'Suppressed addresses' });
    const row = table.getByRole('row').filter({ hasText: HAND });
    await row.waitFor();
    expect(await row.getByRole('cell').allInnerTexts()).toEqual([
      HAND,
      'Added by an admin',
      'Admin',
      'Asked by phone not to receive campaigns',
      expect.stringMatching(/\d{4}/),
      '—',
      'Remove',
    ]);

    // The same address again: the API's code, in the sentence the dashboard keeps for it.
    await add.click();
    await dialog.getByRole('textbox', { name: 'Email' }).fill(HAND);
    await dialog.getByRole('button', { name: 'Add address' }).click();
    await dialog.getByText('This address is already on the suppression list.').waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  });

  it('a bounce and a complaint from the signed webhook show in the list, with the server’s words and the campaign', async () => {
    const result = await postBounces([
      { id: `b-${Date.now()}`, type: 'hard_bounce', email: bounced, detail: BOUNCE },
      { id: `c-${Date.now()}`, type: 'complaint', email: complained, detail: 'abuse' },
    ]);
    expect(result).toEqual({ applied: 2, duplicates: 0, unmatched: 0 });

    const { page } = adm;
    await page.reload();
    const table = page.getByRole('table', { name: 'Suppressed addresses' });
    const row = table.getByRole('row').filter({ hasText: bounced });
    await row.waitFor();
    const cells = await row.getByRole('cell').allInnerTexts();
    expect(cells.slice(0, 4)).toEqual([bounced, 'Bounced: the address does not exist', 'Bounce webhook', BOUNCE]);
    await row.getByRole('link', { name: campaignTitle }).waitFor();
    expect(await row.getByRole('link', { name: campaignTitle }).getAttribute('href')).toBe(`/campaigns/${campaignId}`);
    await table.getByRole('row').filter({ hasText: complained }).getByText('Marked a campaign as spam').waitFor();
    expect(await page.getByText('3 addresses').count()).toBe(1);

    // Filter by reason: only the hard bounce; the address keeps the filter.
    await page.getByRole('combobox', { name: 'Reason' }).click();
    await page.getByRole('option', { name: 'Hard bounce' }).click();
    await expect.poll(() => page.url()).toMatch(/reason=hard_bounce/);
    await expect.poll(() => table.locator('tbody tr').count()).toBe(1);
    expect(await table.locator('tbody tr').first().innerText()).toContain(bounced);
    await page.getByRole('button', { name: 'Clear the reason filter' }).click();
    await expect.poll(() => table.locator('tbody tr').count()).toBe(3);

    // Search by part of the address.
    await page.getByRole('searchbox', { name: 'Search' }).fill(HAND.slice(0, 12));
    await expect.poll(() => page.url()).toMatch(/q=/);
    await expect.poll(() => table.locator('tbody tr').count()).toBe(1);
    expect(await table.locator('tbody tr').first().innerText()).toContain(HAND);
    await page.getByRole('searchbox', { name: 'Search' }).fill('nobody-like-this');
    await page.getByText('No suppressed address matches this search').waitFor();
    await page.getByRole('searchbox', { name: 'Search' }).fill('');
    await expect.poll(() => table.locator('tbody tr').count()).toBe(3);

    await expectAccessible(page, 'suppressions with entries');
    await screenshot(page, 'suppressions');
  });

  it('the campaign’s delivery bar, chart and deliveries count the bounce and the complaint', async () => {
    const { page } = adm;
    await page.goto(`/campaigns/${campaignId}`);
    await page.getByRole('heading', { name: campaignTitle }).waitFor();
    await expect.poll(() => page.getByTestId('count-bounced').innerText()).toBe('1');
    expect(await page.getByTestId('count-complained').innerText()).toBe('1');
    expect(await page.getByTestId('count-sent').innerText()).toBe(String(CUSTOMERS - 2));
    expect(await page.getByTestId('count-recipients').innerText()).toBe(String(CUSTOMERS));
    const bar = page.getByRole('progressbar', { name: /^Bounced:/ });
    expect(await bar.getAttribute('aria-label')).toBe(`Bounced: 1 of ${CUSTOMERS}`);
    expect(await page.getByRole('progressbar', { name: /^Complained:/ }).getAttribute('aria-label')).toBe(`Complained: 1 of ${CUSTOMERS}`);
    await expect
      .poll(() => page.getByTestId('timeline-summary').innerText())
      .toMatch(new RegExp(`: ${CUSTOMERS - 2} sent, 0 failed, 0 skipped, 1 bounced, 1 complained\\.$`));
    const chartTable = page.getByRole('table', { name: 'Messages per minute' });
    const headers = await chartTable.locator('thead th').allTextContents();
    expect(headers).toEqual(['Minute', 'Sent', 'Failed', 'Skipped', 'Bounced', 'Complained']);
    const bouncedCells = await chartTable.locator('tbody tr td:nth-of-type(4)').allTextContents();
    expect(bouncedCells.reduce((n, c) => n + Number(c), 0)).toBe(1);
    await page.getByTestId('timeline-chart').locator('svg.recharts-surface').first().waitFor();
    await expectAccessible(page, 'campaign progress with a bounce and a complaint');
    await screenshot(page, 'campaign-bounces');

    // Deliveries, filtered to the bounced: the one row, with the bounce's words.
    await page.goto(`/campaigns/${campaignId}/deliveries`);
    await page.getByRole('combobox', { name: 'Status' }).click();
    await page.getByRole('option', { name: 'Bounced' }).click();
    await expect.poll(() => page.url()).toMatch(/status=bounced/);
    const deliveries = page.getByRole('table', { name: 'Deliveries' });
    await expect.poll(() => deliveries.locator('tbody tr').count()).toBe(1);
    const cells = await deliveries.locator('tbody tr').first().getByRole('cell').allInnerTexts();
    expect(cells[0]).toBe(bounced);
    expect(cells[1]?.toLowerCase()).toBe('bounced');
    expect(cells[4]).toBe(BOUNCE);
    await expectAccessible(page, 'deliveries filtered to the bounced');
    await page.getByRole('button', { name: 'Clear the status filter' }).click();
    await page.getByRole('combobox', { name: 'Status' }).click();
    await page.getByRole('option', { name: 'Complained' }).click();
    await expect.poll(() => deliveries.locator('tbody tr').first().innerText()).toContain(complained);
    expect(await deliveries.locator('tbody tr').count()).toBe(1);
  });

  it('removing an address asks first, says what it does, and works by keyboard', async () => {
    const { page } = adm;
    await page.goto('/suppressions');
    const table = page.getByRole('table', { name: 'Suppressed addresses' });
    await table.getByRole('row').filter({ hasText: bounced }).waitFor();

    // Changing one's mind leaves the address listed.
    await table.getByRole('button', { name: `Remove ${bounced}` }).click();
    const dialog = page.getByRole('dialog', { name: 'Remove this address from the list?' });
    await dialog.getByText(`${bounced} will receive campaigns again`).waitFor();
    await dialog.getByRole('button', { name: 'Keep it as it is' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await table.getByRole('row').filter({ hasText: bounced }).count()).toBe(1);

    // Keyboard: focus the row's button, Enter; the confirmation's button has the focus, Enter.
    await table.getByRole('button', { name: `Remove ${bounced}` }).focus();
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    const confirm = dialog.getByRole('button', { name: 'Remove from the list' });
    await expect.poll(() => confirm.evaluate((el) => el === document.activeElement)).toBe(true);
    await expectAccessible(page, 'the removal confirmation');
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'hidden' });
    await page.getByText(`${bounced} was removed from the list: campaigns are sent to it again.`).waitFor();
    await expect.poll(() => table.getByRole('row').filter({ hasText: bounced }).count()).toBe(0);
    await page.getByText('2 addresses').waitFor();

    // The API agrees: the address is off the list.
    const listed = (await stack.t.app.inject({ url: '/v1/suppressions?per_page=100', headers: await as(admin) })).json().data as { email: string }[];
    expect(listed.map((s) => s.email).sort()).toEqual([complained, HAND].sort());

    // The audit log names the change in words, and can be filtered to it.
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('combobox', { name: 'Action' }).click();
    await page.getByRole('option', { name: 'Address taken off the suppression list' }).click();
    const audit = page.getByRole('table', { name: 'Audit log' });
    await expect.poll(() => audit.locator('tbody tr').count()).toBe(1);
    expect(await audit.locator('tbody tr').first().innerText()).toContain(bounced);
  });

  it('a campaign that bounces too much while sending pauses itself, and its history says why', async () => {
    // One recipient is put off again and again (451): the campaign stays `sending` meanwhile.
    const held = emails[CUSTOMERS - 1]!;
    stack.sink.setPolicy((to) => (to === held ? { code: 451, message: '4.2.1 Try again later' } : undefined));
    const title = `Summer sale ${Date.now().toString(36)}`;
    const created = await stack.t.app.inject({
      method: 'POST',
      url: '/v1/campaigns',
      headers: await as(owner),
      payload: { type: 'campaign', title, subject: 'Summer', body_html: '<p>Hello {{first_name}}</p>' },
    });
    const id = created.json().campaign.id as number;
    await stack.t.app.inject({ method: 'POST', url: `/v1/campaigns/${id}/submit`, headers: await as(owner) });
    expect((await stack.t.app.inject({ method: 'POST', url: `/v1/campaigns/${id}/approve`, headers: await as(admin), payload: { version: 1 } })).statusCode).toBe(200);
    // Everyone but the complainer (opted out and listed) and the held one is sent to.
    await eventually(async () => {
      const stats = (await stack.t.app.inject({ url: `/v1/campaigns/${id}/stats`, headers: await as(admin) })).json();
      return stats.status === 'sending' && stats.sent === CUSTOMERS - 2;
    });
    await postBounces([{ id: `b2-${Date.now()}`, type: 'hard_bounce', email: emails[2]!, detail: BOUNCE }]);

    const { page } = adm;
    await page.goto(`/campaigns/${id}`);
    await page.getByRole('heading', { name: title }).waitFor();
    await expect.poll(() => page.getByText('Paused', { exact: true }).count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('count-bounced').innerText()).toBe('1');
    await page.getByText('Paused automatically').waitFor();
    await page.getByText('Too many bounces: 25% of 4 messages that went out bounced (the limit is 5%).').waitFor();
    stack.sink.setPolicy(() => undefined);
  });

  it('fits a 375 px phone screen, and says so in plain words when the list cannot be loaded', async () => {
    const { page } = await open({ phone: true });
    await page.goto('/suppressions');
    await signIn(page, admin.email, admin.password);
    await page.getByRole('table', { name: 'Suppressed addresses' }).waitFor();
    await page.getByRole('button', { name: 'Add address' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await expectAccessible(page, 'suppressions on a phone');

    // When the list cannot be loaded, the page says so in plain words and offers to try again.
    let refuse = true;
    await page.route('**/v1/suppressions?*', (route) =>
      refuse ? route.fulfill({ status: 503, json: { error: { code: 'SERVICE_UNAVAILABLE', message: 'MySQL is unavailable' } } }) : route.continue(),
    );
    await page.reload();
    const alert = page.getByRole('alert').filter({ hasText: 'This could not be loaded' });
    await alert.getByText('The service is unavailable right now. Try again in a moment.').waitFor({ timeout: 15_000 });
    refuse = false;
    await alert.getByRole('button', { name: 'Try again' }).click();
    await page.getByRole('table', { name: 'Suppressed addresses' }).waitFor();
  });
});
