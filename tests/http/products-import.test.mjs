// SPEC 5.3: the products CSV import (POST /v1/products/imports, `sellahead products import`,
// GET /v1/products/template.csv), strict and all or nothing with the inventory job format;
// the same row rules on POST /v1/products; inventory jobs warn about SKUs without a product;
// an https:// imageUrl round trip.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { HEADER, ISO_TIME, assertError, assertFailedJob, startServer } from './lib/server.mjs';

const PHEADER = 'sku,name,price,currency,description,imageUrl';
const TEMPLATE =
  PHEADER + '\n' +
  'TSHIRT1,Organic cotton T-shirt,2500,USD,Soft and heavy. Ships from our warehouse.,https://cdn.example.com/tshirt1.jpg\n' +
  'HOODIE2,Zip hoodie,5900,USD,"Brushed fleece, two pockets.",\n';

let srv;
before(async () => {
  srv = await startServer({ demo: false });
  const loc = await srv.api('/v1/locations', { key: true, body: { locationId: 'WH1', name: 'Main' } });
  assert.equal(loc.status, 201, loc.text);
});
after(async () => {
  await srv?.stop();
});

function importProducts(csv, { fileName = 'products.csv', multipart = false, key = true } = {}) {
  if (multipart) {
    const fd = new FormData();
    fd.append('file', new Blob([csv], { type: 'text/csv' }), fileName);
    return srv.api('/v1/products/imports', { body: fd, key });
  }
  const q = fileName == null ? '' : `?fileName=${encodeURIComponent(fileName)}`;
  return srv.api(`/v1/products/imports${q}`, { body: csv, key, headers: { 'content-type': 'text/csv' } });
}

async function product(sku) {
  return srv.api(`/v1/products/${sku}`);
}

function assertProductJob(job, { fileName, status, totalRows, rowsApplied, totalRowsErrors }) {
  assert.match(job.id, /^imp_[A-Za-z0-9]+$/);
  assert.equal(job.kind, 'products');
  assert.equal(job.source, 'csv');
  assert.equal(job.fileName, fileName);
  assert.equal(job.status, status);
  assert.equal(job.totalRows, totalRows);
  assert.equal(job.rowsApplied, rowsApplied);
  assert.equal(job.totalRowsErrors, totalRowsErrors);
  assert.deepEqual(job.warnings, []);
  assert.equal(job.totalWarnings, 0);
  assert.match(job.createdAt, ISO_TIME);
  assert.match(job.finishedAt, ISO_TIME);
}

describe('template', () => {
  test('GET /v1/products/template.csv is public and parses as a valid import', async () => {
    const r = await srv.api('/v1/products/template.csv');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^text\/csv/);
    assert.match(r.headers.get('content-disposition'), /filename="products-template.csv"/);
    assert.equal(r.text, TEMPLATE);
    const cli = await srv.cli(['products', 'template']);
    assert.equal(cli.code, 0);
    assert.equal(cli.stdout, TEMPLATE);
  });
});

describe('POST /v1/products/imports', () => {
  test('text/csv: 201 COMPLETED, every column lands in the product', async () => {
    const r = await importProducts(
      'sku,name,price,currency,description,imageUrl\n' +
      'IMPA1,Alpaca scarf,4900,EUR,"Warm, soft.\nTwo lines.",https://cdn.example.com/a1.jpg\r\n' +
      'IMPA2,Plain mug,0,,,\n');
    assert.equal(r.status, 201, r.text);
    assertProductJob(r.json, { fileName: 'products.csv', status: 'COMPLETED', totalRows: 2, rowsApplied: 2, totalRowsErrors: 0 });
    assert.deepEqual(r.json.errors, []);
    const a = await product('IMPA1');
    assert.equal(a.status, 200, a.text);
    assert.deepEqual(
      { name: a.json.name, price: a.json.price, currency: a.json.currency, description: a.json.description, imageUrl: a.json.imageUrl },
      { name: 'Alpaca scarf', price: 4900, currency: 'EUR', description: 'Warm, soft.\nTwo lines.', imageUrl: 'https://cdn.example.com/a1.jpg' });
    const b = await product('IMPA2');
    assert.deepEqual([b.json.price, b.json.currency, b.json.description, b.json.imageUrl], [0, 'USD', '', '']);
  });

  test('multipart field "file"; optional columns may be absent, any order; a second import updates', async () => {
    let r = await importProducts('price,sku,name\n100,IMPB1,First name\n', { multipart: true, fileName: 'b.csv' });
    assert.equal(r.status, 201, r.text);
    assertProductJob(r.json, { fileName: 'b.csv', status: 'COMPLETED', totalRows: 1, rowsApplied: 1, totalRowsErrors: 0 });
    r = await importProducts('sku,name,price\nIMPB1,Second name,250\n');
    assert.equal(r.status, 201, r.text);
    const p = await product('IMPB1');
    assert.equal(p.json.name, 'Second name');
    assert.equal(p.json.price, 250);
  });

  test('needs a key', async () => {
    assertError(await importProducts('sku,name,price\nIMPK1,x,1\n', { key: false }), 401, 'UNAUTHORIZED');
    assertError(await product('IMPK1'), 404, 'PRODUCT_NOT_FOUND');
  });

  test('multipart without the "file" field: 400, no job', async () => {
    const fd = new FormData();
    fd.append('other', new Blob(['x']), 'x.csv');
    assertError(await srv.api('/v1/products/imports', { body: fd, key: true }), 400, 'MALFORMED_REQUEST');
  });

  // One bad value per file: line, column, value and the exact message.
  const RULES = [
    ['sku with a dash', 'P-1,Name,100,,,', 'sku', 'P-1',
      "character '-' (0x2D) at position 2 is not allowed: only letters and digits"],
    ['sku too long', `${'S'.repeat(65)},Name,100,,,`, 'sku', 'S'.repeat(65), 'sku is 65 characters long: at most 64 allowed'],
    ['missing sku', ',Name,100,,,', 'sku', null, 'sku is required'],
    ['missing name', 'R1,,100,,,', 'name', null, 'name is required'],
    ['name too long', `R1,${'n'.repeat(201)},100,,,`, 'name', 'n'.repeat(128), 'name is 201 bytes long: at most 200 allowed'],
    ['name with a line break', 'R1,"Two\nlines",100,,,', 'name', 'Two\nlines',
      'name: character 0x0A (line break) at position 4 is not allowed: a name is one line of text'],
    ['missing price', 'R1,Name,,,,', 'price', null, 'price is required'],
    ['decimal price', 'R1,Name,19.99,,,', 'price', '19.99',
      "price must be a whole number of minor units (1999 for 19.99): character '.' (0x2E) at position 3 is not allowed"],
    ['negative price', 'R1,Name,-5,,,', 'price', '-5',
      "price must be a whole number of minor units (1999 for 19.99): character '-' (0x2D) at position 1 is not allowed"],
    ['price above 10^12', 'R1,Name,1000000000001,,,', 'price', '1000000000001', 'price 1000000000001 is larger than 1000000000000'],
    ['lower-case currency', 'R1,Name,100,usd,,', 'currency', 'usd',
      'currency "usd" must be an ISO 4217 code of three capital letters, such as USD'],
    ['4-letter currency', 'R1,Name,100,EURO,,', 'currency', 'EURO',
      'currency "EURO" must be an ISO 4217 code of three capital letters, such as USD'],
    ['description too long', `R1,Name,100,,${'d'.repeat(2001)},`, 'description', 'd'.repeat(128),
      'description is 2001 bytes long: at most 2000 allowed'],
    ['http:// imageUrl', 'R1,Name,100,,,http://cdn.example.com/a.jpg', 'imageUrl', 'http://cdn.example.com/a.jpg',
      'imageUrl "http://cdn.example.com/a.jpg" must use https://, not http://: browsers block http:// images on a shop served over https'],
    ['relative imageUrl', 'R1,Name,100,,,/img/a.jpg', 'imageUrl', '/img/a.jpg',
      'imageUrl "/img/a.jpg" must be an https:// URL, such as https://cdn.example.com/tshirt.jpg'],
    ['imageUrl without host', 'R1,Name,100,,,https:///a.jpg', 'imageUrl', 'https:///a.jpg',
      'imageUrl "https:///a.jpg" has no host name after https://'],
    ['imageUrl with a space', 'R1,Name,100,,,https://cdn.example.com/a b.jpg', 'imageUrl', 'https://cdn.example.com/a b.jpg',
      "imageUrl: character ' ' (0x20) at byte 26 is not allowed in a URL: percent-encode it"],
  ];
  for (const [what, line, column, value, message] of RULES) {
    test(`rule: ${what} → 422 FAILED, nothing saved`, async () => {
      // A good row first: all or nothing keeps it out too.
      const r = await importProducts(`${PHEADER}\nGOOD1,Good,100,,,\n${line}\n`);
      const job = assertFailedJob(r, [{ line: 3, column, value, message }]);
      assertProductJob(job, { fileName: 'products.csv', status: 'FAILED', totalRows: 2, rowsApplied: 0, totalRowsErrors: 1 });
      assertError(await product('GOOD1'), 404, 'PRODUCT_NOT_FOUND');
    });
  }

  test('every error of a row and of the file is listed; an existing product is left as it was', async () => {
    assert.equal((await importProducts('sku,name,price\nKEEP1,Kept,700\n')).status, 201);
    const r = await importProducts(`${PHEADER}\nKEEP1,Changed,1,,,\nX-1,,abc,eur,,ftp://x\nKEEP1,Again,2,,,\nSHORT1,Name\n`);
    assertFailedJob(r, [
      { line: 3, column: 'sku', value: 'X-1', message: /position 2/ },
      { line: 3, column: 'name', value: null, message: 'name is required' },
      { line: 3, column: 'price', value: 'abc', message: /character 'a' \(0x61\) at position 1/ },
      { line: 3, column: 'currency', value: 'eur', message: /ISO 4217/ },
      { line: 3, column: 'imageUrl', value: 'ftp://x', message: /must be an https:\/\/ URL/ },
      { line: 4, column: 'sku', value: 'KEEP1', message: 'product KEEP1 appears more than once in this file (first on line 2)' },
      { line: 5, column: null, value: null, message: 'this line has 2 values but the header has 6 columns' },
    ]);
    const p = await product('KEEP1');
    assert.equal(p.json.name, 'Kept');
    assert.equal(p.json.price, 700);
  });

  test('header rules: required columns, unknown and misspelt columns, an inventory file', async () => {
    assertFailedJob(await importProducts('sku,name\nH1,x\n'), [
      { line: 1, column: null, value: null, message: 'required column "price" is missing' },
    ]);
    assertFailedJob(await importProducts('sku,Name,price,colour\nH1,x,1,red\n'), [
      { line: 1, column: null, value: 'Name', message: 'unknown column "Name": column names are case-sensitive, did you mean "name"?' },
      { line: 1, column: null, value: 'colour', message: 'unknown column "colour": the columns are sku, name, price, currency, description, imageUrl, itemId' },
      { line: 1, column: null, value: null, message: 'required column "name" is missing' },
    ]);
    const inv = await importProducts(`${HEADER}\nH1,WH1,onhand,1,0,,,\n`);
    assert.equal(inv.status, 422);
    assert.match(inv.json.errors[0].message, /^unknown column "locationId": this is an inventory file, import it with sellahead import/);
  });

  test('file rules: name, empty file, blank line', async () => {
    assertFailedJob(await importProducts('sku,name,price\nF1,x,1\n', { fileName: 'my products.csv' }), [
      { line: 0, column: null, message: 'file name "my products.csv" contains a space: rename the file without spaces' },
    ]);
    assertFailedJob(await importProducts('sku,name,price\nF1,x,1\n', { fileName: 'products.xlsx' }), [
      { line: 0, column: null, message: 'file name "products.xlsx" must end in .csv: save the file as CSV' },
    ]);
    assertFailedJob(await importProducts(''), [
      { line: 0, column: null, message: 'the file is empty: the first line must be the header (download the template)' },
    ]);
    const blank = await importProducts('sku,name,price\nF1,x,1\n\nF2,y,2\n');
    assert.equal(blank.status, 422);
    assert.equal(blank.json.errors[0].line, 3);
    assertError(await product('F1'), 404, 'PRODUCT_NOT_FOUND');
  });

  test('product jobs are in the import history, told apart by kind; errors.csv names product columns', async () => {
    const bad = await importProducts('sku,name,price\nHIST1,x,1.5\n', { fileName: 'hist.csv' });
    assert.equal(bad.status, 422);
    const inv = await srv.importCsv(`${HEADER}\nHIST1,WH1,onhand,1,0,,,\n`);
    assert.equal(inv.status, 201, inv.text);
    assert.equal(inv.json.kind, 'inventory');
    const list = await srv.api('/v1/inventory/imports?limit=2', { key: true });
    assert.deepEqual(list.json.items.map((j) => [j.id, j.kind]), [[inv.json.id, 'inventory'], [bad.json.id, 'products']]);
    const got = await srv.api(`/v1/inventory/imports/${bad.json.id}`, { key: true });
    assert.deepEqual(got.json, bad.json);
    const csv = await srv.api(`/v1/inventory/imports/${bad.json.id}/errors.csv`, { key: true });
    assert.equal(csv.text.split('\n')[1].split(',').slice(0, 3).join(','), '2,price,1.5');
  });
});

describe('sellahead products import', () => {
  test('prints the job; exit 0 when COMPLETED, 1 when FAILED, 2 for bad usage', async () => {
    const ok = path.join(srv.dir, 'cli-products.csv');
    fs.writeFileSync(ok, 'sku,name,price,imageUrl\nCLI1,From the CLI,1234,https://cdn.example.com/cli1.png\n');
    let r = await srv.cli(['products', 'import', ok]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, 'COMPLETED: 1 row applied\n');
    const job = JSON.parse(r.stdout);
    assertProductJob(job, { fileName: 'cli-products.csv', status: 'COMPLETED', totalRows: 1, rowsApplied: 1, totalRowsErrors: 0 });
    const p = await product('CLI1');
    assert.equal(p.status, 200);
    assert.equal(p.json.imageUrl, 'https://cdn.example.com/cli1.png');

    const bad = path.join(srv.dir, 'cli-bad.csv');
    fs.writeFileSync(bad, 'sku,name,price,imageUrl\nCLI2,Bad,1,http://cdn.example.com/x.png\n');
    r = await srv.cli(['products', 'import', bad]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^FAILED: 1 error in 1 row; first: line 2, column imageUrl, imageUrl "http:/);
    const failed = JSON.parse(r.stdout);
    assert.equal(failed.status, 'FAILED');
    assert.deepEqual(failed.errors.map((e) => [e.line, e.column]), [[2, 'imageUrl']]);
    assertError(await product('CLI2'), 404, 'PRODUCT_NOT_FOUND');

    r = await srv.cli(['products', 'import']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /usage: sellahead products import FILE.csv/);
    r = await srv.cli(['products', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /imageUrl \(an https:\/\/ URL\)/);
  });
});

describe('POST /v1/products shares the row rules', () => {
  test('the CSV rules and messages, by index and field', async () => {
    const r = await srv.api('/v1/products', {
      key: true,
      body: [
        { sku: 'JS1', name: 'Fine', price: 100 },
        { sku: 'JS2', name: 'Too dear', price: 1000000000001 },
        { sku: 'JS3', name: 'Plain http', price: 1, imageUrl: 'http://cdn.example.com/a.jpg' },
        { sku: 'JS4', name: 'Two\nlines', price: 1 },
      ],
    });
    assertError(r, 422, 'VALIDATION_FAILED');
    assert.deepEqual(r.json.error.details, [
      { index: 1, field: 'price', message: 'price 1000000000001 is larger than 1000000000000' },
      { index: 2, field: 'imageUrl', message: 'imageUrl "http://cdn.example.com/a.jpg" must use https://, not http://: browsers block http:// images on a shop served over https' },
      { index: 3, field: 'name', message: 'name: character 0x0A (line break) at position 4 is not allowed: a name is one line of text' },
    ]);
    assertError(await product('JS1'), 404, 'PRODUCT_NOT_FOUND');
  });

  test('an https:// imageUrl round trip, in the product and the list', async () => {
    const url = 'https://cdn.example.com/img/js5.jpg?v=2';
    const r = await srv.api('/v1/products', { key: true, body: [{ sku: 'JS5', name: 'Pictured', price: 100, imageUrl: url }] });
    assert.equal(r.status, 200, r.text);
    assert.equal((await product('JS5')).json.imageUrl, url);
    const list = await srv.api('/v1/products?cursor=JS4&limit=1');
    assert.deepEqual(list.json.items.map((p) => [p.sku, p.imageUrl]), [['JS5', url]]);
  });
});

describe('GET /v1/products?q=', () => {
  test('searches SKU and name, any case, keyset-paginated', async () => {
    const csv = 'sku,name,price\nQA1,Blue teapot,1\nQA2,Red kettle,1\nQB3,blue TEA cup,1\nQC4,100% wool_cap,1\n';
    assert.equal((await importProducts(csv)).status, 201);
    let r = await srv.api('/v1/products?q=TEA&limit=1');
    assert.deepEqual(r.json.items.map((p) => p.sku), ['QA1']);
    assert.equal(r.json.nextCursor, 'QA1');
    r = await srv.api(`/v1/products?q=TEA&limit=1&cursor=${r.json.nextCursor}`);
    assert.deepEqual(r.json.items.map((p) => p.sku), ['QB3']);
    r = await srv.api('/v1/products?q=qa2');
    assert.deepEqual(r.json.items.map((p) => p.sku), ['QA2']);
    // Wildcards of SQL's LIKE are plain text here.
    for (const q of ['%', '_', '0% w']) {
      r = await srv.api(`/v1/products?q=${encodeURIComponent(q)}`);
      assert.deepEqual(r.json.items.map((p) => p.sku), ['QC4'], q);
    }
  });
});

describe('inventory jobs warn about SKUs without a product', () => {
  test('CSV: the SKUs without a product, each once, by SKU; kept with the job', async () => {
    assert.equal((await importProducts('sku,name,price\nWSOLD1,Sold,100\n')).status, 201);
    const r = await srv.importCsv(`${HEADER}\nWNEW2,WH1,onhand,5,0,,,\nWSOLD1,WH1,onhand,5,0,,,\n` +
      'WNEW1,WH1,onhand,1,0,,,\nWNEW1,WH1,intransit,3,0,PO9,2026-11-20,\n');
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.totalWarnings, 2);
    assert.deepEqual(r.json.warnings, [
      { sku: 'WNEW1', message: 'WNEW1 has no product, so it is not for sale: add it with a products import' },
      { sku: 'WNEW2', message: 'WNEW2 has no product, so it is not for sale: add it with a products import' },
    ]);
    const got = await srv.api(`/v1/inventory/imports/${r.json.id}`, { key: true });
    assert.deepEqual(got.json, r.json);
  });

  test('none: warnings [] (and a failed job has none)', async () => {
    assert.equal((await importProducts('sku,name,price\nWOK1,Fine,100\n')).status, 201);
    const ok = await srv.importCsv(`${HEADER}\nWOK1,WH1,onhand,5,0,,,\n`);
    assert.equal(ok.status, 201, ok.text);
    assert.deepEqual([ok.json.warnings, ok.json.totalWarnings], [[], 0]);
    const bad = await srv.importCsv(`${HEADER}\nWBAD1,WH1,onhand,x,0,,,\n`);
    assert.equal(bad.status, 422);
    assert.deepEqual([bad.json.warnings, bad.json.totalWarnings], [[], 0]);
  });

  test('bulk: the same warnings, listed up to 1000 and all counted', async () => {
    const records = Array.from({ length: 1001 }, (_, i) =>
      ({ sku: `WB${String(i).padStart(4, '0')}`, locationId: 'WH1', stockType: 'onhand', quantity: 1 }));
    const r = await srv.bulk(records);
    assert.equal(r.status, 201, r.text.slice(0, 500));
    assert.equal(r.json.totalWarnings, 1001);
    assert.equal(r.json.warnings.length, 1000);
    assert.equal(r.json.warnings[0].sku, 'WB0000');
    assert.equal(r.json.warnings[999].sku, 'WB0999');
  });

  test('a products import puts the SKU on sale: product page, cart, overview', async () => {
    const inv = await srv.importCsv(`${HEADER}\nLATE1,WH1,onhand,4,0,,,\n`);
    assert.deepEqual(inv.json.warnings.map((w) => w.sku), ['LATE1']);
    const overview = async () => (await srv.api('/v1/inventory?q=LATE1', { key: true })).json.items[0];
    assert.equal((await overview()).forSale, false);
    const cart = (await srv.api('/v1/carts', { method: 'POST' })).json.id;
    assertError(await srv.api(`/v1/carts/${cart}/items`, { body: { sku: 'LATE1', quantity: 1 } }), 404, 'SKU_NOT_FOUND');
    assert.equal((await importProducts('sku,name,price\nLATE1,Late arrival,900\n')).status, 201);
    assert.equal((await overview()).forSale, true);
    assert.equal((await product('LATE1')).json.availableTotal, 4);
    const add = await srv.api(`/v1/carts/${cart}/items`, { body: { sku: 'LATE1', quantity: 1 } });
    assert.equal(add.status, 200, add.text);
  });
});
