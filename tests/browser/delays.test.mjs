// Delays in the browser (SPEC 5.8, 7): an order waits on a purchase order whose stock date then
// slips by more than 30 days (consent required). The order page, opened from the delay email's
// links, points at the button without acting; the shopper accepts, or cancels the shipment.
// The console lists the order under its Delays filter and shows the delay on the orders and
// Purchase orders pages. axe and screenshots at desktop and 375 px.
import { describe, it, before, after, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, checkA11y, screenshot, startServer } from './lib/browser.mjs';
import { HEADER } from '../http/lib/server.mjs';
import { createSku, getOrder, placeOrder } from '../http/lib/shop.mjs';
import { addUser, login } from './lib/console.mjs';

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 375, height: 812 };
const text = async (loc) => (await loc.innerText()).replace(/\s+/g, ' ').trim();

describe('delays', () => {
  let srv, browser, page;

  /* A SKU on one purchase order (stock 2026-12-15: promised Dec 17–Dec 20) and an order of 2
   * waiting on it; the PO then slips to 2027-01-20 (Jan 22–Jan 25, 36 days later) by a bulk
   * row or a CSV import of the same position. Returns the order and its shipment, delayed. */
  async function delayedOrder({ csv = false } = {}) {
    const sku = await createSku(srv, { transit: [{ ref: 'POSLIP', quantity: 5, stockDate: '2026-12-15' }] });
    const order = await placeOrder(srv, [{ sku, quantity: 2 }]);
    const row = { sku, locationId: 'WH1', stockType: 'intransit', quantity: 5, reservedQuantity: 0, transitRef: 'POSLIP',
      transitOrderDate: '2026-11-20', transitStockDate: '2027-01-20' };
    const r = csv ? await srv.importCsv(`${HEADER}\n${Object.values(row).join(',')}\n`) : await srv.bulk([row]);
    assert.equal(r.status, 201, r.text);
    const o = await getOrder(srv, order.id);
    const s = o.shipments[0];
    assert.deepEqual(s.delay, { detectedAt: '2026-11-27', previous: { from: '2026-12-17', to: '2026-12-20' },
      expected: { from: '2027-01-22', to: '2027-01-25' }, consent: 'PENDING', respondBy: '2026-12-04', consentRequired: true });
    return { sku, order: { ...o, accessToken: order.accessToken }, shipment: s };
  }

  const ready = () => page.waitForFunction(() => document.readyState === 'complete' && !document.querySelector('[aria-busy]'));

  async function capture(name) {
    for (const [label, size] of [['desktop', DESKTOP], ['375', PHONE]]) {
      await page.setViewportSize(size);
      await checkA11y(page, `${name} at ${label}`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
      assert.ok(overflow <= 0, `${name} scrolls sideways at ${label} by ${overflow}px`);
      await screenshot(page, `delays-${name}-${label}`);
    }
    await page.setViewportSize(DESKTOP);
  }

  before(async () => {
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    srv = await startServer();
    page = await newPage(browser, DESKTOP);
    page.setDefaultTimeout(5000);
  });
  afterEach(async () => {
    try {
      page.assertClean(['status of 401']); // the console's session check before logging in
    } finally {
      await page.context().close();
      await srv.stop();
    }
  });

  it('order page: the accept link points at Accept without acting; Accept keeps the cancel choice', async () => {
    const { order, shipment } = await delayedOrder();
    await page.goto(`${srv.url}/orders/${order.id}?token=${order.accessToken}&shipment=${shipment.id}&action=accept`);
    await ready();
    const box = page.locator(`[id="${shipment.id}"] .delay`);
    assert.equal(await text(box), 'Delayed: was Dec 17–Dec 20, now Jan 22–Jan 25. Your answer is needed by Dec 4: accept '
      + 'the new date or cancel this shipment. Without an answer it is cancelled and you do not pay for it. '
      + 'Accept the new date Cancel this shipment (full refund)');
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Accept the new date');
    assert.ok(await box.getByRole('button', { name: 'Accept the new date' }).evaluate((b) => b.classList.contains('target')));
    assert.equal((await getOrder(srv, order.id)).shipments[0].delay.consent, 'PENDING', 'opening the link changes nothing');
    await capture('order-pending');

    await box.getByRole('button', { name: 'Accept the new date' }).click();
    await page.locator('#status').filter({ hasText: 'You accepted the new date.' }).waitFor();
    const after = (await getOrder(srv, order.id)).shipments[0];
    assert.equal(after.delay.consent, 'ACCEPTED');
    assert.equal(after.status, 'AWAITING_STOCK');
    assert.equal(await text(box), 'Delayed: was Dec 17–Dec 20, now Jan 22–Jan 25. The new date applies. You can still '
      + 'cancel this shipment until it ships. Cancel this shipment (full refund)');
    await capture('order-accepted');
  });

  it('order page: the cancel link points at Cancel; cancelling the shipment asks first and voids its amount', async () => {
    const { order, shipment } = await delayedOrder({ csv: true });
    await page.goto(`${srv.url}/orders/${order.id}?token=${order.accessToken}&shipment=${shipment.id}&action=cancel`);
    await ready();
    const box = page.locator(`[id="${shipment.id}"] .delay`);
    const cancel = box.getByRole('button', { name: 'Cancel this shipment (full refund)' });
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Cancel this shipment (full refund)');
    assert.ok(await cancel.evaluate((b) => b.classList.contains('target')));
    assert.equal((await getOrder(srv, order.id)).shipments[0].status, 'AWAITING_STOCK', 'opening the link changes nothing');

    // Dismissing the question changes nothing either.
    page.once('dialog', (d) => d.dismiss());
    await cancel.click();
    assert.equal((await getOrder(srv, order.id)).shipments[0].status, 'AWAITING_STOCK');

    page.once('dialog', (d) => d.accept());
    await cancel.click();
    await page.locator('#status').filter({ hasText: 'The shipment is cancelled: you will not pay for it.' }).waitFor();
    const o = await getOrder(srv, order.id);
    assert.equal(o.shipments[0].status, 'CANCELLED');
    assert.equal(o.status, 'CANCELLED');
    assert.equal(o.payment.status, 'VOIDED');
    assert.equal(await page.locator('.delay').count(), 0);
    assert.equal(await page.locator('[data-order-status]').getAttribute('data-order-status'), 'CANCELLED');
    await capture('order-cancelled');
  });

  it('order page: a slip within 30 days needs no answer; the page says silence keeps the new date', async () => {
    const sku = await createSku(srv, { transit: [{ ref: 'POSHORT', quantity: 5, stockDate: '2026-12-15' }] });
    const order = await placeOrder(srv, [{ sku, quantity: 1 }]);
    const r = await srv.bulk([{ sku, locationId: 'WH1', stockType: 'intransit', quantity: 5, transitRef: 'POSHORT',
      transitOrderDate: '2026-11-20', transitStockDate: '2026-12-29' }]);
    assert.equal(r.status, 201, r.text);
    const s = (await getOrder(srv, order.id)).shipments[0];
    assert.equal(s.delay.consentRequired, false, JSON.stringify(s.delay));
    await page.goto(`${srv.url}/orders/${order.id}?token=${order.accessToken}`);
    await ready();
    assert.deepEqual(s.delay.expected, { from: '2026-12-31', to: '2027-01-03' });
    assert.equal(await text(page.locator('.delay')), 'Delayed: was Dec 17–Dec 20, now Dec 31–Jan 3. '
      + 'If the new date suits you, there is nothing to do: without an answer by Dec 4 it applies. You can cancel this shipment '
      + 'instead. Accept the new date Cancel this shipment (full refund)');
    assert.notEqual(await page.evaluate(() => document.activeElement.tagName), 'BUTTON', 'no link: no button is pointed at');
    await capture('order-silence');
  });

  it('console: the Delays filter lists the delayed order; orders and Purchase orders show the delay', async () => {
    const { sku, order, shipment } = await delayedOrder();
    const other = await placeOrder(srv, [{ sku: 'MUG3', quantity: 1 }]);
    await addUser(srv);
    await login(page, srv.url);
    await page.goto(srv.url + '/admin#orders');
    const heads = () => page.locator('#ord-list h2').allTextContents();
    await page.locator('#ord-status').filter({ hasText: '2 orders, newest first' }).waitFor();
    assert.deepEqual(await heads(), [`Order #${other.number} Placed`, `Order #${order.number} Placed`]);

    await page.getByLabel(/^Delays only/).check();
    await page.locator('#ord-status').filter({ hasText: '1 delayed order, newest first, page 1.' }).waitFor();
    assert.deepEqual(await heads(), [`Order #${order.number} Placed`]);
    const row = page.getByRole('table', { name: `Shipments of order #${order.number}` }).getByRole('row').filter({ hasText: shipment.id });
    assert.equal(await text(row.locator('.delay')),
      'Delayed: 2026-12-17 to 2026-12-20 → 2027-01-22 to 2027-01-25 Pending answer needed by 2026-12-04');
    await capture('console-orders-delays');

    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Purchase orders' }).click();
    await page.locator('#po-status').filter({ hasText: 'purchase orders, page 1.' }).waitFor();
    await page.locator('#view-purchase-orders').getByLabel(/^SKU/).fill(sku);
    await page.locator('#view-purchase-orders').getByRole('button', { name: 'Search' }).click();
    await page.locator('#po-status').filter({ hasText: '1 purchase order, page 1.' }).waitFor();
    const po = page.getByRole('table', { name: `Shipments waiting on POSLIP: ${sku} at WH1` });
    assert.deepEqual(await po.locator('tbody tr').evaluateAll((rows) => rows.map((r) => [...r.cells].map((c) => c.textContent.trim()))),
      [[`#${order.number}`, '2', 'Awaiting stock', '2026-12-17 to 2026-12-20', '2027-01-22 to 2027-01-25',
        'Delayed: 2026-12-17 to 2026-12-20 → 2027-01-22 to 2027-01-25 Pending answer needed by 2026-12-04']]);
    assert.equal(await page.locator('#po-list .meta').textContent(), 'Stock date 2027-01-20 · 5 units, 2 allocated, 3 available');
    await capture('console-purchase-orders-delay');
  });
});
