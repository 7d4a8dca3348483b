// SPEC 5.5: a shipment whose renewed card authorization was declined waits for a new card;
// the order page (the payment_required email's link) takes it. The order is placed on
// 2026-11-27 with tok_reauth_declined; a server on the same database eight days later ships
// (402, paymentRequired) and serves the page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, checkA11y, startServer } from './lib/browser.mjs';
import { createSku, placeOrder, ship } from '../http/lib/shop.mjs';

let base;
let later;
let browser;
before(async () => {
  base = await startServer();
  later = await startServer({ db: base.db, today: '2026-12-05' });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await later?.stop();
  await base?.stop();
});

test('order page: the new-card form shows while a shipment needs one, and takes the card', async () => {
  const sku = await createSku(base, { price: 1500, onhand: 2 });
  const order = await placeOrder(base, [{ sku, quantity: 1 }], { token: 'tok_reauth_declined' });
  assert.equal((await ship(later, order.shipments[0].id)).status, 402);

  const page = await newPage(browser);
  await page.goto(`${later.url}/orders/${order.id}?token=${order.accessToken}`);
  await page.waitForFunction(() => !document.querySelector('[aria-busy]'));
  const form = page.locator('#card');
  assert.equal(await form.isVisible(), true);
  await checkA11y(page, 'order page with the new-card form');

  await page.selectOption('#token', 'tok_declined');
  await page.click('#card button');
  await page.locator('#status').filter({ hasText: 'declined' }).waitFor();
  assert.equal(await form.isVisible(), true);

  await page.selectOption('#token', 'tok_visa');
  await page.click('#card button');
  await form.waitFor({ state: 'hidden' });
  const o = (await later.api(`/v1/orders/${order.id}`, { key: true })).json;
  assert.equal(o.shipments[0].paymentRequired, undefined);
  assert.equal((await ship(later, order.shipments[0].id)).status, 200);
  page.assertClean(['status of 402']); // the declined card's answer
});
