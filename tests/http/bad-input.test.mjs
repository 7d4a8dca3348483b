// Bad input, rule by rule (SPEC section 3 and the HTTP error contract of section 5).
// Every refused import must be a 422 FAILED job naming the exact physical line and column,
// with a message that names the rule (and the bad character), and must change NO position:
// each bad file also carries valid rows that would change TSHIRT1 and MUG3 if applied.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { HEADER, assertError, assertFailedJob, fixture, startServer } from './lib/server.mjs';

let srv;
before(async () => {
  srv = await startServer({ demo: true });
});
after(async () => {
  await srv?.stop();
});


const PRE = 'TSHIRT1,WH1,onhand,999,0,,,'; // line 2
const POST = 'MUG3,WH1,onhand,777,0,,,'; // line 4
/** The bad row at line 3 between two valid ones. */
const file = (row) => `${HEADER}\n${PRE}\n${row}\n${POST}\n`;

function row(o = {}) {
  const r = { sku: 'NEWSKU1', loc: 'WH1', type: 'onhand', qty: '5', res: '0', ref: '', od: '', sd: '', ...o };
  return [r.sku, r.loc, r.type, r.qty, r.res, r.ref, r.od, r.sd].join(',');
}
const transit = (o = {}) => row({ type: 'intransit', ref: 'PO9', od: '2026-11-20', sd: '2026-12-20', ...o });
const bytes = (...parts) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

/** Runs an upload and asserts that no position changed. */
async function unchanged(fn) {
  const before = await srv.snapshot();
  const r = await fn();
  assert.deepEqual(await srv.snapshot(), before, 'a refused request changed positions');
  return r;
}

const e3 = (column, value, message) => ({ line: 3, column, value, message });
const charRule = (ch, pos) =>
  new RegExp(`character ${ch.replace(/[()+.]/g, '\\$&')} at position ${pos} is not allowed: only letters and digits`);

// [name, csv, expected errors, upload options]
const CSV_CASES = [
  // ---- identifiers: sku ----
  ['sku with a space', file(row({ sku: 'NEW SKU1' })), [e3('sku', 'NEW SKU1', charRule("' ' (0x20)", 4))]],
  ['sku with a dash', file(row({ sku: 'NEW-SKU1' })), [e3('sku', 'NEW-SKU1', charRule("'-' (0x2D)", 4))]],
  ['sku with é', file(row({ sku: 'NEWé1' })), [e3('sku', 'NEWé1', charRule("'é' (U+00E9)", 4))]],
  ['sku with a tab', file(row({ sku: 'NEW\tSKU1' })), [e3('sku', 'NEW\tSKU1', charRule('0x09 (tab)', 4))]],
  ['sku of 65 characters', file(row({ sku: 'S'.repeat(65) })), [e3('sku', 'S'.repeat(65), /sku is 65 characters long: at most 64 allowed/)]],
  ['sku empty', file(row({ sku: '' })), [e3('sku', null, 'sku is required')]],
  ['sku quoted: still checked', file(row({ sku: '"NEW SKU1"' })), [e3('sku', 'NEW SKU1', charRule("' ' (0x20)", 4))]],
  ['sku with a zero-width space', file(row({ sku: 'NEW\u200bSKU1' })), [e3('sku', 'NEW\u200bSKU1', /U\+200B \(zero-width space\) at position 4 is not allowed/)]],
  // ---- identifiers: locationId ----
  ['locationId with a space', file(row({ loc: 'WH 1' })), [e3('locationId', 'WH 1', charRule("' ' (0x20)", 3))]],
  ['locationId with a dash', file(row({ loc: 'WH-1' })), [e3('locationId', 'WH-1', charRule("'-' (0x2D)", 3))]],
  ['locationId with é', file(row({ loc: 'WHé' })), [e3('locationId', 'WHé', charRule("'é' (U+00E9)", 3))]],
  ['locationId with a tab', file(row({ loc: 'WH\t1' })), [e3('locationId', 'WH\t1', charRule('0x09 (tab)', 3))]],
  ['locationId of 65 characters', file(row({ loc: 'W'.repeat(65) })), [e3('locationId', 'W'.repeat(65), /locationId is 65 characters long: at most 64 allowed/)]],
  ['locationId empty', file(row({ loc: '' })), [e3('locationId', null, 'locationId is required')]],
  // ---- identifiers: transitRef ----
  ['transitRef with a space', file(transit({ ref: 'PO 9' })), [e3('transitRef', 'PO 9', charRule("' ' (0x20)", 3))]],
  ['transitRef with a dash', file(transit({ ref: 'PO-9' })), [e3('transitRef', 'PO-9', charRule("'-' (0x2D)", 3))]],
  ['transitRef with é', file(transit({ ref: 'POé' })), [e3('transitRef', 'POé', charRule("'é' (U+00E9)", 3))]],
  ['transitRef with a tab', file(transit({ ref: 'PO\t9' })), [e3('transitRef', 'PO\t9', charRule('0x09 (tab)', 3))]],
  ['transitRef of 65 characters', file(transit({ ref: 'R'.repeat(65) })), [e3('transitRef', 'R'.repeat(65), /transitRef is 65 characters long: at most 64 allowed/)]],
  ['a long bad value is echoed cut on a character boundary', file(row({ sku: `${'A'.repeat(127)}é` })),
    [e3('sku', 'A'.repeat(127), charRule("'é' (U+00E9)", 128))]],
  // ---- stockType ----
  ['stockType invalid', file(row({ type: 'instock' })), [e3('stockType', 'instock', /stockType "instock" must be onhand or intransit/)]],
  ['stockType with a space', file(row({ type: 'on hand' })), [e3('stockType', 'on hand', /stockType "on hand" must be onhand or intransit/)]],
  ['stockType empty', file(row({ type: '' })), [e3('stockType', null, 'stockType is required')]],
  // ---- quantities ----
  ['quantity negative', file(row({ qty: '-5' })), [e3('quantity', '-5', /quantity must be a whole number of 0 or more: character '-' \(0x2D\) at position 1 is not allowed/)]],
  ['quantity decimal', file(row({ qty: '1.5' })), [e3('quantity', '1.5', /quantity must be a whole number .*character '\.' \(0x2E\) at position 2/)]],
  ['quantity 2147483648', file(row({ qty: '2147483648' })), [e3('quantity', '2147483648', 'quantity 2147483648 is larger than 2147483647')]],
  ['quantity of 20 digits', file(row({ qty: '99999999999999999999' })), [e3('quantity', '99999999999999999999', /is larger than 2147483647/)]],
  ['quantity not digits', file(row({ qty: 'abc' })), [e3('quantity', 'abc', /character 'a' \(0x61\) at position 1/)]],
  ['quantity "1 0"', file(row({ qty: '1 0' })), [e3('quantity', '1 0', /character ' ' \(0x20\) at position 2/)]],
  ['quantity with a plus sign', file(row({ qty: '+5' })), [e3('quantity', '+5', /character '\+' \(0x2B\) at position 1/)]],
  ['quantity empty', file(row({ qty: '' })), [e3('quantity', null, 'quantity is required')]],
  ['reservedQuantity negative', file(row({ res: '-1' })), [e3('reservedQuantity', '-1', /reservedQuantity must be a whole number .*'-' \(0x2D\) at position 1/)]],
  ['reservedQuantity 2147483648', file(row({ res: '2147483648' })), [e3('reservedQuantity', '2147483648', 'reservedQuantity 2147483648 is larger than 2147483647')]],
  // ---- dates ----
  ['transitStockDate 2027-02-29 (not a leap year)', file(transit({ sd: '2027-02-29' })), [e3('transitStockDate', '2027-02-29', /2027-02-29 is not a real date/)]],
  ['transitOrderDate 2026-13-01', file(transit({ od: '2026-13-01', sd: '' })), [e3('transitOrderDate', '2026-13-01', /2026-13-01 is not a real date/)]],
  ['transitOrderDate 26-11-01', file(transit({ od: '26-11-01', sd: '' })), [e3('transitOrderDate', '26-11-01', /"26-11-01" is not a date: use YYYY-MM-DD/)]],
  ['transitStockDate 2026/12/20', file(transit({ sd: '2026/12/20' })), [e3('transitStockDate', '2026/12/20', /is not a date: use YYYY-MM-DD/)]],
  ['transitStockDate 2026-12-1', file(transit({ sd: '2026-12-1' })), [e3('transitStockDate', '2026-12-1', /is not a date: use YYYY-MM-DD/)]],
  ['stock date before order date', file(transit({ od: '2026-11-20', sd: '2026-11-19' })), [e3('transitStockDate', '2026-11-19', 'transitStockDate 2026-11-19 is before transitOrderDate 2026-11-20')]],
  // ---- stock type vs transit fields ----
  ['onhand with transitRef', file(row({ ref: 'PO9' })), [e3('transitRef', 'PO9', 'transitRef must be empty for onhand stock')]],
  ['onhand with transitOrderDate', file(row({ od: '2026-11-20' })), [e3('transitOrderDate', '2026-11-20', 'transitOrderDate must be empty for onhand stock')]],
  ['onhand with transitStockDate', file(row({ sd: '2026-12-20' })), [e3('transitStockDate', '2026-12-20', 'transitStockDate must be empty for onhand stock')]],
  ['intransit without transitRef', file(transit({ ref: '' })), [e3('transitRef', null, 'transitRef is required for intransit stock')]],
  ['intransit without transitOrderDate', file(transit({ od: '' })), [e3('transitOrderDate', null, 'transitOrderDate is required for intransit stock')]],
  // ---- store rules ----
  ['unknown location', file(row({ loc: 'WH9' })), [e3('locationId', 'WH9', /location WH9 does not exist/)]],
  ['same onhand position twice', `${HEADER}\n${PRE}\nMUG3,WH1,onhand,1,0,,,\n${POST}\n`,
    [{ line: 4, column: 'sku', value: 'MUG3', message: /onhand stock of MUG3 at WH1 appears more than once/ }]],
  ['same transit position twice', `${HEADER}\n${PRE}\n${transit()}\n${transit({ qty: '6' })}\n${POST}\n`,
    [{ line: 4, column: 'sku', value: 'NEWSKU1', message: /transit PO9 of NEWSKU1 at WH1 appears more than once/ }]],
  ['same position twice, aliases and case differ', `${HEADER}\n${PRE}\nMUG3,WH1,Stock,1,0,,,\n${POST.replace('onhand', 'ONHAND')}\n`,
    [{ line: 4, column: 'sku', value: 'MUG3', message: /appears more than once/ }]],
  ['a row with an error still counts for duplicates', `${HEADER}\n${PRE}\nMUG3,WH1,onhand,x,0,,,\n${POST}\n`, [
    e3('quantity', 'x', /'x' \(0x78\) at position 1/),
    { line: 4, column: 'sku', value: 'MUG3', message: /onhand stock of MUG3 at WH1 appears more than once/ },
  ]],
  ['unknown location reported with another error in the row', file(row({ loc: 'WH9', qty: '-1' })), [
    e3('quantity', '-1', /'-' \(0x2D\) at position 1/),
    e3('locationId', 'WH9', /location WH9 does not exist/),
  ]],
  // ---- field count ----
  ['too few fields', file('NEWSKU1,WH1,onhand,5,0,,'), [e3(null, null, 'this line has 7 values but the header has 8 columns')]],
  ['too many fields', file('NEWSKU1,WH1,onhand,5,0,,,,'), [e3(null, null, 'this line has 9 values but the header has 8 columns')]],
  ['a comma inside an unquoted quantity', file(row({ qty: '1,000' })), [e3(null, null, /9 values but the header has 8 columns/)]],
  // ---- lines and bytes ----
  ['blank line (LF)', `${HEADER}\n${PRE}\n\n${POST}\n`, [e3(null, null, /blank line/)]],
  ['blank line (CRLF)', `${HEADER}\r\n${PRE}\r\n\r\n${POST}\r\n`, [e3(null, null, /blank line/)]],
  ['blank line at the end', `${HEADER}\n${PRE}\n${POST}\n\n`, [{ line: 4, column: null, value: null, message: /blank line/ }]],
  ['line break CR without LF', `${HEADER}\n${PRE}\n${row()}\r${POST}\n`, [e3(null, null, /CR without LF/)]],
  ['a quote inside an unquoted value', file(row({ sku: 'NEW"SKU1' })), [e3('sku', null, /a quote \("\) at position 4 inside a value that does not start with a quote/)]],
  ['text after a closing quote', file(row({ sku: '"NEWSKU1"x' })), [e3('sku', null, /character 'x' \(0x78\) after the closing quote/)]],
  ['a quote never closed', `${HEADER}\n${PRE}\n"NEWSKU1,WH1,onhand,5,0,,,\n${POST}\n`, [e3('sku', null, /quoted value opened on line 3 is never closed/)]],
  ['a NUL byte', file(row({ sku: 'NEW\0SKU1' })), [e3('sku', null, /character 0x00 at position 4 is not allowed/)]],
  ['invalid UTF-8: a Latin-1 é', fixture('latin1.csv'), [e3('sku', null, /byte 0xC9 at position 4 is not valid UTF-8/)]],
  ['invalid UTF-8: a cut sequence', bytes(`${HEADER}\n${PRE}\nCAF`, [0xc3], `,WH1,onhand,5,0,,,\n${POST}\n`), [e3('sku', null, /byte 0xC3 at position 4 is not valid UTF-8/)]],
  ['invalid UTF-8: an overlong slash', bytes(`${HEADER}\n${PRE}\nNEWSKU1,WH1,onhand,5,0,`, [0xc0, 0xaf], `,,\n${POST}\n`), [e3('transitRef', null, /byte 0xC0 at position 1 is not valid UTF-8/)]],
  ['invalid UTF-8: a UTF-16 surrogate', bytes(`${HEADER}\n${PRE}\nNEW`, [0xed, 0xa0, 0x80], `,WH1,onhand,5,0,,,\n${POST}\n`), [e3('sku', null, /byte 0xED at position 4 is not valid UTF-8/)]],
  ['a value over 4096 bytes', file(row({ sku: 'A'.repeat(5000) })), [e3('sku', null, /value longer than 4096 characters/)]],
  // ---- header ----
  ['header: unknown column', `${HEADER},colour\n${PRE},red\n${row()},blue\n${POST},green\n`,
    [{ line: 1, column: null, value: 'colour', message: /unknown column "colour"/ }]],
  ['header: duplicate column', `${HEADER},sku\n${PRE},X\n${row()},Y\n${POST},Z\n`,
    [{ line: 1, column: null, value: 'sku', message: 'column "sku" appears twice' }]],
  ['header: required column missing', 'sku,locationId,stockType,reservedQuantity,transitRef,transitOrderDate,transitStockDate\nMUG3,WH1,onhand,0,,,\n',
    [{ line: 1, column: null, value: null, message: 'required column "quantity" is missing' }]],
  ['header: names are case-sensitive', `${HEADER.replace('sku', 'SKU')}\n${PRE}\n${POST}\n`, [
    { line: 1, column: null, value: 'SKU', message: /unknown column "SKU": column names are case-sensitive, did you mean "sku"\?/ },
    { line: 1, column: null, value: null, message: 'required column "sku" is missing' },
  ]],
  ['header: a space around a name', `${HEADER.replace('quantity,', ' quantity,')}\n${PRE}\n${POST}\n`, [
    { line: 1, column: null, value: ' quantity', message: /unknown column " quantity": column names must not have spaces around them/ },
    { line: 1, column: null, value: null, message: 'required column "quantity" is missing' },
  ]],
  ['header: the bulk alias "type" is not a CSV column', `${HEADER.replace('stockType', 'type')}\n${PRE}\n${POST}\n`, [
    { line: 1, column: null, value: 'type', message: /unknown column "type": in a CSV file the column is "stockType"/ },
    { line: 1, column: null, value: null, message: 'required column "stockType" is missing' },
  ]],
  ['header: a trailing comma (a column without name)', `${HEADER},\n${PRE},\n`,
    [{ line: 1, column: null, value: null, message: /column 9 of the header has no name/ }]],
  ['a quoted value with a line break inside', `${HEADER}\n${PRE}\n"NEW\nSKU1",WH1,onhand,5,0,,,\n${POST}\n`,
    [e3('sku', 'NEW\nSKU1', charRule('0x0A (line break)', 4))]],
  ['after a quoted line break, lines are still counted physically', `${HEADER}\n"MUG3\n",WH1,onhand,5,0,,,\n${row({ qty: 'z' })}\n`,
    [{ line: 2, column: 'sku', value: 'MUG3\n', message: charRule('0x0A (line break)', 5) },
      { line: 4, column: 'quantity', value: 'z', message: /'z' \(0x7A\) at position 1/ }]],
  ['header: two BOMs', bytes([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf], `${HEADER}\n${PRE}\n`), [
    { line: 1, column: null, message: /unknown column/ },
    { line: 1, column: null, value: null, message: 'required column "sku" is missing' },
  ]],
  // No header: line 1 is read as one and fails as a whole; nothing else can be read.
  ['no header: the first line is data', `${PRE}\n${POST}\n`, [
    ...['TSHIRT1', 'WH1', 'onhand', '999', '0'].map((v) =>
      ({ line: 1, column: null, value: v, message: new RegExp(`^unknown column "${v}": the columns are sku, locationId,`) })),
    ...[6, 7, 8].map((n) => ({ line: 1, column: null, value: null, message: new RegExp(`^column ${n} of the header has no name`) })),
    ...['sku', 'locationId', 'stockType', 'quantity', 'transitRef', 'transitOrderDate', 'transitStockDate'].map((c) =>
      ({ line: 1, column: null, value: null, message: `required column "${c}" is missing` })),
  ]],
  // ---- file ----
  ['file name with a space (multipart)', file(row()), [{ line: 0, column: null, value: null, message: /file name "my stock\.csv" contains a space/ }],
    { fileName: 'my stock.csv', multipart: true }],
  ['file name not .csv (multipart)', file(row()), [{ line: 0, column: null, value: null, message: /file name "stock\.txt" must end in \.csv/ }],
    { fileName: 'stock.txt', multipart: true }],
  ['file name .csv.txt (?fileName=)', file(row()), [{ line: 0, column: null, value: null, message: /must end in \.csv/ }],
    { fileName: 'stock.csv.txt' }],
  ['file name with a space (?fileName=)', file(row()), [{ line: 0, column: null, value: null, message: /contains a space/ }],
    { fileName: 'stock 2.csv' }],
  ['file name ".csv" alone', file(row()), [{ line: 0, column: null, value: null, message: /has no name before \.csv/ }],
    { fileName: '.csv', multipart: true }],
  ['an empty file', '', [{ line: 0, column: null, value: null, message: /the file is empty/ }]],
];

describe('CSV import: every rule of SPEC section 3', () => {
  for (const [name, csv, errors, opts] of CSV_CASES) {
    test(name, async () => {
      const r = await unchanged(() => srv.importCsv(csv, { fileName: 'inventory.csv', ...opts }));
      const job = assertFailedJob(r, errors);
      assert.equal(job.source, 'csv');
    });
  }

  test('several bad rows: every error in line order, counted', async () => {
    const csv = `${HEADER}\n${PRE}\n${row({ sku: 'A B' })}\n${row({ qty: 'x', loc: '' })}\n\n${transit({ ref: '' })}\n`;
    const r = await unchanged(() => srv.importCsv(csv));
    assertFailedJob(r, [
      e3('sku', 'A B', charRule("' ' (0x20)", 2)),
      { line: 4, column: 'locationId', value: null, message: 'locationId is required' },
      { line: 4, column: 'quantity', value: 'x', message: /'x' \(0x78\) at position 1/ },
      { line: 5, column: null, value: null, message: /blank line/ },
      { line: 6, column: 'transitRef', value: null, message: 'transitRef is required for intransit stock' },
    ]);
  });
});

// Variants the rules allow: each must be COMPLETED and apply its values.
describe('CSV import: accepted variants', () => {
  const pos = async (sku, type = 'onhand', ref = '') =>
    (await srv.item(sku)).positions.find((p) => p.stockType === type && (p.transitRef ?? '') === ref);

  const ACCEPTED = [
    ['UTF-8 BOM and CRLF line ends', fixture('bom-crlf.csv'), {}, async () => {
      assert.equal((await pos('MUG3')).quantity, 61);
      assert.equal((await pos('SCARF9', 'intransit', 'PO7002')).transitStockDate, '2026-12-11');
    }],
    ['CRLF without BOM', `${HEADER}\r\nMUG3,WH1,onhand,62,0,,,\r\n`, {}, async () => {
      assert.equal((await pos('MUG3')).quantity, 62);
    }],
    ['no final newline', `${HEADER}\nMUG3,WH1,onhand,63,0,,,`, {}, async () => {
      assert.equal((await pos('MUG3')).quantity, 63);
    }],
    ['columns in another order, reservedQuantity absent (0)', fixture('reordered-no-reserved.csv'), {}, async () => {
      const mug = await pos('MUG3');
      assert.equal(mug.quantity, 44);
      assert.equal(mug.reservedQuantity, 0);
      assert.equal((await pos('SCARF9', 'intransit', 'PO7003')).transitStockDate, '2026-12-12');
    }],
    ['stock types Stock/Transit and any case', `${HEADER}\nMUG3,WH1,Stock,64,0,,,\nSCARF9,WH1,TRANSIT,5,0,PO7004,2026-11-25,\nSCARF9,WH1,InTransit,6,0,PO7005,2026-11-25,\nSCARF9,WH1,ONHAND,12,0,,,\n`, {}, async () => {
      assert.equal((await pos('MUG3')).quantity, 64);
      assert.equal((await pos('SCARF9', 'intransit', 'PO7004')).quantity, 5);
      assert.equal((await pos('SCARF9', 'intransit', 'PO7005')).quantity, 6);
    }],
    ['every value quoted, "" escapes irrelevant', `${HEADER}\n"MUG3","WH1","onhand","65","1","","",""\n`, {}, async () => {
      const mug = await pos('MUG3');
      assert.equal(mug.quantity, 65);
      assert.equal(mug.reservedQuantity, 1);
    }],
    ['limits: quantity 2147483647, leading zeros, 64-character sku and transitRef', `${HEADER}\nMUG3,WH1,onhand,2147483647,0007,,,\n${'K'.repeat(64)},WH1,intransit,1,0,${'R'.repeat(64)},2026-11-20,\n`, {}, async () => {
      const mug = await pos('MUG3');
      assert.equal(mug.quantity, 2147483647);
      assert.equal(mug.reservedQuantity, 7);
      assert.equal((await pos('K'.repeat(64), 'intransit', 'R'.repeat(64))).quantity, 1);
    }],
    ['stock date equal to order date; 29 Feb of a leap year', `${HEADER}\nSCARF9,WH1,intransit,2,0,PO7006,2028-02-29,2028-02-29\n`, {}, async () => {
      assert.equal((await pos('SCARF9', 'intransit', 'PO7006')).transitStockDate, '2028-02-29');
    }],
    ['quoted header names', `"sku","locationId","stockType","quantity","reservedQuantity","transitRef","transitOrderDate","transitStockDate"\nMUG3,WH1,onhand,68,0,,,\n`, {}, async () => {
      assert.equal((await pos('MUG3')).quantity, 68);
    }],
    ['a header and no rows: nothing to do', `${HEADER}\n`, {}, async () => {
      assert.equal((await pos('MUG3')).quantity, 68);
    }],
    ['file name in upper case .CSV (multipart)', `${HEADER}\nMUG3,WH1,onhand,66,0,,,\n`, { fileName: 'STOCK.CSV', multipart: true }, async () => {
      assert.equal((await pos('MUG3')).quantity, 66);
    }],
    ['file name with dashes, dots and unicode', `${HEADER}\nMUG3,WH1,onhand,67,0,,,\n`, { fileName: 'bestand-ä.2026.csv', multipart: true }, async () => {
      assert.equal((await pos('MUG3')).quantity, 67);
    }],
  ];
  for (const [name, csv, opts, check] of ACCEPTED) {
    test(name, async () => {
      const r = await srv.importCsv(csv, { fileName: 'inventory.csv', ...opts });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.json.status, 'COMPLETED');
      assert.equal(r.json.totalRowsErrors, 0);
      assert.equal(r.json.rowsApplied, r.json.totalRows);
      if (opts.fileName) assert.equal(r.json.fileName, opts.fileName);
      await check();
    });
  }
});

describe('bulk API: the same rules, line = 1-based array index', () => {
  const good = { sku: 'TSHIRT1', locationId: 'WH1', type: 'Stock', totalQuantity: 999 };
  const rec = (o) => ({ sku: 'NEWSKU1', locationId: 'WH1', stockType: 'onhand', quantity: 5, ...o });
  const tr = (o) => rec({ stockType: 'intransit', transitRef: 'PO9', transitOrderDate: '2026-11-20', ...o });
  const e2 = (column, value, message) => ({ line: 2, column, value, message });
  const BULK_CASES = [
    ['unknown field', [good, rec({ colour: 'red' })], [e2(null, 'colour', 'unknown field "colour"')]],
    ['field names are case-sensitive', [good, { SKU: 'X1', locationId: 'WH1', stockType: 'onhand', quantity: 1 }],
      [e2(null, 'SKU', 'unknown field "SKU"'), e2('sku', null, 'sku is required')]],
    ['a record that is not an object', [good, 5, rec()], [e2(null, null, 'each record must be a JSON object')]],
    ['quantity as a decimal', [good, rec({ quantity: 1.5 })], [e2('quantity', null, 'quantity must be a string or a whole number')]],
    ['quantity as a boolean', [good, rec({ quantity: true })], [e2('quantity', null, 'quantity must be a string or a whole number')]],
    ['quantity negative', [good, rec({ quantity: -3 })], [e2('quantity', '-3', /'-' \(0x2D\) at position 1/)]],
    ['quantity 2147483648', [good, rec({ quantity: 2147483648 })], [e2('quantity', '2147483648', 'quantity 2147483648 is larger than 2147483647')]],
    ['totalQuantity negative', [good, { sku: 'NEWSKU1', locationId: 'WH1', type: 'Stock', totalQuantity: -1 }], [e2('quantity', '-1', /'-' \(0x2D\)/)]],
    ['type unknown', [good, { sku: 'NEWSKU1', locationId: 'WH1', type: 'Warehouse', totalQuantity: 1 }], [e2('stockType', 'Warehouse', /must be onhand or intransit/)]],
    ['type and stockType both', [good, rec({ type: 'Stock' })], [e2('stockType', null, /stockType is given twice/)]],
    ['totalQuantity and quantity both', [good, rec({ totalQuantity: 5 })], [e2('quantity', null, /quantity is given twice/)]],
    ['locationId missing', [good, { sku: 'NEWSKU1', stockType: 'onhand', quantity: 1 }], [e2('locationId', null, 'locationId is required')]],
    ['sku with a space', [good, rec({ sku: 'A B' })], [e2('sku', 'A B', charRule("' ' (0x20)", 2))]],
    ['transitRef with a dash', [good, tr({ transitRef: 'PO-9' })], [e2('transitRef', 'PO-9', charRule("'-' (0x2D)", 3))]],
    ['stock date before order date', [good, tr({ transitStockDate: '2026-11-01' })], [e2('transitStockDate', '2026-11-01', /is before transitOrderDate 2026-11-20/)]],
    ['date not real', [good, tr({ transitStockDate: '2027-02-29' })], [e2('transitStockDate', '2027-02-29', /not a real date/)]],
    ['onhand with transitRef', [good, rec({ transitRef: 'PO9' })], [e2('transitRef', 'PO9', 'transitRef must be empty for onhand stock')]],
    ['unknown location', [good, rec({ locationId: 'WH9' })], [e2('locationId', 'WH9', /location WH9 does not exist/)]],
    ['duplicate position', [good, rec(), rec({ quantity: 6 })], [{ line: 3, column: 'sku', value: 'NEWSKU1', message: /appears more than once/ }]],
  ];
  for (const [name, body, errors] of BULK_CASES) {
    test(name, async () => {
      const r = await unchanged(() => srv.bulk(body));
      const job = assertFailedJob(r, errors);
      assert.equal(job.source, 'api');
      assert.equal(job.fileName, null);
    });
  }

  test('body an object, not an array → 422', async () => {
    const r = await unchanged(() => srv.bulk(good));
    assertError(r, 422, 'VALIDATION_FAILED', /array/);
  });

  test('body a JSON scalar (well-formed, not an array) → 422, not 400', async () => {
    for (const body of ['"TSHIRT1"', 'null', '42']) {
      const r = await unchanged(() => srv.api('/v1/inventory/bulk', {
        key: true, body, headers: { 'content-type': 'application/json' },
      }));
      assertError(r, 422, 'VALIDATION_FAILED', /array/);
    }
  });
});

describe('HTTP: malformed, wrong type, too large, no key, not found', () => {
  const BULK_OK = JSON.stringify([{ sku: 'TSHIRT1', locationId: 'WH1', type: 'Stock', totalQuantity: 999 }]);
  const json = { 'content-type': 'application/json' };

  const MALFORMED = [
    ['/v1/locations', '{"locationId": "WH5", "name": }', { line: 1, column: 31, position: 31 }],
    ['/v1/locations', '{"locationId": "WH5",', { line: 1, column: 21, position: 21 }],
    ['/v1/locations', '{\n  "locationId": "WH5",\n  name: "x"\n}', { line: 3, column: 6, position: 31 }],
    ['/v1/locations', '{"locationId": "WH5", "locationId": "WH6", "name": "x"}', { line: 1, column: 34, position: 34 }],
    ['/v1/inventory/bulk', BULK_OK.slice(0, -1), { line: 1, column: BULK_OK.length - 1, position: BULK_OK.length - 1 }],
    ['/v1/inventory/query', '{"items": [{"sku": "MUG3",}]}', { line: 1, column: 27, position: 27 }],
    ['/v1/products', '', { line: 1, column: 0, position: 0 }],
  ];
  for (const [path, body, where] of MALFORMED) {
    test(`malformed JSON to ${path} → 400 at line ${where.line}, column ${where.column}`, async () => {
      const r = await unchanged(() => srv.api(path, { body, key: true, headers: json }));
      assertError(r, 400, 'MALFORMED_JSON', new RegExp(`line ${where.line}, column ${where.column}`));
      assert.deepEqual(r.json.error.details, [where]);
    });
  }

  const WRONG_TYPE = [
    ['/v1/locations', 'text/plain', '{"locationId": "WH5", "name": "x"}'],
    ['/v1/inventory/bulk', 'text/csv', `${HEADER}\n${PRE}\n`],
    ['/v1/inventory/bulk', null, BULK_OK],
    ['/v1/inventory/imports', 'application/json', BULK_OK],
    ['/v1/inventory/imports', 'text/plain', `${HEADER}\n${PRE}\n`],
    ['/v1/inventory/query', 'application/x-www-form-urlencoded', 'items=MUG3'],
  ];
  for (const [path, type, body] of WRONG_TYPE) {
    test(`${type ?? 'no content type'} to ${path} → 415`, async () => {
      const headers = type ? { 'content-type': type } : {};
      const r = await unchanged(async () => {
        if (type) return srv.api(path, { body, key: true, headers });
        // fetch labels a string body text/plain; a Blob without type goes with no Content-Type.
        return srv.api(path, { body: new Blob([body]), key: true, headers });
      });
      assertError(r, 415, 'UNSUPPORTED_MEDIA_TYPE');
    });
  }

  test('multipart without a boundary → 400', async () => {
    const r = await unchanged(() => srv.api('/v1/inventory/imports', {
      body: `${HEADER}\n${PRE}\n`, key: true, headers: { 'content-type': 'multipart/form-data' },
    }));
    assertError(r, 400, 'MALFORMED_REQUEST');
  });

  test('multipart without the "file" field → 400, no job', async () => {
    const fd = new FormData();
    fd.append('upload', new Blob([`${HEADER}\n${PRE}\n`], { type: 'text/csv' }), 'inventory.csv');
    const jobs = (await srv.api('/v1/inventory/imports', { key: true })).json.items.length;
    const r = await unchanged(() => srv.api('/v1/inventory/imports', { body: fd, key: true }));
    assertError(r, 400, 'MALFORMED_REQUEST', /file/);
    assert.equal((await srv.api('/v1/inventory/imports', { key: true })).json.items.length, jobs);
  });

  test('JSON body over 1 MiB to /v1/locations → 413', async () => {
    const body = JSON.stringify({ locationId: 'BIG1', name: 'x'.repeat((1 << 20) + 10) });
    const r = await srv.api('/v1/locations', { body, key: true, headers: json });
    assertError(r, 413, 'PAYLOAD_TOO_LARGE');
    const ids = (await srv.api('/v1/locations')).json.items.map((l) => l.locationId);
    assert.equal(ids.includes('BIG1'), false);
  });

  test('JSON body over 1 MiB to /v1/inventory/query → 413; exactly 1 MiB is read', async () => {
    const pad = (n) => `{"items": []${' '.repeat(n - 13)}}`;
    assertError(await srv.api('/v1/inventory/query', { body: pad((1 << 20) + 1), headers: json }), 413, 'PAYLOAD_TOO_LARGE');
    const ok = await srv.api('/v1/inventory/query', { body: pad(1 << 20), headers: json });
    assert.equal(ok.status, 200, ok.text);
  });

  test('chunked JSON body over 1 MiB (no Content-Length) → 413', async () => {
    const chunk = new TextEncoder().encode(' '.repeat(64 * 1024));
    let sent = 0;
    const body = new ReadableStream({
      pull(c) {
        if (sent === 0) c.enqueue(new TextEncoder().encode('{"locationId": "BIG2", "name": "x"'));
        if (sent > (1 << 20)) {
          c.enqueue(new TextEncoder().encode('}'));
          c.close();
          return;
        }
        c.enqueue(chunk);
        sent += chunk.length;
      },
    });
    const r = await srv.api('/v1/locations', { body, key: true, headers: json });
    assertError(r, 413, 'PAYLOAD_TOO_LARGE');
    const ids = (await srv.api('/v1/locations')).json.items.map((l) => l.locationId);
    assert.equal(ids.includes('BIG2'), false);
  });

  const KEYED = [
    ['GET', '/v1/inventory'],
    ['GET', '/v1/inventory/imports'],
    ['GET', '/v1/inventory/imports/imp_x'],
    ['GET', '/v1/inventory/imports/imp_x/errors.csv'],
    ['POST', '/v1/inventory/imports?fileName=a.csv', `${HEADER}\n${PRE}\n`, 'text/csv'],
    ['POST', '/v1/inventory/bulk', BULK_OK, 'application/json'],
    ['POST', '/v1/locations', '{"locationId": "KEY1", "name": "x"}', 'application/json'],
    ['POST', '/v1/products', '[{"sku": "KEY1", "name": "x", "price": 1}]', 'application/json'],
    ['PUT', '/v1/settings', '{"inStockMinDays": 0}', 'application/json'],
  ];
  const BAD_AUTH = [
    ['no Authorization', {}],
    ['an unknown key', { authorization: 'Bearer sk_aaaaaaaaaaaaaaaaaaaa.0123456789abcdef' }],
    ['a key without its secret', null],
    ['Basic instead of Bearer', null],
    ['an empty Bearer', { authorization: 'Bearer ' }],
  ];
  for (const [method, path, body, type] of KEYED) {
    test(`${method} ${path} without a valid key → 401`, async () => {
      const keyId = srv.key.split('.')[0];
      for (const [what, h] of BAD_AUTH) {
        const headers = h ?? (what.startsWith('a key without')
          ? { authorization: `Bearer ${keyId}.` }
          : { authorization: `Basic ${Buffer.from(`x:${srv.key}`).toString('base64')}` });
        const r = await unchanged(() => srv.api(path, {
          method, body, headers: { ...headers, ...(type ? { 'content-type': type } : {}) },
        }));
        assertError(r, 401, 'UNAUTHORIZED');
      }
    });
  }

  test('nothing was created by the refused requests', async () => {
    const locs = (await srv.api('/v1/locations')).json.items.map((l) => l.locationId);
    assert.deepEqual(locs, ['WH1']);
    assertError(await srv.api('/v1/products/KEY1'), 404, 'PRODUCT_NOT_FOUND');
    assert.equal((await srv.api('/v1/settings')).json.inStockMinDays, 1);
  });

  test('unknown SKU → 404 SKU_NOT_FOUND', async () => {
    for (const sku of ['NOSUCHSKU', 'has%20space', 'x'.repeat(65)]) {
      assertError(await srv.api(`/v1/inventory/${sku}`), 404, 'SKU_NOT_FOUND');
    }
  });

  test('a path segment is percent-decoded once, not twice', async () => {
    // %2533 is "%33": the SKU "MUG%33" does not exist (decoding twice would give MUG3).
    assertError(await srv.api('/v1/inventory/MUG%2533'), 404, 'SKU_NOT_FOUND');
    assertError(await srv.api('/v1/products/MUG%2533'), 404, 'PRODUCT_NOT_FOUND');
    const once = await srv.api('/v1/inventory/MUG%33');
    assert.equal(once.status, 200);
    assert.equal(once.json.sku, 'MUG3');
  });

  test('unknown route → 404 NOT_FOUND', async () => {
    for (const p of ['/v2/inventory/MUG3', '/v1/inventorys', '/v1/inventory/imports/x/y/z']) {
      assertError(await srv.api(p), 404, 'NOT_FOUND');
    }
    // Not an API path: the storefront's HTML 404 page (SPEC 7).
    const page = await srv.api('/admin/api');
    assert.equal(page.status, 404);
    assert.match(page.headers.get('content-type'), /^text\/html/);
    assertError(await srv.api('/nope', { method: 'POST', body: { a: 1 } }), 404, 'NOT_FOUND');
  });
});
