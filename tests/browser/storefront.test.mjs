// The storefront in a real browser against a demo server (SPEC 7, the vendor doc): PLP badges
// from one batch call, the PDP for every availability case, a quantity split across on-hand
// and transit stock, a mixed cart that becomes an order with several shipments, errors shown
// in place, accessibility (axe) and layout at 375 px on every page, and the JS budget.
import { test, before, after, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, checkA11y, layoutShift, screenshot, startServer } from './lib/browser.mjs';

const JS_BUDGET = 25 * 1000; // bytes, every storefront script together
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 375, height: 800 };
const ADDRESS = { name: 'Ada Lovelace', line1: '12 Analytical Row', line2: 'Flat 3',
  city: 'London', postalCode: 'N1 9GU', country: 'GB' };

let srv;
let browser;
const foreign = []; // requests that left the server: none are allowed (checked after each test)

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
  assert.deepEqual(foreign.splice(0), [], 'requests outside the server');
});

async function open(path, viewport = DESKTOP) {
  const page = await newPage(browser, viewport);
  page.scripts = new Set(); // every script URL the page loaded
  page.on('request', (r) => {
    if (!r.url().startsWith(srv.url) && !r.url().startsWith('data:')) foreign.push(r.url());
    if (r.resourceType() === 'script') page.scripts.add(r.url());
  });
  if (path) await goto(page, path);
  return page;
}

// Navigates and waits until the page's async content is in (no element still aria-busy).
async function goto(page, path) {
  await page.goto(srv.url + path);
  await ready(page);
}
const ready = (page) => page.waitForFunction(() =>
  document.readyState === 'complete' && !document.querySelector('[aria-busy]'));

/* axe and a screenshot at desktop width and at 375 px (no horizontal scroll there), then back
 * to desktop. The page is reloaded at each width, as a shopper arriving on that device. */
async function review(page, name) {
  for (const [label, size] of [['desktop', DESKTOP], ['375', PHONE]]) {
    await page.setViewportSize(size);
    await page.reload();
    await ready(page);
    await checkA11y(page, `${name} at ${label}`);
    const { scroll, client } = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    assert.ok(scroll <= client, `${name} at ${label}: horizontal scroll (${scroll} > ${client})`);
    const cls = await layoutShift(page);
    assert.ok(cls < 0.1, `${name} at ${label}: layout shift ${cls.toFixed(3)} while loading`);
    await screenshot(page, `storefront-${name}-${label}`);
  }
  await page.setViewportSize(DESKTOP);
  await page.reload();
  await ready(page);
}

const text = async (loc) => (await loc.innerText()).replace(/\s+/g, ' ').trim();

async function addFromPdp(page, sku, quantity) {
  await goto(page, `/p/${sku}`);
  await page.fill('#qty', String(quantity));
  await page.click('#add-btn');
  await page.locator('#add-status').filter({ hasText: 'Added' }).waitFor();
}

async function fillCheckout(page, { email = 'ada@example.com', token = 'tok_visa' } = {}) {
  await page.fill('#email', email);
  for (const [k, v] of Object.entries(ADDRESS)) await page.fill(`#${k}`, v);
  await page.selectOption('#token', token);
}

async function orderCount() {
  const r = await srv.api('/v1/orders?limit=200', { key: true });
  assert.equal(r.status, 200, r.text);
  return r.json.items.length;
}

test('PLP: one batch call gives every badge: in stock, pre-order, backorder with its range, out of stock', async () => {
  const page = await open();
  const calls = [];
  page.on('request', (r) => { if (r.url().includes('/v1/')) calls.push(new URL(r.url()).pathname); });
  await goto(page, '/');
  const api = (await srv.api('/v1/products?limit=100')).json.items;
  const bySku = Object.fromEntries(api.map((p) => [p.sku, p]));
  // Orderable products first; the rest gather under "Currently unavailable".
  assert.equal(await page.locator('#products > li').count(), api.filter((p) => p.addToCart).length);
  assert.equal(await page.locator('#unavailable > li').count(), api.filter((p) => !p.addToCart).length);

  const card = (sku) => page.locator(`[data-sku="${sku}"]`);
  assert.equal(await text(card('TSHIRT1').locator('.badge')), 'In stock');
  assert.equal(await text(card('TSHIRT1').locator('.price')), '$25.00');
  assert.equal(await card('TSHIRT1').locator('a').getAttribute('href'), '/p/TSHIRT1');
  // Dated transit stock is a pre-order, undated a backorder; the badge's word is not repeated.
  for (const [sku, badge] of [['HOODIE2', 'Backorder'], ['JACKET8', 'Pre-order'], ['CAP4', 'Pre-order']]) {
    assert.equal(await text(card(sku).locator('.badge')), badge, sku);
    assert.equal(bySku[sku].stockDate !== null, badge === 'Pre-order', `${sku} stockDate`);
    assert.match(bySku[sku].expectedDelivery.message, /^Backorder: expected delivery /, sku);
    assert.equal(await text(card(sku).locator('.delivery')),
      bySku[sku].expectedDelivery.message.replace('Backorder: expected', 'Expected'), sku);
  }
  assert.equal(await text(card('JACKET8').locator('.avail')), 'Pre-order Expected delivery Dec 20–Dec 23');
  assert.equal(await text(card('HOODIE2').locator('.avail')), 'Backorder Expected delivery Dec 11–Dec 25');
  assert.equal(await text(card('TSHIRT1').locator('.avail')), 'In stock Delivery Nov 28–Nov 30');
  for (const sku of ['SOCKS5', 'BEANIE10']) {
    assert.equal(await text(page.locator(`#unavailable [data-sku="${sku}"] .badge`)), 'Out of stock', sku);
  }

  assert.deepEqual(calls.filter((p) => p.startsWith('/v1/products')), ['/v1/products'],
    'the PLP reads the catalog with one batch call');
  assert.deepEqual(calls.filter((p) => p.startsWith('/v1/inventory')), [], 'no call per product');
  await review(page, 'plp');
  page.assertClean();
});

test('PDP: every availability case shows the API message; Add to cart follows addToCart', async () => {
  const cases = [
    // The API's message without the word the badge already says ("In stock.", "Backorder:").
    { sku: 'TSHIRT1', badge: 'In stock', message: /^Delivery Nov 28–Nov 30$/, lead: 'In stock. ', enabled: true },
    { sku: 'MUG3', badge: 'In stock', message: /^Delivery /, lead: 'In stock. ', enabled: true },
    // Pre-order: stock date + buffer (2..5 days).
    { sku: 'JACKET8', badge: 'Pre-order', message: /^Expected delivery Dec 20–Dec 23$/, lead: 'Backorder: ', enabled: true },
    { sku: 'CAP4', badge: 'Pre-order', message: /^Expected delivery Dec 9–Dec 12$/, lead: 'Backorder: ', enabled: true },
    // Backorder without a PO: the merchant's static range (today + 14..28 days).
    { sku: 'HOODIE2', badge: 'Backorder', message: /^Expected delivery Dec 11–Dec 25$/, lead: 'Backorder: ', enabled: true },
    { sku: 'SOCKS5', badge: 'Out of stock', message: /^Currently unavailable$/, enabled: false },
  ];
  const page = await open();
  for (const c of cases) {
    await goto(page, `/p/${c.sku}`);
    const item = await srv.item(c.sku);
    const product = (await srv.api(`/v1/products/${c.sku}`)).json;
    assert.equal(await text(page.locator('h1')), product.name);
    assert.equal(await text(page.locator('#avail .badge')), c.badge, c.sku);
    const shown = await text(page.locator('#avail .delivery'));
    assert.match(shown, c.message, c.sku);
    if (item.expectedDelivery) {
      const rest = c.lead === 'Backorder: ' ? shown[0].toLowerCase() + shown.slice(1) : shown;
      assert.equal(item.expectedDelivery.message, c.lead + rest, `${c.sku}: the API's text`);
    }
    assert.equal(await page.locator('#add-btn').isEnabled(), c.enabled, `${c.sku} Add to cart`);
    assert.equal(item.addToCart, c.enabled);
    assert.equal(await page.locator('#qty').getAttribute('max'), String(Math.max(item.availableTotal, 1)));
    await review(page, `pdp-${c.sku}`);
  }
  await goto(page, '/p/NOSUCHSKU');
  assert.equal(await text(page.locator('h1')), 'Product not found');
  await checkA11y(page, 'pdp not found');
  page.assertClean(['status of 404']);
});

test('PDP: a quantity spanning on-hand and transit says how many ship now and later', async () => {
  const page = await open('/p/TSHIRT1');
  assert.equal(await text(page.locator('#split')), '', 'one unit, one delivery: no split');
  await page.fill('#qty', '30');
  await page.locator('#split').filter({ hasText: 'ship now' }).waitFor();
  assert.equal(await text(page.locator('#split .split-title')), '25 ship now, 5 later');
  const promise = (await srv.item('TSHIRT1', 30)).promise;
  const items = await page.locator('#split li').allInnerTexts();
  assert.deepEqual(items.map((s) => s.replace(/\s+/g, ' ').trim()),
    promise.allocations.map((a) => `${a.quantity} · ${a.expectedDelivery.message}`));
  await screenshot(page, 'storefront-pdp-TSHIRT1-split-desktop');

  // Back within on-hand stock: the split goes away.
  await page.fill('#qty', '3');
  await page.waitForFunction(() => !document.getElementById('split').textContent);
  // The selector is capped at availableTotal.
  await page.fill('#qty', '100000');
  assert.equal(await page.inputValue('#qty'), String((await srv.item('TSHIRT1')).availableTotal));
  // Two purchase orders: two deliveries, each with its range.
  await goto(page, '/p/CAP4');
  await page.fill('#qty', '40');
  await page.locator('#split').filter({ hasText: 'deliveries' }).waitFor();
  assert.equal(await page.locator('#split li').count(), 2);
  await checkA11y(page, 'pdp split');
  page.assertClean();
});

test('mixed cart: ships now / ships later, then an order with several shipments', async () => {
  const page = await open();
  await page.setViewportSize(DESKTOP);
  await addFromPdp(page, 'TSHIRT1', 30);
  await addFromPdp(page, 'HOODIE2', 1);
  assert.equal(await text(page.locator('[data-cart-count]')), '(31)');

  await goto(page, '/cart');
  const now = page.locator('[data-group="now"]');
  const later = page.locator('[data-group="later"]');
  assert.match(await text(now), /Ships now In stock\. Delivery Nov 28–Nov 30 25 × Organic cotton T-shirt/);
  assert.match(await text(later), /Backorder: expected delivery Dec 17–Dec 20 5 × Organic cotton T-shirt/);
  assert.match(await text(later), /Backorder: expected delivery Dec 11–Dec 25 1 × Heavyweight hoodie/);
  // Each line carries its own promise.
  const tshirt = page.locator('.line[data-sku="TSHIRT1"] .notes li');
  assert.deepEqual((await tshirt.allInnerTexts()).map((s) => s.trim()),
    ['25 · In stock. Delivery Nov 28–Nov 30', '5 · Backorder: expected delivery Dec 17–Dec 20']);
  assert.equal(await text(page.locator('.line[data-sku="HOODIE2"] .notes')),
    'Backorder: expected delivery Dec 11–Dec 25');
  assert.equal(await text(page.locator('[data-total="subtotal"]')), '$815.00');
  assert.equal(await text(page.locator('[data-total="now"]')), '$625.00');
  assert.equal(await text(page.locator('[data-total="later"]')), '$190.00');
  // Money words true for captureOn=shipment: nothing is charged before it ships.
  assert.match(await text(page.locator('.summary')),
    /Charged when in-stock items ship \$625\.00 Charged when backordered items ship \$190\.00/);
  assert.doesNotMatch(await text(page.locator('main')), /charged now/i);
  await review(page, 'cart');

  await page.click('text=Check out');
  await page.waitForURL(/\/checkout$/);
  await ready(page);
  const charges = page.locator('.charges > li');
  assert.equal(await charges.count(), 3);
  assert.match(await text(charges.nth(1)), /\$125\.00 charged when this shipment ships/);
  assert.match(await text(charges.nth(2)), /\$65\.00 charged when this shipment ships/);
  assert.equal(await text(page.locator('#summary [data-total="now"]')), '$625.00');
  assert.equal(await text(page.locator('#summary [data-total="later"]')), '$190.00');
  assert.match(await text(charges.nth(0)), /\$625\.00 charged when this shipment ships/);
  assert.match(await text(page.locator('#summary')),
    /Charged when in-stock items ship \$625\.00 Charged when backordered items ship \$190\.00/);
  assert.doesNotMatch(await text(page.locator('main')), /charged now/i);
  await review(page, 'checkout');

  const before = await orderCount();
  await fillCheckout(page);
  await page.click('#place');
  await page.waitForURL(/\/orders\/ord_[^?]+\?token=\w+/);
  await ready(page);
  const url = new URL(page.url());
  const id = url.pathname.split('/')[2];

  assert.match(await text(page.locator('h1')), /^Order \d+$/);
  assert.equal(await page.locator('[data-order-status]').getAttribute('data-order-status'), 'PLACED');
  const ships = page.locator('.shipments > li');
  assert.equal(await ships.count(), 3);
  assert.match(await text(ships.nth(0)), /Ready to ship In stock\. Delivery Nov 28–Nov 30 25 × Organic cotton T-shirt/);
  assert.match(await text(ships.nth(1)), /awaiting stock Backorder: expected delivery Dec 17–Dec 20 5 × Organic cotton T-shirt/);
  assert.match(await text(ships.nth(2)), /awaiting stock Backorder: expected delivery Dec 11–Dec 25 1 × Heavyweight hoodie/);
  assert.match(await text(page.locator('main')), /Authorized on your card \$815\.00 Charged so far \$0\.00/);
  for (const i of [0, 1, 2]) assert.match(await text(ships.nth(i)), /Charged when it ships \$/);
  // GB: the postcode on its own line after the city; the country by name.
  assert.deepEqual((await page.locator('address').innerText()).split('\n').map((l) => l.trim()).filter(Boolean),
    ['Ada Lovelace', '12 Analytical Row', 'Flat 3', 'London', 'N1 9GU', 'United Kingdom']);
  await review(page, 'order');

  // The API agrees: one order more, three shipments by source.
  assert.equal(await orderCount(), before + 1);
  const o = (await srv.api(`/v1/orders/${id}`, { key: true })).json;
  assert.equal(o.total, 81500);
  assert.deepEqual(o.shipments.map((s) => [s.status, s.stockType, s.transitRef ?? null, s.lines]), [
    ['READY', 'onhand', null, [{ sku: 'TSHIRT1', quantity: 25 }]],
    ['AWAITING_STOCK', 'intransit', 'PO1001', [{ sku: 'TSHIRT1', quantity: 5 }]],
    ['AWAITING_STOCK', 'intransit', 'ADV2', [{ sku: 'HOODIE2', quantity: 1 }]],
  ]);
  assert.equal(o.email, 'ada@example.com');
  assert.deepEqual(o.shippingAddress, ADDRESS);

  // A shipped shipment shows its tracking number to the shopper.
  const shipped = await srv.api(`/v1/shipments/${o.shipments[0].id}/ship`,
    { key: true, body: { trackingNumber: 'TRACK123' } });
  assert.equal(shipped.status, 200, shipped.text);
  await page.reload();
  await ready(page);
  assert.match(await text(ships.nth(0)), /Shipped .*Tracking number TRACK123/);
  assert.match(await text(page.locator('main')), /Charged so far \$625\.00/);
  assert.match(await text(ships.nth(0)), /Charged \$625\.00/);

  // The cart is spent: the header shows no count and the cart page is empty.
  await goto(page, '/cart');
  assert.match(await text(page.locator('#cart')), /Your cart is empty/);
  page.assertClean();
});

test('cart: change a quantity, remove a line, flag a line that can no longer be fulfilled', async () => {
  const page = await open();
  await addFromPdp(page, 'TOTE7', 20);
  await addFromPdp(page, 'MUG3', 2);
  await goto(page, '/cart');
  const mug = page.locator('.line[data-sku="MUG3"]');
  await page.fill('#q-MUG3', '3');
  await mug.locator('button[type=submit]').click();
  await page.locator('#status').filter({ hasText: 'quantity set to 3' }).waitFor();
  assert.equal(await text(page.locator('.line[data-sku="MUG3"] .amount')), '$54.00');
  await page.locator('.line[data-sku="MUG3"] button.link').click();
  await page.locator('#status').filter({ hasText: 'removed' }).waitFor();
  assert.equal(await page.locator('.line[data-sku="MUG3"]').count(), 0);

  // Someone else orders 10 totes: only 15 are left for this cart's 20.
  const other = await srv.api('/v1/orders', { body: { items: [{ sku: 'TOTE7', quantity: 10 }],
    email: 'bob@example.com', shippingAddress: ADDRESS, payment: { token: 'tok_visa' } } });
  assert.equal(other.status, 201, other.text);
  await page.reload();
  await ready(page);
  const tote = page.locator('.line[data-sku="TOTE7"]');
  assert.match(await text(tote.locator('.flag')), /Only 15 can be ordered now/);
  assert.equal(await page.locator('a[href="/checkout"]').count(), 0, 'no checkout while a line is flagged');
  await review(page, 'cart-flagged');
  await tote.locator('.flag button').click();
  await page.locator('#status').filter({ hasText: 'quantity set to 15' }).waitFor();
  assert.equal(await page.locator('.flag').count(), 0);
  assert.equal(await page.locator('a[href="/checkout"]').count(), 1);
  assert.match(await text(page.locator('[data-group="later"]')), /15 × Canvas tote bag/);
  page.assertClean();
});

test('PDP: adding beyond what can be ordered shows the 409 in place', async () => {
  const page = await open();
  await addFromPdp(page, 'HOODIE2', 1);
  const left = (await srv.item('HOODIE2')).availableTotal;
  await page.fill('#qty', String(left)); // allowed alone, too many with the one in the cart
  await page.click('#add-btn');
  const alert = page.locator('#add-error[role="alert"]');
  await alert.filter({ hasText: 'Only' }).waitFor();
  assert.equal(await text(alert),
    `Only ${left} of Heavyweight hoodie can be ordered. Your cart already has 1.`);
  await checkA11y(page, 'pdp with error');
  page.assertClean(['status of 409']);
});

test('checkout: a declined card shows the 402 in place and creates no order; 422 points at the field', async () => {
  const page = await open();
  await addFromPdp(page, 'MUG3', 1);
  await goto(page, '/checkout');
  const before = await orderCount();
  const mugBefore = await srv.item('MUG3');
  await fillCheckout(page, { token: 'tok_declined' });
  await page.click('#place');
  const alert = page.locator('#error[role="alert"]');
  await alert.filter({ hasText: 'declined' }).waitFor();
  assert.match(await text(alert), /^Payment declined: the card was declined\. Choose another card/);
  assert.match(page.url(), /\/checkout$/);
  assert.equal(await orderCount(), before, 'no order for a declined card');
  assert.equal((await srv.item('MUG3')).availableTotal, mugBefore.availableTotal, 'nothing allocated');
  assert.ok(await page.locator('#place').isEnabled(), 'the shopper can try again');
  await checkA11y(page, 'checkout declined');
  await screenshot(page, 'storefront-checkout-declined-desktop');

  // The browser accepts "ada@example"; the server does not: its message, on the field.
  await page.selectOption('#token', 'tok_visa');
  await page.fill('#email', 'ada@example');
  await page.click('#place');
  await alert.filter({ hasText: 'email' }).waitFor();
  assert.match(await text(alert), /^Please check your details: email "ada@example" is not a valid email address/);
  assert.equal(await page.getAttribute('#email', 'aria-invalid'), 'true');
  await checkA11y(page, 'checkout invalid');
  assert.equal(await orderCount(), before);

  // Fixed: the order goes through.
  await page.fill('#email', 'ada@example.com');
  await page.click('#place');
  await page.waitForURL(/\/orders\/ord_/);
  await ready(page);
  assert.equal(await orderCount(), before + 1);
  page.assertClean(['status of 402', 'status of 422']);
});

test('checkout: stock sold elsewhere meanwhile shows the 409 in place', async () => {
  const page = await open();
  await addFromPdp(page, 'JACKET8', 3);
  await goto(page, '/checkout');
  // Someone else takes all but 2 rain jackets.
  const left = (await srv.item('JACKET8')).availableTotal;
  const other = await srv.api('/v1/orders', { body: { items: [{ sku: 'JACKET8', quantity: left - 2 }],
    email: 'bob@example.com', shippingAddress: ADDRESS, payment: { token: 'tok_visa' } } });
  assert.equal(other.status, 201, other.text);
  const before = await orderCount();
  await fillCheckout(page);
  await page.click('#place');
  const alert = page.locator('#error[role="alert"]');
  await alert.filter({ hasText: 'Only' }).waitFor();
  assert.equal(await text(alert), 'Only 2 of Rain jacket can be ordered. Review your cart');
  assert.equal(await alert.locator('a').getAttribute('href'), '/cart');
  await page.locator('#summary .error').filter({ hasText: 'cannot be ordered' }).waitFor();
  assert.equal(await orderCount(), before);
  await checkA11y(page, 'checkout conflict');
  page.assertClean(['status of 409']);
});

test('the merchant\'s static backorder message reaches the PLP, PDP and cart as given', async () => {
  const msg = 'Made to order: ships in 3 to 5 weeks';
  const put = (backorderMessage) =>
    srv.api('/v1/settings', { method: 'PUT', key: true, body: { backorderMessage } });
  assert.equal((await put(msg)).status, 200);
  const page = await open('/');
  assert.equal(await text(page.locator('[data-sku="HOODIE2"] .delivery')), msg);
  // A pre-order keeps its dated range.
  assert.match(await text(page.locator('[data-sku="JACKET8"] .delivery')), /Dec 20–Dec 23/);
  await goto(page, '/p/HOODIE2');
  assert.equal(await text(page.locator('#avail .delivery')), msg);
  await page.click('#add-btn');
  await page.locator('#add-status').filter({ hasText: 'Added' }).waitFor();
  await goto(page, '/cart');
  assert.match(await text(page.locator('[data-group="later"]')), new RegExp(msg));
  page.assertClean();
});

test('order page without a valid token says so', async () => {
  const page = await open('/orders/ord_nope?token=wrong');
  assert.equal(await text(page.locator('h1')), 'Order not found');
  await checkA11y(page, 'order not found');
  await goto(page, '/orders/ord_nope');
  assert.match(await text(page.locator('#order')), /missing its access token/);
  page.assertClean(['status of 404']);
});

test('budget: every storefront script together is at most 25 KB; nothing loads from elsewhere', async () => {
  // Every page, so that the set of scripts is complete.
  const page = await open();
  for (const p of ['/', '/p/TSHIRT1', '/cart', '/checkout', '/orders/ord_x?token=x']) await goto(page, p);
  let total = 0;
  const sizes = {};
  for (const u of page.scripts) {
    const r = await fetch(u);
    assert.equal(r.status, 200, u);
    const n = (await r.arrayBuffer()).byteLength;
    sizes[new URL(u).pathname] = n;
    total += n;
  }
  console.log(`# storefront JS: ${total} bytes ${JSON.stringify(sizes)}`);
  for (const f of ['store.js', 'plp.js', 'pdp.js', 'cart.js', 'checkout.js', 'order.js']) {
    assert.ok(`/assets/${f}` in sizes, `${f} was loaded`);
  }
  assert.ok(total <= JS_BUDGET, `storefront JS is ${total} bytes, over ${JS_BUDGET}`);
  page.assertClean(['status of 404']);
});
