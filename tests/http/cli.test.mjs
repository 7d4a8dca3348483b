// SPEC 4: the CLI. Exit codes 0 ok, 1 failure (bad input included), 2 usage error; --help on
// every command; import prints the job as JSON (exit 1 when FAILED); inventory prints the 5.1
// document (exit 1 for an unknown SKU); template prints the template.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { BIN, FIXTURES, HEADER, TEMPLATE, run, startServer } from './lib/server.mjs';
import { waitFor } from './lib/shop.mjs';

let srv;
before(async () => {
  srv = await startServer({ demo: true });
});
after(async () => {
  await srv?.stop();
});

function write(name, text) {
  const p = path.join(srv.dir, name);
  fs.writeFileSync(p, text);
  return p;
}

describe('usage and --help', () => {
  const commands = [
    ['serve'], ['import'], ['template'], ['inventory'], ['location'], ['apikey'], ['demo'],
    ['user'], ['check'],
  ];
  for (const cmd of commands) {
    test(`sellahead ${cmd.join(' ')} --help: usage on stdout, exit 0`, async () => {
      const r = await run([...cmd, '--help']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^usage: sellahead ${cmd[0]}`));
      const h = await run([...cmd, '-h']);
      assert.equal(h.code, 0);
      assert.equal(h.stdout, r.stdout);
    });
  }

  test('--help after other arguments still helps and does nothing else', async () => {
    const r = await srv.cli(['location', 'add', 'HELPME1', 'Help', '--db', srv.db, '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^usage: sellahead location add/);
    const list = await srv.api('/v1/locations');
    assert.equal(list.json.items.some((l) => l.locationId === 'HELPME1'), false);
  });

  test('sellahead --help and no arguments', async () => {
    const h = await run(['--help']);
    assert.equal(h.code, 0);
    assert.match(h.stdout, /^usage: sellahead COMMAND/);
    const none = await run([]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /usage: sellahead/);
  });

  const usageErrors = [
    [['frobnicate']],
    [['import']],
    [['import', 'a.csv', 'b.csv']],
    [['import', 'a.csv', '--bogus']],
    [['import', 'a.csv', '--db']],
    [['template', 'extra']],
    [['inventory']],
    [['inventory', 'MUG3', '--quantity', '0']],
    [['inventory', 'MUG3', '--quantity', 'abc']],
    [['inventory', 'MUG3', '--port', '1']],
    [['inventory', 'MUG3', '--channel', '0']],
    [['inventory', 'MUG3', '--channel', 'A1']],
    [['location', 'add', 'WH9']],
    [['location', 'remove', 'WH9', 'x']],
    [['apikey', 'create']],
    [['apikey', 'delete', 'x']],
    [['demo', 'extra']],
    [['user', 'add']],
    [['user', 'delete', 'x']],
    [['user', 'list', 'x']],
    [['apikey', 'list', 'x']],
    [['demo', '--force=yes']],
    [['check', 'extra']],
    [['serve', '--port', 'http']],
    [['serve', '--port', '70000']],
  ];
  for (const [args] of usageErrors) {
    test(`usage error: sellahead ${args.join(' ')} → 2`, async () => {
      const r = await srv.cli(args);
      assert.equal(r.code, 2, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.notEqual(r.stderr, '');
    });
  }
});

describe('sellahead template', () => {
  test('prints the SPEC template', async () => {
    const r = await run(['template']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, TEMPLATE);
  });

  test('the template itself imports cleanly', async () => {
    const p = write('template.csv', TEMPLATE);
    const r = await srv.cli(['import', p, '--db', srv.db]);
    assert.equal(r.code, 0, r.stderr);
    const job = JSON.parse(r.stdout);
    assert.equal(job.status, 'COMPLETED');
    assert.equal(job.rowsApplied, 3);
  });
});

describe('sellahead import', () => {
  test('a valid file: job JSON on stdout, exit 0, visible over HTTP', async () => {
    const r = await srv.cli(['import', path.join(FIXTURES, 'valid.csv'), '--db', srv.db]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim().split('\n').length, 1, 'one JSON document on one line');
    const job = JSON.parse(r.stdout);
    assert.equal(job.source, 'csv');
    assert.equal(job.fileName, 'valid.csv');
    assert.equal(job.status, 'COMPLETED');
    assert.equal(job.totalRows, 4);
    assert.equal(job.rowsApplied, 4);
    assert.equal(job.totalRowsErrors, 0);
    assert.deepEqual(job.errors, []);
    // NEWHAT1 has no product (SPEC 5.3): a warning, in the job and the summary.
    assert.deepEqual(job.warnings.map((w) => w.sku), ['NEWHAT1']);
    assert.equal(r.stderr, 'COMPLETED: 4 rows applied; 1 SKU without a product, not for sale (see warnings)\n',
      'a summary, no progress when not a terminal');
    // Another process's commit reaches the server's answers within one second (SPEC 8).
    await waitFor(async () => (await srv.item('MUG3')).availableStockQuantity === 50,
      { timeout: 1000, interval: 20, what: 'the CLI import in the server\'s answer' });
    const got = await srv.api(`/v1/inventory/imports/${job.id}`, { key: true });
    assert.deepEqual(got.json, job);
  });

  test('a FAILED job: job JSON on stdout, exit 1, nothing applied', async () => {
    const before = await srv.snapshot();
    const r = await srv.cli(['import', path.join(FIXTURES, 'bad-mixed.csv'), '--db', srv.db]);
    assert.equal(r.code, 1);
    const job = JSON.parse(r.stdout);
    assert.equal(job.status, 'FAILED');
    assert.equal(job.fileName, 'bad-mixed.csv');
    assert.equal(job.totalRowsErrors, 5);
    assert.deepEqual(job.errors.map((e) => [e.line, e.column]),
      [[3, 'sku'], [4, 'quantity'], [5, null], [6, 'transitStockDate'], [7, 'locationId']]);
    assert.deepEqual(await srv.snapshot(), before);
  });

  test('the file name is checked: a space, or not .csv', async () => {
    const csv = `${HEADER}\nMUG3,WH1,onhand,1,0,,,\n`;
    for (const [name, msg] of [['my stock.csv', /space/], ['stock.txt', /\.csv/]]) {
      const r = await srv.cli(['import', write(name, csv), '--db', srv.db]);
      assert.equal(r.code, 1);
      const job = JSON.parse(r.stdout);
      assert.equal(job.status, 'FAILED');
      assert.deepEqual(job.errors.map((e) => [e.line, e.column]), [[0, null]]);
      assert.match(job.errors[0].message, msg);
    }
    const ok = await srv.cli(['import', write('UPPER.CSV', csv), '--db', srv.db]);
    assert.equal(ok.code, 0, ok.stdout);
    assert.equal(JSON.parse(ok.stdout).fileName, 'UPPER.CSV');
  });

  test('only the base name is checked: a space in the folder is fine', async () => {
    fs.mkdirSync(path.join(srv.dir, 'my files'), { recursive: true });
    const p = write('my files/stock.csv', `${HEADER}\nMUG3,WH1,onhand,40,0,,,\n`);
    const r = await srv.cli(['import', p, '--db', srv.db]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(JSON.parse(r.stdout).fileName, 'stock.csv');
  });

  test('a database that cannot be opened: exit 1', async () => {
    const p = write('db.csv', `${HEADER}\nMUG3,WH1,onhand,40,0,,,\n`);
    const r = await srv.cli(['import', p, '--db', path.join(srv.dir, 'no', 'such', 'dir', 'x.db')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^sellahead: /);
  });

  test('without --db and SELLAHEAD_DB: ./sellahead.db', async () => {
    const cwd = path.join(srv.dir, 'default-db');
    fs.mkdirSync(cwd);
    const r = await run(['location', 'add', 'DEF1', 'Default'], { cwd, env: { SELLAHEAD_DB: '' } });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(fs.existsSync(path.join(cwd, 'sellahead.db')));
    const again = await run(['location', 'add', 'DEF1', 'Default'], { cwd, env: { SELLAHEAD_DB: '' } });
    assert.equal(again.code, 1, 'the same database was used');
  });

  const hasScript = fs.existsSync('/usr/bin/script');
  test('progress on stderr only when it is a terminal', { skip: !hasScript && 'no script(1) to make a terminal' }, async () => {
    const out = path.join(srv.dir, 'tty-out.json');
    const cmd = `'${BIN}' import '${path.join(FIXTURES, 'valid.csv')}' --db '${srv.db}' > '${out}'`;
    const r = await new Promise((resolve) => {
      execFile('/usr/bin/script', ['-qec', cmd, '/dev/null'], { env: { ...process.env, SELLAHEAD_TODAY: '2026-11-27' } },
        (err, stdout) => resolve({ code: err ? err.code : 0, stdout }));
    });
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /importing: .*4 rows/);
    assert.equal(JSON.parse(fs.readFileSync(out, 'utf8')).status, 'COMPLETED');
  });

  test('a missing file: exit 1 with a message', async () => {
    const r = await srv.cli(['import', path.join(srv.dir, 'nope.csv'), '--db', srv.db]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /nope\.csv/);
    assert.equal(r.stdout, '');
  });

  test('--db=FILE form and SELLAHEAD_DB default', async () => {
    const p = write('eq.csv', `${HEADER}\nSCARF9,WH1,onhand,21,0,,,\n`);
    const a = await srv.cli(['import', p, `--db=${srv.db}`]);
    assert.equal(a.code, 0, a.stderr);
    const b = await srv.cli(['import', p], { env: { SELLAHEAD_DB: srv.db } });
    assert.equal(b.code, 0, b.stderr);
    // Another process's commit reaches the server's answers within one second (SPEC 8).
    await waitFor(async () => (await srv.item('SCARF9')).availableStockQuantity === 21,
      { timeout: 1000, interval: 20, what: 'the CLI import in the server\'s answer' });
  });
});

describe('sellahead inventory', () => {
  test('prints the same document as GET /v1/inventory/{sku}', async () => {
    for (const sku of ['TSHIRT1', 'CAP4', 'HOODIE2', 'SOCKS5', 'BEANIE10']) {
      const r = await srv.cli(['inventory', sku, '--db', srv.db]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), await srv.item(sku));
    }
  });

  test('--quantity adds the promise', async () => {
    const r = await srv.cli(['inventory', 'TSHIRT1', '--quantity', '30', '--db', srv.db]);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.deepEqual(doc, await srv.item('TSHIRT1', 30));
    assert.equal(doc.promise.fulfillable, true);
  });

  test('unknown SKU: exit 1, nothing on stdout', async () => {
    const r = await srv.cli(['inventory', 'NOPE99', '--db', srv.db]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /NOPE99/);
  });
});

describe('sellahead location add / apikey create', () => {
  test('location add creates it; HTTP lists it', async () => {
    const r = await srv.cli(['location', 'add', 'CLI1', 'From the CLI', '--db', srv.db]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { locationId: 'CLI1', name: 'From the CLI' });
    const list = await srv.api('/v1/locations');
    assert.ok(list.json.items.some((l) => l.locationId === 'CLI1'));
  });

  test('location add: a bad id or a duplicate is exit 1', async () => {
    for (const args of [['CLI-2', 'x'], ['', 'x'], ['L'.repeat(65), 'x'], ['CLI3', ''], ['CLI1', 'again']]) {
      const r = await srv.cli(['location', 'add', ...args, '--db', srv.db]);
      assert.equal(r.code, 1, `${args}: ${r.stderr}`);
      assert.match(r.stderr, /^sellahead: /);
    }
  });

  test('apikey create prints a key that works, once per call', async () => {
    const a = await srv.cli(['apikey', 'create', 'ci', '--db', srv.db]);
    const b = await srv.cli(['apikey', 'create', 'ci', '--db', srv.db]);
    assert.equal(a.code, 0);
    assert.equal(b.code, 0);
    const ka = a.stdout.trim();
    assert.equal(a.stdout, `${ka}\n`);
    assert.notEqual(ka, b.stdout.trim());
    assert.equal((await srv.api('/v1/inventory/imports', { key: ka })).status, 200);
    assert.equal((await srv.api('/v1/inventory/imports', { key: ka + 'x' })).status, 401);
  });

  test('demo on a database with inventory: exit 1, nothing changed', async () => {
    const before = await srv.snapshot();
    const r = await srv.cli(['demo', '--db', srv.db]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /already holds inventory.*--force/);
    assert.deepEqual(await srv.snapshot(), before);
  });
});

describe('sellahead user add / check', () => {
  test('user add reads the password from stdin', async () => {
    const r = await srv.cli(['user', 'add', 'merchant', '--db', srv.db], { input: 'correct horse battery\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    const dup = await srv.cli(['user', 'add', 'merchant', '--db', srv.db], { input: 'correct horse battery\n' });
    assert.equal(dup.code, 1, 'the same user twice fails');
  });

  test('user add: a short or missing password is exit 1', async () => {
    for (const input of ['short\n', '']) {
      const r = await srv.cli(['user', 'add', 'other', '--db', srv.db], { input });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /^sellahead: /);
    }
  });

  test('check on an untouched demo database: exit 0', async () => {
    const r = await srv.cli(['check', '--db', srv.db]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /ok/);
  });
});
