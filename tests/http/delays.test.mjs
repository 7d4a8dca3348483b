// SPEC 5.8: a shipment whose range moves past what the shopper accepted is delayed: told by
// email, asked for consent when the delay is long, undated or a second one, and the promise
// sweep turns silence into consent or cancels. Business date 2026-11-27 unless a step says.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { spawn } from 'node:child_process';
import path from 'node:path';

import { PGBIN, PG_ONLY, startServer } from './lib/server.mjs';
import { assertCheck, createSku, getOrder, outbox, ownServer, placeOrder, sql, waitFor } from './lib/shop.mjs';

let srv;
before(async () => {
  srv = await startServer({ demo: true });
});
after(async () => {
  await srv?.stop();
});

const PO = (ref, stockDate, quantity) => ({ ref, stockDate, quantity });

async function slip(sku, ref, stockDate, quantity = 10) {
  const r = await srv.bulk([{ sku, locationId: 'WH1', stockType: 'intransit', transitRef: ref,
    quantity, transitOrderDate: '2026-11-20', transitStockDate: stockDate }]);
  assert.equal(r.status, 201, r.text);
}

function consent(shipmentId, value, { token, key } = {}) {
  const q = token ? `?token=${encodeURIComponent(token)}` : '';
  return srv.api(`/v1/shipments/${encodeURIComponent(shipmentId)}/delay-consent${q}`,
    { body: { consent: value }, key: key ? true : undefined });
}

async function sweep(today) {
  const r = await srv.cli(['sweep'], { env: { SELLAHEAD_TODAY: today } });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

async function delayedMails(orderId) {
  return (await outbox(srv)).filter((m) => m.kind === 'shipment_delayed' && m.orderId === orderId);
}

// An order of 2 units on a PO dated Dec 7 (promised Dec 9–12).
async function orderOnPo() {
  const sku = await createSku(srv, { transit: [PO('PD1', '2026-12-07', 10)] });
  const o = await placeOrder(srv, [{ sku, quantity: 2 }]);
  assert.deepEqual(o.shipments[0].promisedDelivery,
    { from: '2026-12-09', to: '2026-12-12', message: o.shipments[0].promisedDelivery.message });
  assert.equal(o.shipments[0].delay, null);
  assert.equal(o.shipments[0].overdue, false);
  return { sku, o, sh: o.shipments[0] };
}

describe('delays', () => {
  test('a long slip asks for consent; ACCEPT takes the new range, a second slip asks again', async () => {
    const { sku, o, sh } = await orderOnPo();
    await slip(sku, 'PD1', '2027-02-01');
    let s = (await getOrder(srv, o.id)).shipments[0];
    assert.deepEqual(s.delay, {
      detectedAt: '2026-11-27', previous: { from: '2026-12-09', to: '2026-12-12' },
      expected: { from: '2027-02-03', to: '2027-02-06' }, consent: 'PENDING',
      respondBy: '2026-12-04', consentRequired: true,
    });
    assert.equal((await delayedMails(o.id)).length, 1);

    const ok = await consent(sh.id, 'ACCEPT', { token: o.accessToken });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.shipments[0].delay.consent, 'ACCEPTED');
    const again = await consent(sh.id, 'ACCEPT', { token: o.accessToken });
    assert.equal(again.status, 409, again.text);

    // Within the accepted range: nothing. Later again: asked again, consent required.
    await slip(sku, 'PD1', '2027-02-01', 12);
    assert.equal((await delayedMails(o.id)).length, 1);
    await slip(sku, 'PD1', '2027-02-10');
    s = (await getOrder(srv, o.id)).shipments[0];
    assert.equal(s.delay.consent, 'PENDING');
    assert.equal(s.delay.consentRequired, true, 'a second delay needs an answer');
    assert.deepEqual(s.delay.previous, { from: '2027-02-03', to: '2027-02-06' });
    assert.equal((await delayedMails(o.id)).length, 2);
    await assertCheck(srv);
  });

  test('DECLINE cancels the shipment, with a shipment_cancelled email', async () => {
    const { sku, o, sh } = await orderOnPo();
    await slip(sku, 'PD1', '2027-02-01');
    const r = await consent(sh.id, 'DECLINE', { token: o.accessToken });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.shipments[0].status, 'CANCELLED');
    assert.equal(r.json.shipments[0].delay.consent, 'DECLINED');
    assert.equal(r.json.status, 'CANCELLED');
    assert.equal((await outbox(srv)).filter((m) => m.orderId === o.id &&
      m.kind === 'shipment_cancelled').length, 1);
    assert.equal((await consent(sh.id, 'DECLINE', { key: true })).status, 409);
    await assertCheck(srv);
  });

  test('a short slip: silence is consent once respondBy has passed; a second sweep changes nothing', async () => {
    const { sku, o, sh } = await orderOnPo();
    await slip(sku, 'PD1', '2026-12-20');
    let s = (await getOrder(srv, o.id)).shipments[0];
    assert.equal(s.delay.consentRequired, false);
    assert.equal(s.delay.respondBy, '2026-12-04');
    let r = await sweep('2026-12-04');
    assert.equal(r.shipments.some((x) => x.id === sh.id), false, 'answers count through respondBy');
    r = await sweep('2026-12-05');
    assert.deepEqual(r.shipments.filter((x) => x.id === sh.id),
      [{ id: sh.id, orderId: o.id, action: 'IMPLIED' }]);
    s = (await getOrder(srv, o.id)).shipments[0];
    assert.equal(s.delay.consent, 'IMPLIED');
    const before = JSON.stringify(await getOrder(srv, o.id));
    r = await sweep('2026-12-05');
    assert.equal(r.shipments.length, 0);
    assert.equal(JSON.stringify(await getOrder(srv, o.id)), before);
    await assertCheck(srv);
  });

  test('silence where consent is required: the sweep cancels after respondBy', async () => {
    const { sku, o, sh } = await orderOnPo();
    await slip(sku, 'PD1', '2027-02-01');
    const r = await sweep('2026-12-05');
    assert.deepEqual(r.shipments.filter((x) => x.orderId === o.id),
      [{ id: sh.id, orderId: o.id, action: 'CANCELLED' }]);
    const s = (await getOrder(srv, o.id)).shipments[0];
    assert.equal(s.status, 'CANCELLED');
    assert.equal(s.delay.consent, 'DECLINED');
    await assertCheck(srv);
  });

  test('a PENDING delay brought back within range is withdrawn, with no email', async () => {
    const { sku, o } = await orderOnPo();
    await slip(sku, 'PD1', '2027-02-01');
    await slip(sku, 'PD1', '2026-12-06');
    const s = (await getOrder(srv, o.id)).shipments[0];
    assert.equal(s.delay, null);
    assert.deepEqual([s.expectedDelivery.from, s.expectedDelivery.to], ['2026-12-08', '2026-12-11']);
    assert.equal((await delayedMails(o.id)).length, 1);
  });

  test('overdue: the sweep flags it once, undated and asking for consent', async () => {
    const { o, sh } = await orderOnPo();
    let r = await sweep('2026-12-08');
    assert.deepEqual(r.shipments.filter((x) => x.orderId === o.id),
      [{ id: sh.id, orderId: o.id, action: 'OVERDUE' }]);
    let s = (await getOrder(srv, o.id)).shipments[0];
    assert.equal(s.overdue, true);
    assert.equal(s.delay.consent, 'PENDING');
    assert.equal(s.delay.consentRequired, true);
    assert.deepEqual(s.delay.expected, { from: null, to: null });
    assert.equal(s.delay.respondBy, '2026-12-15');
    r = await sweep('2026-12-09');
    assert.equal(r.shipments.filter((x) => x.orderId === o.id).length, 0, 'not again the next day');
    assert.equal((await delayedMails(o.id)).length, 1);
  });

  test('the Delays filter lists orders with a delayed open shipment', async () => {
    const { sku, o } = await orderOnPo();
    const other = await placeOrder(srv, [{ sku, quantity: 1 }]);
    await slip(sku, 'PD1', '2027-03-01');
    const r = await srv.api('/v1/orders?delayed=true&limit=200', { key: true });
    assert.equal(r.status, 200, r.text);
    const ids = r.json.items.map((x) => x.id);
    assert.ok(ids.includes(o.id) && ids.includes(other.id));
    assert.ok(r.json.items.every((x) => x.shipments.some((s) => s.delay)));
    assert.equal((await srv.api('/v1/orders?delayed=maybe', { key: true })).status, 422);
  });

  // Its own server: the other tests sweep on later dates than this server's business date.
  test('check reports a PENDING delay whose respondBy is before the last sweep', async (t) => {
    const main = srv;
    srv = await ownServer(t, { demo: true });
    t.after(() => { srv = main; });
    const { sku, o, sh } = await orderOnPo();
    await slip(sku, 'PD1', '2027-02-01');
    await sweep('2026-12-01');
    await assertCheck(srv);
    // Planted below the API: the answer date moved before the sweep that should have acted.
    await sql(srv, `UPDATE shipments SET delay_respond_by = delay_respond_by - 7 WHERE id = '${sh.id}'`);
    const r = await srv.cli(['check', '--db', srv.db]);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, new RegExp(`shipment ${sh.id} has a PENDING delay with respondBy 2026-11-27, before the last sweep on 2026-12-01`));
    await sql(srv, `UPDATE shipments SET delay_respond_by = delay_respond_by + 7 WHERE id = '${sh.id}'`);
    assert.equal((await getOrder(srv, o.id)).shipments[0].delay.respondBy, '2026-12-04');
  });

  test('on PostgreSQL one sweep at a time: another holding the lock makes this one skip', { skip: PG_ONLY }, async () => {
    const psql = path.join(PGBIN, 'psql');
    const holder = spawn(psql, ['-X', '-q', '-d', srv.db, '-c',
      'SELECT pg_advisory_lock(1937204581); SELECT pg_sleep(30);'], { stdio: 'ignore' });
    try {
      await waitFor(async () => (await sql(srv,
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 1937204581 AND granted"))[0][0] === '1',
      { what: 'the lock held by another session' });
      const r = await sweep('2026-12-20');
      assert.equal(r.skipped, true);
      assert.deepEqual(r.shipments, []);
    } finally {
      holder.kill();
    }
  });

  test('bad requests: a wrong body, no credential, never delayed', async () => {
    const { o, sh } = await orderOnPo();
    assert.equal((await consent(sh.id, 'MAYBE', { token: o.accessToken })).status, 422);
    assert.equal((await consent(sh.id, 'ACCEPT')).status, 401);
    assert.equal((await consent(sh.id, 'ACCEPT', { token: 'wrong' })).status, 404);
    assert.equal((await consent(sh.id, 'ACCEPT', { token: o.accessToken })).status, 409);
    assert.equal((await consent(sh.id, 'DECLINE', { token: o.accessToken })).status, 409);
  });
});
