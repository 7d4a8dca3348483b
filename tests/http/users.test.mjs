// SPEC 4: console users (`sellahead user add|passwd|remove NAME`, `user list`) and API keys
// (`apikey list`, `apikey revoke NAME`); SPEC 5: a revoked key gets 401 within one second on
// every server. A password is asked twice without echo on a terminal, read once from stdin
// otherwise. The login page learns from GET /v1/session whether any user exists yet.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';

import { BIN, ISO_TIME, TODAY, request, run, startServer } from './lib/server.mjs';
import { waitFor } from './lib/shop.mjs';

let srv;
before(async () => {
  srv = await startServer({ demo: false });
});
after(async () => {
  await srv?.stop();
});

const user = (args, input) => srv.cli(['user', ...args, '--db', srv.db], { input });

async function users() {
  const r = await user(['list']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout).items;
}

function login(name, password) {
  return request(`${srv.url}/v1/session`, { body: { name, password } });
}

async function session(name, password) {
  const r = await login(name, password);
  assert.equal(r.status, 200, r.text);
  return r.headers.get('set-cookie').split(';')[0];
}

const whoami = (cookie) => request(`${srv.url}/v1/session`, { headers: { cookie } });

/** Runs the binary on a terminal (script(1) makes one); answer(prompt, line) types a line once
 * the prompt has shown. */
function onTerminal(args) {
  const quote = (s) => `'${s.replaceAll("'", "'\\''")}'`;
  const child = spawn('/usr/bin/script', ['-qec', [BIN, ...args].map(quote).join(' '), '/dev/null'],
    { env: { ...process.env, SELLAHEAD_TODAY: TODAY }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d) => { out += d; });
  const exit = new Promise((resolve) => child.on('close', (code) => resolve(code)));
  let seen = 0;
  return {
    get out() { return out; },
    async answer(prompt, line) {
      const at = await waitFor(() => {
        const i = out.indexOf(prompt, seen);
        return i >= 0 ? i + prompt.length : 0;
      }, { timeout: 10000, what: `the prompt "${prompt}" in ${JSON.stringify(out)}` });
      seen = at;
      child.stdin.write(`${line}\n`);
    },
    async exit() {
      child.stdin.end();
      return exit;
    },
  };
}

describe('console users', () => {
  test('no user yet: GET /v1/session says so (and only that); after user add it does not', async () => {
    const fresh = await startServer({ demo: false });
    try {
      const before = await fresh.api('/v1/session');
      assert.equal(before.status, 401);
      assert.deepEqual(before.json, { error: { code: 'UNAUTHORIZED', message: 'not logged in',
        details: [{ usersExist: false }] } });
      const r = await fresh.cli(['user', 'add', 'first'], { input: 'first password\n' });
      assert.equal(r.code, 0, r.stderr);
      const after = await fresh.api('/v1/session');
      assert.equal(after.status, 401);
      assert.deepEqual(after.json.error.details, [{ usersExist: true }]);
    } finally {
      await fresh.stop();
    }
  });

  test('user list: names and creation times, never a hash', async () => {
    assert.equal((await user(['add', 'lister'], 'lister password\n')).code, 0);
    const r = await user(['list']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim().split('\n').length, 1, 'one JSON document on one line');
    assert.doesNotMatch(r.stdout, /argon2|password/i);
    const got = JSON.parse(r.stdout).items.find((u) => u.name === 'lister');
    assert.deepEqual(Object.keys(got).sort(), ['createdAt', 'name']);
    assert.match(got.createdAt, ISO_TIME);
  });

  test('on a terminal: asked twice, never echoed', { skip: !fs.existsSync('/usr/bin/script') && 'no script(1)' }, async () => {
    const t = onTerminal(['user', 'add', 'tty', '--db', srv.db]);
    await t.answer('password for tty: ', 'typed on a tty');
    await t.answer('the same password again: ', 'typed on a tty');
    assert.equal(await t.exit(), 0, t.out);
    assert.doesNotMatch(t.out, /typed on a tty/, 'the password is not echoed');
    assert.match(t.out, /user tty created/);
    assert.equal((await login('tty', 'typed on a tty')).status, 200);
  });

  test('on a terminal: two different passwords create nothing', { skip: !fs.existsSync('/usr/bin/script') && 'no script(1)' }, async () => {
    const t = onTerminal(['user', 'add', 'typo', '--db', srv.db]);
    await t.answer('password for typo: ', 'one password');
    await t.answer('the same password again: ', 'another password');
    assert.equal(await t.exit(), 1, t.out);
    assert.match(t.out, /the two passwords differ; nothing was changed/);
    assert.equal((await users()).some((u) => u.name === 'typo'), false);
  });

  test('user passwd: the new password works, the old does not, open sessions end', async () => {
    assert.equal((await user(['add', 'changer'], 'old password\n')).code, 0);
    const cookie = await session('changer', 'old password');
    assert.equal((await whoami(cookie)).status, 200);
    const r = await user(['passwd', 'changer'], 'new password\n');
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await whoami(cookie)).status, 401);
    assert.equal((await login('changer', 'old password')).status, 401);
    assert.equal((await login('changer', 'new password')).status, 200);

    const short = await user(['passwd', 'changer'], 'short\n');
    assert.equal(short.code, 1);
    assert.match(short.stderr, /at least 8 characters/);
    const nobody = await user(['passwd', 'nobody'], 'some password\n');
    assert.equal(nobody.code, 1);
    assert.equal(nobody.stderr, 'sellahead: no user nobody\n');
  });

  test('user remove: the user cannot log in and their sessions end; others stay', async () => {
    assert.equal((await user(['add', 'leaver'], 'leaver password\n')).code, 0);
    assert.equal((await user(['add', 'stayer'], 'stayer password\n')).code, 0);
    const gone = await session('leaver', 'leaver password');
    const kept = await session('stayer', 'stayer password');
    const r = await user(['remove', 'leaver']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await whoami(gone)).status, 401);
    const list = await request(`${srv.url}/v1/inventory?limit=1`, { headers: { cookie: gone } });
    assert.equal(list.status, 401);
    assert.equal((await login('leaver', 'leaver password')).status, 401);
    assert.equal((await whoami(kept)).status, 200);
    assert.equal((await users()).some((u) => u.name === 'leaver'), false);
    const again = await user(['remove', 'leaver']);
    assert.equal(again.code, 1);
    assert.equal(again.stderr, 'sellahead: no user leaver\n');
  });

  test('--help names every subcommand', async () => {
    const u = await run(['user', '--help']);
    assert.equal(u.code, 0);
    for (const w of ['add', 'passwd', 'remove', 'list']) assert.match(u.stdout, new RegExp(`\\b${w}\\b`));
    const k = await run(['apikey', '--help']);
    assert.equal(k.code, 0);
    for (const w of ['create', 'list', 'revoke']) assert.match(k.stdout, new RegExp(`\\b${w}\\b`));
  });
});

describe('API keys', () => {
  let second;
  after(async () => {
    await second?.stop();
  });

  test('apikey list: names and creation times, never the key', async () => {
    const c = await srv.cli(['apikey', 'create', 'listed', '--db', srv.db]);
    assert.equal(c.code, 0, c.stderr);
    const key = c.stdout.trim();
    const r = await srv.cli(['apikey', 'list', '--db', srv.db]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.includes(key.split('.')[1]), false, 'the secret is not listed');
    const items = JSON.parse(r.stdout).items;
    const got = items.find((k) => k.name === 'listed');
    assert.deepEqual(Object.keys(got).sort(), ['createdAt', 'name']);
    assert.match(got.createdAt, ISO_TIME);
    assert.ok(items.some((k) => k.name === 'tests'), JSON.stringify(items));
  });

  test('apikey revoke: 401 within one second on both servers of one database', async () => {
    second = await startServer({ db: srv.db });
    const c = await srv.cli(['apikey', 'create', 'doomed', '--db', srv.db]);
    assert.equal(c.code, 0, c.stderr);
    const key = c.stdout.trim();
    for (const s of [srv, second]) {
      assert.equal((await s.api('/v1/inventory/imports', { key })).status, 200);
    }
    const r = await srv.cli(['apikey', 'revoke', 'doomed', '--db', srv.db]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, 'sellahead: revoked 1 API key named doomed\n');
    await Promise.all([srv, second].map((s) => waitFor(async () =>
      (await s.api('/v1/inventory/imports', { key })).status === 401,
    { timeout: 1000, interval: 20, what: `401 from ${s.url}` })));
    // Other keys still work.
    assert.equal((await second.api('/v1/inventory/imports', { key: true })).status, 200);
    const list = JSON.parse((await srv.cli(['apikey', 'list', '--db', srv.db])).stdout).items;
    assert.equal(list.some((k) => k.name === 'doomed'), false);
  });

  test('apikey revoke: an unknown name is exit 1, every key of a name goes', async () => {
    const none = await srv.cli(['apikey', 'revoke', 'never', '--db', srv.db]);
    assert.equal(none.code, 1);
    assert.equal(none.stderr, 'sellahead: no API key named never\n');
    const keys = [];
    for (let i = 0; i < 2; i++) {
      const c = await srv.cli(['apikey', 'create', 'twin', '--db', srv.db]);
      assert.equal(c.code, 0, c.stderr);
      keys.push(c.stdout.trim());
    }
    const r = await srv.cli(['apikey', 'revoke', 'twin', '--db', srv.db]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, 'sellahead: revoked 2 API keys named twin\n');
    for (const key of keys) {
      assert.equal((await srv.api('/v1/inventory/imports', { key })).status, 401);
    }
  });
});
