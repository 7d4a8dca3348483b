// PostgreSQL: order placements run on a database pool of their own (SELLAHEAD_DB_POOL), not on
// the HTTP threads (one per core). A placement waiting for the database, here on a row lock
// held by another session, must not hold up the server's other placements.
//
// PostgreSQL only: runs when SELLAHEAD_TEST_PG_URL names a test cluster (make http-pg sets
// it); skipped otherwise.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { PGBIN, PG_ONLY as SKIP, runProgram, startServer } from './lib/server.mjs';
import { assertCheck, createSku, orderBody, waitFor } from './lib/shop.mjs';

const PSQL = fs.existsSync(path.join(PGBIN, 'psql')) ? path.join(PGBIN, 'psql') : 'psql';
// The other session, found by its query text (pg_sleep(120): it waits until terminated).
const HOLDER = "query LIKE '%pg_sleep(120)%' AND pid <> pg_backend_pid()";

async function sql(db, query) {
  const r = await runProgram(PSQL, ['-X', '-qAt', '-d', db, '-c', query], { timeout: 20000 });
  assert.equal(r.code, 0, `psql: ${r.stderr}`);
  return r.stdout.trim();
}

/** One POST /v1/orders with a time limit; resolves {status, text} (status 0: no answer). */
async function order(srv, sku, timeout) {
  try {
    const r = await fetch(`${srv.url}/v1/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(orderBody([{ sku, quantity: 1 }])),
      signal: AbortSignal.timeout(timeout),
    });
    return { status: r.status, text: await r.text() };
  } catch (e) {
    return { status: 0, text: String(e) };
  }
}

describe('the database pool', { skip: SKIP }, () => {
  // More waiting placements than the server has HTTP threads, fewer than its pool.
  const waiting = Math.min(2 * os.cpus().length + 2, 12);
  let srv;
  before(async () => {
    srv = await startServer({ env: { SELLAHEAD_DB_POOL: String(waiting + 2) } });
    assert.equal(srv.backend, 'postgres');
  });
  after(async () => {
    await srv?.stop();
  });

  test('placements waiting on a locked SKU do not hold up an order for another SKU', async () => {
    const locked = await createSku(srv, { onhand: 100 });
    const free = await createSku(srv, { onhand: 100 });
    // Another session holds the locked SKU's position until it is terminated.
    const hold = `BEGIN; SELECT 1 FROM positions WHERE sku = '${locked}' FOR UPDATE; ` +
      'SELECT pg_sleep(120); COMMIT;';
    const holder = spawn(PSQL, ['-X', '-q', '-d', srv.db, '-c', hold], { stdio: 'ignore' });
    const holderGone = new Promise((resolve) => holder.on('close', resolve));
    try {
      await waitFor(async () => await sql(srv.db,
        `SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND ${HOLDER}`) === '1',
      { timeout: 10000, what: 'the lock held' });
      let settled = 0;
      const blocked = Array.from({ length: waiting }, () =>
        order(srv, locked, 60000).then((r) => {
          settled++;
          return r;
        }));
      await waitFor(async () => Number(await sql(srv.db, 'SELECT count(*) FROM pg_stat_activity ' +
        "WHERE wait_event_type = 'Lock' AND application_name = 'sellahead'")) === waiting,
      { timeout: 20000, what: `${waiting} placements waiting on the lock` });

      const other = await order(srv, free, 10000);
      assert.equal(other.status, 201, `the other SKU's order: ${other.text}`);
      assert.equal(settled, 0, 'the waiting placements still wait');

      await sql(srv.db, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE ${HOLDER}`);
      const answers = await Promise.all(blocked);
      assert.deepEqual(answers.map((r) => r.status), Array(waiting).fill(201),
        answers.map((r) => r.text).join('\n'));
      await waitFor(async () => (await srv.item(locked)).availableTotal === 100 - waiting,
        { timeout: 2000, what: `${100 - waiting} of ${locked} left` });
    } finally {
      holder.kill();
      await holderGone;
    }
    await assertCheck(srv);
  });
});
