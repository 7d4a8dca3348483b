// Shopper-facing fixes (issue 8): the HTML 404 page, orderable products first on the PLP,
// no "Only 0", money words true for both capture policies, the order page's thanks and
// Cancel, the address in its country's order, "ships later" soonest first. With axe and
// screenshots of each changed page.
import { test, before, after, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, checkA11y, screenshot, startServer } from './lib/browser.mjs';
import { createSku, placeOrder, putSettings, uniqueSku } from '../http/lib/shop.mjs';

const US = { name: 'Grace Hopper', line1: '1 Navy Way', line2: '', city: 'Arlington, VA',
  postalCode: '22201', country: 'US' };
const DE = { name: 'Emmy Noether', line1: 'Unter den Linden 6', line2: '', city: 'Berlin',
  postalCode: '10117', country: 'DE' };

let srv;
let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});
// A fresh demo server for every test: orders and settings of one never reach another.
beforeEach(async () => {
  srv = await startServer();
});
afterEach(async () => {
  await srv?.stop();
  srv = undefined;
});

const ready = (page) => page.waitForFunction(() =>
  document.readyState === 'complete' && !document.querySelector('[aria-busy]'));
async function goto(page, path) {
  const res = await page.goto(srv.url + path);
  await ready(page);
  return res;
}
const text = async (loc) => (await loc.innerText()).replace(/\s+/g, ' ').trim();

async function addFromPdp(page, sku, quantity) {
  await goto(page, `/p/${sku}`);
  await page.fill('#qty', String(quantity));
  await page.click('#add-btn');
  await page.locator('#add-status').filter({ hasText: 'Added' }).waitFor();
}

async function checkout(page, address) {
  await goto(page, '/checkout');
  await page.fill('#email', 'grace@example.com');
  for (const [k, v] of Object.entries(address)) await page.fill(`#${k}`, v);
  await page.click('#place');
  await page.waitForURL(/\/orders\/ord_[^?]+\?token=\w+/);
  await ready(page);
  return new URL(page.url()).pathname.split('/')[2];
}

const addressLines = async (page) => (await page.locator('address').innerText())
  .split('\n').map((l) => l.trim()).filter(Boolean);

test('unknown storefront paths: an HTML 404 page in the store\'s look; API paths keep JSON', async () => {
  await putSettings(srv, { storeName: 'Northwind Goods' });
  const page = await newPage(browser);
  for (const path of ['/no/such/page', '/cart/extra', '/p/TSHIRT1/reviews', '/orders']) {
    const res = await goto(page, path);
    assert.equal(res.status(), 404, path);
    assert.match(res.headers()['content-type'], /^text\/html/, path);
    assert.equal(await text(page.locator('h1')), 'Page not found', path);
  }
  await page.locator('[data-store-name]').filter({ hasText: 'Northwind Goods' }).waitFor();
  assert.equal(await page.locator('link[href="/assets/store.css"]').count(), 1);
  assert.equal(await page.locator('header.site a[href="/cart"]').count(), 1);
  await checkA11y(page, '404');
  await screenshot(page, 'shopper-404-desktop');
  await page.setViewportSize({ width: 375, height: 800 });
  await screenshot(page, 'shopper-404-375');
  await page.click('text=Browse all products');
  await page.waitForURL(`${srv.url}/`);

  for (const path of ['/v1/nope', '/v1', '/v2/inventory/MUG3']) {
    const r = await srv.api(path);
    assert.equal(r.status, 404, path);
    assert.equal(r.json.error.code, 'NOT_FOUND', path);
  }
  page.assertClean(['status of 404']);
});

test('PLP: every orderable product comes before every unavailable one', async () => {
  // AAA… sorts first by SKU and cannot be ordered: it must not lead the page.
  const sku = await createSku(srv, { sku: `AAA${uniqueSku('Z')}`.slice(0, 60), name: 'Aardvark plush', onhand: 0 });
  const page = await newPage(browser);
  await goto(page, '/');
  const api = (await srv.api('/v1/products?limit=100')).json.items;
  assert.equal(api[0].sku, sku);
  const shown = await page.locator('[data-sku]').evaluateAll((cards) => cards.map((c) => c.dataset.sku));
  assert.equal(shown.length, api.length);
  const orderable = new Set(api.filter((p) => p.addToCart).map((p) => p.sku));
  const firstUnavailable = shown.findIndex((s) => !orderable.has(s));
  assert.ok(firstUnavailable > 0, 'some orderable products first');
  assert.ok(shown.slice(firstUnavailable).every((s) => !orderable.has(s)), `orderable first: ${shown}`);
  assert.equal(await text(page.locator('#unavailable-title')), 'Currently unavailable');
  assert.ok(await page.locator(`#unavailable [data-sku="${sku}"]`).isVisible());
  await checkA11y(page, 'plp');
  await screenshot(page, 'shopper-plp-desktop');
  page.assertClean();
});

test('PDP of a sold-out product never says "Only 0 can be ordered"', async () => {
  const page = await newPage(browser);
  await goto(page, '/p/SOCKS5');
  assert.equal(await text(page.locator('#avail .badge')), 'Out of stock');
  assert.doesNotMatch(await text(page.locator('main')), /Only 0/);
  assert.equal(await text(page.locator('#split')), 'Not available to order right now.');
  page.assertClean();
});

test('cart and order page: "ships later" soonest first, whatever the order of the lines', async () => {
  const late = await createSku(srv, { name: 'Late arrival', transit: [{ ref: 'POLATE', quantity: 5, stockDate: '2027-01-10' }] });
  const soon = await createSku(srv, { name: 'Soon arrival', transit: [{ ref: 'POSOON', quantity: 5, stockDate: '2026-12-01' }] });
  const page = await newPage(browser);
  await addFromPdp(page, late, 1);
  await addFromPdp(page, soon, 1);
  await goto(page, '/cart');
  const later = page.locator('[data-group="later"] .shipment');
  assert.equal(await later.count(), 2);
  assert.match(await text(later.nth(0)), /Dec 3–Dec 6 1 × Soon arrival/);
  assert.match(await text(later.nth(1)), /Jan 12, 2027–Jan 15, 2027 1 × Late arrival/);
  const id = await checkout(page, US);
  const ships = page.locator('.shipments > li');
  assert.match(await text(ships.nth(0)), /Soon arrival/);
  assert.match(await text(ships.nth(1)), /Late arrival/);
  const o = (await srv.api(`/v1/orders/${id}`, { key: true })).json;
  assert.deepEqual(o.shipments.map((s) => s.transitRef), ['POSOON', 'POLATE']);
  page.assertClean();
});

test('order page: thanks after placing, the address in US order, Cancel while nothing has shipped', async () => {
  const page = await newPage(browser);
  await addFromPdp(page, 'MUG3', 1);
  await addFromPdp(page, 'HOODIE2', 1);
  const id = await checkout(page, US);
  assert.match(await text(page.locator('#thanks')), /^Thank you for your order!/);
  assert.deepEqual(await addressLines(page),
    ['Grace Hopper', '1 Navy Way', 'Arlington, VA 22201', 'United States']);
  assert.ok(await page.locator('#cancel').isVisible());
  await checkA11y(page, 'order placed');
  await screenshot(page, 'shopper-order-thanks-desktop');
  await page.setViewportSize({ width: 375, height: 800 });
  await screenshot(page, 'shopper-order-thanks-375');
  await page.setViewportSize({ width: 1280, height: 900 });

  // Opened later from the email link (another browser): no thanks, still Cancel.
  const other = await newPage(browser);
  await goto(other, new URL(page.url()).pathname + new URL(page.url()).search);
  assert.ok(await other.locator('h1').filter({ hasText: 'Order' }).isVisible());
  assert.equal(await other.locator('#thanks').isVisible(), false);
  assert.ok(await other.locator('#cancel').isVisible());

  page.once('dialog', (d) => d.accept());
  await page.click('#cancel');
  await page.locator('#status').filter({ hasText: 'cancelled' }).waitFor();
  assert.equal(await page.locator('[data-order-status]').getAttribute('data-order-status'), 'CANCELLED');
  assert.equal(await page.locator('#cancel').isVisible(), false);
  assert.equal(await page.locator('#thanks').isVisible(), false);
  assert.equal((await srv.api(`/v1/orders/${id}`, { key: true })).json.status, 'CANCELLED');
  await checkA11y(page, 'order cancelled');
  await screenshot(page, 'shopper-order-cancelled-desktop');

  // Once something has shipped, no Cancel (the merchant can still cancel the rest).
  const o = await placeOrder(srv, [{ sku: 'MUG3', quantity: 1 }, { sku: 'HOODIE2', quantity: 1 }],
    { address: DE });
  const shipped = await srv.api(`/v1/shipments/${o.shipments[0].id}/ship`, { key: true, body: { trackingNumber: 'T1' } });
  assert.equal(shipped.status, 200, shipped.text);
  await goto(other, `/orders/${o.id}?token=${o.accessToken}`);
  assert.equal(await other.locator('#cancel').isVisible(), false);
  // DE: postal code before the city.
  assert.deepEqual(await addressLines(other), ['Emmy Noether', 'Unter den Linden 6', '10117 Berlin', 'Germany']);
  page.assertClean();
  other.assertClean();
});

test('money words: captureOn=order says "Charged at order" in the cart, checkout and order page', async () => {
  await putSettings(srv, { captureOn: 'order' });
  const page = await newPage(browser);
  await addFromPdp(page, 'MUG3', 2);
  await addFromPdp(page, 'HOODIE2', 1);
  await goto(page, '/cart');
  const summary = await text(page.locator('.summary'));
  assert.match(summary, /Charged at order \$101\.00/);
  assert.doesNotMatch(summary, /when .* ship|charged now/i);
  await goto(page, '/checkout');
  const charges = await text(page.locator('#summary'));
  assert.match(charges, /\$36\.00 charged at order/);
  assert.match(charges, /\$65\.00 charged at order/);
  assert.match(charges, /Charged at order \$101\.00/);
  assert.doesNotMatch(charges, /when .* ships?|charged now/i);
  await screenshot(page, 'shopper-checkout-capture-order-desktop');
  await checkout(page, US);
  const ships = page.locator('.shipments > li');
  for (const i of [0, 1]) assert.match(await text(ships.nth(i)), /Charged at order \$/);
  assert.match(await text(page.locator('main')), /Charged so far \$101\.00/);
  page.assertClean();
});

test('console settings: the storefront address for email links, its default, an error in place', async () => {
  const password = 'correct horse battery';
  // Twice: the password and its confirmation, should the command ask for both.
  const u = await srv.cli(['user', 'add', 'shopadmin'], { input: `${password}\n${password}\n` });
  assert.equal(u.code, 0, u.stderr);
  const page = await newPage(browser);
  await page.goto(srv.url + '/admin');
  await page.getByLabel('Name', { exact: true }).fill('shopadmin');
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Inventory Overview' }).waitFor();
  await page.goto(srv.url + '/admin#settings');
  const field = page.getByLabel('Storefront address (for links in emails)');
  await page.waitForFunction(() => document.getElementById('s-publicUrl').value !== '');
  assert.equal(await field.inputValue(), srv.url, 'the default: this server');

  // Saving another setting keeps the default (tests/http/links.test.mjs: it is not stored).
  await page.getByLabel('Store name').fill('Northwind Goods');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await page.locator('#set-status').filter({ hasText: 'Settings saved.' }).waitFor();

  await field.fill('shop.example.com/?ref=mail');
  await page.getByRole('button', { name: 'Save settings' }).click();
  const err = page.locator('#err-s-publicUrl');
  await err.waitFor();
  assert.match(await err.textContent(), /absolute http:\/\/ or https:\/\/ URL/);
  assert.equal(await field.getAttribute('aria-invalid'), 'true');
  assert.equal((await srv.api('/v1/settings')).json.publicUrl, srv.url);
  await checkA11y(page, 'console settings publicUrl error');
  await screenshot(page, 'shopper-console-settings-desktop');

  await field.fill('https://shop.example.com/');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await page.locator('#set-status').filter({ hasText: 'Settings saved.' }).waitFor();
  assert.equal(await field.inputValue(), 'https://shop.example.com');
  assert.equal((await srv.api('/v1/settings')).json.publicUrl, 'https://shop.example.com');
  page.assertClean(['status of 401', 'status of 422']); // logged out at first; the refused save
});

test('order page: a shipment whose purchase order slipped shows the new range beside the promised one', async () => {
  const sku = await createSku(srv, { transit: [{ ref: 'POSLIP', quantity: 5, stockDate: '2026-12-15' }] });
  const o = await placeOrder(srv, [{ sku, quantity: 2 }]);
  const slip = await srv.bulk([{ sku, locationId: 'WH1', stockType: 'intransit', transitRef: 'POSLIP', quantity: 5,
    transitOrderDate: '2026-11-20', transitStockDate: '2027-01-20' }]);
  assert.equal(slip.status, 201, slip.text);
  const page = await newPage(browser);
  await goto(page, `/orders/${o.id}?token=${o.accessToken}`);
  const ship = page.locator('.shipments > li').first();
  assert.equal(await text(ship.locator('.delivery')), 'Backorder: expected delivery Jan 22, 2027–Jan 25, 2027');
  assert.equal(await text(ship.locator('.promised')), 'Promised when you ordered: Backorder: expected delivery Dec 17–Dec 20');
  await checkA11y(page, 'order page with a slipped shipment');
  await screenshot(page, 'shopper-order-slipped-desktop');
  page.assertClean();
});
