// The dashboard in a real browser, against the real API, workers and an SMTP sink: the whole story
// of a promotion from draft to inbox and out again (the unsubscribe link), told by the audit log;
// the role boundaries, a stale review, accessibility of every screen, and the screenshots (see
// SCREENSHOTS in the harness).
import { simpleParser } from 'mailparser';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bearer, seedCustomers, uniqueEmail, userWithRole } from '../helpers.ts';
import { ACTIVE_NAV_LINK, expectAccessible, screenshot, SCREENSHOTS, signIn, useStack, type Person } from './harness.ts';

const HOVER_SHOTS = fileURLToPath(new URL('../../var/screenshots/', import.meta.url));

const stack = useStack('browser', {}, async (s) => {
  await seedCustomers(s.t, 4, 'audience');
});
const { open, as } = stack;

const CUSTOMER = { first: 'Ada', last: 'Lovelace', email: uniqueEmail('ada'), password: 'analytical-engine' };
// The story's manager: the admin creates their account through the Users screen.
const WRITER = { first: 'Margaret', last: 'Hamilton', email: uniqueEmail('margaret'), password: 'apollo-guidance' };
const TITLE = `Spring sale ${Date.now().toString(36)}`;
let campaignId: number;

describe('the story of a promotion, by clicking', () => {
  let mgr: Person;
  let adm: Person;
  let cust: Person;

  it('a customer signs up through the form (at phone width)', async () => {
    cust = await open({ phone: true });
    const { page } = cust;
    await page.goto('/signup');
    await expectAccessible(page, 'sign up');
    await page.getByLabel('First name').fill(CUSTOMER.first);
    await page.getByLabel('Last name').fill(CUSTOMER.last);
    await page.getByLabel('Email').fill(CUSTOMER.email);
    await page.getByRole('textbox', { name: 'Password' }).fill(CUSTOMER.password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => page.url()).toMatch(/\/offers$/);
    await page.getByRole('heading', { name: 'Your offers' }).waitFor();
    await page.getByText('No offers right now').waitFor();
    await expect.poll(() => page.getByRole('switch', { name: 'Email me campaigns and offers' }).isChecked()).toBe(true);
    await expectAccessible(page, 'offers, empty');
  });

  it('the admin creates the manager’s account', async () => {
    adm = await open();
    const { page } = adm;
    await page.goto('/');
    await signIn(page, stack.admin.email, stack.admin.password);
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Users' }).click();
    await page.getByRole('button', { name: 'Create user' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create a user' });
    await dialog.getByLabel('First name').fill(WRITER.first);
    await dialog.getByLabel('Last name').fill(WRITER.last);
    await dialog.getByLabel('Email').fill(WRITER.email);
    await dialog.getByRole('textbox', { name: 'Password' }).fill(WRITER.password);
    await dialog.getByRole('combobox', { name: 'Role' }).selectOption('manager');
    await dialog.getByRole('button', { name: 'Create user' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByText(`${WRITER.email} was created as a manager.`).waitFor();
  });

  it('the manager signs in, hits a template error shown at its field with line and column, fixes it and previews', async () => {
    mgr = await open();
    const { page } = mgr;
    await page.goto('/');
    await expect.poll(() => page.url()).toMatch(/\/signin$/);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    // A first visit has no session to resume, and nothing in the console says otherwise.
    expect(mgr.consoleErrors, 'console errors on a first visit').toEqual([]);
    await expectAccessible(page, 'sign in');
    await screenshot(page, 'sign-in');
    await signIn(page, WRITER.email, WRITER.password);
    await page.getByRole('heading', { name: 'Campaigns' }).waitFor();
    await page.getByText('No campaigns yet').waitFor();
    await expectAccessible(page, 'campaign list, empty');

    await page.getByRole('link', { name: 'New campaign' }).first().click();
    await page.getByRole('heading', { name: 'New campaign' }).waitFor();
    await page.getByRole('radio', { name: /Promotion/ }).check();
    await page.getByLabel('Title').fill(TITLE);
    await page.getByLabel('Description').fill('Twenty per cent off everything in the spring collection.');
    await page.getByLabel('Subject').fill('{{first_name}}, 20% off with {{promo_code}}');
    await page.getByLabel('HTML body').fill('<h1>Spring sale</h1>\n<p>Hello {{frist_name}},</p>\n<p>Use <b>{{promo_code}}</b> at checkout.</p>');
    await page.getByLabel('Promo code').fill('SPRING20');
    await page.getByRole('button', { name: 'Save draft' }).click();

    const htmlBody = page.getByLabel('HTML body');
    await expect.poll(() => htmlBody.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await htmlBody.getAttribute('aria-describedby')) ?? '';
    const errorText = await page.locator(describedBy.split(' ').map((id) => `[id="${id}"]`).join(', ')).allInnerTexts();
    expect(errorText.join(' ')).toMatch(/frist_name.*line 2, column \d+|line 2, column \d+.*frist_name/s);
    await expectAccessible(page, 'campaign form with a template error');
    await screenshot(page, 'campaign-form-template-error');

    await htmlBody.fill('<h1>Spring sale</h1>\n<p>Hello {{first_name}},</p>\n<p>Use <b>{{promo_code}}</b> at checkout.</p>');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByRole('heading', { name: TITLE }).waitFor();
    campaignId = Number(/\/campaigns\/(\d+)$/.exec(page.url())![1]);
    expect(campaignId).toBeGreaterThan(0);

    // The preview: the HTML in a sandboxed frame (no scripts), rendered for the manager, and the text version.
    const frame = page.locator('iframe[title^="Email preview"]');
    await frame.waitFor();
    expect(await frame.getAttribute('sandbox')).toBe('');
    await page.frameLocator('iframe[title^="Email preview"]').getByText(`Hello ${WRITER.first},`).waitFor();
    await page.getByRole('tab', { name: 'Text version' }).click();
    expect(await page.getByRole('region', { name: 'Text version' }).innerText()).toContain('SPRING20');
    await page.getByRole('tab', { name: 'HTML' }).click();
    await expectAccessible(page, 'campaign with preview');
  });

  it('the manager submits it', async () => {
    const { page } = mgr;
    await page.getByRole('button', { name: 'Submit for approval' }).click();
    await page.getByText('Waiting for approval', { exact: true }).first().waitFor();
    await screenshot(page, 'campaign-preview');
  });

  it('the admin sees it in the queue with the count in the navigation, and rejects it with a reason', async () => {
    const { page } = adm;
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: /Approvals/ }).click();
    await page.getByRole('heading', { name: 'Approval queue' }).waitFor();
    await expect.poll(() => page.getByRole('link', { name: /Approvals/ }).innerText()).toMatch(/Approvals\s*1/);
    await page.getByRole('listitem').filter({ hasText: TITLE }).waitFor();
    await expectAccessible(page, 'approval queue');
    await screenshot(page, 'approval-queue');

    await page.getByRole('link', { name: `Review ${TITLE}` }).click();
    await page.getByRole('heading', { name: `Review: ${TITLE}` }).waitFor();
    await page.frameLocator('iframe[title="Email preview, Desktop"]').getByText('Hello admin,').waitFor();
    await expectAccessible(page, 'review, desktop');
    await screenshot(page, 'review');
    await page.getByRole('tab', { name: 'Phone (375 px)' }).click();
    const phone = page.locator('iframe[title="Email preview, Phone (375 px)"]');
    await phone.waitFor();
    expect((await phone.boundingBox())!.width).toBe(375);

    await page.getByRole('button', { name: 'Reject…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Reject this campaign' });
    await dialog.getByRole('button', { name: 'Reject' }).click();
    await dialog.getByText('Say why, so the author can fix it').waitFor();
    await expectAccessible(page, 'reject dialog with an error');
    await dialog.getByLabel('Reason').fill('The discount must be 15%, not 20%.');
    await dialog.getByRole('button', { name: 'Reject' }).click();
    await page.getByRole('heading', { name: 'Approval queue' }).waitFor();
    await page.getByText('Nothing waits for approval').waitFor();
    await expect.poll(() => page.getByRole('link', { name: /Approvals/ }).innerText()).toMatch(/Approvals\s*0/);
  });

  it('the manager sees the reason, edits and resubmits', async () => {
    const { page } = mgr;
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Campaigns' }).click();
    const row = page.getByRole('row').filter({ hasText: TITLE });
    await row.getByText('Rejected').waitFor();
    await expectAccessible(page, 'campaign list');
    await screenshot(page, 'campaign-list');
    await row.getByRole('link', { name: TITLE }).click();
    await expect.poll(() => page.getByTestId('rejection-reason').innerText()).toBe('The discount must be 15%, not 20%.');
    await screenshot(page, 'campaign-rejected');
    await page.getByRole('link', { name: 'Edit' }).click();
    await page.getByRole('heading', { name: `Edit “${TITLE}”` }).waitFor();
    await page.getByLabel('Subject').fill('{{first_name}}, 15% off with {{promo_code}}');
    await page.getByLabel('Promo code').fill('SPRING15');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: TITLE }).waitFor();
    await page.getByText('Draft', { exact: true }).waitFor();
    // The history has the edit, what it changed, and the rejection before it.
    const history = page.getByRole('region', { name: 'History' });
    await history.getByText('Changed: subject, promo code').waitFor();
    expect((await history.innerText()).replace(/\n+/g, '\n')).toMatch(/Edited\n.*by you · version 2\nChanged: subject, promo code\nRejected\n/);
    await page.getByRole('button', { name: 'Submit for approval' }).click();
    await page.getByText('Waiting for approval', { exact: true }).first().waitFor();
  });

  it('the admin approves it, and the detail page follows it to completed with the right counts', async () => {
    const { page } = adm;
    const nav = page.getByRole('navigation', { name: 'Main navigation' });
    await nav.getByRole('link', { name: 'Campaigns' }).click();
    await page.getByRole('row').filter({ hasText: TITLE }).getByText('Waiting for approval').waitFor();
    await nav.getByRole('link', { name: /Approvals/ }).click();
    await expect.poll(() => page.getByRole('link', { name: /Approvals/ }).innerText()).toMatch(/Approvals\s*1/);
    await page.getByRole('link', { name: `Review ${TITLE}` }).click();
    await page.frameLocator('iframe[title="Email preview, Desktop"]').getByText('SPRING15').waitFor();
    await page.getByRole('button', { name: 'Approve' }).click();
    const approvedAt = Date.now();
    await page.getByRole('heading', { name: TITLE }).waitFor();
    await expect.poll(() => page.url()).toMatch(new RegExp(`/campaigns/${campaignId}$`));
    await expect.poll(() => page.getByText('Completed', { exact: true }).count(), { timeout: 20_000 }).toBeGreaterThan(0);
    // Four seeded customers and Ada, all opted in: five messages, no failure.
    await expect.poll(() => page.getByTestId('count-sent').innerText(), { timeout: 10_000 }).toBe('5');
    expect(await page.getByTestId('count-recipients').innerText()).toBe('5');
    expect(await page.getByTestId('count-failed').innerText()).toBe('0');
    expect(await page.getByTestId('count-pending').innerText()).toBe('0');
    console.log(`approval to completed on screen: ${Date.now() - approvedAt} ms`);
    await expectAccessible(page, 'campaign detail, completed');
    await screenshot(page, 'campaign-completed');
    expect(stack.sink.messages.map((m) => m.to)).toContain(CUSTOMER.email);
  });

  it('the customer sees the offer and copies its code', async () => {
    const { page } = cust;
    await page.getByRole('button', { name: 'Open navigation' }).click();
    await page.getByRole('link', { name: 'Profile' }).click();
    await page.getByRole('heading', { name: 'Profile' }).waitFor();
    await expectAccessible(page, 'profile');
    await screenshot(page, 'profile-phone');
    await page.getByRole('button', { name: 'Open navigation' }).click();
    await page.getByRole('link', { name: 'Offers' }).click();
    const offer = page.getByRole('listitem').filter({ hasText: TITLE });
    await offer.waitFor();
    expect(await offer.getByLabel('Promo code').innerText()).toBe('SPRING15');
    await offer.getByRole('button', { name: 'Copy code SPRING15' }).click();
    await offer.getByRole('button', { name: 'Copied SPRING15' }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe('SPRING15');
    await expectAccessible(page, 'offers');
    await screenshot(page, 'offers-phone');
    // Fits a 375 px screen: nothing wider than the viewport.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  });

  it('the customer follows the unsubscribe link in the email they received, confirms, and their profile shows email off', async () => {
    const { page, context } = cust;
    // The message as the sink received it: its List-Unsubscribe header and its visible link agree.
    const received = stack.sink.messages.find((m) => m.to === CUSTOMER.email);
    expect(received, 'the campaign reached the customer').toBeDefined();
    const mail = await simpleParser(received!.raw);
    expect(mail.subject).toBe(`${CUSTOMER.first}, 15% off with SPRING15`);
    const listUnsubscribe = /^<(.+)>$/.exec(received!.header('List-Unsubscribe') ?? '')?.[1];
    const publicBase = stack.t.config.publicBaseUrl;
    expect(listUnsubscribe?.startsWith(`${publicBase}/v1/unsubscribe?token=`), listUnsubscribe).toBe(true);
    // The links point at the service's public address: the browser reaches this test's server there.
    await context.route(`${publicBase}/**`, async (route) => {
      const url = new URL(route.request().url());
      await route.fulfill({ response: await route.fetch({ url: `${stack.baseUrl}${url.pathname}${url.search}` }) });
    });

    // The customer opens the message (its HTML, as a mail program shows it) and clicks the link.
    const inbox = await context.newPage();
    await inbox.setContent(mail.html || '');
    await inbox.getByText('Use SPRING15 at checkout.').waitFor();
    const link = inbox.getByRole('link', { name: /unsubscribe/i });
    expect(await link.getAttribute('href')).toBe(listUnsubscribe);
    await link.click();
    await inbox.getByRole('heading', { name: 'Unsubscribe' }).waitFor();
    expect(inbox.url()).toBe(listUnsubscribe);
    await expectAccessible(inbox, 'unsubscribe confirmation');
    await inbox.getByRole('button', { name: 'Unsubscribe' }).click();
    await inbox.getByRole('heading', { name: 'Unsubscribed' }).waitFor();
    await inbox.getByText('You will not receive campaign emails any more.').waitFor();
    await inbox.close();
    await context.unroute(`${publicBase}/**`);

    // Back in the dashboard, the profile shows the preference off; switching it on again works.
    await page.getByRole('button', { name: 'Open navigation' }).click();
    await page.getByRole('link', { name: 'Profile' }).click();
    // The profile page reads the account afresh: the preference is off.
    await page.getByRole('heading', { name: 'Profile' }).waitFor();
    const optIn = page.getByRole('switch', { name: 'Email me campaigns and offers' });
    await page.getByText('You receive no campaign emails.').waitFor();
    expect(await optIn.isChecked()).toBe(false);
    await optIn.click({ force: true });
    await page.getByText('You receive campaign emails.').waitFor();
  });

  it('the audit log tells the story: the account created, the rejection and its reason, the edit, the approval, the completion, the unsubscribe', async () => {
    const { page } = adm;
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Audit log' }).click();
    const table = page.getByRole('table', { name: 'Audit log' });
    await table.waitFor();
    /** The rows under the header, as "action | who | on | details" with the details on one line. */
    const shown = async () => {
      const rows = (await table.getByRole('row').all()).slice(1);
      const cells = await Promise.all(rows.map((r) => r.getByRole('cell').allInnerTexts()));
      return cells.map((c) => c.slice(1).map((text) => text.replace(/\s*\n\s*/g, ' ').trim()).join(' | '));
    };
    const pickActor = async (email: string) => {
      await page.getByRole('combobox', { name: 'Actor' }).click();
      await page.getByRole('combobox', { name: 'Actor' }).fill(email.slice(0, 12));
      await page.getByRole('option', { name: email }).click();
    };

    // What the manager did: the one edit, its version and the fields it changed.
    await pickActor(WRITER.email);
    await expect
      .poll(shown)
      .toEqual([`Campaign edited campaign.updated | ${WRITER.email} | Campaign #${campaignId} | version: 2 fields: subject, promo_code`]);

    // What the admin did, newest first: approved, rejected with the reason, created the manager.
    await pickActor(stack.admin.email);
    await expect
      .poll(shown)
      .toEqual([
        `Campaign approved campaign.approved | ${stack.admin.email} | Campaign #${campaignId} | status: sending version: 2`,
        `Campaign rejected campaign.rejected | ${stack.admin.email} | Campaign #${campaignId} | reason: The discount must be 15%, not 20%. version: 1`,
        `User created user.created | ${stack.admin.email} | User ${WRITER.email} | role: Manager`,
      ]);
    await expectAccessible(page, 'audit log, the story');

    // What the customer did: the unsubscribe link from their email (switching back on in the profile is theirs to make).
    await pickActor(CUSTOMER.email);
    await expect
      .poll(shown)
      .toEqual([`Opted out of campaign email user.opted_out | ${CUSTOMER.email} | User ${CUSTOMER.email} | reason: unsubscribe_link`]);

    // The service's own step: the campaign completed, five sent.
    await page.getByRole('button', { name: 'Clear the actor filter' }).click();
    await page.getByRole('combobox', { name: 'Action' }).click();
    await page.getByRole('option', { name: 'Campaign completed' }).click();
    await expect.poll(async () => (await shown()).filter((r) => r.includes(`Campaign #${campaignId}`))).toHaveLength(1);
    const done = (await shown()).find((r) => r.includes(`Campaign #${campaignId}`))!;
    expect(done).toMatch(/^Campaign completed campaign.completed \| The service \|/);
    expect(done).toMatch(/sent: 5/);
    await table.getByRole('link', { name: `Campaign #${campaignId}` }).click();
    await page.getByRole('heading', { name: TITLE }).waitFor();
  });
});

describe('roles', () => {
  it('a customer who opens an admin address is asked to sign in, then told it is not allowed', async () => {
    const { page } = await open();
    await page.goto('/approvals');
    await expect.poll(() => page.url()).toMatch(/\/signin\?next=%2Fapprovals$/);
    // With the keyboard only.
    await page.getByRole('textbox', { name: 'Email' }).focus();
    await page.keyboard.type(CUSTOMER.email);
    await page.keyboard.press('Tab');
    await page.keyboard.type(CUSTOMER.password);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Not allowed' }).waitFor();
    expect(page.url()).toMatch(/\/approvals$/);
    expect(await page.getByRole('link', { name: /Approvals/ }).count()).toBe(0);
    await expectAccessible(page, 'not allowed');
    await screenshot(page, 'not-allowed');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  });

  it('a manager opening a review address is told it is not allowed, and sees no approve button on the campaign', async () => {
    // The story's manager: their list also has the story's completed promotion.
    const title = `Newsletter ${Date.now().toString(36)}`;
    const pending = await stack.t.app.inject({
      method: 'POST',
      url: '/v1/campaigns',
      headers: await as(WRITER),
      payload: { type: 'campaign', title, subject: 'News', body_html: '<p>News for {{first_name}}</p>' },
    });
    const id = pending.json().campaign.id as number;
    expect((await stack.t.app.inject({ method: 'POST', url: `/v1/campaigns/${id}/submit`, headers: await as(WRITER) })).statusCode).toBe(200);
    const { page } = await open();
    await page.goto(`/approvals/${id}`);
    await signIn(page, WRITER.email, WRITER.password);
    await page.getByRole('heading', { name: 'Not allowed' }).waitFor();
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Campaigns' }).click();
    await page.getByRole('link', { name: title }).click();
    await page.getByText('Waiting for an admin’s approval', { exact: false }).waitFor();
    expect(await page.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Review' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: /Approvals/ }).count()).toBe(0);

    // Deleting asks first; keeping it changes nothing.
    await page.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete this campaign?' });
    await dialog.getByRole('button', { name: 'Keep it as it is' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'Delete' }).click();
    await expectAccessible(page, 'delete confirmation');
    await dialog.getByRole('button', { name: 'Delete campaign' }).click();
    await page.getByRole('heading', { name: 'Campaigns' }).waitFor();
    await page.getByRole('row').filter({ hasText: TITLE }).waitFor();
    expect(await page.getByRole('link', { name: title }).count()).toBe(0);
    const gone = await stack.t.app.inject({ url: `/v1/campaigns/${id}`, headers: await as(WRITER) });
    expect(gone.statusCode).toBe(404);

    // The filters narrow the list, and say so when nothing matches.
    await page.getByRole('combobox', { name: 'Status' }).click();
    await page.getByRole('option', { name: 'Completed' }).click();
    await page.getByRole('row').filter({ hasText: TITLE }).waitFor();
    await page.getByRole('combobox', { name: 'Type' }).click();
    await page.getByRole('option', { name: 'Campaign' }).click();
    await page.getByText('No campaign matches these filters').waitFor();
    expect(page.url()).toMatch(/status=completed&type=campaign$/);
  });
});

describe('the navigation', () => {
  /** Opens every page in the person's navigation by its link, and runs axe with the pointer resting on that (active) link. */
  async function everyPageHoveringItsLink(who: { email: string; password: string }) {
    const { page } = await open();
    await page.goto('/');
    await signIn(page, who.email, who.password);
    const nav = page.getByRole('navigation', { name: 'Main navigation' });
    await nav.getByRole('link', { name: 'Profile' }).waitFor();
    const hrefs = await nav.locator('a[href]').evaluateAll((links) => links.map((a) => a.getAttribute('href')!));
    expect(hrefs.length).toBeGreaterThan(1);
    for (const href of hrefs) {
      const link = nav.locator(`a[href="${href}"]`);
      await link.click();
      await expect.poll(() => link.getAttribute('aria-current')).toBe('page');
      await page.getByRole('heading', { level: 1 }).waitFor();
      await expect.poll(() => page.getByRole('main').getByRole('status').count()).toBe(0);
      await expectAccessible(page, `${href} with the pointer on its link`, { hover: ACTIVE_NAV_LINK });
      // To look at: the hovered active link as a person sees it (never committed).
      mkdirSync(HOVER_SHOTS, { recursive: true });
      await nav.screenshot({ path: join(HOVER_SHOTS, `nav-hover${href.replaceAll('/', '-')}.png`), animations: 'disabled' });
    }
    return hrefs;
  }

  // The admin's navigation has every staff page (the manager's is part of it); a customer's has the rest.
  it('every page in the admin’s passes axe with the pointer on its own (active) link', async () => {
    expect(await everyPageHoveringItsLink(stack.admin)).toEqual(['/approvals', '/campaigns', '/campaigns/new', '/users', '/audit', '/suppressions', '/profile']);
  }, 90_000);

  it('every page in a customer’s passes axe with the pointer on its own (active) link', async () => {
    expect(await everyPageHoveringItsLink(await userWithRole(stack.t, 'customer'))).toEqual(['/offers', '/profile']);
  }, 60_000);
});

describe('delivery controls', () => {
  /** A campaign submitted by the manager and approved by the admin, through the API. */
  async function approved(body: Record<string, unknown>) {
    const created = await stack.t.app.inject({ method: 'POST', url: '/v1/campaigns', headers: await as(stack.manager), payload: { type: 'campaign', subject: 'Hi', body_html: '<p>Hi {{first_name}}</p>', ...body } });
    const id = created.json().campaign.id as number;
    await stack.t.app.inject({ method: 'POST', url: `/v1/campaigns/${id}/submit`, headers: await as(stack.manager) });
    const res = await stack.t.app.inject({ method: 'POST', url: `/v1/campaigns/${id}/approve`, headers: await as(stack.admin), payload: { version: 1 } });
    expect(res.statusCode, res.body).toBe(200);
    return { id, status: res.json().campaign.status as string };
  }

  it('pause and resume ask first, and the progress follows them to completed', async () => {
    // The sink refuses every recipient for now (451): the messages wait for their retry.
    stack.sink.setPolicy(() => ({ code: 451, message: '4.3.0 Try again later' }));
    const title = `Weekly ${Date.now().toString(36)}`;
    const { id, status } = await approved({ title });
    expect(status).toBe('sending');
    const { page } = await open();
    await page.goto(`/campaigns/${id}`);
    await signIn(page, stack.admin.email, stack.admin.password);
    await page.getByText('Sending · updating every 2 seconds').waitFor();
    await page.getByRole('button', { name: 'Pause' }).click();
    const pause = page.getByRole('dialog', { name: 'Pause sending?' });
    await expectAccessible(page, 'pause confirmation');
    await screenshot(page, 'confirm-pause');
    await pause.getByRole('button', { name: 'Pause sending' }).click();
    await page.getByRole('button', { name: 'Resume' }).waitFor();
    expect((await stack.t.app.inject({ url: `/v1/campaigns/${id}/stats`, headers: await as(stack.admin) })).json().status).toBe('paused');

    stack.sink.setPolicy(undefined);
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.getByRole('dialog', { name: 'Resume sending?' }).getByRole('button', { name: 'Resume sending' }).click();
    await expect.poll(() => page.getByText('Completed', { exact: true }).count(), { timeout: 20_000 }).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('count-sent').innerText()).toBe(await page.getByTestId('count-recipients').innerText());
    expect(await page.getByTestId('count-failed').innerText()).toBe('0');
  });

  it('cancelling a scheduled campaign asks first', async () => {
    const title = `Later ${Date.now().toString(36)}`;
    const { id, status } = await approved({ title, start_time: new Date(Date.now() + 3_600_000).toISOString() });
    expect(status).toBe('scheduled');
    const { page } = await open();
    await page.goto(`/campaigns/${id}`);
    await signIn(page, stack.admin.email, stack.admin.password);
    await page.getByText('Scheduled', { exact: true }).first().waitFor();
    expect(await page.getByRole('button', { name: 'Pause' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Cancel campaign' }).click();
    const dialog = page.getByRole('dialog', { name: 'Cancel this campaign?' });
    await dialog.getByRole('button', { name: 'Cancel campaign' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByText('Cancelled', { exact: true }).first().waitFor();
    expect(await page.getByRole('button', { name: 'Cancel campaign' }).count()).toBe(0);
  });
});

describe('the session', () => {
  it('refreshes an expired access token once, however many calls need it, and carries on', async () => {
    const p = await open();
    const { page } = p;
    await page.goto('/campaigns');
    await signIn(page, stack.admin.email, stack.admin.password);
    await page.getByRole('row').filter({ hasText: TITLE }).waitFor();
    await page.waitForTimeout(3100); // the 2-second access token has expired
    const refused: string[] = [];
    const ok: string[] = [];
    // The refreshes by the time both calls were answered: later ones belong to later calls (the new
    // token lives 2 s too, and a busy machine can take that long to get here).
    let refreshesWhenAnswered: number | undefined;
    page.on('response', (r) => {
      const url = new URL(r.url());
      if (url.pathname !== '/v1/campaigns') return;
      (r.status() === 401 ? refused : r.status() === 200 ? ok : []).push(url.search);
      if (ok.length === 2) refreshesWhenAnswered ??= p.refreshes();
    });
    const before = p.refreshes();
    // Coming back to the tab: the list and the approval count refetch at once, both get 401, and
    // one refresh serves both.
    await page.evaluate(() => window.dispatchEvent(new Event('visibilitychange')));
    await expect.poll(() => ok.length).toBeGreaterThanOrEqual(2);
    expect(refused.length).toBeGreaterThanOrEqual(2);
    expect(refreshesWhenAnswered! - before).toBe(1);
    await page.getByRole('row').filter({ hasText: TITLE }).waitFor();
    expect(page.url()).toMatch(/\/campaigns$/);
  });

  it('a reload keeps the person signed in on the same page; no token is where script can read it', async () => {
    const { page } = await open();
    await page.goto('/campaigns');
    await signIn(page, stack.admin.email, stack.admin.password);
    await page.getByRole('row').filter({ hasText: TITLE }).waitFor();
    await page.reload();
    await page.getByRole('row').filter({ hasText: TITLE }).waitFor();
    expect(page.url()).toMatch(/\/campaigns$/);
    expect(await page.getByRole('button', { name: 'Sign in' }).count()).toBe(0);
    const visible = await page.evaluate(() => ({
      cookies: document.cookie,
      stored: JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }),
    }));
    expect(visible.cookies).not.toContain('cns_refresh');
    expect(visible.stored).not.toMatch(/eyJ/); // no JWT in web storage
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'cns_refresh')).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/v1/auth' });
  });

  it('an ended session lands on sign-in and comes back to where the person was', async () => {
    const { page } = await open({ phone: true });
    await page.goto('/offers');
    await signIn(page, CUSTOMER.email, CUSTOMER.password);
    await page.getByRole('heading', { name: 'Your offers' }).waitFor();
    // The customer signs out everywhere from another device.
    const elsewhere = await stack.t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: CUSTOMER.email, password: CUSTOMER.password } });
    await stack.t.app.inject({ method: 'POST', url: '/v1/auth/logout-all', headers: bearer(elsewhere.json().access_token) });
    await page.getByRole('button', { name: 'Open navigation' }).click();
    await page.getByRole('link', { name: 'Profile' }).click();
    await expect.poll(() => page.url()).toMatch(/\/signin\?next=%2Fprofile$/);
    await page.getByText('Your session ended').waitFor();
    await signIn(page, CUSTOMER.email, CUSTOMER.password);
    await page.getByRole('heading', { name: 'Profile' }).waitFor();
    expect(page.url()).toMatch(/\/profile$/);

    // And the profile saves.
    await page.getByRole('textbox', { name: 'First name' }).fill('Augusta Ada');
    await page.getByRole('button', { name: 'Save name' }).click();
    await page.getByText('Your name was saved.').waitFor();
    const optIn = page.getByRole('switch', { name: 'Email me campaigns and offers' });
    await optIn.click({ force: true });
    await page.getByText('You receive no campaign emails.').waitFor();
    const me = (await stack.t.app.inject({ url: '/v1/users/me', headers: await as(CUSTOMER) })).json().user;
    expect(me).toMatchObject({ first_name: 'Augusta Ada', email_opt_in: false });
    await optIn.click({ force: true });
    await page.getByText('You receive campaign emails.').waitFor();
  });

  it('a next with a tab or newline in it (another origin once URL parsing drops them) lands on the role’s home, without an error', async () => {
    const p = await open();
    const { page } = p;
    await page.goto('/signin?next=%2F%09%2Fevil.test%2Fa');
    await page.getByText('Sign in to open that page.').waitFor();
    await signIn(page, stack.manager.email, stack.manager.password);
    await page.getByRole('heading', { name: 'Campaigns', level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/campaigns');
    // Signed in already: the sign-in page sends them on the same way.
    await page.goto('/signin?next=%2F%0D%0A%2Fevil.test%2Fa');
    await page.getByRole('heading', { name: 'Campaigns', level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/campaigns');
    expect(await page.getByRole('alert').count()).toBe(0);
    expect(p.problems).toEqual([]);
    // Nothing logged (React Router logs what its error page shows); a request refused for a 2 s token
    // that just expired is the app refreshing its session, not an error here.
    expect(p.consoleErrors.filter((e) => !e.startsWith('Failed to load resource'))).toEqual([]);
  });
});

describe('a stale review', () => {
  it('approving a campaign that changed since the review opened approves nothing and says so', async () => {
    const created = await stack.t.app.inject({
      method: 'POST',
      url: '/v1/campaigns',
      headers: await as(stack.manager),
      payload: { type: 'campaign', title: `Stale ${Date.now().toString(36)}`, subject: 'Version one', body_html: '<p>First version</p>' },
    });
    const id = created.json().campaign.id as number;
    await stack.t.app.inject({ method: 'POST', url: `/v1/campaigns/${id}/submit`, headers: await as(stack.manager) });

    const { page } = await open();
    await page.goto(`/approvals/${id}`);
    await signIn(page, stack.admin.email, stack.admin.password);
    await page.frameLocator('iframe[title="Email preview, Desktop"]').getByText('First version').waitFor();

    // Meanwhile the manager edits and resubmits (through the API).
    const edit = await stack.t.app.inject({ method: 'PATCH', url: `/v1/campaigns/${id}`, headers: await as(stack.manager), payload: { body_html: '<p>Second version</p>' } });
    expect(edit.statusCode).toBe(200);
    await stack.t.app.inject({ method: 'POST', url: `/v1/campaigns/${id}/submit`, headers: await as(stack.manager) });

    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('alert').filter({ hasText: 'This campaign changed since you opened it' }).waitFor();
    await expectAccessible(page, 'stale review');
    await screenshot(page, 'review-stale');
    const after = await stack.t.app.inject({ url: `/v1/campaigns/${id}`, headers: await as(stack.admin) });
    expect(after.json().campaign).toMatchObject({ status: 'pending_approval', version: 2 });

    await page.getByRole('button', { name: 'Reload the campaign' }).click();
    await page.frameLocator('iframe[title="Email preview, Desktop"]').getByText('Second version').waitFor();
    expect(await page.getByRole('alert').filter({ hasText: 'changed since' }).count()).toBe(0);
  });
});

describe('screenshots', () => {
  const committed = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
  const mtimes = (dir: string) => new Map(readdirSync(dir).map((f) => [f, statSync(join(dir, f)).mtimeMs]));
  const before = mtimes(committed);
  const started = Date.now();

  it.skipIf(process.env.UPDATE_SCREENSHOTS === '1')('are written to var/screenshots/, leaving the committed ones alone unless UPDATE_SCREENSHOTS=1', () => {
    expect(SCREENSHOTS).toMatch(/[/\\]var[/\\]screenshots[/\\]?$/);
    expect(mtimes(committed)).toEqual(before);
    // This file's runs wrote theirs there.
    expect(statSync(join(SCREENSHOTS, 'approval-queue.png')).mtimeMs).toBeGreaterThanOrEqual(started);
  });
});
