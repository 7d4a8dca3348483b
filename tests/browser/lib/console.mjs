// The console at catalog scale, shared by tests/browser/scale.test.mjs (structure) and
// bench/console (timing): a generated catalog imported through `sellahead import`, a logged-in
// page, and each console view opened until it is interactive.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { HEADER } from '../../http/lib/server.mjs';
import { orderBody } from '../../http/lib/shop.mjs';

export const PASSWORD = 'correct horse battery';

/* SKU0000000..: every SKU on hand at WH1; every (skus / pos)th also on a purchase order of its
 * own (PO000000..), dated or not. Written in chunks: 1M rows take about a second. */
export function writeCatalog(file, { skus = 1_000_000, pos = 100_000 } = {}) {
  const every = Math.max(1, Math.floor(skus / pos));
  const fd = fs.openSync(file, 'w');
  let chunk = HEADER + '\n';
  for (let i = 0; i < skus; i++) {
    const sku = 'SKU' + String(i).padStart(7, '0');
    chunk += `${sku},WH1,onhand,${i % 50},${i % 3},,,\n`;
    if (i % every === 0 && i / every < pos) {
      const po = 'PO' + String(i / every).padStart(6, '0');
      chunk += `${sku},WH1,intransit,${10 + (i % 40)},0,${po},2026-11-20,${i % 5 ? `2026-12-${String(1 + (i % 28)).padStart(2, '0')}` : ''}\n`;
    }
    if (chunk.length > 1 << 20) {
      fs.writeSync(fd, chunk);
      chunk = '';
    }
  }
  fs.writeSync(fd, chunk);
  fs.closeSync(fd);
}

/* A catalog of that size in the server's database, through the CLI; a console user. */
export async function buildCatalog(srv, size) {
  const loc = await srv.cli(['location', 'add', 'WH1', 'Warehouse']);
  assert.equal(loc.code, 0, loc.stderr);
  const file = path.join(srv.dir, 'catalog.csv');
  writeCatalog(file, size);
  const imp = await srv.cli(['import', file], { timeout: 180000 });
  assert.equal(imp.code, 0, imp.stderr);
  fs.rmSync(file);
  return JSON.parse(imp.stdout);
}

/* Products for the first 20 SKUs ("Scale product 0".."19") and two orders, so names, orders
 * and emails show too. */
export async function addOrders(srv) {
  const products = Array.from({ length: 20 }, (_, i) => ({ sku: `SKU${String(i).padStart(7, '0')}`,
    name: `Scale product ${i}`, price: 1000 + i, currency: 'USD' }));
  const p = await srv.api('/v1/products', { key: true, body: products });
  assert.equal(p.status, 200, p.text);
  for (const sku of ['SKU0000004', 'SKU0000007']) {
    const o = await srv.api('/v1/orders', { body: orderBody([{ sku, quantity: 1 }]) });
    assert.equal(o.status, 201, o.text);
  }
}

export async function addUser(srv) {
  const u = await srv.cli(['user', 'add', 'admin'], { input: `${PASSWORD}\n${PASSWORD}\n` });
  assert.equal(u.code, 0, u.stderr);
}

export async function login(page, url) {
  await page.goto(url + '/admin');
  await page.getByLabel('Name', { exact: true }).fill('admin');
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.locator('#nav').waitFor();
}

/* Each view: when it is interactive (its data rendered, its status no longer "Loading"). */
const LOADED = {
  inventory: () => /SKU/.test(document.querySelector('#inv-status').textContent),
  imports: () => /newest first|No import/.test(document.querySelector('#imp-hist-status').textContent),
  orders: () => /newest first|No order/.test(document.querySelector('#ord-status').textContent),
  'purchase-orders': () => /purchase order/.test(document.querySelector('#po-status').textContent),
  receipts: () => !document.querySelector('#rc-q').disabled,
  settings: () => document.querySelector('#s-inStockMinDays').value !== '',
  outbox: () => /newest first|No email/.test(document.querySelector('#out-status').textContent),
};
export const VIEWS = Object.keys(LOADED);

/* Opens a view from another, cheap one (then the status lines are cleared, so a stale
 * "loaded" does not count); resolves {ms, rows, nodes}: time to interactive, table body rows
 * (or order and purchase order cards) and elements in the view. */
export async function openView(page, view) {
  const from = view === 'receipts' ? 'settings' : 'receipts';
  await page.evaluate((v) => { location.hash = '#' + v; }, from);
  await page.waitForFunction(LOADED[from], null, { timeout: 30000 });
  await page.evaluate(() => {
    for (const s of document.querySelectorAll('.view .status')) s.textContent = '';
    document.querySelector('#s-inStockMinDays').value = '';
  });
  const t0 = Date.now();
  await page.evaluate((v) => { location.hash = '#' + v; }, view);
  await page.waitForFunction(LOADED[view], null, { timeout: 30000, polling: 'raf' });
  const ms = Date.now() - t0;
  const counts = await page.evaluate((v) => {
    const el = document.getElementById('view-' + v);
    return { rows: el.querySelectorAll(/orders/.test(v) ? 'article.order' : 'tbody tr').length,
      nodes: el.querySelectorAll('*').length };
  }, view);
  return { ms, ...counts };
}

/* The receipts search from typing to its results. */
export async function searchReceipts(page, q) {
  const t0 = Date.now();
  await page.getByLabel('Find the transit position: SKU or transit reference').fill(q);
  await page.waitForFunction((s) => document.querySelector('#rc-status').textContent.includes(`“${s}”`), q,
    { timeout: 30000, polling: 'raf' });
  return { ms: Date.now() - t0, rows: await page.locator('#rc-found tbody tr').count() };
}
