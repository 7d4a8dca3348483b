// SPEC 5.3 and 7 in the browser: the console's Products page (search, CSV import with its
// template and inline line errors), the overview's "not for sale" marker for SKUs without a
// product, and an https:// product image on the storefront's list and product page.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launch, newPage, checkA11y, screenshot, startServer } from './lib/browser.mjs';
import { HEADER } from '../http/lib/server.mjs';

const PASSWORD = 'correct horse battery';
// Expected refusals: the session check before login, the failed import.
const EXPECTED = ['status of 401', 'status of 422'];
const IMAGE = 'https://cdn.example.com/img/lamp9.png';
// A 1x1 PNG, served for the image URL so the test needs no network.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

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

const cells = (table) => table.locator('tbody tr').evaluateAll((rows) =>
  rows.map((r) => [...r.cells].map((c) => c.textContent.trim())));

describe('console products and storefront images', () => {
  let srv, browser, page, tmp;

  before(async () => {
    srv = await startServer();
    const u = await srv.cli(['user', 'add', 'admin'], { input: PASSWORD + '\n' });
    assert.equal(u.code, 0, u.stderr);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sellahead-products-'));
    browser = await launch();
    page = await newPage(browser);
    page.setDefaultTimeout(5000);
    await page.route('https://cdn.example.com/**', (route) => route.fulfill({ contentType: 'image/png', body: PNG }));
  });

  after(async () => {
    page?.assertClean(EXPECTED);
    await browser?.close();
    await srv?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const overviewRow = async (sku) => {
    await page.getByLabel('Search SKU or name', { exact: true }).fill(sku);
    await page.locator('#inv-search').getByRole('button', { name: 'Search' }).click();
    await until(async () => assert.match(await page.locator('#inv-status').textContent(), new RegExp(`matching “${sku}”`)));
    return (await cells(page.locator('#inv-table table'))).find((r) => r[0] === sku);
  };

  it('marks a SKU without a product "Not for sale" in the overview', async () => {
    await page.goto(srv.url + '/admin');
    await page.getByLabel('Name', { exact: true }).fill('admin');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Inventory Overview' }).waitFor();
    // Stock for a SKU that has no product yet: the import warns, the overview marks it.
    const csv = path.join(tmp, 'lamp.csv');
    fs.writeFileSync(csv, `${HEADER}\nLAMP9,WH1,onhand,6,0,,,\n`);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Import inventory from CSV' });
    await dialog.getByLabel('CSV file').setInputFiles(csv);
    await dialog.getByRole('button', { name: 'Upload' }).click();
    await until(async () => assert.match(await dialog.getByRole('status').textContent(), /Import completed: 1 row applied/));
    assert.equal(await dialog.getByText('without a product').textContent(), '1 SKU without a product, not for sale: LAMP9');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    const row = await overviewRow('LAMP9');
    assert.equal(row[1], 'Not for sale');
    assert.equal((await overviewRow('MUG3'))[1], 'Stoneware mug');
    await checkA11y(page, 'overview with a not-for-sale SKU');
    await screenshot(page, 'admin-not-for-sale');
  });

  it('lists and searches products on the Products page', async () => {
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Products', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Products' }).waitFor();
    const table = page.getByRole('table', { name: 'Products by SKU' });
    await until(async () => assert.equal((await cells(table)).length, 12));
    assert.deepEqual((await cells(table)).find((r) => r[0] === 'TSHIRT1'), ['TSHIRT1', 'Organic cotton T-shirt', '$25.00', 'In stock', '125']);
    await page.getByLabel('Search products by SKU or name').fill('mug');
    await page.locator('#prod-search').getByRole('button', { name: 'Search' }).click();
    await until(async () => assert.deepEqual((await cells(table)).map((r) => r[0]), ['MUG3']));
    await page.getByLabel('Search products by SKU or name').fill('LAMP');
    await page.locator('#prod-search').getByRole('button', { name: 'Search' }).click();
    await until(async () => assert.equal(await page.locator('#prod-status').textContent(), 'No product matching “LAMP”.'));
    await checkA11y(page, 'products page');
    await screenshot(page, 'admin-products');
  });

  it('imports products: template, inline line errors, then a fixed file puts the SKU on sale', async () => {
    await page.getByRole('button', { name: 'Import products' }).click();
    const dialog = page.getByRole('dialog', { name: 'Import products from CSV' });
    await dialog.waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      dialog.getByRole('link', { name: 'products template here' }).click(),
    ]);
    assert.match(fs.readFileSync(await download.path(), 'utf8'), /^sku,name,price,currency,description,imageUrl\n/);

    const broken = path.join(tmp, 'broken.csv');
    fs.writeFileSync(broken, `sku,name,price,imageUrl\nLAMP9,Desk lamp,19.99,http://cdn.example.com/img/lamp9.png\n`);
    await dialog.getByLabel('CSV file').setInputFiles(broken);
    await dialog.getByRole('button', { name: 'Upload' }).click();
    await until(async () => assert.match(await dialog.getByRole('status').textContent(), /Import failed: 2 errors, nothing changed/));
    assert.deepEqual(await cells(dialog.getByRole('table', { name: 'Line errors of broken.csv' })), [
      ['2', 'price', '19.99', "price must be a whole number of minor units (1999 for 19.99): character '.' (0x2E) at position 3 is not allowed"],
      ['2', 'imageUrl', 'http://cdn.example.com/img/lamp9.png',
        'imageUrl "http://cdn.example.com/img/lamp9.png" must use https://, not http://: browsers block http:// images on a shop served over https'],
    ]);
    await checkA11y(page, 'products import errors');
    await screenshot(page, 'admin-products-import-errors');

    const fixed = path.join(tmp, 'fixed.csv');
    fs.writeFileSync(fixed, `sku,name,price,imageUrl\nLAMP9,Desk lamp,1999,${IMAGE}\n`);
    await dialog.getByLabel('CSV file').setInputFiles(fixed);
    await dialog.getByRole('button', { name: 'Upload' }).click();
    await until(async () => assert.match(await dialog.getByRole('status').textContent(), /Import completed: 1 product saved/));
    // The list behind the dialog refreshed.
    await until(async () => assert.deepEqual((await cells(page.getByRole('table', { name: 'Products by SKU' })))[0],
      ['LAMP9', 'Desk lamp', '$19.99', 'In stock', '6']));
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await page.evaluate(() => document.activeElement.id), 'pimport-open', 'focus returns to the opener');

    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Inventory', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Inventory Overview' }).waitFor();
    assert.equal((await overviewRow('LAMP9'))[1], 'Desk lamp');
  });

  it('shows the https:// image on the product list and page, with the name as alt text', async () => {
    await page.goto(srv.url + '/');
    const card = page.locator('li.card[data-sku="LAMP9"]');
    const listImg = card.getByRole('img', { name: 'Desk lamp' });
    await listImg.waitFor();
    assert.equal(await listImg.getAttribute('src'), IMAGE);
    await until(async () => assert.equal(await listImg.evaluate((i) => i.complete && i.naturalWidth), 1));

    await page.goto(srv.url + '/p/LAMP9');
    const img = page.locator('#media').getByRole('img', { name: 'Desk lamp' });
    await img.waitFor();
    assert.equal(await img.getAttribute('src'), IMAGE);
    await until(async () => assert.equal(await img.evaluate((i) => i.complete && i.naturalWidth), 1));
    await checkA11y(page, 'product page with an image');
    await screenshot(page, 'store-pdp-image');
  });
});
