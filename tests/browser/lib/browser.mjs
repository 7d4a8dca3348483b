// Browser test harness: a real `sellahead serve` (tests/http/lib/server.mjs), Debian's
// chromium driven by playwright-core, axe-core for accessibility, and a screenshot of every
// page visited, saved where a person can look (printed once per run).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

export { startServer } from '../../http/lib/server.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const SCREENSHOTS = process.env.SCREENSHOT_DIR || path.join(ROOT, 'build', 'screenshots');
const AXE = fs.readFileSync(path.join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');
fs.mkdirSync(SCREENSHOTS, { recursive: true });

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/* A page with the given viewport; failed requests and console errors fail the test at
 * the end (call page.assertClean()). Its layout shifts are summed for layoutShift(). */
export async function newPage(browser, { width = 1280, height = 900 } = {}) {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  await page.addInitScript(() => {
    window.layoutShiftSum = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (!e.hadRecentInput) window.layoutShiftSum += e.value;
    }).observe({ type: 'layout-shift', buffered: true });
  });
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.assertClean = (allow = []) => {
    const left = problems.filter((p) => !allow.some((a) => p.includes(a)));
    assert.deepEqual(left, [], 'the page logged errors');
  };
  return page;
}

/* Runs axe on the current page: no serious or critical violation. */
export async function checkA11y(page, name) {
  await page.addScriptTag({ content: AXE });
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  const bad = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], `accessibility violations on ${name}`);
}

let printed = false;
export async function screenshot(page, name) {
  if (!printed) {
    console.log(`# screenshots: ${SCREENSHOTS}`);
    printed = true;
  }
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/* Waits until the page has settled: no network request for 500 ms, the web fonts loaded and
 * two frames painted after that. A layout shift measured then includes the late ones (a font
 * swap, an answer that arrived last), which a fixed pause can miss. */
export async function settle(page) {
  await page.waitForLoadState('networkidle');
  await page.evaluate(async () => {
    await document.fonts.ready;
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  });
}

/* Cumulative layout shift since the last navigation (not caused by input), read once the page
 * has settled. newPage's init script sums the entries from the start of every document. */
export async function layoutShift(page) {
  await settle(page);
  return page.evaluate(() => window.layoutShiftSum);
}

/* Retries an assertion until it holds (the page updates asynchronously). */
export async function until(fn, ms = 8000) {
  const end = Date.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
