// Console sessions: login, cookie flags, CSRF on mutating requests, logout, rate limit; and
// the web files the server hands out (no path traversal).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, request } from './lib/server.mjs';

let srv;
const PASSWORD = 'correct horse battery';

before(async () => {
  srv = await startServer();
  const r = await srv.cli(['user', 'add', 'merchant'], { input: `${PASSWORD}\n` });
  assert.equal(r.code, 0, r.stderr);
});
after(() => srv.stop());

async function login(name = 'merchant', password = PASSWORD) {
  return request(`${srv.url}/v1/session`, { body: { name, password } });
}

function cookieOf(res) {
  const set = res.headers.get('set-cookie');
  assert.ok(set, 'a Set-Cookie header');
  return set.split(';')[0];
}

test('login sets an HttpOnly SameSite=Strict cookie and returns a CSRF token', async () => {
  const r = await login();
  assert.equal(r.status, 200);
  assert.equal(r.json.user, 'merchant');
  assert.match(r.json.csrfToken, /^[0-9a-f]{32}$/);
  const set = r.headers.get('set-cookie');
  assert.match(set, /^sh_session=[0-9a-f]{32}; /);
  assert.match(set, /HttpOnly/);
  assert.match(set, /SameSite=Strict/);
  const who = await request(`${srv.url}/v1/session`, { headers: { cookie: cookieOf(r) } });
  assert.equal(who.status, 200);
  assert.equal(who.json.csrfToken, r.json.csrfToken);
});

test('the cookie is Secure once the publicUrl is https, and only then', async () => {
  const own = await startServer();
  try {
    assert.equal((await own.cli(['user', 'add', 'clerk'], { input: `${PASSWORD}\n` })).code, 0);
    const signIn = () => request(`${own.url}/v1/session`, { body: { name: 'clerk', password: PASSWORD } });
    const plain = await signIn();
    assert.equal(plain.status, 200, plain.text);
    assert.doesNotMatch(plain.headers.get('set-cookie'), /Secure/);
    const put = await own.api('/v1/settings', { method: 'PUT', key: true, body: { publicUrl: 'https://shop.example.com' } });
    assert.equal(put.status, 200, put.text);
    const secure = await signIn();
    assert.equal(secure.status, 200, secure.text);
    assert.match(secure.headers.get('set-cookie'), /; Secure$/);
  } finally {
    await own.stop();
  }
});

test('a session opens key endpoints: GET with the cookie, writes only with X-CSRF-Token', async () => {
  const r = await login();
  const cookie = cookieOf(r);
  const list = await request(`${srv.url}/v1/inventory?limit=2`, { headers: { cookie } });
  assert.equal(list.status, 200);
  assert.equal(list.json.items.length, 2);
  const body = { storeName: 'Session store' };
  const noCsrf = await request(`${srv.url}/v1/settings`, { method: 'PUT', body, headers: { cookie } });
  assert.equal(noCsrf.status, 401);
  const wrong = await request(`${srv.url}/v1/settings`,
    { method: 'PUT', body, headers: { cookie, 'x-csrf-token': '0'.repeat(32) } });
  assert.equal(wrong.status, 401);
  const ok = await request(`${srv.url}/v1/settings`,
    { method: 'PUT', body, headers: { cookie, 'x-csrf-token': r.json.csrfToken } });
  assert.equal(ok.status, 200);
  assert.equal(ok.json.storeName, 'Session store');
});

test('wrong password and unknown user both answer 401 with the same message', async () => {
  const a = await login('merchant', 'wrong password');
  const b = await login('nobody', 'wrong password');
  assert.equal(a.status, 401);
  assert.equal(b.status, 401);
  assert.equal(a.json.error.message, b.json.error.message);
  assert.equal(a.headers.get('set-cookie'), null);
});

test('five failed logins lock the name for a while (429), even with the right password', async () => {
  await srv.cli(['user', 'add', 'target'], { input: `${PASSWORD}\n` });
  for (let i = 0; i < 5; i++) assert.equal((await login('target', 'nope')).status, 401);
  const locked = await login('target', PASSWORD);
  assert.equal(locked.status, 429);
  assert.equal(locked.json.error.code, 'TOO_MANY_REQUESTS');
  assert.match(locked.json.error.message, /try again in \d+ seconds/);
  // another user is not affected
  assert.equal((await login()).status, 200);
});

test('logout ends the session', async () => {
  const r = await login();
  const cookie = cookieOf(r);
  const headers = { cookie, 'x-csrf-token': r.json.csrfToken };
  const out = await request(`${srv.url}/v1/session`, { method: 'DELETE', headers });
  assert.equal(out.status, 200);
  assert.match(out.headers.get('set-cookie'), /Max-Age=0/);
  assert.equal((await request(`${srv.url}/v1/session`, { headers: { cookie } })).status, 401);
  assert.equal((await request(`${srv.url}/v1/inventory`, { headers: { cookie } })).status, 401);
});

test('bad login bodies are 422, not 500', async () => {
  for (const body of [{}, { name: 'merchant' }, { name: 1, password: 'x' }, []]) {
    const r = await request(`${srv.url}/v1/session`, { body });
    assert.equal(r.status, 422, JSON.stringify(body));
  }
});

test('web files: no path traversal out of the web directory', async () => {
  for (const p of ['/assets/..%2F..%2Fsellahead.db', '/assets/.hidden', '/assets/../README.md',
    '/assets/%2e%2e%2fMakefile']) {
    const r = await request(`${srv.url}${p}`);
    assert.equal(r.status, 404, p);
  }
});
