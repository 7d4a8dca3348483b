// The console and the limits of SPEC 9 in chromium: the Limits page sets the four limits of
// one (sku, location) through PUT /v1/inventory/limits, with its errors at the field; the
// Inventory Overview shows them under Available and flags low stock. axe and a screenshot at
// desktop and 375 px.
import { describe, it, before, after, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, checkA11y, screenshot, startServer, until } from './lib/browser.mjs';
import { addUser, login } from './lib/console.mjs';

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 375, height: 812 };

/* Cells as shown: the lines under a figure come after a space. */
const cells = (table) => table.locator('tbody tr').evaluateAll((rows) =>
  rows.map((r) => [...r.cells].map((c) => c.innerText.trim().replace(/\s+/g, ' '))));

describe('console limits', () => {
  let srv, browser, page, allow;

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

  const saved = () => page.locator('#lim-saved').textContent();
  const limitsOf = async (sku) => {
    const r = await srv.api(`/v1/inventory?q=${sku}`, { key: true });
    assert.equal(r.status, 200, r.text);
    return r.json.items.find((i) => i.sku === sku).limits;
  };
  /* The overview's row of one SKU, found with the search. */
  async function overviewRow(sku) {
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Inventory', exact: true }).click();
    await page.getByLabel('Search SKU or name').fill(sku);
    await page.locator('#inv-search').getByRole('button', { name: 'Search' }).click();
    await until(async () => assert.match(await page.locator('#inv-status').textContent(), new RegExp(`matching “${sku}”`)));
    return (await cells(page.locator('#inv-table table'))).find((r) => r[0] === sku);
  }
  async function openLimits() {
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Limits' }).click();
    await page.getByRole('heading', { level: 1, name: 'Limits' }).waitFor();
  }

  before(async () => {
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    srv = await startServer();
    await addUser(srv);
    page = await newPage(browser, DESKTOP);
    page.setDefaultTimeout(5000);
    allow = ['status of 401']; // the session check before logging in
  });
  afterEach(async () => {
    try {
      page.assertClean(allow);
    } finally {
      await page.context().close();
      await srv.stop();
    }
  });

  it('sets the limits of one SKU at one location; the overview shows them and flags low stock', async () => {
    await login(page, srv.url);
    // The demo's MUG3: 40 on hand at WH1, no limits.
    assert.deepEqual((await overviewRow('MUG3')).slice(6, 8), ['40', 'In stock']);

    await openLimits();
    await page.getByLabel('Limits for SKU').fill('MUG3');
    await page.getByLabel('At location').fill('WH1');
    await page.getByLabel('Safety stock').fill('5');
    await page.getByLabel('Low stock').fill('36');
    await page.getByRole('button', { name: 'Save limits' }).click();
    await until(async () => assert.equal(await saved(), 'Saved: MUG3 at WH1 has safetyStock 5, lowStock 36.'));
    assert.deepEqual(await limitsOf('MUG3'), [{ locationId: 'WH1', safetyStock: 5, preorderLimit: null,
      backorderLimit: null, lowStock: 36 }]);
    await capture('limits');

    // 40 - 5 = 35 available on hand, at or below 36: low stock.
    const row = await overviewRow('MUG3');
    assert.deepEqual(row.slice(6, 8), ['35 WH1: safetyStock 5, lowStock 36', 'In stock Low stock']);
    assert.equal(await page.locator('#inv-table .b-LOW_STOCK').count(), 1);
    await capture('inventory-limits');

    // Saving sets all four: the empty ones are none.
    await openLimits();
    await page.getByLabel('Safety stock').fill('');
    await page.getByLabel('Pre-order limit').fill('0');
    await page.getByRole('button', { name: 'Save limits' }).click();
    await until(async () => assert.equal(await saved(), 'Saved: MUG3 at WH1 has preorderLimit 0, lowStock 36.'));
    assert.deepEqual((await overviewRow('MUG3')).slice(6, 8), ['40 WH1: preorderLimit 0, lowStock 36', 'In stock']);
  });

  it('shows what is refused at its field, and the browser stops values that are not limits', async () => {
    await login(page, srv.url);
    await openLimits();
    await page.getByLabel('Limits for SKU').fill('MUG3');
    const loc = page.getByLabel('At location');
    await loc.fill('WH9');
    await page.getByLabel('Backorder limit').fill('3');
    allow.push('status of 422');
    await page.getByRole('button', { name: 'Save limits' }).click();
    const err = page.locator('#err-lim-loc');
    await err.waitFor();
    assert.equal(await err.textContent(), '“At location” WH9 does not exist: add the location first (row 1).');
    assert.equal(await saved(), 'Not saved: “At location” WH9 does not exist: add the location first (row 1).');
    assert.equal(await loc.getAttribute('aria-invalid'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'lim-loc');
    await capture('limits-error');

    // A negative number or a fraction never leaves the page: nothing is sent, nothing set.
    await loc.fill('WH1');
    const requests = [];
    page.on('request', (r) => r.url().endsWith('/v1/inventory/limits') && requests.push(r));
    for (const bad of ['-1', '1.5']) {
      await page.getByLabel('Backorder limit').fill(bad);
      await page.getByRole('button', { name: 'Save limits' }).click();
      assert.equal(await page.getByLabel('Backorder limit').evaluate((el) => el.validity.valid), false);
    }
    await page.getByLabel('Backorder limit').fill('3');
    await page.getByRole('button', { name: 'Save limits' }).click();
    await until(async () => assert.equal(await saved(), 'Saved: MUG3 at WH1 has backorderLimit 3.'));
    assert.equal(requests.length, 1, 'only the valid form was sent');
    assert.equal(await err.count(), 0, 'the error went with the next save');
    assert.equal(await loc.getAttribute('aria-invalid'), null);
  });
});
