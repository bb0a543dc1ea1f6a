// The admin screens in a real browser: users (create, search, role, disable, delete), the audit log
// filtered by action and by actor, a sent campaign's deliveries, and the way to the queue dashboard.
import { beforeAll, describe, expect, it } from 'vitest';
import { eventually, seedCustomers, uniqueEmail, userWithRole } from '../helpers.ts';
import { expectAccessible, screenshot, signIn, useStack, type Person } from './harness.ts';

const stack = useStack('admin');
const { open, as } = stack;
let campaignId: number;
let campaignTitle: string;
let refused: string;

beforeAll(async () => {
  // 22 customers: two pages of users, and the audience of a campaign sent here.
  const stamp = Date.now().toString(36);
  await seedCustomers(stack.t, 22, `dlv${stamp}x`);
  refused = `dlv${stamp}x3.`;
  // The sink refuses one recipient for good: their delivery fails with the server's reply.
  stack.sink.setPolicy((to) => (to.startsWith(refused) ? { code: 550, message: '5.1.1 Mailbox does not exist' } : undefined));
  campaignTitle = `Autumn news ${stamp}`;
  const created = await stack.t.app.inject({
    method: 'POST',
    url: '/v1/campaigns',
    headers: await as(stack.manager),
    payload: { type: 'campaign', title: campaignTitle, subject: 'News', body_html: '<p>Hello {{first_name}}</p>' },
  });
  campaignId = created.json().campaign.id as number;
  await stack.t.app.inject({ method: 'POST', url: `/v1/campaigns/${campaignId}/submit`, headers: await as(stack.manager) });
  const approved = await stack.t.app.inject({ method: 'POST', url: `/v1/campaigns/${campaignId}/approve`, headers: await as(stack.admin), payload: { version: 1 } });
  expect(approved.statusCode, approved.body).toBe(200);
  await eventually(async () => {
    const stats = await stack.t.app.inject({ url: `/v1/campaigns/${campaignId}/stats`, headers: await as(stack.admin) });
    return stats.json().status === 'completed';
  });
}, 60_000);

const NEW = { first: 'Grace', last: 'Hopper', email: uniqueEmail('grace'), password: 'compiler-1952' };

describe('users', () => {
  let adm: Person;

  it('the admin creates a manager; the API’s field problems show beside their fields', async () => {
    adm = await open();
    const { page } = adm;
    await page.goto('/');
    await signIn(page, stack.admin.email, stack.admin.password);
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Users' }).click();
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    await page.getByRole('table', { name: 'Users' }).waitFor();
    await expectAccessible(page, 'users');

    await page.getByRole('button', { name: 'Create user' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create a user' });
    await dialog.getByLabel('First name').fill(NEW.first);
    await dialog.getByLabel('Last name').fill(NEW.last);
    await dialog.getByLabel('Email').fill('grace-at-example');
    await dialog.getByRole('textbox', { name: 'Password' }).fill('short');
    await dialog.getByRole('combobox', { name: 'Role' }).selectOption('manager');
    await dialog.getByRole('button', { name: 'Create user' }).click();
    // Both problems come from the API, each under its own field.
    const email = dialog.getByLabel('Email');
    await expect.poll(() => email.getAttribute('aria-invalid')).toBe('true');
    const password = dialog.getByRole('textbox', { name: 'Password' });
    const describedText = async (field: typeof email) => {
      const ids = ((await field.getAttribute('aria-describedby')) ?? '').split(' ').filter(Boolean);
      return (await page.locator(ids.map((id) => `[id="${id}"]`).join(', ')).allInnerTexts()).join(' ');
    };
    expect(await describedText(email)).toContain('Enter a valid email address');
    expect(await describedText(password)).toContain('Use at least 8 characters');
    await dialog.getByText('Some fields need attention').waitFor();
    await expectAccessible(page, 'create user with field errors');
    await screenshot(page, 'admin-create-user-errors');

    await email.fill(NEW.email);
    await password.fill(NEW.password);
    await dialog.getByRole('button', { name: 'Create user' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByText(`${NEW.email} was created as a manager.`).waitFor();
  });

  it('the new manager signs in', async () => {
    const { page } = await open();
    await page.goto('/');
    await signIn(page, NEW.email, NEW.password);
    await page.getByRole('heading', { name: 'Campaigns' }).waitFor();
    expect(await page.getByRole('link', { name: 'Users' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /Queue dashboard/ }).count()).toBe(0);
  });

  it('search, role filter and pages narrow the list', async () => {
    const { page } = adm;
    await page.getByRole('combobox', { name: 'Role', exact: true }).click();
    await page.getByRole('listbox', { name: 'Role' }).getByRole('option', { name: 'Customer' }).click();
    await expect.poll(() => page.getByText('22 users').count()).toBe(1);
    expect(await page.getByRole('row').count()).toBe(21); // a header and 20 on the first page
    await page.getByRole('button', { name: 'Page 2' }).click();
    await expect.poll(() => page.getByRole('row').count()).toBe(3);
    expect(page.url()).toMatch(/role=customer&page=2$/);

    await page.getByRole('button', { name: 'Clear the role filter' }).click();
    await page.getByRole('searchbox', { name: 'Search' }).fill(NEW.email.slice(0, 12));
    await expect.poll(() => page.getByRole('row').count()).toBe(2);
    await page.getByRole('row').filter({ hasText: NEW.email }).getByText('Active').waitFor();
    expect(page.url()).toContain(`q=${encodeURIComponent(NEW.email.slice(0, 12))}`);
    await screenshot(page, 'admin-users');
  });

  it('role change and disable take effect and are shown; the admin’s own account is refused in plain words', async () => {
    const { page } = adm;
    const row = page.getByRole('row').filter({ hasText: NEW.email });
    await row.getByRole('combobox', { name: `Role of ${NEW.email}` }).selectOption('customer');
    await page.getByText(`${NEW.email} is now a customer.`).waitFor();
    await expect.poll(() => row.getByRole('combobox', { name: `Role of ${NEW.email}` }).inputValue()).toBe('customer');
    const user = (await stack.t.app.inject({ url: `/v1/users?q=${encodeURIComponent(NEW.email)}&page=1&per_page=1`, headers: await as(stack.admin) })).json().data[0];
    expect(user.role).toBe('customer');

    await row.getByRole('button', { name: `Disable ${NEW.email}` }).click();
    await row.getByText('Disabled').waitFor();
    await row.getByRole('button', { name: `Enable ${NEW.email}` }).waitFor();
    const refusedLogin = await stack.t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: NEW.email, password: NEW.password } });
    expect(refusedLogin.statusCode).toBe(401);
    await row.getByRole('button', { name: `Enable ${NEW.email}` }).click();
    await row.getByText('Active').waitFor();
    await page.getByText(`${NEW.email} can sign in again.`).waitFor();

    // The admin's own row: the API refuses, the screen says why.
    await page.getByRole('searchbox', { name: 'Search' }).fill(stack.admin.email);
    const mine = page.getByRole('row').filter({ hasText: stack.admin.email });
    await mine.getByText('(you)').waitFor();
    await mine.getByRole('button', { name: `Disable ${stack.admin.email}` }).click();
    await page.getByRole('alert').getByText('You cannot change your own role or status, or delete your own account.').waitFor();
    await mine.getByText('Active').waitFor();
    await expectAccessible(page, 'users with a refusal');
  });

  it('delete asks first', async () => {
    const { page } = adm;
    await page.getByRole('searchbox', { name: 'Search' }).fill(NEW.email);
    const row = page.getByRole('row').filter({ hasText: NEW.email });
    // The earlier refusal went with the earlier list.
    await page.getByRole('alert').filter({ hasText: 'You cannot change' }).waitFor({ state: 'detached' });
    await row.getByRole('button', { name: `Delete ${NEW.email}` }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete this user?' });
    await dialog.getByText(NEW.email).waitFor();
    await expectAccessible(page, 'delete user confirmation');
    await screenshot(page, 'admin-delete-user');
    await dialog.getByRole('button', { name: 'Keep it as it is' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await row.count()).toBe(1);
    await row.getByRole('button', { name: `Delete ${NEW.email}` }).click();
    await dialog.getByRole('button', { name: 'Delete user' }).click();
    await page.getByText('No user matches this search').waitFor();
    const gone = await stack.t.app.inject({ url: `/v1/users?q=${encodeURIComponent(NEW.email)}&page=1&per_page=5`, headers: await as(stack.admin) });
    expect(gone.json().total).toBe(0);
  });

  it('fits a phone', async () => {
    const { page } = await open({ phone: true });
    await page.goto('/users');
    await signIn(page, stack.admin.email, stack.admin.password);
    await page.getByRole('table', { name: 'Users' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await expectAccessible(page, 'users on a phone');
  });
});

describe('audit log', () => {
  it('shows those actions, filtered by action and by actor, with their details readable', async () => {
    const { page } = await open();
    await page.goto('/');
    await signIn(page, stack.admin.email, stack.admin.password);
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    const table = page.getByRole('table', { name: 'Audit log' });
    await table.waitFor();
    // The service's own entry (the campaign completed) names no person.
    await table.getByRole('row').filter({ hasText: 'Campaign completed' }).getByText('The service').waitFor();
    await expectAccessible(page, 'audit log');

    await page.getByRole('combobox', { name: 'Action' }).click();
    await page.getByRole('option', { name: 'Role changed' }).click();
    await expect.poll(() => table.getByRole('row').count()).toBe(2);
    const change = table.getByRole('row').nth(1);
    expect(await change.innerText()).toMatch(/from:\s*Manager/);
    expect(await change.innerText()).toMatch(/to:\s*Customer/);
    await change.getByRole('button', { name: `Show only actions by ${stack.admin.email}` }).waitFor();
    expect(page.url()).toMatch(/action=user.role_changed$/);

    await page.getByRole('button', { name: 'Clear the action filter' }).click();
    // By actor: picked by typing part of the email.
    await page.getByRole('combobox', { name: 'Actor' }).click();
    await page.getByRole('combobox', { name: 'Actor' }).fill(stack.admin.email.slice(0, 10));
    await page.getByRole('option', { name: stack.admin.email }).click();
    await expect.poll(() => page.url()).toMatch(new RegExp(`actor=${stack.admin.id}$`));
    await expect.poll(() => table.getByRole('row').filter({ hasText: 'Campaign completed' }).count()).toBe(0);
    const actions = (await table.getByRole('row').allInnerTexts()).slice(1);
    // Created, role changed, disabled, enabled, deleted, and the campaign's approval: newest first.
    expect(actions.map((r) => r.split('\n').find((l) => /^(User|Role|Campaign)/.test(l.trim()))?.trim())).toEqual([
      'User deleted',
      'User enabled',
      'User disabled',
      'Role changed',
      'User created',
      'Campaign approved',
    ]);
    expect(actions[0]).toContain(NEW.email); // a deleted user's entry keeps their email
    expect(actions[0]).toMatch(/Deleted user #\d+/);
    await screenshot(page, 'admin-audit');

    // Both filters together; the campaign entry links to the campaign.
    await page.getByRole('combobox', { name: 'Action' }).click();
    await page.getByRole('option', { name: 'Campaign approved' }).click();
    await expect.poll(() => table.getByRole('row').count()).toBe(2);
    expect(page.url()).toMatch(/actor=\d+&action=campaign.approved$/);
    await table.getByRole('link', { name: `Campaign #${campaignId}` }).waitFor();

    await page.getByRole('combobox', { name: 'Action' }).click();
    await page.getByRole('option', { name: 'Test message sent' }).click();
    await page.getByText('No entry matches these filters').waitFor();
    await expectAccessible(page, 'audit log, empty');
  });
});

describe('deliveries', () => {
  it('are reachable from the campaign; the status filter and the address search work, and a refusal shows the server’s reply', async () => {
    const { page } = await open();
    await page.goto(`/campaigns/${campaignId}`);
    await signIn(page, stack.admin.email, stack.admin.password);
    await page.getByRole('link', { name: /Deliveries to each recipient/ }).click();
    await page.getByRole('heading', { name: `Deliveries: ${campaignTitle}` }).waitFor();
    const table = page.getByRole('table', { name: 'Deliveries' });
    await page.getByText('22 recipients').waitFor();
    expect(await table.getByRole('row').count()).toBe(23);
    await expectAccessible(page, 'deliveries');

    await page.getByRole('combobox', { name: 'Status' }).click();
    await page.getByRole('option', { name: 'Failed' }).click();
    await page.getByText('1 recipient', { exact: true }).waitFor();
    const failed = table.getByRole('row').nth(1);
    expect(await failed.innerText()).toContain(refused);
    expect(await failed.innerText()).toMatch(/550.*Mailbox does not exist/);
    expect(page.url()).toMatch(/status=failed$/);
    await screenshot(page, 'admin-deliveries-failed');

    await page.getByRole('button', { name: 'Clear the status filter' }).click();
    await page.getByText('22 recipients').waitFor();
    // Part of the address, in any case.
    await page.getByRole('searchbox', { name: 'Address' }).fill(refused.toUpperCase());
    await page.getByText('1 recipient', { exact: true }).waitFor();
    await page.getByRole('combobox', { name: 'Status' }).click();
    await page.getByRole('option', { name: 'Sent' }).click();
    await page.getByText('No recipient matches these filters').waitFor();
    await expectAccessible(page, 'deliveries, empty');

    await page.getByRole('button', { name: 'Clear the status filter' }).click();
    await page.getByRole('searchbox', { name: 'Address' }).fill('');
    await page.getByText('22 recipients').waitFor();
    await screenshot(page, 'admin-deliveries');
  });

  it('the manager who wrote the campaign sees them too', async () => {
    const { page } = await open();
    await page.goto(`/campaigns/${campaignId}/deliveries?status=sent`);
    await signIn(page, stack.manager.email, stack.manager.password);
    await page.getByText('21 recipients').waitFor();
    const row = page.getByRole('table', { name: 'Deliveries' }).getByRole('row').nth(1);
    expect(await row.innerText()).toMatch(/Sent\s+1\s+/i);
  });

  it('another manager is told, in words, that the campaign is not theirs', async () => {
    const other = await userWithRole(stack.t, 'manager');
    const { page } = await open();
    await page.goto(`/campaigns/${campaignId}/deliveries`);
    await signIn(page, other.email, other.password);
    await page.getByRole('alert').getByText('This does not exist, or it is not yours.').waitFor();
    expect(await page.getByRole('table', { name: 'Deliveries' }).count()).toBe(0);
    await expectAccessible(page, 'deliveries, refused');
  });
});

describe('queue dashboard', () => {
  it('an admin opens bull-board from the navigation', async () => {
    const p = await open();
    const { page } = p;
    await page.goto('/');
    await signIn(page, stack.admin.email, stack.admin.password);
    await page.getByRole('button', { name: /Queue dashboard/ }).click();
    await expect.poll(() => new URL(page.url()).pathname).toMatch(/^\/admin\/queues/);
    await expect.poll(() => page.title()).toBe('Campaign queues');
    await page.getByText('delivery', { exact: true }).first().waitFor();
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.path === '/admin/queues')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    await screenshot(page, 'admin-queue-dashboard');
    // bull-board's page asks for web fonts from Google, which the board's policy refuses (it falls
    // back to the system's fonts); any other refusal or error still fails the file.
    const others = p.problems.filter((m) => !/^csp: Loading the stylesheet 'https:\/\/fonts\.googleapis\.com\//.test(m));
    p.problems.splice(0, p.problems.length, ...others);
  });
});

describe('approval queue', () => {
  it('lists the longest waiting first, in the server’s order, a page at a time', async () => {
    // 22 campaigns waiting, submitted in an order unlike their creation: the i-th created was the
    // (7i + 3) mod 22-th submitted, a minute apart.
    const stamp = Date.now().toString(36);
    const ids: number[] = [];
    for (let i = 0; i < 22; i++) {
      const c = await stack.t.ctx.repos.campaigns.create(
        { type: 'campaign', title: `Queue ${stamp} ${i}`, description: '', remarks: '', subject: 'S', bodyHtml: '<p>Hi</p>', bodyText: 'Hi', promoCode: null, startTime: null, endTime: null },
        stack.manager.id,
      );
      ids.push(c.id);
    }
    const submittedAt = (rank: number) => new Date(Date.UTC(2030, 0, 1, 0, rank));
    const rankOf = (i: number) => (7 * i + 3) % 22;
    for (const [i, id] of ids.entries()) {
      await stack.t.ctx.mysql.pool.query("UPDATE campaigns SET status = 'pending_approval', updated_at = ? WHERE id = ?", [submittedAt(rankOf(i)), id]);
      await stack.t.ctx.campaignLists.changed();
    }
    const bySubmission = [...ids.keys()].sort((a, b) => rankOf(a) - rankOf(b)).map((i) => `Queue ${stamp} ${i}`);

    const { page } = await open();
    await page.goto('/approvals');
    await signIn(page, stack.admin.email, stack.admin.password);
    await page.getByRole('heading', { name: 'Approval queue' }).waitFor();
    const titles = () => page.getByRole('list', { name: 'Campaigns waiting for approval' }).getByRole('heading').allInnerTexts();
    await page.getByText('22 campaigns waiting').waitFor();
    expect(await titles()).toEqual(bySubmission.slice(0, 20));
    await page.getByRole('button', { name: 'Page 2' }).click();
    await expect.poll(titles).toEqual(bySubmission.slice(20));
    expect(page.url()).toMatch(/\/approvals\?page=2$/);
    await expectAccessible(page, 'approval queue, page 2');
  });
});
