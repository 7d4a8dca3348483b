// SPEC 6 and 5.6: emails are queued with the event (an outbox) and delivered by a background
// worker: as .eml files in the mail directory by default, over SMTP when SELLAHEAD_SMTP_URL is
// set; failures are retried and never lost. Also the console-user and check CLI (SPEC 4).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';

import { run, startServer } from './lib/server.mjs';
import {
  assertCheck, closedPort, createSku, htmlText, moneyPattern, outbox, outboxSettled, ownServer,
  parseEml, placeOrder, putSettings, ship, startSmtpSink, uniqueSku, waitFor,
} from './lib/shop.mjs';

const PO_DEC15 = 'Backorder: expected delivery Dec 17–Dec 20';
const BACKORDER = 'Backorder: expected delivery Dec 11–Dec 25';
const IN_STOCK = 'In stock. Delivery Nov 28–Nov 30';

const uniqueEmail = (tag) => `${tag}-${uniqueSku('M').toLowerCase()}@example.com`;

/** The .eml files in dir, parsed, with their file names. */
function emlFiles(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith('.eml'))
    .map((f) => ({ file: f, ...parseEml(fs.readFileSync(path.join(dir, f))) }));
}

const textPart = (m) => m.parts.find((p) => p.type === 'text/plain')?.text;
const htmlPart = (m) => m.parts.find((p) => p.type === 'text/html')?.text;

/** Waits (≤ 10 s) for the outbox entry of kind for orderId to reach one of statuses. */
function waitOutbox(srv, orderId, kind, pred = (m) => m.status === 'SENT', opts = {}) {
  return waitFor(async () => (await outbox(srv)).find((m) => m.orderId === orderId && m.kind === kind && pred(m)),
    { what: `${kind} email of ${orderId} in the outbox`, interval: 100, ...opts });
}

function assertBothParts(m) {
  assert.ok(textPart(m), `a text/plain part: ${m.parts.map((p) => p.type)}`);
  assert.ok(htmlPart(m), `a text/html part: ${m.parts.map((p) => p.type)}`);
  assert.match(m.headers['content-type'], /^multipart\/alternative/i);
  assert.match(m.headers['mime-version'] ?? '', /1\.0/);
  assert.ok(m.headers.date, 'a Date header');
  assert.ok(m.headers.from, 'a From header');
}

function assertConfirmation(m, order, { email, chargedNow, chargedLater }) {
  assertBothParts(m);
  assert.match(m.headers.to, new RegExp(email.replace(/[.+]/g, '\\$&')));
  assert.match(m.subject, new RegExp(`\\b${order.number}\\b`), `subject names the order: ${m.subject}`);
  for (const [kind, body] of [['text', textPart(m)], ['html', htmlText(htmlPart(m))]]) {
    const where = `${kind} part:\n${body}`;
    assert.match(body, new RegExp(`\\b${order.number}\\b`), `order number; ${where}`);
    for (const l of order.lines) {
      assert.ok(body.includes(l.sku), `line ${l.sku}; ${where}`);
      assert.ok(body.includes(l.name), `line name ${l.name}; ${where}`);
    }
    const waiting = order.shipments.filter((s) => s.status === 'AWAITING_STOCK');
    const onBackorder = body.match(/On backorder/g) ?? [];
    assert.equal(onBackorder.length, waiting.length, `"On backorder" per backordered shipment; ${where}`);
    for (const s of waiting) assert.ok(body.includes(s.expectedDelivery.message), `${s.expectedDelivery.message}; ${where}`);
    for (const s of order.shipments.filter((x) => x.status === 'READY')) {
      assert.match(body, /ships now/i, where);
      assert.ok(body.includes(s.expectedDelivery.message), `${s.expectedDelivery.message}; ${where}`);
    }
    // Money words true under captureOn=shipment: nothing is "charged now" that is only held.
    assert.doesNotMatch(body, /charged now|charged later/i, where);
    const now = new RegExp(`charged when in-stock items ship[^\\n]{0,40}?${moneyPattern(chargedNow).source}`, 'i');
    if (chargedNow > 0) assert.match(body, now, `charged when in-stock items ship ${chargedNow}; ${where}`);
    else assert.doesNotMatch(body, /in-stock items ship/i, where);
    for (const s of order.shipments) {
      assert.match(body, new RegExp(`charged when it ships[^\\n]{0,40}?${moneyPattern(s.amount).source}`, 'i'), where);
    }
    if (chargedLater > 0) {
      const later = new RegExp(`charged when backordered items ship[^\\n]{0,40}?${moneyPattern(chargedLater).source}`, 'i');
      assert.match(body, later, `charged when backordered items ship ${chargedLater}; ${where}`);
      // What each backordered shipment will cost when it ships.
      for (const s of waiting) assert.match(body, moneyPattern(s.amount), `${s.amount}; ${where}`);
    }
  }
}

describe('file mode (--mail-dir)', () => {
  let srv;
  let maildir;
  before(async () => {
    srv = await startServer({ demo: true });
    maildir = path.join(srv.dir, 'mail');
  });
  afterEach(async () => {
    await assertCheck(srv);
  });
  after(async () => {
    await srv?.stop();
  });

  // One story on a server of its own (demo TSHIRT1 and HOODIE2 as the demo leaves them): its
  // steps build on each other, so they are subtests of one test, run in order.
  test('a mixed order: confirmed, shipped, both emails SENT', async (t) => {
    const srv = await ownServer(t, { demo: true });
    const maildir = srv.mailDir;
    t.afterEach(() => assertCheck(srv));
    let order;
    let email;
    await t.test('a mixed order: an order_confirmation .eml appears with both parts and the whole story', async () => {
      email = uniqueEmail('mixed');
      order = await placeOrder(srv, [{ sku: 'TSHIRT1', quantity: 30 }, { sku: 'HOODIE2', quantity: 2 }], { email });
      assert.deepEqual(order.shipments.map((s) => s.status), ['READY', 'AWAITING_STOCK', 'AWAITING_STOCK']);
      const m = await waitFor(() => emlFiles(maildir).find((x) => x.headers.to?.includes(email)),
        { what: 'the confirmation .eml', interval: 100 });
      assertConfirmation(m, order, { email, chargedNow: 62500, chargedLater: 25500 });
      assert.ok(textPart(m).includes(PO_DEC15));
      assert.ok(textPart(m).includes(BACKORDER));
      assert.ok(textPart(m).includes(IN_STOCK));
      // Exactly one: counted once the worker has delivered everything queued, so a duplicate
      // queued with it would show too.
      const settled = await outboxSettled(srv);
      assert.equal(settled.filter((x) => x.orderId === order.id).length, 1, 'one email queued');
      assert.equal(emlFiles(maildir).filter((x) => x.headers.to?.includes(email)).length, 1, 'exactly one message');
    });

    await t.test('after shipping: a shipment_shipped email with the tracking number and the charge', async () => {
      const r = await ship(srv, order.shipments[0].id, 'TRACK-9F3K-27');
      assert.equal(r.status, 200, r.text);
      const m = await waitFor(() => emlFiles(maildir).find((x) => x.headers.to?.includes(email) && textPart(x)?.includes('TRACK-9F3K-27')),
        { what: 'the shipped .eml', interval: 100 });
      assertBothParts(m);
      assert.match(m.subject, new RegExp(`\\b${order.number}\\b`));
      for (const body of [textPart(m), htmlText(htmlPart(m))]) {
        assert.ok(body.includes('TRACK-9F3K-27'), body);
        assert.ok(body.includes('TSHIRT1'), body);
        assert.match(body, /\b25\b/, 'the quantity shipped');
        assert.match(body, moneyPattern(62500), 'the amount charged');
      }
    });

    await t.test('GET /v1/outbox (key) lists both emails SENT', async () => {
      assert.equal((await srv.api('/v1/outbox')).status, 401, 'needs a key');
      const conf = await waitOutbox(srv, order.id, 'order_confirmation');
      const shipped = await waitOutbox(srv, order.id, 'shipment_shipped');
      for (const m of [conf, shipped]) {
        assert.equal(m.status, 'SENT');
        assert.equal(m.to, email);
        assert.equal(m.attempts, 1, 'delivered at the first attempt');
        assert.equal(m.lastError, null);
        assert.equal(typeof m.id, 'string');
        assert.match(m.subject, new RegExp(`\\b${order.number}\\b`));
      }
    });
  });

  test('an all-in-stock order: ships now, nothing on backorder, all charged as it ships', async () => {
    const sku = await createSku(srv, { onhand: 10, price: 1234, name: 'Brass <key> & ring' });
    const to = uniqueEmail('instock');
    const o = await placeOrder(srv, [{ sku, quantity: 2 }], { email: to });
    const m = await waitFor(() => emlFiles(maildir).find((x) => x.headers.to?.includes(to)),
      { what: 'the confirmation .eml', interval: 100 });
    assertConfirmation(m, o, { email: to, chargedNow: 2468, chargedLater: 0 });
    assert.doesNotMatch(textPart(m), /On backorder/);
    assert.ok(htmlPart(m).includes('Brass &lt;key&gt; &amp; ring'), 'values are escaped in HTML');
    assert.ok(!htmlPart(m).includes('<key>'));
  });

  test('the static backorder message appears for a backorder shipment', async (t) => {
    const own = await ownServer(t, { demo: true }); // its settings change
    await putSettings(own, { backorderMessage: 'Made to order: ships in about four weeks' });
    const to = uniqueEmail('static');
    const o = await placeOrder(own, [{ sku: 'HOODIE2', quantity: 1 }], { email: to });
    assert.equal(o.shipments[0].expectedDelivery.message, 'Made to order: ships in about four weeks');
    const m = await waitFor(() => emlFiles(own.mailDir).find((x) => x.headers.to?.includes(to)),
      { what: 'the confirmation .eml', interval: 100 });
    assertConfirmation(m, o, { email: to, chargedNow: 0, chargedLater: 6500 });
  });

  test('captureOn=order: the confirmation says all was charged at order', async (t) => {
    const own = await ownServer(t, { demo: true }); // its settings change
    const to = uniqueEmail('capture');
    await putSettings(own, { captureOn: 'order' });
    const o = await placeOrder(own, [{ sku: 'MUG3', quantity: 1 }, { sku: 'HOODIE2', quantity: 1 }], { email: to });
    assert.equal(o.payment.captured, 1800 + 6500);
    const m = await waitFor(() => emlFiles(own.mailDir).find((x) => x.headers.to?.includes(to)),
      { what: 'the confirmation .eml', interval: 100 });
    assertBothParts(m);
    for (const body of [textPart(m), htmlText(htmlPart(m))]) {
      assert.match(body, new RegExp(`charged at order[^\\n]{0,40}?${moneyPattern(8300).source}`, 'i'), body);
      assert.doesNotMatch(body, /charged when it ships|items ship:|charged now/i, body);
    }
  });
});

describe('SMTP mode (SELLAHEAD_SMTP_URL)', () => {
  let sink;
  let srv;
  before(async () => {
    sink = await startSmtpSink();
    srv = await startServer({ demo: true, env: { SELLAHEAD_SMTP_URL: sink.url } });
  });
  afterEach(async () => {
    await assertCheck(srv);
  });
  after(async () => {
    await srv?.stop();
    await sink?.stop();
  });

  test('an order: the sink receives the confirmation; the outbox says SENT', async () => {
    const email = uniqueEmail('smtp');
    const order = await placeOrder(srv, [{ sku: 'TSHIRT1', quantity: 27 }, { sku: 'HOODIE2', quantity: 1 }], { email });
    const got = await waitFor(() => sink.messages().find((x) => parseEml(x.eml).headers.to?.includes(email)),
      { what: 'the message at the SMTP sink', interval: 100 });
    assert.deepEqual(got.envelope?.rcpt_tos, [email], 'delivered to the shopper');
    const m = parseEml(got.eml);
    assertConfirmation(m, order, { email, chargedNow: 25 * 2500, chargedLater: 2 * 2500 + 6500 });
    const entry = await waitOutbox(srv, order.id, 'order_confirmation');
    assert.equal(entry.attempts, 1);
    assert.equal(entry.lastError, null);
    assert.equal(emlFiles(path.join(srv.dir, 'mail')).length, 0, 'no files when SMTP is set');
  });

  test('shipping: the sink receives the shipped email with the tracking number', async () => {
    const email = uniqueEmail('smtpship');
    const sku = await createSku(srv, { onhand: 3, price: 500 });
    const order = await placeOrder(srv, [{ sku, quantity: 3 }], { email });
    assert.equal((await ship(srv, order.shipments[0].id, 'SMTP-TRK-1')).status, 200);
    const got = await waitFor(() => sink.messages().map((x) => parseEml(x.eml))
      .find((x) => x.headers.to?.includes(email) && textPart(x)?.includes('SMTP-TRK-1')),
    { what: 'the shipped message at the SMTP sink', interval: 100 });
    assertBothParts(got);
    await waitOutbox(srv, order.id, 'shipment_shipped');
  });
});

describe('SMTP failing (smtp_sink --fail)', () => {
  let sink;
  let srv;
  before(async () => {
    sink = await startSmtpSink({ fail: true });
    srv = await startServer({ demo: true, env: { SELLAHEAD_SMTP_URL: sink.url } });
  });
  afterEach(async () => {
    await assertCheck(srv);
  });
  after(async () => {
    await srv?.stop();
    await sink?.stop();
  });

  test('the email stays in the outbox, PENDING with attempts and lastError, and is retried', async () => {
    const email = uniqueEmail('fail');
    const order = await placeOrder(srv, [{ sku: 'MUG3', quantity: 1 }], { email });
    const m = await waitOutbox(srv, order.id, 'order_confirmation', (x) => x.attempts >= 1);
    // One failed attempt of the 8 allowed (src/core/outbox.h): waiting for the next one.
    assert.equal(m.status, 'PENDING', JSON.stringify(m));
    assert.equal(m.attempts, 1, JSON.stringify(m));
    assert.match(m.lastError, /550/, 'the server\'s refusal');
    assert.equal(m.to, email);
    // Never lost: the worker tries again (after a 5 s back-off), and it is still PENDING then.
    const again = await waitOutbox(srv, order.id, 'order_confirmation', (x) => x.attempts >= 2,
      { timeout: 30000 });
    assert.equal(again.id, m.id);
    assert.equal(again.status, 'PENDING', JSON.stringify(again));
    assert.match(again.lastError, /550/);
    assert.equal(sink.messages().length, 0, 'nothing was accepted');
  });
});

describe('SMTP unreachable', () => {
  let held;
  let srv;
  before(async () => {
    held = await closedPort(); // bound, never listening: connections are refused
    srv = await startServer({ demo: true, env: { SELLAHEAD_SMTP_URL: held.url } });
  });
  afterEach(async () => {
    await assertCheck(srv);
  });
  after(async () => {
    await srv?.stop();
    await held?.close();
  });

  test('the order is placed anyway; the email waits PENDING with lastError', async () => {
    const order = await placeOrder(srv, [{ sku: 'MUG3', quantity: 1 }], { email: uniqueEmail('down') });
    const m = await waitOutbox(srv, order.id, 'order_confirmation', (x) => x.attempts >= 1);
    assert.equal(m.status, 'PENDING', JSON.stringify(m));
    assert.equal(m.attempts, 1, JSON.stringify(m));
    assert.match(m.lastError, /connect/i, JSON.stringify(m));
  });
});

describe('CLI: user add, check --help', () => {
  let srv;
  before(async () => {
    srv = await startServer({ demo: false });
  });
  afterEach(async () => {
    await assertCheck(srv);
  });
  after(async () => {
    await srv?.stop();
  });

  test('user add NAME with a password on stdin: exit 0', async () => {
    const r = await srv.cli(['user', 'add', 'alice', '--db', srv.db], { input: 'correct horse battery\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, /correct horse battery/, 'the password is never echoed');
  });

  test('a short password: exit 1', async () => {
    const r = await srv.cli(['user', 'add', 'bob', '--db', srv.db], { input: 'short\n' });
    assert.equal(r.code, 1, r.stderr);
    assert.ok(r.stderr.length > 0, 'says why');
    // bob was not created: adding him properly now works.
    const ok = await srv.cli(['user', 'add', 'bob', '--db', srv.db], { input: 'long enough password\n' });
    assert.equal(ok.code, 0, ok.stderr);
  });

  test('no password at all: exit 1', async () => {
    const r = await srv.cli(['user', 'add', 'carol', '--db', srv.db], { input: '' });
    assert.equal(r.code, 1, r.stderr);
  });

  test('a duplicate user: exit 1', async () => {
    const r = await srv.cli(['user', 'add', 'alice', '--db', srv.db], { input: 'another password 123\n' });
    assert.equal(r.code, 1, r.stderr);
    assert.ok(r.stderr.length > 0);
  });

  test('check --help: exit 0 with usage; check on a good database: exit 0, "ok"', async () => {
    const h = await run(['check', '--help']);
    assert.equal(h.code, 0, h.stderr);
    assert.match(h.stdout, /^usage: sellahead check/);
    const c = await srv.cli(['check', '--db', srv.db]);
    assert.equal(c.code, 0, c.stdout + c.stderr);
    assert.match(c.stdout, /ok/);
  });
});
