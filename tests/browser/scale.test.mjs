// Every console page at catalog scale (SPEC 7): 1M SKUs and 100k purchase orders, imported
// through `sellahead import`. Each page must become interactive and render a bounded number
// of rows: lists are paginated or searched, never loaded whole. Structure only here; the time
// to interactive per page, against the demo catalog, is bench/console.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, startServer } from './lib/browser.mjs';
import { VIEWS, addOrders, addUser, buildCatalog, login, openView, searchReceipts } from './lib/console.mjs';

const SKUS = 1_000_000;
const POS = 100_000;
// Far below what a whole list would need (1M rows): a page of any list, with its chrome.
const MAX_NODES = 3000;

describe('console at 1M SKUs and 100k purchase orders', () => {
  let srv, browser, page;
  const seen = {};

  before(async () => {
    srv = await startServer({ demo: false });
    const job = await buildCatalog(srv, { skus: SKUS, pos: POS });
    assert.equal(job.rowsApplied, SKUS + POS);
    await addOrders(srv);
    await addUser(srv);
    browser = await launch();
    page = await newPage(browser);
    page.setDefaultTimeout(30000);
    await login(page, srv.url);
  });

  after(async () => {
    await browser?.close();
    await srv?.stop();
  });

  it('opens every page with a bounded number of rows', async () => {
    for (const view of VIEWS) {
      const r = await openView(page, view);
      seen[view] = r;
      console.log(`# ${view}: interactive in ${r.ms} ms, ${r.rows} rows, ${r.nodes} elements`);
      assert.ok(r.nodes < MAX_NODES, `${view} renders ${r.nodes} elements`);
    }
    assert.equal(seen.inventory.rows, 50);
    assert.equal(seen.imports.rows, 1);
    assert.equal(seen.orders.rows, 2);
    assert.equal(seen['purchase-orders'].rows, 20, 'one page of the 100k purchase orders');
    assert.equal(seen.receipts.rows, 0, 'no list of positions before a search');
    assert.equal(seen.outbox.rows, 2);
    page.assertClean(['status of 401']); // the session check before logging in
  });

  it('overview: the count says "more than", pages and searches go by index', async () => {
    await openView(page, 'inventory');
    const status = page.locator('#inv-status');
    assert.equal(await status.textContent(), 'More than 10,000 SKUs, page 1.');
    const first = () => page.locator('#inv-table tbody tr td:first-child').first().textContent();
    assert.equal(await first(), 'SKU0000000');
    await page.getByRole('navigation', { name: 'Inventory pages' }).getByRole('button', { name: 'Next page' }).click();
    await page.waitForFunction(() => /page 2/.test(document.querySelector('#inv-status').textContent));
    assert.equal(await first(), 'SKU0000050');
    assert.equal(await page.locator('#inv-table tbody tr').count(), 50);

    await page.getByLabel('Search SKU or name').fill('sku09999');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => /matching/.test(document.querySelector('#inv-status').textContent));
    assert.equal(await status.textContent(), '100 SKUs matching “sku09999”, page 1.');
    assert.equal(await first(), 'SKU0999900');
    await page.getByLabel('Search SKU or name').fill('scale product 1');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => /“scale product 1”/.test(document.querySelector('#inv-status').textContent));
    // "Scale product 1" and 10..19, by SKU.
    assert.equal(await status.textContent(), '11 SKUs matching “scale product 1”, page 1.');
    assert.equal(await page.locator('#inv-table tbody tr').count(), 11);
  });

  it('receipts: finds the position by reference or SKU, 20 at most, and receives', async () => {
    await openView(page, 'receipts');
    const byRef = await searchReceipts(page, 'po09999');
    assert.equal(byRef.rows, 10); // PO099990..PO099999
    assert.equal(await page.locator('#rc-status').textContent(), '10 transit positions starting with “po09999”.');
    const bySku = await searchReceipts(page, 'SKU09');
    assert.equal(bySku.rows, 20);
    assert.equal(await page.locator('#rc-status').textContent(),
      'The first 20 transit positions starting with “SKU09”: type more to narrow the search.');
    console.log(`# receipts search: ${byRef.ms} ms by reference, ${bySku.ms} ms by SKU`);

    await searchReceipts(page, 'PO099999');
    await page.getByRole('button', { name: 'Use SKU0999990 PO099999 at WH1' }).click();
    await page.getByLabel('Quantity received').fill('3');
    await page.getByRole('button', { name: 'Record receipt' }).click();
    await page.getByRole('region', { name: 'Receipt recorded' }).waitFor();
    assert.match(await page.locator('#rc-result-body').textContent(), /3 × SKU0999990 from PO099999 are now on hand at WH1/);
    const item = await srv.item('SKU0999990');
    assert.equal(item.positions.find((p) => p.transitRef === 'PO099999').quantity, 37); // 40 - 3
    page.assertClean(['status of 401']); // the session check before logging in
  });
});
