// Short mode of scripts/crash-trials.mjs (kill -9 under orders, imports and receipts; restart;
// check; every acknowledged answer still there; imports all or nothing). The long mode is
// `node scripts/crash-trials.mjs --trials 100`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ROOT, runProgram } from './lib/server.mjs';

test('crash trials, short mode: 3 kills, nothing acknowledged lost, check passes', async () => {
  const script = path.join(ROOT, 'scripts', 'crash-trials.mjs');
  const r = await runProgram(process.execPath, [script, '--trials', '3'], { timeout: 120000 });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /trial 3\/3: .* all there, check passes/);
});
