// SPEC 5.5 "Money moves exactly once": every provider call is an intent recorded before the
// call and settled after; payment.events on the order show the ledger; `sellahead check`
// verifies it. The test provider keeps its answers by idempotency key in its own table,
// test_payments (calls counts how often a key was asked), read here with the sqlite3 CLI
// or psql. SELLAHEAD_TEST_PAY_FAIL=after-call kills the server between a provider call and
// its outcome; SELLAHEAD_TEST_RETRY=place,ship makes placement and ship lose one race.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';

import { assertError, ISO_TIME, startServer } from './lib/server.mjs';
import {
  assertCheck, cancel, createSku, getOrder, parseEml, placeOrder, placeOrderRaw, putSettings,
  ship, sql, state, waitFor,
} from './lib/shop.mjs';

const events = (o) => o.payment.events.map((ev) => `${ev.kind} ${ev.amount} ${ev.status}`);

/** The test provider's record: "kind amount calls" per key, oldest key order irrelevant. */
async function providerCalls(srv) {
  const rows = await sql(srv, 'SELECT kind, amount, calls FROM test_payments ORDER BY kind, amount');
  return rows.map((r) => r.join(' '));
}

/** Waits for a server to exit by itself; resolves {code, signal}. */
function exited(srv) {
  const c = srv.child;
  if (c.exitCode !== null || c.signalCode !== null) {
    return Promise.resolve({ code: c.exitCode, signal: c.signalCode });
  }
  return new Promise((resolve) => c.once('exit', (code, signal) => resolve({ code, signal })));
}

describe('the ledger on the order', () => {
  let srv;
  before(async () => {
    srv = await startServer();
  });
  afterEach(async () => {
    await assertCheck(srv);
  });
  after(async () => {
    await srv?.stop();
  });

  test('authorize at placement, capture at ship, void at cancel: each an event', async () => {
    const sku = await createSku(srv, { price: 1500, onhand: 2, transit: [{ ref: 'POL1', quantity: 5, stockDate: '2026-12-15' }] });
    const order = await placeOrder(srv, [{ sku, quantity: 3 }]);
    assert.deepEqual(events(order), ['authorize 4500 SUCCEEDED']);
    assert.match(order.payment.events[0].at, ISO_TIME);
    const ready = order.shipments.find((s) => s.status === 'READY');
    assert.equal((await ship(srv, ready.id)).status, 200);
    assert.deepEqual(events(await getOrder(srv, order.id)),
      ['authorize 4500 SUCCEEDED', 'capture 3000 SUCCEEDED']);
    assert.equal((await cancel(srv, order.id)).status, 200);
    const o = await getOrder(srv, order.id);
    assert.deepEqual(events(o), ['authorize 4500 SUCCEEDED', 'capture 3000 SUCCEEDED', 'void 1500 SUCCEEDED']);
    assert.deepEqual([o.payment.authorized, o.payment.captured, o.payment.voided, o.payment.refunded],
      [4500, 3000, 1500, 0]);
  });

  test('captureOn=order: the capture follows the authorization; a cancel refunds', async () => {
    const sku = await createSku(srv, { price: 700, onhand: 5 });
    await putSettings(srv, { captureOn: 'order' });
    try {
      const order = await placeOrder(srv, [{ sku, quantity: 2 }]);
      assert.deepEqual(events(order), ['authorize 1400 SUCCEEDED', 'capture 1400 SUCCEEDED']);
      assert.equal(order.payment.captured, 1400);
      assert.equal((await cancel(srv, order.id)).status, 200);
      const o = await getOrder(srv, order.id);
      assert.deepEqual(events(o), ['authorize 1400 SUCCEEDED', 'capture 1400 SUCCEEDED', 'refund 1400 SUCCEEDED']);
      assert.equal(o.payment.refunded, 1400);
      // The cancellation email tells of the refund (settled after the email was queued).
      const mail = await waitFor(() => fs.existsSync(srv.mailDir) && fs.readdirSync(srv.mailDir)
        .map((f) => parseEml(fs.readFileSync(path.join(srv.mailDir, f))))
        .find((m) => m.subject.includes(`Order ${order.number} cancelled`)), { what: 'the cancellation email' });
      const text = mail.parts.find((x) => x.type === 'text/plain').text;
      assert.match(text, /Refunded: \$14\.00/);
    } finally {
      await putSettings(srv, { captureOn: 'shipment' });
    }
  });

  test('a declined card: 402, no order, no allocation; the provider was asked once', async () => {
    const sku = await createSku(srv, { price: 900, onhand: 5 });
    const before = await state(srv, [sku]);
    const r = await placeOrderRaw(srv, [{ sku, quantity: 1 }], { token: 'tok_declined' });
    assertError(r, 402, 'PAYMENT_DECLINED', /declined/);
    assert.deepEqual(await state(srv, [sku]), before);
    const rows = await sql(srv, "SELECT kind, status, amount FROM payment_intents WHERE amount = 900");
    assert.deepEqual(rows, [['authorize', 'FAILED', '900']]);
  });

  test('orders racing for the last unit: every authorization without an order is voided', async () => {
    // A loser that saw the unit when it planned was authorized before it lost: its
    // authorization must be voided; no order and no allocation of its own stay.
    const sku = await createSku(srv, { price: 1234, onhand: 1 });
    const rs = await Promise.all([1, 2, 3, 4].map(() => placeOrderRaw(srv, [{ sku, quantity: 1 }])));
    assert.equal(rs.filter((r) => r.status === 201).length, 1, rs.map((r) => r.text).join('\n'));
    for (const r of rs.filter((x) => x.status !== 201)) assertError(r, 409, 'INSUFFICIENT_INVENTORY');
    const rows = await sql(srv, "SELECT kind, status, count(*) FROM payment_intents WHERE amount = 1234 GROUP BY kind, status ORDER BY kind");
    const auths = rows.filter((x) => x[0] === 'authorize').reduce((n, x) => n + Number(x[2]), 0);
    const voids = rows.filter((x) => x[0] === 'void').reduce((n, x) => n + Number(x[2]), 0);
    // Losers that lost before their authorization (the unlocked plan saw no stock) never
    // called the provider; every one that did is voided.
    assert.equal(auths - voids, 1, JSON.stringify(rows));
    assert.ok(rows.every((x) => x[1] === 'SUCCEEDED'), JSON.stringify(rows));
  });

  test('check reports a ledger that does not add up', async () => {
    const sku = await createSku(srv, { price: 800, onhand: 5 });
    const order = await placeOrder(srv, [{ sku, quantity: 1 }]);
    await sql(srv, `UPDATE payment_intents SET amount = 900 WHERE order_id = '${order.id}'`);
    const r = await srv.cli(['check', '--db', srv.db]);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout + r.stderr, new RegExp(`authorized 800.*payment events add up to 900`));
    await sql(srv, `UPDATE payment_intents SET amount = 800 WHERE order_id = '${order.id}'`);
  });
});

describe('a forced retry moves no money twice', () => {
  let srv;
  before(async () => {
    srv = await startServer({ env: { SELLAHEAD_TEST_RETRY: 'place,ship' } });
  });
  after(async () => {
    await srv?.stop();
  });

  test('placement and ship each lose a race once: one authorization, one capture', async () => {
    const sku = await createSku(srv, { price: 2100, onhand: 3 });
    const order = await placeOrder(srv, [{ sku, quantity: 2 }]);
    assert.equal((await ship(srv, order.shipments[0].id)).status, 200);
    // Both transactions did run twice.
    assert.match(srv.stderr, /SELLAHEAD_TEST_RETRY: place runs again/);
    assert.match(srv.stderr, /SELLAHEAD_TEST_RETRY: ship runs again/);
    assert.deepEqual(await providerCalls(srv), ['authorize 4200 1', 'capture 4200 1']);
    const o = await getOrder(srv, order.id);
    assert.deepEqual(events(o), ['authorize 4200 SUCCEEDED', 'capture 4200 SUCCEEDED']);
    assert.equal(o.payment.captured, 4200);
    await assertCheck(srv);
  });
});

// The database belongs to `base`, which keeps running; `killer` shares it with the
// fault switch on and dies at its first provider call; `restarted` is a server started on
// it afterwards, whose start resolves what the killer left pending.
describe('a server killed between a provider call and its outcome', () => {
  let base;
  before(async () => {
    base = await startServer();
  });
  after(async () => {
    await base?.stop();
  });

  async function killedBy(fn) {
    const killer = await startServer({ db: base.db, env: { SELLAHEAD_TEST_PAY_FAIL: 'after-call' } });
    try {
      await assert.rejects(fn(killer));
      assert.equal((await exited(killer)).code, 3, killer.stderr);
    } finally {
      await assert.rejects(killer.stop(), /exit code 3/);
    }
  }

  test('during placement: after a restart the authorization is voided, no order stays', async () => {
    const sku = await createSku(base, { price: 3300, onhand: 4 });
    const before = await state(base, [sku]);
    await killedBy((killer) => placeOrderRaw(killer, [{ sku, quantity: 1 }]));
    assert.deepEqual(await sql(base, 'SELECT kind, status FROM payment_intents WHERE amount = 3300'),
      [['authorize', 'PENDING']]);

    const restarted = await startServer({ db: base.db });
    try {
      assert.deepEqual(await sql(base, 'SELECT kind, amount, calls FROM test_payments WHERE amount = 3300 ORDER BY kind'),
        [['authorize', '3300', '2'], ['void', '3300', '1']]);
      assert.deepEqual(await sql(base, 'SELECT kind, status FROM payment_intents WHERE amount = 3300 ORDER BY seq'),
        [['authorize', 'SUCCEEDED'], ['void', 'SUCCEEDED']]);
      assert.deepEqual(await state(restarted, [sku]), before);
      await assertCheck(restarted);
    } finally {
      await restarted.stop();
    }
  });

  test('during ship: after a restart the capture is recorded once', async () => {
    const sku = await createSku(base, { price: 4100, onhand: 4 });
    const order = await placeOrder(base, [{ sku, quantity: 2 }]);
    await killedBy((killer) => ship(killer, order.shipments[0].id));
    let o = await getOrder(base, order.id);
    assert.deepEqual(events(o), ['authorize 8200 SUCCEEDED', 'capture 8200 PENDING']);
    assert.equal(o.shipments[0].status, 'SHIPPED');
    assert.equal(o.payment.captured, 0);

    const restarted = await startServer({ db: base.db });
    try {
      o = await getOrder(restarted, order.id);
      assert.deepEqual(events(o), ['authorize 8200 SUCCEEDED', 'capture 8200 SUCCEEDED']);
      assert.equal(o.payment.captured, 8200);
      assert.deepEqual(await sql(base, 'SELECT kind, amount, calls FROM test_payments WHERE amount = 8200 ORDER BY kind'),
        [['authorize', '8200', '1'], ['capture', '8200', '2']]);
      await assertCheck(restarted);
    } finally {
      await restarted.stop();
    }
  });
});

// SPEC 5.5: an authorization holds authorizationValidDays days (default 7). The order is
// placed by `base` on 2026-11-27; `later` shares its database on 2026-12-05, 8 days on.
describe('authorizations expire: re-authorization at capture, a new card when declined', () => {
  let base;
  let later;
  before(async () => {
    base = await startServer();
    later = await startServer({ db: base.db, today: '2026-12-05' });
  });
  afterEach(async () => {
    await assertCheck(base);
  });
  after(async () => {
    await later?.stop();
    await base?.stop();
  });

  test('authorizationValidDays: 7 by default, 0..365', async () => {
    assert.equal((await base.api('/v1/settings', { key: true })).json.authorizationValidDays, 7);
    const r = await base.api('/v1/settings', { method: 'PUT', key: true, body: { authorizationValidDays: 366 } });
    assertError(r, 422, 'VALIDATION_FAILED', /authorizationValidDays/);
  });

  test('within the validity the capture uses the authorization as it is', async () => {
    const sku = await createSku(base, { price: 1100, onhand: 2 });
    const order = await placeOrder(base, [{ sku, quantity: 1 }]);
    assert.equal((await ship(base, order.shipments[0].id)).status, 200);
    assert.deepEqual(events(await getOrder(base, order.id)),
      ['authorize 1100 SUCCEEDED', 'capture 1100 SUCCEEDED']);
  });

  test('after it, the shipment is re-authorized first, then captured', async () => {
    const sku = await createSku(base, { price: 1200, onhand: 2 });
    const order = await placeOrder(base, [{ sku, quantity: 1 }]);
    assert.equal((await ship(later, order.shipments[0].id)).status, 200);
    const o = await getOrder(later, order.id);
    assert.deepEqual(events(o),
      ['authorize 1200 SUCCEEDED', 'reauthorize 1200 SUCCEEDED', 'capture 1200 SUCCEEDED']);
    assert.equal(o.payment.captured, 1200);
    assert.equal(o.shipments[0].status, 'SHIPPED');
  });

  test('tok_reauth_declined: 402, READY with paymentRequired, an email; a new card ships it', async () => {
    const sku = await createSku(base, { price: 1300, onhand: 2 });
    const order = await placeOrder(base, [{ sku, quantity: 1 }], { token: 'tok_reauth_declined' });
    const shp = order.shipments[0].id;
    const r = await ship(later, shp);
    assertError(r, 402, 'PAYMENT_DECLINED', /new card/);
    let o = await getOrder(later, order.id);
    assert.equal(o.shipments[0].status, 'READY');
    assert.equal(o.shipments[0].paymentRequired, true);
    assert.deepEqual(events(o), ['authorize 1300 SUCCEEDED', 'reauthorize 1300 FAILED']);
    const mail = (await later.api('/v1/outbox?limit=500', { key: true })).json.items
      .filter((m) => m.kind === 'payment_required' && m.subject.includes(String(order.number)));
    assert.equal(mail.length, 1, JSON.stringify(mail));

    const pay = (token, q = `?token=${order.accessToken}`) => later.api(
      `/v1/orders/${order.id}/payment${q}`, { body: { token } });
    assertError(await pay('tok_visa', ''), 401, 'UNAUTHORIZED');
    assertError(await pay('tok_declined'), 402, 'PAYMENT_DECLINED');
    const ok = await pay('tok_visa');
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.shipments[0].paymentRequired, undefined);
    assert.equal((await ship(later, shp)).status, 200);
    o = await getOrder(later, order.id);
    assert.deepEqual(events(o), ['authorize 1300 SUCCEEDED', 'reauthorize 1300 FAILED',
      'reauthorize 1300 FAILED', 'reauthorize 1300 SUCCEEDED', 'capture 1300 SUCCEEDED']);
    assert.equal(o.payment.captured, 1300);
    assertError(await pay('tok_visa'), 409, 'CONFLICT');
  });
});
