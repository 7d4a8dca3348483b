// `sellahead migrate`: a whole database copied into an empty one: into a SQLite file always,
// into PostgreSQL when a test cluster is given (SELLAHEAD_TEST_PG_URL).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PG_ONLY, startServer, run } from './lib/server.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let srv;

before(async () => {
  // The source is a SQLite file on every backend: migrate's job is SQLite to PostgreSQL.
  srv = await startServer({ backend: 'sqlite' });
  const order = await srv.api('/v1/orders', {
    body: {
      items: [{ sku: 'TSHIRT1', quantity: 27 }, { sku: 'HOODIE2', quantity: 1 }],
      email: 'ann@example.com', payment: { token: 'tok_visa' },
      shippingAddress: { name: 'Ann', line1: '1 Main St', city: 'Springfield',
        postalCode: '12345', country: 'US' },
    },
  });
  assert.equal(order.status, 201);
  const user = await srv.cli(['user', 'add', 'admin'], { input: 'a long password\n' });
  assert.equal(user.code, 0, user.stderr);
});
after(() => srv.stop());

/* Everything a user can see of the copy must equal the original. */
async function assertSameAs(target) {
  const check = await run(['check', '--db', target]);
  assert.equal(check.code, 0, check.stdout + check.stderr);
  for (const sku of ['TSHIRT1', 'HOODIE2', 'CAP4', 'SOCKS5']) {
    const a = await run(['inventory', sku, '--quantity', '3', '--db', srv.db]);
    const b = await run(['inventory', sku, '--quantity', '3', '--db', target]);
    assert.equal(b.code, 0, b.stderr);
    assert.deepEqual(JSON.parse(b.stdout), JSON.parse(a.stdout), sku);
  }
}

async function migrateTo(target) {
  const r = await run(['migrate', '--from', srv.db, '--to', target]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /copied \d+ rows/);
  await assertSameAs(target);
  const again = await run(['migrate', '--from', srv.db, '--to', target]);
  assert.equal(again.code, 1, 'a second copy into the same database is refused');
  assert.match(again.stderr, /already holds data/);
}

test('into an empty SQLite file: every row, checked, refused a second time', async () => {
  await migrateTo(path.join(srv.dir, 'copy.db'));
});

test('usage errors exit 2', async () => {
  assert.equal((await run(['migrate', '--from', srv.db])).code, 2);
  assert.equal((await run(['migrate'])).code, 2);
});

test('into an empty PostgreSQL database', { skip: PG_ONLY },
  async () => {
    const name = `migrate_${process.pid}_${Date.now()}`;
    const url = execFileSync(path.join(ROOT, 'scripts/pg-test'),
      ['createdb', process.env.SELLAHEAD_TEST_PG_URL, name], { encoding: 'utf8' }).trim();
    await migrateTo(url);
  });
