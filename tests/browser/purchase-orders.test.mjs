// The console's Purchase orders page (SPEC 5.8, 7) in chromium: keyset pages, the SKU search,
// the overdue filter and a waiting order that links to the order in the console. axe and a
// screenshot at desktop and 375 px.
import { describe, it, before, after, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, checkA11y, screenshot, startServer, until } from './lib/browser.mjs';
import { orderBody } from '../http/lib/shop.mjs';
import { addUser, login } from './lib/console.mjs';

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 375, height: 812 };

const cells = (table) => table.locator('tbody tr').evaluateAll((rows) =>
  rows.map((r) => [...r.cells].map((c) => c.textContent.trim())));

describe('console purchase orders', () => {
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

  const view = () => page.locator('#view-purchase-orders');
  const status = () => page.locator('#po-status').textContent();
  const headings = () => page.locator('#po-list h2').evaluateAll((hs) => hs.map((x) => x.textContent.trim()));
  const card = (name) => page.locator('#po-list article', { has: page.getByRole('heading', { name }) });

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

  it('pages through purchase orders, searches a SKU, filters the overdue and opens a waiting order', async () => {
    // The demo's 8 purchase orders (PO3001 of BOTTLE6 overdue: stock 2026-11-24, today
    // 2026-11-27) and 15 more of a SKU sorted last: 23, two pages of 20.
    const more = Array.from({ length: 15 }, (_, i) => ({ sku: 'ZZPO', locationId: 'WH1', stockType: 'intransit',
      quantity: 10, transitRef: `ZP${String(i).padStart(2, '0')}`, transitOrderDate: '2026-11-01', transitStockDate: '2027-02-01' }));
    const b = await srv.bulk(more);
    assert.equal(b.status, 201, b.text);
    // 25 TSHIRT1 on hand, the 26th waits on PO1001 (stock 2026-12-15).
    const placed = await srv.api('/v1/orders', { body: orderBody([{ sku: 'TSHIRT1', quantity: 26 }]) });
    assert.equal(placed.status, 201, placed.text);
    const order = placed.json, waiting = order.shipments.find((s) => s.transitRef === 'PO1001');
    assert.ok(waiting, placed.text);

    await login(page, srv.url);
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Purchase orders' }).click();
    await page.getByRole('heading', { level: 1, name: 'Purchase orders' }).waitFor();
    await until(async () => assert.equal(await status(), '20 purchase orders, page 1.'));
    const first = await headings();
    assert.equal(first.length, 20);
    assert.equal(first[0], 'PO3001: BOTTLE6 at WH1 Overdue');
    assert.equal(first[19], 'ZP11: ZZPO at WH1');
    await capture('purchase-orders');

    const pages = page.getByRole('navigation', { name: 'Purchase order pages' });
    await pages.getByRole('button', { name: 'Next page' }).click();
    await until(async () => assert.equal(await status(), '3 purchase orders, page 2.'));
    assert.deepEqual(await headings(), ['ZP12: ZZPO at WH1', 'ZP13: ZZPO at WH1', 'ZP14: ZZPO at WH1']);
    assert.ok(await pages.getByRole('button', { name: 'Next page' }).isDisabled());
    await pages.getByRole('button', { name: 'Previous page' }).click();
    await until(async () => assert.equal(await status(), '20 purchase orders, page 1.'));
    assert.deepEqual(await headings(), first);

    // The SKU search: TSHIRT1's one purchase order and the shipment that waits on it.
    await view().getByLabel(/^SKU/).fill('TSHIRT1');
    await view().getByRole('button', { name: 'Search' }).click();
    await until(async () => assert.equal(await status(), '1 purchase order, page 1.'));
    const po = card('PO1001: TSHIRT1 at WH1');
    assert.equal(await po.locator('.meta').textContent(), 'Stock date 2026-12-15 · 100 units, 1 allocated, 99 available');
    const range = (d) => `${d.from} to ${d.to}`;
    assert.deepEqual(await cells(po.getByRole('table', { name: 'Shipments waiting on PO1001: TSHIRT1 at WH1' })),
      [[`#${order.number}`, '1', 'Awaiting stock', range(waiting.promisedDelivery), range(waiting.expectedDelivery), '']]);
    await capture('purchase-orders-search');

    // Overdue only (the search cleared): BOTTLE6's PO3001 alone, nothing waits on it.
    await view().getByLabel(/^SKU/).fill('');
    await view().getByLabel(/^Overdue only/).check();
    await until(async () => assert.deepEqual(await headings(), ['PO3001: BOTTLE6 at WH1 Overdue']));
    assert.equal(await status(), '1 purchase order, page 1.');
    assert.equal(await card('PO3001: BOTTLE6 at WH1').locator('p').last().textContent(), 'No shipment waits on it.');
    await view().getByLabel(/^Overdue only/).uncheck();
    await until(async () => assert.equal(await status(), '20 purchase orders, page 1.'));

    // The order number opens that order in the console's Orders view.
    await view().getByLabel(/^SKU/).fill('TSHIRT1');
    await view().getByRole('button', { name: 'Search' }).click();
    await po.getByRole('link', { name: `#${order.number}` }).click();
    await page.getByRole('heading', { level: 1, name: 'Orders', exact: true }).waitFor();
    await until(async () => assert.equal(await page.locator('#ord-status').textContent(), `Order #${order.number}.`));
    assert.deepEqual(await page.locator('#ord-list h2').allTextContents(), [`Order #${order.number} Placed`]);
    assert.equal(await page.locator('#nav a[aria-current="page"]').textContent(), 'Orders');
    assert.ok(await page.getByRole('navigation', { name: 'Order pages' }).isHidden());
    assert.ok(await page.getByLabel(/^Delays only/).isHidden(), 'no filter over one order');
    // The nav's Orders link: every order again, with the filter.
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Orders', exact: true }).click();
    await until(async () => assert.equal(await page.locator('#ord-status').textContent(), '1 order, newest first, page 1.'));
    assert.ok(await page.getByLabel(/^Delays only/).isVisible());
  });

  it('says so when no purchase order matches, and refuses a SKU that cannot exist', async () => {
    allow.push('status of 422');
    await login(page, srv.url);
    await page.goto(srv.url + '/admin#purchase-orders');
    await until(async () => assert.equal(await status(), '8 purchase orders, page 1.'));
    await view().getByLabel(/^SKU/).fill('NOSUCHSKU');
    await view().getByRole('button', { name: 'Search' }).click();
    await until(async () => assert.equal(await status(), 'No purchase order.'));
    assert.equal(await page.locator('#po-list').innerHTML(), '');
    await view().getByLabel(/^SKU/).fill('no-such');
    await view().getByRole('button', { name: 'Search' }).click();
    await until(async () => assert.equal(await status(),
      "Character '-' (0x2D) at position 3 is not allowed: only letters and digits."));
    assert.ok(await page.locator('#po-status.bad').isVisible());
  });
});
