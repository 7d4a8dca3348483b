// Test harness for the black-box HTTP suite: one sellahead server per test file, in its own
// temporary directory, with a fixed "today" so every date in the answers is deterministic.
// The database is a SQLite file in that directory, or, when SELLAHEAD_TEST_PG_URL names a
// test PostgreSQL cluster (make http-pg), a fresh database of its own on that cluster.
// Only Node built-ins: node:child_process, node:fs, node:os, node:path and the global fetch.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = process.env.SELLAHEAD_BIN || '/work/main/build/sellahead';
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** scripts/pg-test: throwaway PostgreSQL clusters (start DIR, stop DIR, createdb URL NAME). */
export const PG_TEST = path.join(ROOT, 'scripts', 'pg-test');
/** A database on a test PostgreSQL cluster (scripts/pg-test start prints one): when set, every
 * server gets a fresh database of its own on that cluster instead of a SQLite file. */
export const PG_URL = process.env.SELLAHEAD_TEST_PG_URL || '';
/** The backend this run tests: 'postgres' when SELLAHEAD_TEST_PG_URL is set, else 'sqlite'. */
export const BACKEND = PG_URL ? 'postgres' : 'sqlite';
/** `{ skip: PG_ONLY }` for a PostgreSQL-only test: false when a test cluster is given, else the
 * reason the skip prints. */
export const PG_ONLY = !PG_URL && 'PostgreSQL only: set SELLAHEAD_TEST_PG_URL to a test cluster (make http-pg does)';
/** The PostgreSQL client programs of the cluster scripts/pg-test runs. */
export const PGBIN = process.env.PGBIN || '/usr/lib/postgresql/15/bin';
export const TODAY = '2026-11-27';
export const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures');

export const HEADER =
  'sku,locationId,stockType,quantity,reservedQuantity,transitRef,transitOrderDate,transitStockDate';

// SPEC section 3, byte for byte.
export const TEMPLATE =
  HEADER + '\n' +
  'TSHIRT1,WH1,onhand,25,0,,,\n' +
  'TSHIRT1,WH1,intransit,100,0,PO1001,2026-11-20,2026-12-15\n' +
  'HOODIE2,WH1,intransit,50,0,ADV2,2026-11-20,\n';

export const DEMO_SKUS = [
  'BEANIE10', 'BOTTLE6', 'CAP4', 'HOODIE2', 'JACKET8', 'MUG3',
  'NOTEBOOK12', 'POSTER11', 'SCARF9', 'SOCKS5', 'TOTE7', 'TSHIRT1',
];

export function fixture(name) {
  return fs.readFileSync(path.join(FIXTURES, name));
}

/** Runs the binary; resolves {code, signal, stdout, stderr} (strings). Never rejects on a
 * non-zero exit: tests assert the code. */
/** The environment for the binary: ours, without settings that would reach outside the test
 * (a real SMTP server), plus the fixed today and the given variables. */
function childEnv(env) {
  const e = { ...process.env, SELLAHEAD_TODAY: TODAY };
  delete e.SELLAHEAD_SMTP_URL;
  return { ...e, ...env };
}

export function run(args, { input, env = {}, cwd, timeout = 20000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, args, {
      cwd,
      env: childEnv(env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out = [];
    const err = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    child.stdin.on('error', () => {}); // a command that does not read stdin may close it
    child.stdin.end(input ?? '');
  });
}

function isRawBody(b) {
  return typeof b === 'string' || b instanceof Uint8Array || b instanceof ArrayBuffer ||
    b instanceof FormData || b instanceof Blob || b instanceof URLSearchParams ||
    b instanceof ReadableStream;
}

/** One HTTP request. body: an object/array is sent as JSON (Content-Type application/json
 * unless headers say otherwise); strings, Buffers, Blobs and FormData go as they are.
 * key: a string is sent as "Authorization: Bearer <key>". Resolves {status, headers, json,
 * text}; json is the parsed body when the response is JSON. */
export async function request(url, { method, body, key, headers = {} } = {}) {
  const h = {};
  for (const [k, v] of Object.entries(headers)) h[k.toLowerCase()] = v;
  if (key) h.authorization = `Bearer ${key}`;
  let payload = body;
  if (body !== undefined && !isRawBody(body)) {
    payload = JSON.stringify(body);
    if (!('content-type' in h)) h['content-type'] = 'application/json';
  }
  const res = await fetch(url, {
    method: method ?? (body === undefined ? 'GET' : 'POST'),
    headers: h,
    body: payload,
    // A stream body goes chunked, without Content-Length.
    ...(payload instanceof ReadableStream ? { duplex: 'half' } : {}),
  });
  const text = await res.text();
  let json;
  if ((res.headers.get('content-type') || '').startsWith('application/json')) {
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new Error(`response to ${url} says JSON but is not: ${e.message}\n${text}`);
    }
  }
  return { status: res.status, headers: res.headers, json, text };
}

/** Runs a program (not the binary); resolves {code, signal, stdout, stderr}. */
export function runProgram(file, args, { env = {}, timeout = 60000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

let dbSeq = 0;
/** Creates a new, empty database on the cluster of the PostgreSQL URL `on` (default: the
 * test cluster of SELLAHEAD_TEST_PG_URL) with a name no other test uses; resolves its URL. */
export async function createPgDatabase(on = PG_URL) {
  assert.ok(on, 'createPgDatabase needs SELLAHEAD_TEST_PG_URL (or a cluster URL)');
  dbSeq += 1;
  const rnd = Math.random().toString(36).slice(2, 8).replace(/[^a-z0-9]/g, '');
  const name = `t_${process.pid}_${dbSeq}_${rnd}`;
  const r = await runProgram('/bin/sh', [PG_TEST, 'createdb', on, name]);
  assert.equal(r.code, 0, `scripts/pg-test createdb ${name} failed:\n${r.stderr}`);
  const url = r.stdout.trim();
  assert.match(url, /^postgres(ql)?:\/\/\S+$/, `createdb printed ${r.stdout}`);
  return url;
}

/** Drops a database createPgDatabase made (best effort: a test cluster is thrown away anyway). */
export async function dropPgDatabase(url) {
  const m = /^(postgres(?:ql)?:\/\/[^/?]*)\/([A-Za-z0-9_]+)(\?.*)?$/.exec(url);
  if (!m) return;
  const psql = fs.existsSync(path.join(PGBIN, 'psql')) ? path.join(PGBIN, 'psql') : 'psql';
  await runProgram(psql, ['-X', '-q', '-d', `${m[1]}/postgres${m[3] ?? ''}`, '-c',
    `DROP DATABASE IF EXISTS "${m[2]}"`], { timeout: 20000 }).catch(() => {});
}

/** Starts `sellahead serve --port 0` on a fresh database in a new temporary directory: a
 * SQLite file there, or with SELLAHEAD_TEST_PG_URL set a new database of its own on that
 * PostgreSQL cluster (dropped by stop()).
 * demo: load the demo data first (default: only on a fresh database). env: extra environment
 * for the server and the CLI. db: start on this existing database instead (a second server
 * on the same data: its own directory, mail dir and API key; the database is left alone).
 * backend: 'sqlite' keeps a SQLite file even when SELLAHEAD_TEST_PG_URL is set (a test whose
 * subject is a SQLite file, such as `sellahead migrate` from one). */
export async function startServer({ db: shared, demo = shared === undefined, env = {},
  today = TODAY, backend: want } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sellahead-http-'));
  let db = shared;
  let ownPg = false;
  if (db === undefined && PG_URL && want !== 'sqlite') {
    try {
      db = await createPgDatabase();
    } catch (e) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw e;
    }
    ownPg = true;
  }
  if (db === undefined) db = path.join(dir, 'sellahead.db');
  const backend = /^postgres(ql)?:\/\//.test(db) ? 'postgres' : 'sqlite';
  const baseEnv = { SELLAHEAD_TODAY: today, SELLAHEAD_DB: db, ...env };
  const cli = (args, opts = {}) =>
    run(args, { cwd: dir, ...opts, env: { ...baseEnv, ...(opts.env || {}) } });

  let child;
  try {
    if (demo) {
      const r = await cli(['demo', '--db', db]);
      assert.equal(r.code, 0, `demo failed: ${r.stderr}`);
    }
    const k = await cli(['apikey', 'create', 'tests', '--db', db]);
    assert.equal(k.code, 0, `apikey create failed: ${k.stderr}`);
    const key = k.stdout.trim();
    assert.match(key, /^\S+$/, 'apikey create prints the key alone on one line');
    assert.equal(k.stdout, key + '\n');

    child = spawn(BIN, ['serve', '--db', db, '--port', '0', '--mail-dir',
      path.join(dir, 'mail')], {
      cwd: dir,
      env: childEnv(baseEnv),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let exited = null;
    const exit = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        exited = { code, signal };
        resolve(exited);
      });
    });
    const url = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start:\n${stderr}`)), 10000);
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (d) => {
        stderr += d;
        const m = /sellahead: listening on (http:\/\/\S+) \(/.exec(stderr);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      exit.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`server exited (${code ?? signal}) before listening:\n${stderr}`));
      });
    });

    const srv = {
      url,
      key,
      /** The database: a SQLite file path or a postgresql:// URL (pass it as --db). */
      db,
      /** 'sqlite' or 'postgres'. */
      backend,
      dir,
      /** Where this server writes its .eml files (--mail-dir). */
      mailDir: path.join(dir, 'mail'),
      child,
      cli,
      get stderr() {
        return stderr;
      },
      /** key: true sends this server's key; a string sends that string. */
      api(p, opts = {}) {
        return request(url + p, { ...opts, key: opts.key === true ? key : opts.key });
      },
      /** Uploads CSV text (or bytes). multipart: as form field "file" named fileName;
       * otherwise text/csv with ?fileName= when a name is given. */
      importCsv(csv, { fileName = 'inventory.csv', multipart = false, headers = {} } = {}) {
        if (multipart) {
          const fd = new FormData();
          fd.append('file', new Blob([csv], { type: 'text/csv' }), fileName);
          return srv.api('/v1/inventory/imports', { body: fd, key: true, headers });
        }
        const q = fileName == null ? '' : `?fileName=${encodeURIComponent(fileName)}`;
        return srv.api(`/v1/inventory/imports${q}`, {
          body: typeof csv === 'string' ? csv : new Uint8Array(csv),
          key: true,
          headers: { 'content-type': 'text/csv', ...headers },
        });
      },
      bulk(records, headers = {}) {
        return srv.api('/v1/inventory/bulk', { body: records, key: true, headers });
      },
      /** Every SKU's positions, from the key-protected overview: what an import may change. */
      async snapshot() {
        const all = {};
        let cursor = '';
        for (;;) {
          const r = await srv.api(`/v1/inventory?limit=500&cursor=${encodeURIComponent(cursor)}`,
            { key: true });
          assert.equal(r.status, 200, r.text);
          for (const row of r.json.items) all[row.sku] = row;
          if (!r.json.nextCursor) return all;
          cursor = r.json.nextCursor;
        }
      },
      async item(sku, quantity) {
        const q = quantity === undefined ? '' : `?quantity=${quantity}`;
        const r = await srv.api(`/v1/inventory/${encodeURIComponent(sku)}${q}`);
        assert.equal(r.status, 200, r.text);
        return r.json;
      },
      /** SIGTERM, wait for the exit, assert it was clean, remove the directory. */
      async stop() {
        try {
          if (!exited) child.kill('SIGTERM');
          const { code, signal } = await exit;
          assert.equal(signal, null, `server killed by ${signal}:\n${stderr}`);
          assert.equal(code, 0, `server exit code ${code}:\n${stderr}`);
          assert.match(stderr, /SIGTERM received, shutting down/);
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
          if (ownPg) await dropPgDatabase(db);
        }
      },
    };
    return srv;
  } catch (e) {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
    if (ownPg) await dropPgDatabase(db);
    throw e;
  }
}

/** Asserts a JSON error answer: status, error.code and, optionally, a message pattern. */
export function assertError(res, status, code, message) {
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status}: ${res.text}`);
  assert.match(res.headers.get('content-type') || '', /^application\/json; charset=utf-8$/);
  assert.ok(res.json && res.json.error, `no error object: ${res.text}`);
  assert.equal(res.json.error.code, code, res.text);
  assert.equal(typeof res.json.error.message, 'string');
  assert.ok(res.json.error.message.length > 0);
  if (message) assert.match(res.json.error.message, message);
  assert.doesNotMatch(res.text, /SQLITE|sqlite3|SELECT |INSERT |\bat [\w.]+ \(/);
  assert.doesNotMatch(res.text, /SQLSTATE|libpq|\bERROR: |relation "|violates .* constraint/);
}

/** Asserts a FAILED import job answer. errors: [{line, column, value?, message}], message a
 * string (exact) or RegExp; value checked only when the key is present. */
export function assertFailedJob(res, errors) {
  assert.equal(res.status, 422, `expected 422 FAILED job, got ${res.status}: ${res.text}`);
  const job = res.json;
  assert.equal(job.status, 'FAILED', res.text);
  assert.equal(job.rowsApplied, 0);
  assert.equal(job.totalRowsErrors, errors.length, `errors: ${JSON.stringify(job.errors)}`);
  assert.equal(job.errors.length, errors.length, `errors: ${JSON.stringify(job.errors)}`);
  errors.forEach((want, i) => {
    const got = job.errors[i];
    const where = `error ${i}: ${JSON.stringify(got)}`;
    assert.equal(got.line, want.line, where);
    assert.equal(got.column, want.column, where);
    if ('value' in want) assert.equal(got.value, want.value, where);
    if (want.message instanceof RegExp) assert.match(got.message, want.message, where);
    else assert.equal(got.message, want.message, where);
  });
  return job;
}

export const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
