// SPEC 3: habits of spreadsheet users get messages that say what to do. The rules are as
// strict as ever: each file still fails whole.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { HEADER, assertFailedJob, startServer } from './lib/server.mjs';

describe('CSV hints', () => {
  let srv;
  before(async () => {
    srv = await startServer({ demo: true });
  });
  after(async () => {
    await srv?.stop();
  });

  async function unchanged(sku, before) {
    const r = await srv.api(`/v1/inventory/${sku}`);
    assert.deepEqual(r.json.positions, before.positions);
  }

  test('a semicolon-separated file is told to use commas, once', async () => {
    const doc = (await srv.api('/v1/inventory/TSHIRT1')).json;
    const csv = `${HEADER.replaceAll(',', ';')}\nTSHIRT1;WH1;onhand;7;0;;;\n`;
    assertFailedJob(await srv.importCsv(csv), [
      { line: 1, column: null, value: HEADER.replaceAll(',', ';'),
        message: "the header has ';' between column names: values must be separated by commas (save the file as comma-separated CSV)" },
    ]);
    await unchanged('TSHIRT1', doc);
  });

  test('a row of only commas is reported as an empty row', async () => {
    const doc = (await srv.api('/v1/inventory/TSHIRT1')).json;
    const csv = `${HEADER}\nTSHIRT1,WH1,onhand,7,0,,,\n,,,,,,,\n`;
    assertFailedJob(await srv.importCsv(csv), [
      { line: 3, column: null, message: 'this line is an empty row (only commas): delete it' },
    ]);
    await unchanged('TSHIRT1', doc);
  });

  test('a location id in the wrong case names the one that exists', async () => {
    const doc = (await srv.api('/v1/inventory/TSHIRT1')).json;
    const csv = `${HEADER}\nTSHIRT1,wh1,onhand,7,0,,,\nTSHIRT1,WH9,onhand,7,0,,,\n`;
    assertFailedJob(await srv.importCsv(csv), [
      { line: 2, column: 'locationId', value: 'wh1',
        message: 'location wh1 does not exist: location ids are case-sensitive, did you mean WH1?' },
      { line: 3, column: 'locationId', value: 'WH9',
        message: 'location WH9 does not exist: add it first (sellahead location add)' },
    ]);
    await unchanged('TSHIRT1', doc);
  });
});
