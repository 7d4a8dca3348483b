// First run of the merchant console: with no console user yet the login page says how to
// create one (it learns only that none exists, from GET /v1/session); once a user exists the
// hint is gone; removing a user from the CLI ends their session in the browser.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, checkA11y, screenshot, startServer } from './lib/browser.mjs';

const PASSWORD = 'correct horse battery';

describe('console first run', () => {
  let srv, browser, page;

  before(async () => {
    srv = await startServer({ demo: false });
    browser = await launch();
    page = await newPage(browser);
    page.setDefaultTimeout(5000);
  });

  after(async () => {
    await browser?.close();
    await srv?.stop();
  });

  const note = () => page.locator('#login-note');

  async function loginPage() {
    await page.goto(srv.url + '/admin');
    await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
    // The note is filled once GET /v1/session has answered.
    await page.waitForFunction(() => !document.body.classList.contains('booting'));
  }

  it('no user yet: the login page says how to create one', async () => {
    await loginPage();
    await page.waitForFunction(() => document.querySelector('#login-note').textContent !== '');
    assert.equal(await note().textContent(), 'No console user exists yet. Create one on the ' +
      'server with "sellahead user add NAME" (it asks for a password), then log in here.');
    await checkA11y(page, 'login without users');
    await screenshot(page, 'admin-first-run');
  });

  it('once a user exists the hint is gone and the user can log in', async () => {
    const r = await srv.cli(['user', 'add', 'owner'], { input: PASSWORD + '\n' });
    assert.equal(r.code, 0, r.stderr);
    await loginPage();
    assert.equal(await note().textContent(), '');
    await page.getByLabel('Name', { exact: true }).fill('owner');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('button', { name: 'Log out' }).waitFor();
  });

  it('user remove ends the session: the next load shows the login page', async () => {
    const r = await srv.cli(['user', 'remove', 'owner']);
    assert.equal(r.code, 0, r.stderr);
    await loginPage();
    await page.waitForFunction(() => document.querySelector('#login-note').textContent !== '');
    assert.match(await note().textContent(), /^No console user exists yet/);
    page.assertClean(['status of 401']);
  });
});
