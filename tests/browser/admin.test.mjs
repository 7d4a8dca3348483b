// The merchant console (/admin) driven through chromium along the merchant's path: login,
// the read-only overview, CSV import with its line errors, orders (ship, cancel), receipts,
// settings, outbox, logout. Every view passes axe and is photographed at desktop and 375 px.
import { describe, it, before, after, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch, newPage, checkA11y, layoutShift, screenshot, startServer } from './lib/browser.mjs';
import { HEADER, TEMPLATE, DEMO_SKUS } from '../http/lib/server.mjs';
import { orderBody, outboxSettled, placeOrder, ship } from '../http/lib/shop.mjs';

const WEB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web');
const JS_BUDGET = 25 * 1024;
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 375, height: 812 };
const PASSWORD = 'correct horse battery';
// Expected API refusals the test provokes; Chrome logs each as a console error.
const EXPECTED = ['status of 401', 'status of 404', 'status of 409', 'status of 422', 'status of 429'];

/* Retries an assertion until it holds (the page updates asynchronously). */
async function until(fn, ms = 8000) {
  const end = Date.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/* The text of every cell of a table's body rows, or of one row. */
const cells = (table) => table.locator('tbody tr').evaluateAll((rows) =>
  rows.map((r) => [...r.cells].map((c) => c.textContent.trim())));
const rowCells = (row) => row.evaluate((r) => [...r.cells].map((c) => c.textContent.trim()));

// Every test has a fresh demo server with the user admin, and a page of its own (a new browser
// context: no cookie or storage left by another test); it logs in itself when it needs to.
describe('merchant console', () => {
  let srv, browser, page, tmp;

  /* axe and a screenshot at desktop width, then the same at 375 px, which must not scroll
   * sideways. */
  async function capture(name) {
    await checkA11y(page, `${name} (desktop)`);
    await screenshot(page, `admin-${name}-desktop`);
    await page.setViewportSize(PHONE);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
    assert.ok(overflow <= 0, `${name} scrolls sideways at 375 px by ${overflow}px`);
    await checkA11y(page, `${name} (375 px)`);
    await screenshot(page, `admin-${name}-375`);
    await page.setViewportSize(DESKTOP);
  }

  async function go(link, heading) {
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: link, exact: true }).click();
    const h1 = page.getByRole('heading', { level: 1, name: heading });
    await h1.waitFor();
    // Focus moves to the view's heading, so keyboard and screen reader users start there.
    await until(async () => assert.equal(await page.evaluate(() => document.activeElement.textContent), heading));
  }

  /* The overview's cells for one SKU. */
  const inventoryRow = async (sku) => (await cells(page.locator('#inv-table table'))).find((r) => r[0] === sku);

  /* Opens the console and logs in as admin: the Inventory Overview shows. */
  async function login() {
    await page.goto(srv.url + '/admin');
    await page.getByLabel('Name', { exact: true }).fill('admin');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Inventory Overview' }).waitFor();
  }

  /* 40 more SKUs through the bulk API: 52 in all, two pages of 50 in the overview. */
  async function fortyMoreSkus() {
    const rows = Array.from({ length: 40 }, (_, i) => ({ sku: `ZZ${String(i).padStart(2, '0')}`,
      locationId: 'WH1', stockType: 'onhand', quantity: i }));
    const b = await srv.bulk(rows);
    assert.equal(b.status, 201, b.text);
  }

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sellahead-admin-'));
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  beforeEach(async () => {
    srv = await startServer();
    const u = await srv.cli(['user', 'add', 'admin'], { input: PASSWORD + '\n' });
    assert.equal(u.code, 0, u.stderr);
    page = await newPage(browser, DESKTOP);
    page.setDefaultTimeout(5000);
  });

  afterEach(async () => {
    try {
      page.assertClean(EXPECTED);
    } finally {
      await page.context().close();
      await srv.stop();
    }
  });

  it('keeps the console JavaScript within its 25 KB budget', () => {
    const html = fs.readFileSync(path.join(WEB, 'admin.html'), 'utf8');
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
    const srcs = [...html.matchAll(/<script[^>]*\bsrc="\/assets\/([^"]+)"/g)].map((m) => m[1]);
    const files = new Set([...srcs, ...fs.readdirSync(path.join(WEB, 'assets')).filter((f) => /^admin.*\.js$/.test(f))]);
    const total = [...files].reduce((n, f) => n + fs.statSync(path.join(WEB, 'assets', f)).size, 0);
    console.log(`# console JavaScript: ${total} bytes in ${[...files].join(', ')}`);
    assert.ok(total <= JS_BUDGET, `console JS is ${total} bytes, over ${JS_BUDGET}`);
  });

  it('refuses a wrong password, then locks a name out after repeated failures', async () => {
    await page.goto(srv.url + '/admin');
    await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
    await capture('login');

    const alert = page.locator('#login-error');
    const attempt = async (name, password) => {
      await page.getByLabel('Name', { exact: true }).fill(name);
      await page.getByLabel('Password', { exact: true }).fill(password);
      const res = page.waitForResponse((r) => r.url().endsWith('/v1/session') && r.request().method() === 'POST');
      await page.getByRole('button', { name: 'Log in' }).click();
      return (await res).status();
    };
    assert.equal(await attempt('admin', 'wrong password'), 401);
    await until(async () => assert.match(await alert.textContent(), /wrong name or password/i));
    assert.equal(await alert.getAttribute('role'), 'alert');
    await screenshot(page, 'admin-login-error-desktop');

    // Another name, so the admin is not locked out: 5 failures, then 429.
    for (let i = 0; i < 5; i++) assert.equal(await attempt('mallory', 'guess' + i), 401);
    assert.equal(await attempt('mallory', 'guess'), 429);
    await until(async () => assert.match(await alert.textContent(), /too many failed logins/i));
  });

  it('logs in and shows the read-only Inventory Overview with an Import button at its upper left', async () => {
    await login();
    await until(async () => assert.equal(await page.locator('#inv-table tbody tr').count(), DEMO_SKUS.length));
    assert.equal(await page.locator('#who-name').textContent(), 'admin');

    const rows = await cells(page.locator('#inv-table table'));
    assert.deepEqual(rows.map((r) => r[0]), DEMO_SKUS);
    const bySku = Object.fromEntries(rows.map((r) => [r[0], r]));
    // SKU, name, on hand, in transit (with refs and dates), reserved, allocated, available, status, oversold
    assert.deepEqual(bySku.MUG3, ['MUG3', 'Stoneware mug', '40', '0', '0', '0', '40', 'In stock', 'No']);
    assert.equal(bySku.POSTER11[4], '10');
    assert.equal(bySku.SOCKS5[7], 'Out of stock');
    assert.equal(bySku.JACKET8[7], 'In transit');
    assert.equal(await page.locator('#inv-status').textContent(), `${DEMO_SKUS.length} SKUs, page 1.`);
    assert.match(bySku.TSHIRT1[3], /^100\s*PO1001 WH1: 100, stock 2026-12-15$/);
    assert.match(bySku.HOODIE2[3], /ADV2 WH1: 50, no date/);
    assert.match(bySku.CAP4[3], /PO2001 WH1: 30, stock 2026-12-07\s*PO2002 WH1: 60, stock 2027-01-01/);

    // No editing controls anywhere in the overview: only Import and the search.
    const view = page.locator('#view-inventory');
    assert.equal(await view.locator('table').locator('input, select, textarea, button, [contenteditable]').count(), 0);
    const buttons = await view.locator('button:visible').allTextContents();
    assert.deepEqual(buttons, ['Import', 'Search']);

    const imp = await page.getByRole('button', { name: 'Import' }).boundingBox();
    const h1 = await page.getByRole('heading', { level: 1, name: 'Inventory Overview' }).boundingBox();
    const table = await page.locator('#inv-table table').boundingBox();
    assert.ok(imp.x < h1.x && imp.x <= table.x + 1, 'Import is at the left of the overview');
    assert.ok(imp.y + imp.height < table.y && imp.y <= h1.y + h1.height, 'Import is at the top of the overview');
    await capture('inventory');
  });

  it('searches the overview', async () => {
    await login();
    await page.getByLabel('Search SKU or name').fill('cap');
    await page.getByRole('button', { name: 'Search' }).click();
    await until(async () => assert.deepEqual((await cells(page.locator('#inv-table table'))).map((r) => r[0]), ['CAP4']));
    await page.getByLabel('Search SKU or name').fill('zzz');
    await page.keyboard.press('Enter');
    await until(async () => assert.match(await page.locator('#inv-status').textContent(), /No SKU matching/));
    await page.getByLabel('Search SKU or name').fill('');
    await page.keyboard.press('Enter');
    await until(async () => assert.equal(await page.locator('#inv-table tbody tr').count(), DEMO_SKUS.length));
  });

  it('pages through the overview with Next and Previous', async () => {
    await fortyMoreSkus();
    await login();
    const body = page.locator('#inv-table tbody tr');
    await until(async () => assert.equal(await body.count(), 50));
    const pager = page.getByRole('navigation', { name: 'Inventory pages' });
    const prev = pager.getByRole('button', { name: 'Previous page' });
    const next = pager.getByRole('button', { name: 'Next page' });
    assert.ok(await prev.isDisabled());
    await next.click();
    await until(async () => assert.deepEqual((await cells(page.locator('#inv-table table'))).map((r) => r[0]), ['ZZ38', 'ZZ39']));
    assert.ok(await next.isDisabled());
    assert.equal(await pager.locator('span').textContent(), 'Page 2');
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Previous page', 'focus stays on the pager');
    await page.keyboard.press('Enter');
    await until(async () => assert.equal(await body.count(), 50));
    assert.equal((await inventoryRow('BEANIE10'))[0], 'BEANIE10');
  });

  it('imports a CSV: template, line errors inline with errors.csv, then a fixed file', async () => {
    await login();
    const opener = page.getByRole('button', { name: 'Import' });
    await opener.click();
    const dialog = page.getByRole('dialog', { name: 'Import inventory from CSV' });
    await dialog.waitFor();
    assert.equal(await page.evaluate(() => document.activeElement.closest('dialog')?.id), 'import', 'focus moves into the dialog');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      dialog.getByRole('link', { name: 'template here' }).click(),
    ]);
    assert.equal(fs.readFileSync(await download.path(), 'utf8'), TEMPLATE);

    const broken = path.join(tmp, 'broken.csv');
    fs.writeFileSync(broken, `${HEADER}\nMUG 3,WH1,onhand,10,0,,,\nMUG3,WH9,onhand,10,0,,,\n`);
    await dialog.getByLabel('CSV file').setInputFiles(broken);
    await dialog.getByRole('button', { name: 'Upload' }).click();
    await until(async () => assert.match(await dialog.getByRole('status').textContent(), /Import failed: 2 errors/));
    const errors = dialog.getByRole('table', { name: 'Line errors of broken.csv' });
    assert.deepEqual(await cells(errors), [
      ['2', 'sku', 'MUG 3', "character ' ' (0x20) at position 4 is not allowed: only letters and digits"],
      ['3', 'locationId', 'WH9', 'location WH9 does not exist: add it first (sellahead location add)'],
    ]);
    assert.match(await dialog.locator('.totals').textContent(), /StatusFailed.*Rows2.*Applied0.*Errors2/);
    const link = dialog.getByRole('link', { name: 'Download errors.csv' });
    const href = await link.getAttribute('href');
    assert.match(href, /^\/v1\/inventory\/imports\/imp_\w+\/errors\.csv$/);
    // The link works with the session cookie alone.
    const csv = await page.request.get(srv.url + href);
    assert.equal(csv.status(), 200);
    assert.equal(await csv.text(), 'line,column,value,message\n' +
      "2,sku,MUG 3,character ' ' (0x20) at position 4 is not allowed: only letters and digits\n" +
      '3,locationId,WH9,location WH9 does not exist: add it first (sellahead location add)\n');
    // Nothing changed: all or nothing.
    assert.equal((await inventoryRow('MUG3'))[2], '40');
    await capture('import-errors');

    const fixed = path.join(tmp, 'fixed.csv');
    fs.writeFileSync(fixed, `${HEADER}\nMUG3,WH1,onhand,77,0,,,\nMUG3,WH1,intransit,12,0,PO777,2026-11-26,2026-12-24\n`);
    await dialog.getByLabel('CSV file').setInputFiles(fixed);
    await dialog.getByRole('button', { name: 'Upload' }).click();
    await until(async () => assert.match(await dialog.getByRole('status').textContent(), /Import completed: 2 rows applied/));
    assert.equal(await dialog.getByRole('table').count(), 0);
    // The overview behind the dialog refreshed.
    await until(async () => {
      const row = await inventoryRow('MUG3');
      assert.equal(row[2], '77');
      assert.match(row[3], /^12\s*PO777 WH1: 12, stock 2026-12-24$/);
      assert.equal(row[6], '89');
    });

    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await page.evaluate(() => document.activeElement.id), 'import-open', 'focus returns to Import');
  });

  it('lists past imports and shows a failed job\'s errors', async () => {
    const broken = await srv.importCsv(`${HEADER}\nMUG 3,WH1,onhand,10,0,,,\nMUG3,WH9,onhand,10,0,,,\n`,
      { fileName: 'broken.csv' });
    assert.equal(broken.status, 422, broken.text);
    const fixed = await srv.importCsv(`${HEADER}\nMUG3,WH1,onhand,77,0,,,\nMUG3,WH1,intransit,12,0,PO777,2026-11-26,2026-12-24\n`,
      { fileName: 'fixed.csv' });
    assert.equal(fixed.status, 201, fixed.text);
    await login();
    await go('Import history', 'Import history');
    const table = page.getByRole('table', { name: 'Import jobs, newest first' });
    await until(async () => assert.equal(await table.locator('tbody tr').count(), 3));
    const rows = await cells(table);
    // Newest first: the two uploads, the demo data.
    assert.deepEqual(rows.map((r) => [r[1], r[2], r[3], r[4], r[5], r[6]]), [
      ['fixed.csv', 'CSV', 'Completed', '2', '2', '0'], ['broken.csv', 'CSV', 'Failed', '2', '0', '2'],
      ['', 'API', 'Completed', '16', '16', '0']]);
    await page.getByRole('button', { name: /^Show errors of broken\.csv/ }).click();
    await page.getByRole('heading', { level: 2, name: 'Import broken.csv: Failed' }).waitFor();
    assert.equal((await cells(page.getByRole('table', { name: 'Line errors of broken.csv' }))).length, 2);
    await capture('imports');
  });

  it('ships a READY shipment and cancels an order from the Orders view', async () => {
    const placed = await srv.api('/v1/orders', { body: orderBody([{ sku: 'TSHIRT1', quantity: 26 }]) });
    assert.equal(placed.status, 201, placed.text);
    const order = placed.json;
    const ready = order.shipments.find((s) => s.status === 'READY');
    const waiting = order.shipments.find((s) => s.status === 'AWAITING_STOCK');
    assert.ok(ready && waiting, placed.text);
    const other = await srv.api('/v1/orders', { body: orderBody([{ sku: 'SCARF9', quantity: 2 }]) });
    assert.equal(other.status, 201, other.text);

    await login();
    await go('Orders', 'Orders');
    const card = page.locator('article', { has: page.getByRole('heading', { name: `Order #${order.number}` }) });
    await card.waitFor();
    const shipmentRow = (id) => card.getByRole('row').filter({ hasText: id });
    let row = await rowCells(shipmentRow(ready.id));
    assert.deepEqual(row.slice(1, 5), ['On hand at WH1', 'Ready', '25 × TSHIRT1', ready.expectedDelivery.message]);
    row = await rowCells(shipmentRow(waiting.id));
    assert.deepEqual(row.slice(1, 5), ['PO1001 at WH1, stock 2026-12-15', 'Awaiting stock', '1 × TSHIRT1',
      'Backorder: expected delivery Dec 17–Dec 20']);
    assert.equal(await shipmentRow(waiting.id).getByRole('button', { name: /^Ship / }).count(), 0,
      'only READY shipments can ship');
    await capture('orders');

    await card.getByRole('button', { name: `Ship ${ready.id}` }).click();
    const ask = page.getByRole('dialog', { name: `Ship ${ready.id}` });
    await ask.getByLabel('Tracking number').fill('1Z999AA10123456784');
    // shippedAt is an audit stamp (real UTC time), not a business date: it follows the clock,
    // never SELLAHEAD_TODAY, so the test reads the clock around the click.
    const utcDay = () => new Date().toISOString().slice(0, 10);
    const before = utcDay();
    await ask.getByRole('button', { name: 'Ship', exact: true }).click();
    await until(async () => {
      const r = await rowCells(shipmentRow(ready.id));
      assert.equal(r[2], 'Shipped');
      const m = /^1Z999AA10123456784 (\d{4}-\d\d-\d\d) \d\d:\d\d UTC$/.exec(r[5]);
      assert.ok(m, r[5]);
      assert.ok(m[1] === before || m[1] === utcDay(), `shipped ${m[1]}, clock ${before}`);
    });
    assert.match(await card.getByRole('heading').textContent(), /Partially shipped/);
    assert.equal(await page.evaluate(() => document.activeElement.textContent), `Order #${order.number} Partially shipped`);

    // SPEC 7: one shipment is cancelled from its row; the order is then all shipped.
    await shipmentRow(waiting.id).getByRole('button', { name: `Cancel ${waiting.id}` }).click();
    const ask2 = page.getByRole('dialog', { name: `Cancel shipment ${waiting.id}?` });
    await ask2.getByRole('button', { name: 'Cancel shipment' }).click();
    await until(async () => assert.equal((await rowCells(shipmentRow(waiting.id)))[2], 'Cancelled'));
    assert.match(await card.getByRole('heading').textContent(), /Shipped/);
    assert.match(await page.locator('#ord-status').textContent(), new RegExp(`Cancelled shipment ${waiting.id}`));
    assert.equal(await card.getByRole('button').count(), 0, 'nothing left to ship or cancel');

    const card2 = page.locator('article', { has: page.getByRole('heading', { name: `Order #${other.json.number}` }) });
    await card2.getByRole('button', { name: `Cancel order #${other.json.number}` }).click();
    const confirm = page.getByRole('dialog', { name: `Cancel order #${other.json.number}?` });
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Back', 'the harmless choice has focus');
    await confirm.getByRole('button', { name: 'Cancel order' }).click();
    await until(async () => assert.match(await card2.getByRole('heading').textContent(), /Cancelled/));
    assert.equal(await card2.getByRole('button').count(), 0);
    assert.equal((await cells(card2.getByRole('table')))[0][2], 'Cancelled');
  });

  it('shows a server refusal in place on the order', async () => {
    // Cancel an order behind the page's back, then try to ship from the stale view.
    const placed = await srv.api('/v1/orders', { body: orderBody([{ sku: 'POSTER11', quantity: 1 }]) });
    assert.equal(placed.status, 201, placed.text);
    await login();
    await go('Orders', 'Orders');
    const card = page.locator('article', { has: page.getByRole('heading', { name: `Order #${placed.json.number}` }) });
    await card.waitFor();
    const cancelled = await srv.api(`/v1/orders/${placed.json.id}/cancel`, { key: true, method: 'POST' });
    assert.equal(cancelled.status, 200, cancelled.text);
    const shipment = placed.json.shipments[0].id;
    await card.getByRole('button', { name: `Ship ${shipment}` }).click();
    const ask = page.getByRole('dialog', { name: `Ship ${shipment}` });
    await ask.getByLabel('Tracking number').fill('T1');
    await ask.getByRole('button', { name: 'Ship', exact: true }).click();
    await until(async () => assert.equal(await card.getByRole('alert').textContent(),
      `Shipment ${shipment} is CANCELLED: only a READY shipment can ship.`));
  });

  it('records a receipt for a transit position and releases the waiting shipment', async () => {
    // 25 on hand and 1 on PO1001: the second shipment waits for the purchase order. Once
    // received, its unit joins the order's READY shipment at WH1 (one shipment per source).
    const order = await placeOrder(srv, [{ sku: 'TSHIRT1', quantity: 26 }]);
    const ready = order.shipments.find((s) => s.status === 'READY');
    const waiting = order.shipments.find((s) => s.status === 'AWAITING_STOCK');
    assert.equal(waiting.transitRef, 'PO1001');

    await login();
    await go('Receipts', 'Receipts');
    // Found by the first characters of its reference, never picked from a list of all.
    await page.getByLabel('Find the transit position: SKU or transit reference').fill('po1');
    const found = page.getByRole('table', { name: 'Matching transit positions' });
    await until(async () => assert.deepEqual((await cells(found)).map((r) => r.slice(0, 3)), [['TSHIRT1', 'PO1001', 'WH1']]));
    await found.getByRole('button', { name: 'Use TSHIRT1 PO1001 at WH1' }).click();
    assert.equal(await page.evaluate(() => document.activeElement.id), 'rc-qty');
    assert.equal(await page.getByLabel('SKU', { exact: true }).inputValue(), 'TSHIRT1');
    assert.equal(await page.getByLabel('Location', { exact: true }).inputValue(), 'WH1');
    assert.equal(await page.getByLabel('Transit reference', { exact: true }).inputValue(), 'PO1001');

    // A transit reference nobody has: the server's 404 in place.
    await page.getByLabel('Transit reference', { exact: true }).fill('PO9999');
    await page.getByLabel('Quantity received').fill('1');
    await page.getByRole('button', { name: 'Record receipt' }).click();
    await until(async () => assert.equal(await page.locator('#rc-error').textContent(),
      'No transit position PO9999 of TSHIRT1 at WH1.'));

    await page.getByLabel('Transit reference', { exact: true }).fill('PO1001');
    await page.getByRole('button', { name: 'Record receipt' }).click();
    const result = page.getByRole('region', { name: 'Receipt recorded' });
    await result.waitFor();
    assert.equal(await page.locator('#rc-error').textContent(), '');
    assert.deepEqual(await result.getByRole('listitem').allTextContents(), [ready.id], await result.textContent());
    assert.equal(await page.evaluate(() => document.activeElement.id), 'rc-result-title');
    await capture('receipts');

    await result.getByRole('link', { name: 'Go to orders' }).click();
    const card = page.locator('article', { has: page.getByRole('heading', { name: `Order #${order.number}` }) });
    await until(async () => {
      const row = await rowCells(card.getByRole('row').filter({ hasText: ready.id }));
      assert.deepEqual([row[2], row[3]], ['Ready', '26 × TSHIRT1']);
    });
    assert.equal(await card.getByRole('row').filter({ hasText: waiting.id }).count(), 0);
    assert.equal(await card.getByRole('button', { name: `Ship ${ready.id}` }).count(), 1);
  });

  it('changes a setting: an invalid value shows its error in place, a valid one saves', async () => {
    // A reload keeps the session: the CSRF token comes back from GET /v1/session.
    await login();
    await page.goto(srv.url + '/admin#settings');
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
    const min = page.getByLabel('In stock: min');
    await until(async () => assert.equal(await min.inputValue(), '1'));
    assert.equal(await page.getByLabel('Capture payment').inputValue(), 'shipment');
    assert.equal(await page.getByLabel('Sender email').inputValue(), 'orders@sellahead.local');

    await min.fill('9');
    await page.getByRole('button', { name: 'Save settings' }).click();
    const err = page.locator('#err-s-inStockMinDays');
    await err.waitFor();
    assert.equal(await err.textContent(), '“In stock: min” (9) must not be greater than “In stock: max” (3).');
    assert.equal(await min.getAttribute('aria-invalid'), 'true');
    assert.match(await min.getAttribute('aria-describedby'), /err-s-inStockMinDays/);
    assert.equal(await page.evaluate(() => document.activeElement.id), 's-inStockMinDays');
    assert.match(await page.locator('#set-status').textContent(), /^Not saved/);
    assert.equal((await srv.api('/v1/settings')).json.inStockMinDays, 1);
    await capture('settings');

    await min.fill('2');
    await page.getByLabel('Holidays', { exact: true }).fill('2026-12-25\n2027-01-01\n');
    await page.getByLabel('Backorder message').fill('Ships when restocked');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await until(async () => assert.equal(await page.locator('#set-status').textContent(), 'Settings saved.'));
    assert.equal(await err.count(), 0);
    assert.equal(await min.getAttribute('aria-invalid'), null);
    const s = (await srv.api('/v1/settings')).json;
    assert.equal(s.inStockMinDays, 2);
    assert.deepEqual(s.holidays, ['2026-12-25', '2027-01-01']);
    assert.equal(s.backorderMessage, 'Ships when restocked');
  });

  it('refuses a mutating call with the cookie but without X-CSRF-Token', async () => {
    await login();
    const status = await page.evaluate(async () => {
      const put = await fetch('/v1/settings', { method: 'PUT', headers: { 'Content-Type': 'application/json' },
        body: '{"storeName":"hijacked"}' });
      const post = await fetch('/v1/inventory/receipts', { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: '{"sku":"TSHIRT1","locationId":"WH1","transitRef":"PO1001","quantity":1}' });
      return [put.status, post.status];
    });
    assert.deepEqual(status, [401, 401]);
    const r = await page.request.put(srv.url + '/v1/settings', { data: { storeName: 'hijacked' } });
    assert.equal(r.status(), 401);
    assert.equal((await srv.api('/v1/settings')).json.storeName, 'sellahead demo store');
  });

  it('lists the emails in the outbox', async () => {
    // Three orders, one shipment shipped: four emails, all delivered before the page opens.
    const first = await placeOrder(srv, [{ sku: 'MUG3', quantity: 1 }]);
    await placeOrder(srv, [{ sku: 'MUG3', quantity: 1 }]);
    await placeOrder(srv, [{ sku: 'SCARF9', quantity: 1 }]);
    assert.equal((await ship(srv, first.shipments[0].id)).status, 200);
    assert.equal((await outboxSettled(srv)).length, 4);
    await login();
    await go('Outbox', 'Email outbox');
    const table = page.getByRole('table', { name: 'Emails, newest first' });
    await table.waitFor();
    const rows = await cells(table);
    const kinds = rows.map((r) => r[1]).sort();
    assert.deepEqual(kinds, ['Order confirmation', 'Order confirmation', 'Order confirmation', 'Shipment shipped']);
    assert.ok(rows.every((r) => r[2] === 'shopper@example.com'));
    assert.ok(rows.every((r) => r[4] === 'Sent'), JSON.stringify(rows));
    await capture('outbox');
  });

  it('loads at 375 px without layout shift and uses only its own scripts', async () => {
    await fortyMoreSkus();
    await login();
    await page.setViewportSize(PHONE);
    await page.goto(srv.url + '/admin');
    await until(async () => assert.equal(await page.locator('#inv-table tbody tr').count(), 50));
    const cls = await layoutShift(page);
    assert.ok(cls < 0.02, `cumulative layout shift ${cls}`);
    const res = await page.evaluate(() => performance.getEntriesByType('resource').map((e) =>
      ({ name: e.name, type: e.initiatorType, size: e.decodedBodySize })));
    for (const r of res) assert.ok(r.name.startsWith(srv.url), `external resource ${r.name}`);
    const js = res.filter((r) => r.type === 'script');
    assert.ok(js.length >= 1);
    const total = js.reduce((n, r) => n + r.size, 0);
    assert.ok(total <= JS_BUDGET, `scripts loaded: ${total} bytes`);
    await page.setViewportSize(DESKTOP);
  });

  it('logs out', async () => {
    await login();
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
    assert.equal(await page.locator('#login-note').textContent(), 'You are logged out.');
    assert.equal(await page.locator('#inv-table').innerHTML(), '', 'no data left in the page');
    assert.equal((await page.request.get(srv.url + '/v1/session')).status(), 401);
    assert.equal((await page.request.get(srv.url + '/v1/inventory')).status(), 401);
  });
});
