// First run of the merchant console: with no console user yet the login page says how to
// create one (it learns only that none exists, from GET /v1/session); once a user exists the
// hint is gone; removing a user from the CLI ends their session in the browser. Each test has
// a fresh server and page.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, checkA11y, screenshot, startServer } from './lib/browser.mjs';

const PASSWORD = 'correct horse battery';
const HINT = 'No console user exists yet. Create one on the server with ' +
  '"sellahead user add NAME" (it asks for a password), then log in here.';

describe('console first run', () => {
  let browser;
  before(async () => {
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });

  /* A server without demo data or users, a page, and fn(srv, page); the page must log no
   * error but the 401 of GET /v1/session while logged out. */
  async function withConsole(fn) {
    const srv = await startServer({ demo: false });
    const page = await newPage(browser);
    page.setDefaultTimeout(5000);
    try {
      await fn(srv, page);
      page.assertClean(['status of 401']);
    } finally {
      await page.context().close();
      await srv.stop();
    }
  }

  /* Opens /admin and waits until GET /v1/session has answered and the login form shows. */
  async function loginPage(srv, page) {
    const answered = page.waitForResponse((r) => r.url().endsWith('/v1/session'));
    await page.goto(srv.url + '/admin');
    await answered;
    await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
    return page.locator('#login-note');
  }

  async function addUser(srv, name) {
    const r = await srv.cli(['user', 'add', name], { input: PASSWORD + '\n' });
    assert.equal(r.code, 0, r.stderr);
  }

  it('no user yet: the login page says how to create one', () => withConsole(async (srv, page) => {
    const note = await loginPage(srv, page);
    assert.equal(await note.textContent(), HINT);
    await checkA11y(page, 'login without users');
    await screenshot(page, 'admin-first-run');
  }));

  it('once a user exists there is no hint and the user logs in', () => withConsole(async (srv, page) => {
    await addUser(srv, 'owner');
    const note = await loginPage(srv, page);
    assert.equal(await note.textContent(), '');
    await page.getByLabel('Name', { exact: true }).fill('owner');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('button', { name: 'Log out' }).waitFor();
  }));

  it('user remove ends the session: the next load shows the login page and the hint', () => withConsole(async (srv, page) => {
    await addUser(srv, 'owner');
    await loginPage(srv, page);
    await page.getByLabel('Name', { exact: true }).fill('owner');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('button', { name: 'Log out' }).waitFor();
    const r = await srv.cli(['user', 'remove', 'owner']);
    assert.equal(r.code, 0, r.stderr);
    const note = await loginPage(srv, page);
    assert.equal(await note.textContent(), HINT);
  }));
});
