// SPEC 6: the mail worker delivers the outbox in batches (up to 32 emails claimed in one
// commit, their outcomes recorded in one). A burst of orders larger than a batch: every
// confirmation goes out exactly once, as a file or over SMTP, and is SENT after one attempt.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';

import {
  assertCheck, createSku, outbox, ownServer, parseEml, placeOrder, startSmtpSink, waitFor,
} from './lib/shop.mjs';

const BURST = 45; // more than one batch

/** Places BURST one-unit orders at once; resolves their ids. */
async function burst(srv) {
  const sku = await createSku(srv, { onhand: BURST, price: 700 });
  const orders = await Promise.all(Array.from({ length: BURST },
    (_, i) => placeOrder(srv, [{ sku, quantity: 1 }], { email: `burst${i}@example.com` })));
  return new Set(orders.map((o) => o.id));
}

/** Waits (≤ 20 s) until the confirmations of ids are all SENT; resolves them. */
function sentConfirmations(srv, ids) {
  return waitFor(async () => {
    const mine = (await outbox(srv)).filter((m) => ids.has(m.orderId) && m.kind === 'order_confirmation');
    return mine.length === ids.size && mine.every((m) => m.status === 'SENT') && mine;
  }, { what: `${ids.size} confirmations SENT`, interval: 100, timeout: 20000 });
}

test('files: a burst larger than a batch, one .eml per confirmation, each SENT after one attempt', async (t) => {
  const srv = await ownServer(t);
  const ids = await burst(srv);
  const sent = await sentConfirmations(srv, ids);
  assert.deepEqual(sent.map((m) => m.attempts), sent.map(() => 1));
  const files = new Set(fs.readdirSync(srv.mailDir));
  assert.deepEqual(sent.filter((m) => !files.has(`${m.id}.eml`)), [], 'a file for every email');
  assert.deepEqual(fs.readdirSync(srv.mailDir).filter((f) => f.startsWith('.')), [], 'no temporary file left');
  await assertCheck(srv);
});

test('SMTP: a burst larger than a batch, each confirmation received once, SENT after one attempt', async (t) => {
  const sink = await startSmtpSink();
  t.after(() => sink.stop());
  const srv = await ownServer(t, { env: { SELLAHEAD_SMTP_URL: sink.url } });
  const ids = await burst(srv);
  const sent = await sentConfirmations(srv, ids);
  assert.deepEqual(sent.map((m) => m.attempts), sent.map(() => 1));
  // SENT is recorded once the sink accepted the message: all are there by now.
  const to = sink.messages().map((x) => /burst\d+@example\.com/.exec(parseEml(x.eml).headers.to ?? '')?.[0])
    .filter(Boolean).sort();
  assert.deepEqual(to, Array.from({ length: BURST }, (_, i) => `burst${i}@example.com`).sort(),
    'every shopper once');
  await assertCheck(srv);
});
