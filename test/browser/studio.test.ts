// The manager's campaign studio in a real browser: the rich-text and HTML body editors, the variable
// picker, the live preview, a template error at its line and column, a test sent to oneself, the
// title search and a campaign's history with a rejection reason.
import { describe, expect, it } from 'vitest';
import { expectAccessible, screenshot, signIn, useStack, type Person } from './harness.ts';

const stack = useStack('studio');
const { open, as } = stack;
const RUN = Date.now().toString(36);
const RICH_TITLE = `Rich spring offer ${RUN}`;
const HTML_TITLE = `Html autumn news ${RUN}`;
let richId: number;
let htmlId: number;

describe('the campaign studio, by clicking', () => {
  let mgr: Person;

  it('writes a promotion in rich-text mode with variables from the picker; the live preview follows the typing', async () => {
    mgr = await open();
    const { page } = mgr;
    await page.goto('/signin');
    await signIn(page, stack.manager.email, stack.manager.password);
    await page.getByRole('heading', { name: 'Campaigns' }).waitFor();
    await page.getByRole('link', { name: 'New campaign' }).first().click();
    await page.getByRole('heading', { name: 'New campaign' }).waitFor();
    await page.getByRole('radio', { name: /Promotion/ }).check();
    await page.getByLabel('Title').fill(RICH_TITLE);

    // The subject: typed, then a variable inserted at the cursor.
    const subject = page.getByRole('textbox', { name: 'Subject' });
    await subject.fill(', your code inside');
    await subject.press('Home');
    await page.getByRole('button', { name: 'Insert variable', exact: true }).click();
    await page.getByRole('menuitem', { name: /First name/ }).click();
    await expect.poll(() => subject.inputValue()).toBe('{{first_name}}, your code inside');

    // The body in rich text: a paragraph, a variable, bold text, the promo code.
    await page.getByText('Rich text', { exact: true }).click();
    await expect.poll(() => page.getByRole('radio', { name: 'Rich text' }).isChecked()).toBe(true);
    const rich = page.getByRole('textbox', { name: 'Rich text body' });
    await rich.click();
    await page.keyboard.type('Hello ');
    const bodyPicker = page.getByRole('button', { name: 'Insert variable in the body' });
    await bodyPicker.click();
    await page.getByRole('menuitem', { name: /First name/ }).click();
    await page.keyboard.type(', use ');
    await page.getByRole('button', { name: 'Bold' }).click();
    await bodyPicker.click();
    await page.getByRole('menuitem', { name: /Promo code/ }).click();
    await page.getByRole('button', { name: 'Bold' }).click();
    await page.keyboard.type(' at checkout.');
    await page.getByLabel('Promo code').fill('SPRING20');

    // The preview renders the unsaved content for the manager (first name "manager").
    const preview = page.frameLocator('iframe[title^="Email preview"]');
    await preview.getByText('Hello manager, use SPRING20 at checkout.').waitFor();
    expect(await preview.locator('strong, b').first().innerText()).toBe('SPRING20');
    await page.getByText('Subject:').locator('..').getByText('manager, your code inside').waitFor();
    expect(await page.locator('iframe[title^="Email preview"]').getAttribute('sandbox')).toBe('');

    // It follows the typing (debounced), without saving.
    await rich.press('End');
    await page.keyboard.type(' See you soon!');
    await preview.getByText('at checkout. See you soon!').waitFor();
    // Desktop: the preview is beside the editor.
    const editorBox = (await rich.boundingBox())!;
    const previewBox = (await page.getByRole('region', { name: 'Live preview' }).boundingBox())!;
    expect(previewBox.x).toBeGreaterThan(editorBox.x + editorBox.width - 1);
    await expectAccessible(page, 'studio, rich text');
    await screenshot(page, 'studio-rich-text');

    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByRole('heading', { name: RICH_TITLE }).waitFor();
    richId = Number(/\/campaigns\/(\d+)$/.exec(page.url())![1]);
    const saved = (await stack.t.app.inject({ url: `/v1/campaigns/${richId}`, headers: await as(stack.manager) })).json().campaign;
    expect(saved.subject).toBe('{{first_name}}, your code inside');
    expect(saved.body_html).toBe('<p>Hello {{first_name}}, use <strong>{{promo_code}}</strong> at checkout. See you soon!</p>');
  });

  it('writes in HTML mode: a template error is shown at its line and column, the line marked, and "Go to line" puts the cursor there', async () => {
    const { page } = mgr;
    await page.getByRole('link', { name: 'New campaign' }).first().click();
    await page.getByRole('heading', { name: 'New campaign' }).waitFor();
    await page.getByRole('radio', { name: /Campaign/ }).first().check();
    await page.getByLabel('Title').fill(HTML_TITLE);
    await page.getByRole('textbox', { name: 'Subject' }).fill('Autumn news');
    const body = page.getByRole('textbox', { name: 'HTML body' });
    await body.click();
    await page.keyboard.type('<h1>Autumn</h1>\n<p>Dear {{frist_name}},</p>\n');
    // The variable picker inserts at the cursor in the HTML too.
    await page.keyboard.type('<p>');
    await page.getByRole('button', { name: 'Insert variable in the body' }).click();
    expect(await page.getByRole('menuitem', { name: /Promo code/ }).count()).toBe(0); // promotions only
    await page.getByRole('menuitem', { name: /Unsubscribe link/ }).click();
    await page.keyboard.type('</p>');
    // The focus came back to the editor, where the typing went on.
    expect(await body.innerText()).toBe('<h1>Autumn</h1>\n<p>Dear {{frist_name}},</p>\n<p>{{unsubscribe_url}}</p>');

    // The live check names the line and column under the editor, marks the field invalid and the line.
    const error = page.getByRole('form', { name: 'Campaign' }).getByText(/frist_name.*line 2, column 11/);
    await error.waitFor();
    await expect.poll(() => body.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await body.getAttribute('aria-describedby')) ?? '';
    expect(await page.locator(`[id="${describedBy.split(' ')[0]}"]`).innerText()).toMatch(/line 2, column 11/);
    expect(await page.locator('.cns-error-line').innerText()).toBe('<p>Dear {{frist_name}},</p>');
    await page.getByRole('region', { name: 'Live preview' }).getByText(/HTML body: .*frist_name/).waitFor();
    await expectAccessible(page, 'studio, template error');
    await screenshot(page, 'studio-template-error');

    // Saving is refused with the same place named.
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByText('Some fields need attention.').waitFor();

    // "Go to line 2" puts the cursor at the error: the fix is typed right there.
    // Tab leaves the editor (no tab character is typed): the keyboard is never trapped.
    await body.focus();
    await page.keyboard.press('Tab');
    expect(await body.evaluate((el) => el.contains(document.activeElement))).toBe(false);
    await page.getByRole('button', { name: 'Go to line 2' }).click();
    await page.keyboard.press('Shift+ArrowRight');
    await page.keyboard.press('Shift+ArrowRight');
    await page.keyboard.press('Shift+ArrowRight');
    await page.keyboard.press('Shift+ArrowRight');
    await page.keyboard.press('Shift+ArrowRight');
    await page.keyboard.type('first');
    await page.frameLocator('iframe[title^="Email preview"]').getByText('Dear manager,').waitFor();
    await expect.poll(() => body.getAttribute('aria-invalid')).toBe(null);
    expect(await page.locator('.cns-error-line').count()).toBe(0);
    await page.getByRole('tab', { name: 'Text version' }).click();
    expect(await page.getByRole('region', { name: 'Text version' }).innerText()).toMatch(/Autumn[\s\S]*Dear manager,/);
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByRole('heading', { name: HTML_TITLE }).waitFor();
    htmlId = Number(/\/campaigns\/(\d+)$/.exec(page.url())![1]);
    await page.frameLocator('iframe[title^="Email preview"]').getByText('Dear manager,').waitFor();
  });

  it('at phone width the preview sits under the editor', async () => {
    const phone = await open({ phone: true });
    const { page } = phone;
    await page.goto('/signin');
    await signIn(page, stack.manager.email, stack.manager.password);
    await page.getByRole('heading', { name: 'Campaigns' }).waitFor();
    await page.goto(`/campaigns/${richId}/edit`);
    await page.getByRole('heading', { name: `Edit “${RICH_TITLE}”` }).waitFor();
    const body = page.getByRole('textbox', { name: 'HTML body' });
    await page.frameLocator('iframe[title^="Email preview"]').getByText('Hello manager, use SPRING20').waitFor();
    const editorBox = (await body.boundingBox())!;
    const previewBox = (await page.getByRole('region', { name: 'Live preview' }).boundingBox())!;
    expect(previewBox.y).toBeGreaterThan(editorBox.y + editorBox.height);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await expectAccessible(page, 'studio, phone');
    await screenshot(page, 'studio-phone');
  });

  it('sends a test to oneself: it reaches the mail server with "[Test] " in the subject', async () => {
    const { page } = mgr;
    await page.goto(`/campaigns/${richId}`);
    await page.getByRole('heading', { name: RICH_TITLE }).waitFor();
    await page.getByRole('button', { name: 'Send a test' }).click();
    await page.getByText(`A test was sent to ${stack.manager.email}`).waitFor();
    await expect
      .poll(() => stack.sink.messages.filter((m) => m.to === stack.manager.email).map((m) => m.header('Subject')), { timeout: 10_000 })
      .toEqual(['[Test] manager, your code inside']);

    // Past the hourly allowance (20 tests per person, whatever the campaign), the refusal is in plain words.
    for (let i = 0; i < 19; i++) {
      const headers = await as(stack.manager); // a token of its own: one lives 2 s, and a busy machine may take longer than that for a few requests
      const res = await stack.t.app.inject({ method: 'POST', url: `/v1/campaigns/${htmlId}/test-send`, headers, payload: { emails: [`qa${i}@example.com`] } });
      expect(res.statusCode, res.body).toBe(202);
    }
    await page.getByRole('button', { name: 'Send a test' }).click();
    await page.getByText(/You have sent as many tests as allowed for this hour\. Try again in \d+ minutes\./).waitFor();
  });

  it('searches the list by title; the search is in the address, so a reload keeps it', async () => {
    const { page } = mgr;
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Campaigns' }).click();
    await page.getByRole('row').filter({ hasText: HTML_TITLE }).waitFor();
    expect(await page.getByRole('row').filter({ hasText: RICH_TITLE }).count()).toBe(1);
    await page.getByRole('searchbox', { name: 'Search titles' }).fill('AUTUMN');
    await expect.poll(() => new URL(page.url()).searchParams.get('q')).toBe('AUTUMN');
    await expect.poll(() => page.getByRole('row').filter({ hasText: RICH_TITLE }).count()).toBe(0);
    expect(await page.getByRole('row').filter({ hasText: HTML_TITLE }).count()).toBe(1);
    await page.reload();
    await page.getByRole('row').filter({ hasText: HTML_TITLE }).waitFor();
    expect(await page.getByRole('searchbox', { name: 'Search titles' }).inputValue()).toBe('AUTUMN');
    expect(await page.getByRole('row').filter({ hasText: RICH_TITLE }).count()).toBe(0);
    await page.getByRole('searchbox', { name: 'Search titles' }).fill('no such title');
    await page.getByText('No campaign title contains “no such title”').waitFor();
    await expectAccessible(page, 'campaign list, searched');
    await screenshot(page, 'studio-search');
  });

  it("shows the campaign's history: the rejection with its reason, the test send", async () => {
    const { page } = mgr;
    expect((await stack.t.app.inject({ method: 'POST', url: `/v1/campaigns/${richId}/submit`, headers: await as(stack.manager) })).statusCode).toBe(200);
    const rejected = await stack.t.app.inject({
      method: 'POST',
      url: `/v1/campaigns/${richId}/reject`,
      headers: await as(stack.admin),
      payload: { version: 1, reason: 'Say which products the code covers.' },
    });
    expect(rejected.statusCode, rejected.body).toBe(200);
    await page.goto(`/campaigns/${richId}`);
    const history = page.getByRole('region', { name: 'History' });
    await history.getByText('Rejected', { exact: true }).waitFor();
    await history.getByText('Say which products the code covers.').waitFor();
    await history.getByText('Test sent', { exact: true }).waitFor();
    await history.getByText(`To ${stack.manager.email}`).waitFor();
    await history.getByText('Created', { exact: true }).waitFor();
    await expectAccessible(page, 'campaign with history');
    await screenshot(page, 'studio-history');
  });

  it('sets the start time with the date picker, by keyboard; saved as that moment, shown again on edit, and cleared', async () => {
    const { page } = mgr;
    await page.goto(`/campaigns/${htmlId}/edit`);
    const start = page.getByRole('button', { name: 'Start time', exact: true });
    await start.focus();
    await page.keyboard.press('Enter');
    // The 15th of next month at 10:30 (the browser's clock and zone: UTC here).
    const now = new Date();
    const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 15, 10, 30));
    // The day's name as the browser formats it, and the field's own format (D MMM YYYY).
    const dayLabel = await page.evaluate((t) => new Intl.DateTimeFormat(undefined, { dateStyle: 'full' }).format(new Date(t)), day.getTime());
    const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][day.getUTCMonth()];
    const shown = `${day.getUTCDate()} ${month} ${day.getUTCFullYear()}`;
    await page.getByRole('button', { name: 'Next month' }).waitFor();
    await expectAccessible(page, 'date picker, open');
    await page.getByRole('button', { name: 'Next month' }).focus();
    await page.keyboard.press('Enter');
    const target = page.getByRole('button', { name: dayLabel });
    await target.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('spinbutton', { name: 'Hours' }).focus();
    await page.keyboard.type('1030');
    await page.getByRole('button', { name: 'Set the start time' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => start.innerText()).toBe(`${shown}, 10:30`);
    await screenshot(page, 'studio-date-picker');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: HTML_TITLE }).waitFor();
    const saved = async () => (await stack.t.app.inject({ url: `/v1/campaigns/${htmlId}`, headers: await as(stack.manager) })).json().campaign;
    // The edit form and the campaign page share the heading: wait for the saved value itself.
    await expect.poll(async () => (await saved()).start_time).toBe(day.toISOString());
    await expect.poll(() => page.url()).toMatch(new RegExp(`/campaigns/${htmlId}$`));

    // Shown again when editing; the clear button empties it.
    await page.goto(`/campaigns/${htmlId}/edit`);
    await expect.poll(() => start.innerText()).toBe(`${shown}, 10:30`);
    await page.getByRole('button', { name: 'Clear the start time' }).click();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: HTML_TITLE }).waitFor();
    await expect.poll(async () => (await saved()).start_time).toBeNull();
  });
});
