// SPEC 5.2: GET /v1/locations (public), POST /v1/locations (key) {"locationId","name"}.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { HEADER, assertError, startServer } from './lib/server.mjs';

let srv;
before(async () => {
  srv = await startServer({ demo: true });
});
after(async () => {
  await srv?.stop();
});

describe('locations', () => {
  test('GET lists the demo warehouse, publicly', async () => {
    const r = await srv.api('/v1/locations');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.deepEqual(r.json, { items: [{ locationId: 'WH1', name: 'Main warehouse' }] });
  });

  test('POST creates a location: 201, listed, usable by imports', async () => {
    const r = await srv.api('/v1/locations', { body: { locationId: 'STORE7', name: 'Downtown store' }, key: true });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.json, { locationId: 'STORE7', name: 'Downtown store' });
    const list = await srv.api('/v1/locations');
    assert.deepEqual(list.json.items, [
      { locationId: 'STORE7', name: 'Downtown store' },
      { locationId: 'WH1', name: 'Main warehouse' },
    ]);
    const imp = await srv.importCsv(`${HEADER}\nMUG3,STORE7,onhand,6,0,,,\n`);
    assert.equal(imp.status, 201, imp.text);
    const mug = await srv.item('MUG3');
    assert.equal(mug.availableStockQuantity, 46);
    assert.deepEqual(mug.positions.map((p) => p.locationId).sort(), ['STORE7', 'WH1']);
  });

  test('a name may hold any text', async () => {
    const r = await srv.api('/v1/locations', { body: { locationId: 'Lager2', name: 'Lager Zürich, Halle 2' }, key: true });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.name, 'Lager Zürich, Halle 2');
  });

  test('the same id twice: 409', async () => {
    assertError(await srv.api('/v1/locations', { body: { locationId: 'WH1', name: 'Again' }, key: true }), 409, 'CONFLICT');
    const list = await srv.api('/v1/locations');
    assert.equal(list.json.items.find((l) => l.locationId === 'WH1').name, 'Main warehouse');
  });

  const invalid = [
    ['dash in id', { locationId: 'WH-2', name: 'x' }, /'-' \(0x2D\) at position 3/],
    ['space in id', { locationId: 'WH 2', name: 'x' }, /' ' \(0x20\) at position 3/],
    ['accent in id', { locationId: 'WHé', name: 'x' }, /'é' \(U\+00E9\) at position 3/],
    ['empty id', { locationId: '', name: 'x' }, /locationId is required/],
    ['65-character id', { locationId: 'L'.repeat(65), name: 'x' }, /65 characters long: at most 64/],
    ['missing name', { locationId: 'WH3' }, null],
    ['empty name', { locationId: 'WH3', name: '' }, /name/],
    ['201-character name', { locationId: 'WH3', name: 'n'.repeat(201) }, /name/],
    ['number id', { locationId: 3, name: 'x' }, null],
    ['unknown field', { locationId: 'WH3', name: 'x', city: 'Paris' }, null],
    ['array body', [{ locationId: 'WH3', name: 'x' }], null],
  ];
  for (const [what, body, msg] of invalid) {
    test(`invalid: ${what} → 422`, async () => {
      assertError(await srv.api('/v1/locations', { body, key: true }), 422, 'VALIDATION_FAILED', msg ?? undefined);
    });
  }

  test('the 64-character id is accepted', async () => {
    const r = await srv.api('/v1/locations', { body: { locationId: 'L'.repeat(64), name: 'long' }, key: true });
    assert.equal(r.status, 201, r.text);
  });

  test('nothing invalid was created', async () => {
    const ids = (await srv.api('/v1/locations')).json.items.map((l) => l.locationId);
    assert.deepEqual(ids, ['L'.repeat(64), 'Lager2', 'STORE7', 'WH1']);
  });

  test('POST needs a key, JSON, and a parseable body', async () => {
    assertError(await srv.api('/v1/locations', { body: { locationId: 'WH4', name: 'x' } }), 401, 'UNAUTHORIZED');
    assertError(await srv.api('/v1/locations', { body: { locationId: 'WH4', name: 'x' }, key: 'sk_nope.123' }), 401, 'UNAUTHORIZED');
    assertError(await srv.api('/v1/locations', {
      body: 'locationId=WH4&name=x', key: true, headers: { 'content-type': 'application/x-www-form-urlencoded' },
    }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    assertError(await srv.api('/v1/locations', {
      body: '{"locationId": "WH4", "name": }', key: true, headers: { 'content-type': 'application/json' },
    }), 400, 'MALFORMED_JSON');
    const ids = (await srv.api('/v1/locations')).json.items.map((l) => l.locationId);
    assert.equal(ids.includes('WH4'), false);
  });
});
