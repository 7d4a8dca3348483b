#!/usr/bin/env node
// Crash trials: a server under a mixed write load (orders, bulk imports, receipts) is killed
// with SIGKILL at a random moment, started again on the same database, and then
//  - `sellahead check` must pass (allocations, no negative quantity, payments, emails),
//  - every acknowledged order must be there with its lines, every acknowledged import's
//    SKUs with their quantities, and every import (acknowledged or not) all or nothing.
//
//   node scripts/crash-trials.mjs [--trials N] [--seed S]
// SELLAHEAD_BIN names the binary (default build/sellahead); SELLAHEAD_TEST_PG_URL runs it on a
// fresh database of that PostgreSQL cluster instead of a SQLite file. Exit code 1 on a loss.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
process.env.SELLAHEAD_BIN ||= path.join(here, '..', 'build', 'sellahead');
const { BIN, TODAY, PG_URL, run, request, createPgDatabase, dropPgDatabase } =
  await import('../tests/http/lib/server.mjs');

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const TRIALS = opt('trials', 5);
let seed = opt('seed', Date.now() % 100000);
const SEED = seed;
const rnd = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sellahead-crash-'));
const db = PG_URL ? await createPgDatabase() : path.join(dir, 'sellahead.db');
const env = { ...process.env, SELLAHEAD_TODAY: TODAY, SELLAHEAD_DB: db };
delete env.SELLAHEAD_SMTP_URL;
const cli = (a) => run([...a, '--db', db], { env: { SELLAHEAD_DB: db }, cwd: dir });

function startServer() {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, ['serve', '--db', db, '--port', '0', '--mail-dir',
      path.join(dir, 'mail')], { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d) => {
      err += d;
      const m = /listening on (http:\/\/\S+) \(/.exec(err);
      if (m) resolve({ child, url: m[1] });
    });
    child.on('exit', (code) => reject(new Error(`server exited (${code}):\n${err}`)));
  });
}

const ORDER_SKUS = ['MUG3', 'TSHIRT1', 'HOODIE2', 'CAP4'];
const ADDRESS = { name: 'A', line1: '1 Road', city: 'Town', postalCode: '12345', country: 'US' };
const acked = { orders: [], imports: [] };
const attempted = []; // every import's SKUs and quantity, acknowledged or not
let key;
let importSeq = 0;

async function oneWrite(url) {
  const r = rnd();
  if (r < 0.6) {
    const sku = ORDER_SKUS[Math.floor(rnd() * ORDER_SKUS.length)];
    const quantity = 1 + Math.floor(rnd() * 3);
    const res = await request(`${url}/v1/orders`, { body: {
      items: [{ sku, quantity }], email: 'crash@example.com', shippingAddress: ADDRESS,
      payment: { token: 'tok_visa' } } });
    if (res.status === 201) acked.orders.push({ id: res.json.id, sku, quantity });
  } else if (r < 0.85) {
    importSeq += 1;
    const skus = [0, 1, 2].map((i) => `CR${SEED}T${importSeq}N${i}`);
    const quantity = 1 + Math.floor(rnd() * 100);
    const rec = { skus, quantity };
    attempted.push(rec);
    const res = await request(`${url}/v1/inventory/bulk`, { key, body: skus.map((sku) => (
      { sku, locationId: 'WH1', type: 'Stock', totalQuantity: quantity })) });
    if (res.status === 201) acked.imports.push(rec);
  } else {
    await request(`${url}/v1/inventory/receipts`, { key,
      body: { sku: 'TSHIRT1', locationId: 'WH1', transitRef: 'PO1001', quantity: 1 } });
  }
}

async function load(url, until) {
  const workers = Array.from({ length: 4 }, async () => {
    while (Date.now() < until) {
      try {
        await oneWrite(url);
      } catch {
        return; // the server died under this request: its answer never came
      }
    }
  });
  await Promise.all(workers);
}

async function verify(url) {
  const check = await cli(['check']);
  assert.equal(check.code, 0, `check failed:\n${check.stdout}${check.stderr}`);
  for (const o of acked.orders) {
    const res = await request(`${url}/v1/orders/${o.id}`, { key });
    assert.equal(res.status, 200, `acknowledged order ${o.id} lost: ${res.text}`);
    assert.deepEqual(res.json.lines.map((l) => [l.sku, l.quantity]), [[o.sku, o.quantity]]);
  }
  const ackSet = new Set(acked.imports);
  for (const rec of attempted) {
    const found = [];
    for (const sku of rec.skus) {
      const res = await request(`${url}/v1/inventory/${sku}`);
      const onhand = res.status === 200
        ? res.json.positions.find((p) => p.stockType === 'onhand') : undefined;
      found.push(onhand ? onhand.quantity : null);
    }
    const all = found.every((q) => q === rec.quantity);
    const none = found.every((q) => q === null);
    assert.ok(all || none, `import ${rec.skus[0]}... applied in part: ${found}`);
    if (ackSet.has(rec)) assert.ok(all, `acknowledged import ${rec.skus[0]}... lost`);
  }
}

let failed = false;
try {
  const demo = await cli(['demo']);
  assert.equal(demo.code, 0, demo.stderr);
  key = (await cli(['apikey', 'create', 'crash'])).stdout.trim();
  for (let t = 1; t <= TRIALS; t++) {
    const srv = await startServer();
    if (t === 1) { // enough stock that orders keep being placed in every trial
      const stock = await request(`${srv.url}/v1/inventory/bulk`, { key, body: ORDER_SKUS.map(
        (sku) => ({ sku, locationId: 'WH1', type: 'Stock', totalQuantity: 1000000 })) });
      assert.equal(stock.status, 201, stock.text);
    }
    const killAt = 200 + Math.floor(rnd() * 1300);
    const loading = load(srv.url, Date.now() + 60000);
    await new Promise((r) => setTimeout(r, killAt));
    srv.child.kill('SIGKILL');
    await loading;
    const again = await startServer();
    try {
      await verify(again.url);
    } finally {
      again.child.kill('SIGTERM');
      await new Promise((r) => again.child.on('exit', r));
    }
    console.log(`trial ${t}/${TRIALS}: killed after ${killAt} ms; ${acked.orders.length} ` +
      `orders and ${acked.imports.length}/${attempted.length} imports acknowledged so far, ` +
      'all there, check passes');
  }
} catch (e) {
  failed = true;
  console.error(`crash trials (seed ${SEED}): ${e.message}`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
  if (PG_URL) await dropPgDatabase(db);
}
process.exit(failed ? 1 : 0);
