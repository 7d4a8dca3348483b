// bench/console's driver (run bench/console, which builds first).
import { launch, newPage, startServer } from '../tests/browser/lib/browser.mjs';
import { VIEWS, addOrders, addUser, buildCatalog, login, openView, searchReceipts } from '../tests/browser/lib/console.mjs';

const RUNS = Number(process.env.RUNS) || 5;
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

async function measure(srv, receiptQuery) {
  await addUser(srv);
  const browser = await launch();
  try {
    const page = await newPage(browser);
    await login(page, srv.url);
    const out = {};
    for (const view of VIEWS) {
      await openView(page, view); // warm-up
      const ms = [];
      for (let i = 0; i < RUNS; i++) ms.push((await openView(page, view)).ms);
      out[view] = median(ms);
    }
    await openView(page, 'receipts');
    const ms = [];
    for (let i = 0; i < RUNS; i++) {
      await page.locator('#rc-q').fill('');
      await page.waitForFunction(() => document.querySelector('#rc-status').textContent === '');
      ms.push((await searchReceipts(page, receiptQuery)).ms);
    }
    out['receipts search'] = median(ms);
    return out;
  } finally {
    await browser.close();
  }
}

const demo = await startServer();
let small;
try {
  small = await measure(demo, 'PO1');
} finally {
  await demo.stop();
}

const big = await startServer({ demo: false });
let large;
try {
  const t0 = Date.now();
  await buildCatalog(big, { skus: 1_000_000, pos: 100_000 });
  console.log(`1M SKUs + 100k purchase orders imported in ${((Date.now() - t0) / 1000).toFixed(1)} s (CSV written and imported)`);
  await addOrders(big);
  large = await measure(big, 'PO09999');
} finally {
  await big.stop();
}

console.log(`\ntime to interactive, median of ${RUNS} (ms)`);
console.log(`${'page'.padEnd(16)} ${'demo'.padStart(8)} ${'1M SKUs'.padStart(8)}`);
for (const k of Object.keys(small)) console.log(`${k.padEnd(16)} ${String(small[k]).padStart(8)} ${String(large[k]).padStart(8)}`);
