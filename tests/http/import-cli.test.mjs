// SPEC 4 `sellahead import`: the job as JSON on stdout, a one-line summary for people on
// stderr, progress in percent of the file when stderr is a terminal, and a path that is not
// a readable file named in the error.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { BIN, HEADER, TODAY, startServer } from './lib/server.mjs';

let srv;
before(async () => {
  srv = await startServer({ demo: false });
  const r = await srv.cli(['location', 'add', 'WH1', 'Main warehouse', '--db', srv.db]);
  assert.equal(r.code, 0, r.stderr);
});
after(async () => {
  await srv?.stop();
});

/** A CSV of n onhand rows; bad lines (file line numbers) get quantity "abc". */
function csvFile(name, n, bad = []) {
  const lines = [HEADER];
  for (let i = 1; i <= n; i++) {
    const qty = bad.includes(i + 1) ? 'abc' : String(i % 50);
    lines.push(`IMPCLI${i},WH1,onhand,${qty},0,,,`);
  }
  const p = path.join(srv.dir, name);
  fs.writeFileSync(p, lines.join('\n') + '\n');
  return p;
}

test('COMPLETED: the summary on stderr counts the rows with separators', async () => {
  const r = await srv.cli(['import', csvFile('ok.csv', 1500), '--db', srv.db]);
  assert.equal(r.code, 0, r.stderr);
  // The SKUs have no product (SPEC 5.3): the summary says so.
  assert.equal(r.stderr, 'COMPLETED: 1,500 rows applied; 1,500 SKUs without a product, not for sale (see warnings)\n');
  const job = JSON.parse(r.stdout);
  assert.equal(job.status, 'COMPLETED');
  assert.equal(job.rowsApplied, 1500);
});

test('FAILED: how many errors in how many rows, and the first one', async () => {
  const r = await srv.cli(['import', csvFile('bad.csv', 1200, [7, 9, 11]), '--db', srv.db]);
  assert.equal(r.code, 1, r.stderr);
  const job = JSON.parse(r.stdout);
  assert.equal(job.status, 'FAILED');
  assert.equal(job.totalRowsErrors, 3);
  assert.equal(job.errors[0].line, 7);
  assert.equal(r.stderr, `FAILED: 3 errors in 1,200 rows; first: line 7, column quantity, ` +
    `${job.errors[0].message}; nothing was applied\n`);
});

test('on a terminal: progress in percent of the file, then the summary', { skip: !fs.existsSync('/usr/bin/script') && 'no script(1)' }, async () => {
  const file = csvFile('tty.csv', 1000);
  const out = path.join(srv.dir, 'tty.json');
  const cmd = `'${BIN}' import '${file}' --db '${srv.db}' > '${out}'`;
  const r = await new Promise((resolve) => {
    execFile('/usr/bin/script', ['-qec', cmd, '/dev/null'], { env: { ...process.env, SELLAHEAD_TODAY: TODAY } },
      (err, stdout) => resolve({ code: err ? err.code : 0, stdout }));
  });
  assert.equal(r.code, 0, r.stdout);
  const kb = (fs.statSync(file).size / 1000).toFixed(1);
  assert.match(r.stdout, new RegExp(`importing: 100% of ${kb.replace('.', '\\.')} KB, 1,000 rows`));
  assert.match(r.stdout, /COMPLETED: 1,000 rows applied/);
  assert.equal(JSON.parse(fs.readFileSync(out, 'utf8')).rowsApplied, 1000);
});

test('a directory: exit 1 naming the path, nothing on stdout', async () => {
  const dir = path.join(srv.dir, 'exports');
  fs.mkdirSync(dir);
  const r = await srv.cli(['import', dir, '--db', srv.db]);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, `sellahead: cannot read ${dir}: it is a directory, not a CSV file\n`);
});
