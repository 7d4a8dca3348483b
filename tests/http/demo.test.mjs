// SPEC 4: `sellahead demo` refuses (exit 1, nothing changed) a database that already holds
// orders or inventory, unless --force.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { startServer } from './lib/server.mjs';
import { assertCheck, placeOrder, state, waitFor } from './lib/shop.mjs';

/** The CLI is another process: its commit reaches the server's answers within one second
 * (SPEC 8). */
function stockWithin(srv, sku, quantity) {
  return waitFor(async () => (await srv.item(sku)).availableStockQuantity === quantity,
    { timeout: 1000, interval: 20, what: `${sku} at ${quantity} on the server` });
}

async function withServer(opts, fn) {
  const srv = await startServer(opts);
  try {
    await fn(srv);
  } finally {
    await srv.stop();
  }
}

test('demo twice: the second exits 1 and changes nothing', () => withServer({ demo: true }, async (srv) => {
  const before = await state(srv, ['MUG3']);
  const r = await srv.cli(['demo', '--db', srv.db]);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, 'sellahead: the database already holds inventory; the demo would ' +
    'overwrite its stock levels. Nothing was changed (--force loads it anyway)\n');
  assert.deepEqual(await state(srv, ['MUG3']), before);
}));

test('demo after an order: refused, stock and orders untouched, check ok', () => withServer({ demo: true }, async (srv) => {
  await placeOrder(srv, [{ sku: 'MUG3', quantity: 2 }]);
  // The order took 2 of MUG3's 40; a demo would set the quantity back over the allocation.
  const bulk = await srv.bulk([{ sku: 'MUG3', locationId: 'WH1', stockType: 'onhand', quantity: 2,
    reservedQuantity: 0 }]);
  assert.equal(bulk.status, 201, bulk.text);
  const before = await state(srv, ['MUG3']);
  const r = await srv.cli(['demo', '--db', srv.db]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /already holds orders and inventory/);
  assert.deepEqual(await state(srv, ['MUG3']), before);
  assert.equal((await srv.item('MUG3')).availableStockQuantity, 0);
  await assertCheck(srv);
}));

test('demo --force reloads the demo stock levels', () => withServer({ demo: true }, async (srv) => {
  const bulk = await srv.bulk([{ sku: 'MUG3', locationId: 'WH1', stockType: 'onhand', quantity: 7,
    reservedQuantity: 0 }]);
  assert.equal(bulk.status, 201, bulk.text);
  assert.equal((await srv.item('MUG3')).availableStockQuantity, 7);
  const r = await srv.cli(['demo', '--force', '--db', srv.db]);
  assert.equal(r.code, 0, r.stderr);
  await stockWithin(srv, 'MUG3', 40);
}));

test('a database with only a location and no inventory takes the demo', () => withServer({ demo: false }, async (srv) => {
  const loc = await srv.cli(['location', 'add', 'WH1', 'Main warehouse', '--db', srv.db]);
  assert.equal(loc.code, 0, loc.stderr);
  const r = await srv.cli(['demo', '--db', srv.db]);
  assert.equal(r.code, 0, r.stderr);
  await stockWithin(srv, 'MUG3', 40);
}));
