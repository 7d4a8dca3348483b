// SPEC 5.1 and 5.2: the single-item document for every demo availability case, promises,
// the batch query, the merchant's overview list and the CSV template.
// Demo data is relative to today = 2026-11-27 (a Friday); settings are the defaults.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { DEMO_SKUS, TEMPLATE, assertError, startServer } from './lib/server.mjs';
import { ownServer } from './lib/shop.mjs';

let srv;
before(async () => {
  srv = await startServer({ demo: true });
});
after(async () => {
  await srv?.stop();
});

const IN_STOCK_RANGE = { from: '2026-11-28', to: '2026-11-30', message: 'In stock. Delivery Nov 28–Nov 30' };
const BACKORDER_RANGE = {
  from: '2026-12-11', to: '2026-12-25', message: 'Backorder: expected delivery Dec 11–Dec 25',
};

// sku -> the availability fields of its document.
const CASES = {
  TSHIRT1: {
    status: 'IN_STOCK', inStock: true, backorder: false, availableStockQuantity: 25,
    availableTransitQuantity: 100, availableTotal: 125, stockDate: null, addToCart: true,
    expectedDelivery: IN_STOCK_RANGE,
  },
  HOODIE2: { // backorder without a date: the static range
    status: 'IN_TRANSIT', inStock: false, backorder: true, availableStockQuantity: 0,
    availableTransitQuantity: 50, availableTotal: 50, stockDate: null, addToCart: true,
    expectedDelivery: BACKORDER_RANGE,
  },
  MUG3: {
    status: 'IN_STOCK', inStock: true, backorder: false, availableStockQuantity: 40,
    availableTransitQuantity: 0, availableTotal: 40, stockDate: null, addToCart: true,
    expectedDelivery: IN_STOCK_RANGE,
  },
  CAP4: { // two purchase orders: the earliest stock date wins
    status: 'IN_TRANSIT', inStock: false, backorder: true, availableStockQuantity: 0,
    availableTransitQuantity: 90, availableTotal: 90, stockDate: '2026-12-07', addToCart: true,
    expectedDelivery: {
      from: '2026-12-09', to: '2026-12-12', message: 'Backorder: expected delivery Dec 9–Dec 12',
    },
  },
  SOCKS5: {
    status: 'OUT_OF_STOCK', inStock: false, backorder: false, availableStockQuantity: 0,
    availableTransitQuantity: 0, availableTotal: 0, stockDate: null, addToCart: false,
    expectedDelivery: null,
  },
  BOTTLE6: { // stock date in the past counts as today
    status: 'IN_TRANSIT', inStock: false, backorder: true, availableStockQuantity: 0,
    availableTransitQuantity: 20, availableTotal: 20, stockDate: '2026-11-24', addToCart: true,
    expectedDelivery: {
      from: '2026-11-29', to: '2026-12-02', message: 'Backorder: expected delivery Nov 29–Dec 2',
    },
  },
  TOTE7: {
    status: 'IN_STOCK', inStock: true, backorder: false, availableStockQuantity: 5,
    availableTransitQuantity: 20, availableTotal: 25, stockDate: null, addToCart: true,
    expectedDelivery: IN_STOCK_RANGE,
  },
  JACKET8: { // an empty onhand position does not count
    status: 'IN_TRANSIT', inStock: false, backorder: true, availableStockQuantity: 0,
    availableTransitQuantity: 15, availableTotal: 15, stockDate: '2026-12-18', addToCart: true,
    expectedDelivery: {
      from: '2026-12-20', to: '2026-12-23', message: 'Backorder: expected delivery Dec 20–Dec 23',
    },
  },
  SCARF9: {
    status: 'IN_STOCK', inStock: true, backorder: false, availableStockQuantity: 12,
    availableTransitQuantity: 0, availableTotal: 12, stockDate: null, addToCart: true,
    expectedDelivery: IN_STOCK_RANGE,
  },
  BEANIE10: { // a product without any position
    status: 'OUT_OF_STOCK', inStock: false, backorder: false, availableStockQuantity: 0,
    availableTransitQuantity: 0, availableTotal: 0, stockDate: null, addToCart: false,
    expectedDelivery: null,
  },
  POSTER11: { // 10 of 100 reserved by another channel
    status: 'IN_STOCK', inStock: true, backorder: false, availableStockQuantity: 90,
    availableTransitQuantity: 0, availableTotal: 90, stockDate: null, addToCart: true,
    expectedDelivery: IN_STOCK_RANGE,
  },
  NOTEBOOK12: {
    status: 'IN_STOCK', inStock: true, backorder: false, availableStockQuantity: 3,
    availableTransitQuantity: 50, availableTotal: 53, stockDate: null, addToCart: true,
    expectedDelivery: IN_STOCK_RANGE,
  },
};

function onhand(quantity, reserved = 0) {
  return {
    locationId: 'WH1', stockType: 'onhand', quantity, reservedQuantity: reserved,
    allocatedQuantity: 0, available: Math.max(0, quantity - reserved), oversold: false,
  };
}

function transit(ref, ordered, stocked, quantity) {
  return {
    locationId: 'WH1', stockType: 'intransit', transitRef: ref, transitOrderDate: ordered,
    transitStockDate: stocked, quantity, reservedQuantity: 0, allocatedQuantity: 0,
    available: quantity, oversold: false,
  };
}

// In allocation order: onhand, pre-orders by stock date, backorders.
const POSITIONS = {
  TSHIRT1: [onhand(25), transit('PO1001', '2026-11-20', '2026-12-15', 100)],
  HOODIE2: [transit('ADV2', '2026-11-20', null, 50)],
  MUG3: [onhand(40)],
  CAP4: [transit('PO2001', '2026-11-17', '2026-12-07', 30), transit('PO2002', '2026-11-24', '2027-01-01', 60)],
  SOCKS5: [onhand(0)],
  BOTTLE6: [transit('PO3001', '2026-10-28', '2026-11-24', 20)],
  TOTE7: [onhand(5), transit('ADV7', '2026-11-25', null, 20)],
  JACKET8: [onhand(0), transit('PO4001', '2026-11-22', '2026-12-18', 15)],
  SCARF9: [onhand(12)],
  BEANIE10: [],
  POSTER11: [onhand(100, 10)],
  NOTEBOOK12: [onhand(3), transit('PO5001', '2026-11-13', '2026-12-04', 50)],
};

describe('GET /v1/inventory/{sku}', () => {
  for (const [sku, want] of Object.entries(CASES)) {
    test(`${sku}: ${want.status}${want.stockDate ? ' ' + want.stockDate : ''}`, async () => {
      const r = await srv.api(`/v1/inventory/${sku}`);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8');
      const doc = r.json;
      assert.equal(doc.sku, sku);
      for (const [k, v] of Object.entries(want)) assert.deepEqual(doc[k], v, `${sku}.${k}`);
      assert.deepEqual(doc.positions, POSITIONS[sku]);
      assert.equal('promise' in doc, false, 'promise only when quantity is given');
      assert.notEqual(doc.found, false);
    });
  }

  test('the demo loads exactly the twelve SKUs above', async (t) => {
    const own = await ownServer(t, { demo: true }); // nothing added by other tests
    assert.deepEqual(Object.keys(await own.snapshot()), Object.keys(CASES).sort());
  });

  test('404 SKU_NOT_FOUND for a SKU with neither product nor position', async () => {
    for (const sku of ['NOPE123', 'tshirt1', 'T-SHIRT1']) {
      assertError(await srv.api(`/v1/inventory/${sku}`), 404, 'SKU_NOT_FOUND');
    }
    assertError(await srv.api('/v1/inventory/NOPE123?quantity=2'), 404, 'SKU_NOT_FOUND');
  });

  test('a SKU known only by its positions is found', async () => {
    const imp = await srv.importCsv(
      'sku,locationId,stockType,quantity,transitRef,transitOrderDate,transitStockDate\n' +
      'LOOSE1,WH1,onhand,4,,,\n', { fileName: 'loose.csv' });
    assert.equal(imp.status, 201, imp.text);
    const doc = await srv.item('LOOSE1');
    assert.equal(doc.status, 'IN_STOCK');
    assert.equal(doc.availableTotal, 4);
    assert.deepEqual(doc.positions, [onhand(4)]);
  });
});

describe('GET /v1/inventory/{sku}?quantity=N: the promise', () => {
  const tshirtTransitRange = {
    from: '2026-12-17', to: '2026-12-20', message: 'Backorder: expected delivery Dec 17–Dec 20',
  };

  test('onhand first, then the purchase order', async () => {
    const doc = await srv.item('TSHIRT1', 30);
    assert.deepEqual(doc.promise, {
      quantity: 30,
      fulfillable: true,
      allocations: [
        { quantity: 25, stockType: 'onhand', locationId: 'WH1', expectedDelivery: IN_STOCK_RANGE },
        {
          quantity: 5, stockType: 'intransit', locationId: 'WH1', transitRef: 'PO1001',
          stockDate: '2026-12-15', expectedDelivery: tshirtTransitRange,
        },
      ],
    });
    // The first unit still decides the item's own fields.
    assert.equal(doc.status, 'IN_STOCK');
    assert.deepEqual(doc.expectedDelivery, IN_STOCK_RANGE);
  });

  test('all onhand when it is enough', async () => {
    const doc = await srv.item('TSHIRT1', 25);
    assert.deepEqual(doc.promise, {
      quantity: 25, fulfillable: true,
      allocations: [{ quantity: 25, stockType: 'onhand', locationId: 'WH1', expectedDelivery: IN_STOCK_RANGE }],
    });
  });

  test('exactly availableTotal is fulfillable, one more is not', async () => {
    const all = await srv.item('TSHIRT1', 125);
    assert.equal(all.promise.fulfillable, true);
    assert.deepEqual(all.promise.allocations.map((a) => a.quantity), [25, 100]);
    const more = await srv.item('TSHIRT1', 126);
    assert.equal(more.promise.quantity, 126);
    assert.equal(more.promise.fulfillable, false);
  });

  test('two purchase orders by stock date, the later one in another year', async () => {
    const doc = await srv.item('CAP4', 40);
    assert.deepEqual(doc.promise, {
      quantity: 40,
      fulfillable: true,
      allocations: [
        {
          quantity: 30, stockType: 'intransit', locationId: 'WH1', transitRef: 'PO2001',
          stockDate: '2026-12-07', expectedDelivery: CASES.CAP4.expectedDelivery,
        },
        {
          quantity: 10, stockType: 'intransit', locationId: 'WH1', transitRef: 'PO2002',
          stockDate: '2027-01-01',
          expectedDelivery: {
            from: '2027-01-03', to: '2027-01-06',
            message: 'Backorder: expected delivery Jan 3, 2027–Jan 6, 2027',
          },
        },
      ],
    });
  });

  test('onhand then a backorder without date', async () => {
    const doc = await srv.item('TOTE7', 8);
    assert.equal(doc.promise.fulfillable, true);
    assert.equal(doc.promise.allocations.length, 2);
    assert.deepEqual(doc.promise.allocations[0],
      { quantity: 5, stockType: 'onhand', locationId: 'WH1', expectedDelivery: IN_STOCK_RANGE });
    const b = doc.promise.allocations[1];
    assert.equal(b.quantity, 3);
    assert.equal(b.stockType, 'intransit');
    assert.equal(b.transitRef, 'ADV7');
    assert.equal(b.stockDate ?? null, null);
    assert.deepEqual(b.expectedDelivery, BACKORDER_RANGE);
  });

  test('a pre-order whose stock date passed delivers from today', async () => {
    const doc = await srv.item('BOTTLE6', 20);
    assert.deepEqual(doc.promise.allocations, [{
      quantity: 20, stockType: 'intransit', locationId: 'WH1', transitRef: 'PO3001',
      stockDate: '2026-11-24', expectedDelivery: CASES.BOTTLE6.expectedDelivery,
    }]);
  });

  test('onhand, then a purchase order next week', async () => {
    const doc = await srv.item('NOTEBOOK12', 5);
    assert.deepEqual(doc.promise.allocations.map((a) => [a.quantity, a.stockType, a.transitRef ?? null]),
      [[3, 'onhand', null], [2, 'intransit', 'PO5001']]);
    assert.deepEqual(doc.promise.allocations[1].expectedDelivery, {
      from: '2026-12-06', to: '2026-12-09', message: 'Backorder: expected delivery Dec 6–Dec 9',
    });
  });

  test('reserved units are never promised', async () => {
    const ok = await srv.item('POSTER11', 90);
    assert.equal(ok.promise.fulfillable, true);
    const no = await srv.item('POSTER11', 91);
    assert.equal(no.promise.fulfillable, false);
  });

  test('out of stock: not fulfillable, nothing allocated', async () => {
    const doc = await srv.item('SOCKS5', 1);
    assert.deepEqual(doc.promise, { quantity: 1, fulfillable: false, allocations: [] });
  });

  test('bad quantity is refused', async () => {
    for (const q of ['0', '-1', 'abc', '1.5', '2147483648', '', '+3', ' 3', '3x']) {
      const r = await srv.api(`/v1/inventory/TSHIRT1?quantity=${encodeURIComponent(q)}`);
      assertError(r, 422, 'VALIDATION_FAILED', /quantity/);
    }
    const max = await srv.item('TSHIRT1', 2147483647);
    assert.equal(max.promise.fulfillable, false);
  });
});

describe('allocation order (SPEC 1)', () => {
  test('onhand everywhere, then pre-orders by stock date, order date, ref, then backorders', async () => {
    const loc = await srv.api('/v1/locations', { body: { locationId: 'WH2', name: 'Second' }, key: true });
    assert.equal(loc.status, 201, loc.text);
    const csv = [
      'sku,locationId,stockType,quantity,reservedQuantity,transitRef,transitOrderDate,transitStockDate',
      'ORDER1,WH1,intransit,1,0,BB,2026-11-01,',
      'ORDER1,WH1,intransit,1,0,PB,2026-11-20,2026-12-10',
      'ORDER1,WH2,onhand,1,0,,,',
      'ORDER1,WH2,intransit,1,0,BA,2026-11-01,',
      'ORDER1,WH1,intransit,1,0,PC,2026-11-10,2026-12-10',
      'ORDER1,WH2,intransit,1,0,PA,2026-11-20,2026-12-10',
      'ORDER1,WH1,intransit,1,0,BC,2026-10-01,',
      'ORDER1,WH1,intransit,1,0,PD,2026-11-25,2026-12-05',
      'ORDER1,WH1,onhand,1,0,,,',
    ].join('\n') + '\n';
    const imp = await srv.importCsv(csv, { fileName: 'order.csv' });
    assert.equal(imp.status, 201, imp.text);
    const doc = await srv.item('ORDER1', 9);
    assert.equal(doc.promise.fulfillable, true);
    const seq = doc.promise.allocations.map((a) => (a.stockType === 'onhand' ? `onhand@${a.locationId}` : a.transitRef));
    assert.deepEqual(seq.slice(0, 2).sort(), ['onhand@WH1', 'onhand@WH2']);
    assert.deepEqual(seq.slice(2), ['PD', 'PC', 'PA', 'PB', 'BC', 'BA', 'BB']);
    for (const a of doc.promise.allocations) assert.equal(a.quantity, 1);

    // Without onhand, the first pre-order gives the stock date and the range.
    const noOnhand = await srv.importCsv(csv.replace(/ORDER1,(WH\d),onhand,1/g, 'ORDER1,$1,onhand,0'), { fileName: 'order.csv' });
    assert.equal(noOnhand.status, 201, noOnhand.text);
    const d2 = await srv.item('ORDER1');
    assert.equal(d2.status, 'IN_TRANSIT');
    assert.equal(d2.stockDate, '2026-12-05');
    assert.deepEqual(d2.expectedDelivery, {
      from: '2026-12-07', to: '2026-12-10', message: 'Backorder: expected delivery Dec 7–Dec 10',
    });
    assert.equal(d2.availableTransitQuantity, 7);
  });

  test('reserved units are skipped: the first available unit decides', async () => {
    const csv = 'sku,locationId,stockType,quantity,reservedQuantity,transitRef,transitOrderDate,transitStockDate\n' +
      'ORDER2,WH1,onhand,5,5,,,\nORDER2,WH1,intransit,4,4,PE,2026-11-20,2026-12-01\nORDER2,WH1,intransit,3,1,BD,2026-11-20,\n';
    assert.equal((await srv.importCsv(csv)).status, 201);
    const doc = await srv.item('ORDER2', 2);
    assert.equal(doc.status, 'IN_TRANSIT');
    assert.equal(doc.backorder, true);
    assert.equal(doc.stockDate, null, 'a backorder has no stock date');
    assert.equal(doc.availableTotal, 2);
    assert.deepEqual(doc.expectedDelivery, BACKORDER_RANGE);
    assert.deepEqual(doc.promise.allocations.map((a) => [a.transitRef, a.quantity]), [['BD', 2]]);
  });
});

describe('POST /v1/inventory/query', () => {
  test('items come back in request order; unknown SKUs are found:false', async () => {
    const r = await srv.api('/v1/inventory/query', {
      body: { items: [{ sku: 'SOCKS5' }, { sku: 'NOSUCH9', quantity: 2 }, { sku: 'TSHIRT1', quantity: 30 }, { sku: 'CAP4' }] },
    });
    assert.equal(r.status, 200, r.text);
    const items = r.json.items;
    assert.deepEqual(items.map((i) => i.sku), ['SOCKS5', 'NOSUCH9', 'TSHIRT1', 'CAP4']);
    assert.equal(items[1].status, 'OUT_OF_STOCK');
    assert.equal(items[1].found, false);
    assert.equal(items[1].availableTotal, 0);
    assert.equal(items[1].addToCart, false);
    for (const i of [0, 2, 3]) assert.notEqual(items[i].found, false);
    // Each entry is the 5.1 document.
    const single = await srv.item('TSHIRT1', 30);
    assert.deepEqual(items[2], single);
    assert.deepEqual(items[3], await srv.item('CAP4'));
    assert.equal('promise' in items[3], false);
  });

  test('500 items are accepted, 501 are not', async () => {
    const items = Array.from({ length: 500 }, (_, i) => ({ sku: DEMO_SKUS[i % DEMO_SKUS.length] }));
    const ok = await srv.api('/v1/inventory/query', { body: { items } });
    assert.equal(ok.status, 200);
    assert.equal(ok.json.items.length, 500);
    assert.equal(ok.json.items[499].sku, DEMO_SKUS[499 % DEMO_SKUS.length]);
    items.push({ sku: 'MUG3' });
    assertError(await srv.api('/v1/inventory/query', { body: { items } }), 422, 'VALIDATION_FAILED', /500/);
  });

  test('an empty list gives an empty list', async () => {
    const r = await srv.api('/v1/inventory/query', { body: { items: [] } });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { items: [] });
  });

  test('invalid bodies are 422', async () => {
    for (const body of [{}, { items: {} }, { items: [{ quantity: 1 }] }, { items: [{ sku: 'MUG3', quantity: 0 }] },
      { items: [{ sku: 'MUG3', quantity: 1.5 }] }, { items: [{ sku: 'MUG3', quantity: '2' }] }, [], { items: [], x: 1 }]) {
      assertError(await srv.api('/v1/inventory/query', { body }), 422, 'VALIDATION_FAILED');
    }
  });
});

describe('GET /v1/inventory (key): the overview', () => {
  test('needs a key', async () => {
    assertError(await srv.api('/v1/inventory'), 401, 'UNAUTHORIZED');
  });

  test('one summary row per SKU', async () => {
    const r = await srv.api('/v1/inventory?q=', { key: true });
    assert.equal(r.status, 200, r.text);
    const rows = r.json.items.filter((i) => DEMO_SKUS.includes(i.sku));
    assert.deepEqual(rows.map((i) => i.sku), DEMO_SKUS);
    const by = Object.fromEntries(r.json.items.map((i) => [i.sku, i]));
    const pick = (row) => ({
      sku: row.sku, name: row.name, onhand: row.onhand, intransit: row.intransit,
      allocated: row.allocated, available: row.available, status: row.status, oversold: row.oversold,
    });
    assert.deepEqual(pick(by.TSHIRT1), {
      sku: 'TSHIRT1', name: 'Organic cotton T-shirt', onhand: 25, intransit: 100, allocated: 0,
      available: 125, status: 'IN_STOCK', oversold: false,
    });
    assert.deepEqual(pick(by.POSTER11), {
      sku: 'POSTER11', name: 'Art print poster', onhand: 100, intransit: 0, allocated: 0,
      available: 90, status: 'IN_STOCK', oversold: false,
    });
    assert.deepEqual(pick(by.CAP4), {
      sku: 'CAP4', name: 'Canvas cap', onhand: 0, intransit: 90, allocated: 0, available: 90,
      status: 'IN_TRANSIT', oversold: false,
    });
    assert.deepEqual(pick(by.BEANIE10), {
      sku: 'BEANIE10', name: 'Knit beanie', onhand: 0, intransit: 0, allocated: 0, available: 0,
      status: 'OUT_OF_STOCK', oversold: false,
    });
    for (const sku of DEMO_SKUS) assert.equal(by[sku].status, CASES[sku].status, sku);
  });

  test('keyset pagination with cursor and limit visits every SKU once, in order', async (t) => {
    const own = await ownServer(t, { demo: true }); // the twelve demo SKUs and nothing else
    const pages = [];
    let cursor = '';
    for (;;) {
      assert.ok(pages.length < 20, 'pagination does not end');
      const r = await own.api(`/v1/inventory?limit=5&cursor=${cursor}`, { key: true });
      assert.equal(r.status, 200, r.text);
      pages.push(r.json.items.map((i) => i.sku));
      if (r.json.nextCursor == null) break;
      assert.equal(r.json.nextCursor, pages.at(-1).at(-1), 'the cursor is the last SKU of the page');
      cursor = encodeURIComponent(r.json.nextCursor);
    }
    assert.deepEqual(pages, [DEMO_SKUS.slice(0, 5), DEMO_SKUS.slice(5, 10), DEMO_SKUS.slice(10)]);
  });

  test('the cursor is exclusive', async () => {
    const r = await srv.api('/v1/inventory?limit=2&cursor=BOTTLE6', { key: true });
    assert.deepEqual(r.json.items.map((i) => i.sku), ['CAP4', 'HOODIE2']);
    assert.equal(r.json.nextCursor, 'HOODIE2');
  });

  // Prefixes, so an index answers at any catalog size (SPEC 7): SKUs as typed or in capitals,
  // names in any case.
  test('q searches SKU and name prefixes', async () => {
    const q = async (s) => (await srv.api(`/v1/inventory?q=${encodeURIComponent(s)}`, { key: true }))
      .json.items.map((i) => i.sku);
    assert.deepEqual(await q('canvas'), ['CAP4', 'TOTE7']);
    assert.deepEqual(await q('tshirt'), ['TSHIRT1']);
    assert.deepEqual(await q('T'), ['TOTE7', 'TSHIRT1']);
    assert.deepEqual(await q('ORGANIC cotton t'), ['TSHIRT1']);
    assert.deepEqual(await q('T-shirt'), []);
    assert.deepEqual(await q('zzzz'), []);
    const paged = await srv.api('/v1/inventory?q=canvas&limit=1', { key: true });
    assert.deepEqual(paged.json.items.map((i) => i.sku), ['CAP4']);
    const next = await srv.api(`/v1/inventory?q=canvas&limit=1&cursor=${paged.json.nextCursor}`, { key: true });
    assert.deepEqual(next.json.items.map((i) => i.sku), ['TOTE7']);
  });
});

describe('GET /v1/inventory/template.csv', () => {
  test('is the SPEC template, public, as CSV', async () => {
    const r = await srv.api('/v1/inventory/template.csv');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^text\/csv/);
    assert.equal(r.text, TEMPLATE);
  });
});
