// SPEC 4: `sellahead serve` refuses (exit 1, "port N is already in use") a port that another
// process, sellahead or not, is listening on, instead of sharing it.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';

import { startServer } from './lib/server.mjs';

let srv;
before(async () => {
  srv = await startServer({ demo: false });
});
after(async () => {
  await srv?.stop();
});

test('a second sellahead serve on the same port exits 1 and names the port', async () => {
  const port = new URL(srv.url).port;
  const r = await srv.cli(['serve', '--port', port], { timeout: 10000 });
  assert.equal(r.signal, null, `the second server kept running:\n${r.stderr}`);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stderr, `sellahead: port ${port} is already in use ` +
    '(stop the other process or choose another --port)\n');
  assert.doesNotMatch(r.stderr, /listening/);
  // The first server still answers, from its own database.
  assert.equal((await srv.api('/healthz')).status, 200);
});

test('a port held by another program: exit 1, the same message with the real port', async () => {
  const holder = net.createServer();
  await new Promise((resolve, reject) => {
    holder.once('error', reject);
    holder.listen(0, '127.0.0.1', resolve);
  });
  try {
    const { port } = holder.address();
    const r = await srv.cli(['serve', '--port', String(port)], { timeout: 10000 });
    assert.equal(r.signal, null, `the server kept running:\n${r.stderr}`);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`^sellahead: port ${port} is already in use`));
    assert.doesNotMatch(r.stderr, /Failed to bind|port 0\b/);
  } finally {
    await new Promise((resolve) => holder.close(resolve));
  }
});
