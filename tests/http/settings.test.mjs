// SPEC 5.6 settings and SPEC 2 delivery estimates: GET is a public subset (no fromEmail),
// PUT (key) validates min <= max and 0..365, refuses unknown fields and wrong types, and a
// valid change shows at once on GET /v1/inventory. Today is Friday 2026-11-27.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';

import { assertError, startServer } from './lib/server.mjs';

// A server of its own for every test: a change of settings never reaches another test.
let srv;
beforeEach(async () => {
  srv = await startServer({ demo: true });
});
afterEach(async () => {
  await srv?.stop();
  srv = undefined;
});

const DEFAULTS = {
  inStockMinDays: 1, inStockMaxDays: 3, preorderBufferMinDays: 2, preorderBufferMaxDays: 5,
  backorderMinDays: 14, backorderMaxDays: 28, backorderMessage: '', businessDays: false,
  holidays: [], captureOn: 'shipment', storeName: 'sellahead demo store',
};

async function put(body) {
  return srv.api('/v1/settings', { method: 'PUT', body, key: true });
}

async function publicSettings() {
  const r = await srv.api('/v1/settings');
  assert.equal(r.status, 200, r.text);
  return r.json;
}

describe('GET /v1/settings', () => {
  test('public: the defaults, without fromEmail', async () => {
    const s = await publicSettings();
    assert.equal('fromEmail' in s, false);
    for (const [k, v] of Object.entries(DEFAULTS)) assert.deepEqual(s[k], v, k);
  });

  test('with a key the merchant also sees fromEmail', async () => {
    const r = await srv.api('/v1/settings', { key: true });
    assert.equal(r.status, 200);
    assert.equal(typeof r.json.fromEmail, 'string');
    assert.match(r.json.fromEmail, /@/);
  });
});

describe('PUT /v1/settings: validation', () => {
  const invalid = [
    ['min > max in one body', { inStockMinDays: 5, inStockMaxDays: 4 }, /inStockMinDays/],
    ['min > stored max', { inStockMinDays: 4 }, /inStockMinDays/],
    ['max < stored min', { backorderMaxDays: 10 }, /backorder/],
    ['preorder min > max', { preorderBufferMinDays: 6, preorderBufferMaxDays: 5 }, /preorderBuffer/],
    ['366 days', { backorderMaxDays: 366 }, /backorderMaxDays/],
    ['negative days', { inStockMinDays: -1 }, /inStockMinDays/],
    ['huge number', { inStockMaxDays: 4294967297 }, /inStockMaxDays/],
    ['unknown field', { deliveryDays: 3 }, /deliveryDays/],
    ['days as a string', { inStockMinDays: '2' }, /inStockMinDays/],
    ['days as a decimal', { inStockMinDays: 1.5 }, /inStockMinDays/],
    ['days as null', { inStockMaxDays: null }, /inStockMaxDays/],
    ['businessDays as a string', { businessDays: 'yes' }, /businessDays/],
    ['holidays not a list', { holidays: '2026-12-25' }, /holidays/],
    ['holiday not a real date', { holidays: ['2026-02-30'] }, /holidays/],
    ['holiday not a date', { holidays: ['25.12.2026'] }, /holidays/],
    ['captureOn unknown', { captureOn: 'never' }, /captureOn/],
    ['backorderMessage a number', { backorderMessage: 5 }, /backorderMessage/],
    ['empty storeName', { storeName: '' }, /storeName/],
    ['fromEmail without @', { fromEmail: 'nobody' }, /fromEmail/],
    ['a valid field with an invalid one', { inStockMaxDays: 9, backorderMinDays: 400 }, /backorderMinDays/],
    ['array body', [{ inStockMinDays: 2 }], null],
  ];
  for (const [what, body, msg] of invalid) {
    test(`${what} → 422, nothing changes`, async () => {
      assertError(await put(body), 422, 'VALIDATION_FAILED', msg ?? undefined);
      const s = await publicSettings();
      for (const [k, v] of Object.entries(DEFAULTS)) assert.deepEqual(s[k], v, k);
    });
  }

  test('malformed JSON → 400, no key → 401, wrong type → 415', async () => {
    assertError(await srv.api('/v1/settings', {
      method: 'PUT', body: '{"inStockMinDays": 2,}', key: true, headers: { 'content-type': 'application/json' },
    }), 400, 'MALFORMED_JSON');
    assertError(await srv.api('/v1/settings', { method: 'PUT', body: { inStockMinDays: 2 } }), 401, 'UNAUTHORIZED');
    assertError(await srv.api('/v1/settings', {
      method: 'PUT', body: 'inStockMinDays=2', key: true, headers: { 'content-type': 'text/plain' },
    }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    assert.equal((await publicSettings()).inStockMinDays, 1);
  });
});

describe('PUT /v1/settings: changes', () => {
  test('0 and 365 are allowed', async () => {
    const r = await put({ backorderMinDays: 0, backorderMaxDays: 365 });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.backorderMinDays, 0);
    assert.equal(r.json.backorderMaxDays, 365);
    const doc = await srv.item('HOODIE2');
    assert.deepEqual(doc.expectedDelivery, {
      from: '2026-11-27', to: '2027-11-27', message: 'Backorder: expected delivery Nov 27–Nov 27, 2027',
    });
  });

  test('a new in-stock range shows on GET /v1/inventory and products at once', async () => {
    const r = await put({ inStockMinDays: 2, inStockMaxDays: 5 });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.inStockMinDays, 2);
    assert.equal(r.json.inStockMaxDays, 5);
    assert.equal(r.json.preorderBufferMinDays, 2, 'a partial update keeps the other fields');
    assert.equal((await publicSettings()).inStockMaxDays, 5);
    const want = { from: '2026-11-29', to: '2026-12-02', message: 'In stock. Delivery Nov 29–Dec 2' };
    // Several requests, so that every server thread's cached settings are seen.
    for (let i = 0; i < 8; i++) assert.deepEqual((await srv.item('MUG3')).expectedDelivery, want);
    assert.deepEqual((await srv.api('/v1/products/MUG3')).json.expectedDelivery, want);
    assert.equal((await put({ inStockMinDays: 1, inStockMaxDays: 3 })).status, 200);
    assert.equal((await srv.item('MUG3')).expectedDelivery.to, '2026-11-30');
  });

  test('the pre-order buffer moves the pre-order range', async () => {
    assert.equal((await put({ preorderBufferMinDays: 3, preorderBufferMaxDays: 10 })).status, 200);
    assert.deepEqual((await srv.item('CAP4')).expectedDelivery, {
      from: '2026-12-10', to: '2026-12-17', message: 'Backorder: expected delivery Dec 10–Dec 17',
    });
    // A pre-order never delivers before an onhand order would (stock date in the past).
    assert.equal((await put({ preorderBufferMinDays: 0, preorderBufferMaxDays: 0 })).status, 200);
    assert.deepEqual((await srv.item('BOTTLE6')).expectedDelivery, {
      from: '2026-11-28', to: '2026-11-28', message: 'Backorder: expected delivery Nov 28–Nov 28',
    });
  });

  test('backorderMessage replaces the backorder wording, not the dates', async () => {
    const msg = 'Ships in 2–4 weeks';
    assert.equal((await put({ backorderMessage: msg })).status, 200);
    assert.equal((await publicSettings()).backorderMessage, msg);
    assert.deepEqual((await srv.item('HOODIE2')).expectedDelivery, { from: '2026-12-11', to: '2026-12-25', message: msg });
    // Pre-orders keep their dated message.
    assert.match((await srv.item('CAP4')).expectedDelivery.message, /^Backorder: expected delivery Dec 9–Dec 12$/);
    assert.equal((await put({ backorderMessage: '' })).status, 200);
    assert.equal((await srv.item('HOODIE2')).expectedDelivery.message, 'Backorder: expected delivery Dec 11–Dec 25');
  });

  test('businessDays skips weekends and holidays', async () => {
    const r = await put({ businessDays: true, holidays: ['2026-11-30', '2026-12-25'] });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.holidays, ['2026-11-30', '2026-12-25']);
    // Fri Nov 27 + 1 business day: Sat, Sun skipped, Mon Nov 30 a holiday → Tue Dec 1.
    assert.deepEqual((await srv.item('MUG3')).expectedDelivery, {
      from: '2026-12-01', to: '2026-12-03', message: 'In stock. Delivery Dec 1–Dec 3',
    });
    // Pre-order: stock date Mon Dec 7 + 2 / + 5 business days.
    assert.deepEqual((await srv.item('CAP4')).expectedDelivery, {
      from: '2026-12-09', to: '2026-12-14', message: 'Backorder: expected delivery Dec 9–Dec 14',
    });
    // Stock date Fri Dec 18 + 2 / + 5 business days, Dec 25 a holiday.
    assert.deepEqual((await srv.item('JACKET8')).expectedDelivery, {
      from: '2026-12-22', to: '2026-12-28', message: 'Backorder: expected delivery Dec 22–Dec 28',
    });
    // Backorder: today + 14 / + 28 business days, into the next year.
    assert.deepEqual((await srv.item('HOODIE2')).expectedDelivery, {
      from: '2026-12-18', to: '2027-01-08', message: 'Backorder: expected delivery Dec 18–Jan 8, 2027',
    });
    assert.equal((await put({ businessDays: false, holidays: [] })).status, 200);
    assert.equal((await srv.item('MUG3')).expectedDelivery.from, '2026-11-28');
  });

  test('holidays come back sorted and without duplicates', async () => {
    const r = await put({ holidays: ['2026-12-25', '2026-11-30', '2026-12-25'] });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.holidays, ['2026-11-30', '2026-12-25']);
    assert.deepEqual((await publicSettings()).holidays, ['2026-11-30', '2026-12-25']);
    // Calendar days: holidays do not matter.
    assert.equal((await srv.item('MUG3')).expectedDelivery.from, '2026-11-28');
  });

  test('a bad key on GET is just the public view', async () => {
    const r = await srv.api('/v1/settings', { key: 'sk_nope.nope' });
    assert.equal(r.status, 200);
    assert.equal('fromEmail' in r.json, false);
  });

  test('other fields round-trip', async () => {
    const r = await put({ captureOn: 'order', storeName: 'Test shop', fromEmail: 'shop@example.com' });
    assert.equal(r.status, 200, r.text);
    const s = await publicSettings();
    assert.equal(s.captureOn, 'order');
    assert.equal(s.storeName, 'Test shop');
    assert.equal('fromEmail' in s, false);
    assert.equal((await srv.api('/v1/settings', { key: true })).json.fromEmail, 'shop@example.com');
  });

  test('an empty object changes nothing', async () => {
    const r = await put({});
    assert.equal(r.status, 200);
    const s = await publicSettings();
    for (const [k, v] of Object.entries(DEFAULTS)) assert.deepEqual(s[k], v, k);
  });
});
