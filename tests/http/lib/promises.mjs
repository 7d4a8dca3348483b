// Helpers for the promise scenarios (tests/http/promises-*.test.mjs, SPEC 5.7 and 5.8): a
// database of its own per test, walked through the real interfaces while the business date
// moves forward. The first server runs on TODAY; `at(date)` starts another server on the same
// database with SELLAHEAD_TODAY=date (its sweep at start runs on that date); imports and
// sweeps run as the CLI with the date given.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import util from 'node:util';

import { HEADER, TODAY, startServer } from './server.mjs';
import { getOrder, outbox, waitFor } from './shop.mjs';

/** A PO at WH1 for createSku's `transit`. */
export const PO = (ref, stockDate, quantity) => ({ ref, stockDate, quantity });

/** A fresh database with location WH1 and a server on TODAY, stopped (with every server
 * `at` started) when the test t ends. */
export async function world(t) {
  const base = await startServer({ demo: false });
  const servers = new Map([[TODAY, base]]);
  t.after(async () => {
    // The later servers first: the first one owns (and drops) a PostgreSQL database.
    for (const s of [...servers.values()].reverse()) await s.stop();
  });
  const loc = await base.api('/v1/locations', { key: true, body: { locationId: 'WH1', name: 'Main' } });
  assert.equal(loc.status, 201, loc.text);
  let files = 0;
  const w = {
    srv: base,
    /** A server on the same database whose business date is `date`. */
    async at(date) {
      if (!servers.has(date)) servers.set(date, await startServer({ db: base.db, today: date }));
      return servers.get(date);
    },
    /** `sellahead ARGS --db D` with SELLAHEAD_TODAY=date. */
    cli(date, args) {
      return base.cli([...args, '--db', base.db], { env: { SELLAHEAD_TODAY: date } });
    },
    /** `sellahead import` on `date` of rows [{sku, quantity, reserved?, ref?, orderDate?,
     * stockDate?}] at WH1: on-hand, or in transit when ref is given; asserts COMPLETED. */
    async importAt(date, rows) {
      const csv = [HEADER, ...rows.map((r) => [r.sku, 'WH1', r.ref ? 'intransit' : 'onhand',
        r.quantity, r.reserved ?? 0, r.ref ?? '', r.ref ? (r.orderDate ?? '2026-11-20') : '',
        r.stockDate ?? ''].join(','))].join('\n') + '\n';
      files += 1;
      const file = path.join(base.dir, `promises-${files}.csv`);
      fs.writeFileSync(file, csv);
      const r = await w.cli(date, ['import', file]);
      assert.equal(r.code, 0, `sellahead import on ${date} failed:\n${r.stdout}\n${r.stderr}`);
      const job = JSON.parse(r.stdout);
      assert.equal(job.status, 'COMPLETED', r.stdout);
      return job;
    },
    /** `sellahead sweep` on `date`: the fields of its JSON that SPEC 5.8 names, after
     * checking that the counts match the shipments listed. */
    async sweep(date) {
      const r = await w.cli(date, ['sweep']);
      assert.equal(r.code, 0, `sellahead sweep on ${date} failed:\n${r.stdout}\n${r.stderr}`);
      const all = JSON.parse(r.stdout);
      assert.notEqual(all.skipped, true, 'no other sweep holds the lock');
      const out = { date: all.date, overdue: all.overdue, implied: all.implied, cancelled: all.cancelled,
        shipments: all.shipments };
      assert.equal(out.date, date);
      for (const [key, action] of [['overdue', 'OVERDUE'], ['implied', 'IMPLIED'], ['cancelled', 'CANCELLED']]) {
        assert.equal(out.shipments.filter((s) => s.action === action).length, out[key], r.stdout);
      }
      return out;
    },
  };
  return w;
}

/** The order's shipments that are open (READY or AWAITING_STOCK). */
export const openShipments = (o) => o.shipments.filter((s) => s.status === 'READY' || s.status === 'AWAITING_STOCK');

/** Where a shipment's units come from: the PO reference, 'onhand' or 'unsourced'. */
export const sourceOf = (s) => (s.stockType === 'intransit' ? s.transitRef : s.stockType);

/** The open shipments of an order as [source, units, expected from, expected to], by source. */
export async function plan(srv, orderId) {
  const o = await getOrder(srv, orderId);
  return openShipments(o)
    .map((s) => [sourceOf(s), s.lines.reduce((n, l) => n + l.quantity, 0), s.expectedDelivery.from, s.expectedDelivery.to])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** The order's one open shipment from `source` (a PO reference, 'onhand' or 'unsourced'). */
export async function shipmentFrom(srv, orderId, source) {
  const found = openShipments(await getOrder(srv, orderId)).filter((s) => sourceOf(s) === source);
  assert.equal(found.length, 1, `order ${orderId}: one open shipment from ${source}`);
  return found[0];
}

/** The queued emails of one kind (and, when given, whose subject names the order number). */
export async function mails(srv, kind, number) {
  return (await outbox(srv)).filter((m) => m.kind === kind &&
    (number === undefined || new RegExp(`\\b${number}\\b`).test(m.subject)));
}

/** POST /v1/shipments/{id}/delay-consent with the order's token (or the key when token is
 * null). */
export function consent(srv, shipmentId, answer, token) {
  const q = token ? `?token=${encodeURIComponent(token)}` : '';
  return srv.api(`/v1/shipments/${encodeURIComponent(shipmentId)}/delay-consent${q}`,
    { key: token ? undefined : true, body: { consent: answer } });
}

/** Asserts that fn() resolves to want (deep equality) in an answer from a server: a change
 * by another process (the CLI, another server) may take up to one second to show in
 * availability answers (SPEC 8), so this polls for 2 s before failing with the last answer. */
export async function assertSoon(fn, want, what) {
  let got;
  await waitFor(async () => {
    got = await fn();
    return util.isDeepStrictEqual(got, want);
  }, { timeout: 2000, what }).catch(() => {});
  assert.deepEqual(got, want, what);
}

/** Asserts the SKU's positions as srv answers (assertSoon): want maps a source (the PO
 * reference, 'onhand' for WH1's on-hand position, 'onhand@LOC' for another location's) to
 * [quantity, allocatedQuantity, available]. */
export function assertPositions(srv, sku, want) {
  return assertSoon(async () => {
    const got = {};
    for (const p of (await srv.item(sku)).positions) {
      const key = p.stockType === 'intransit' ? p.transitRef
        : p.locationId === 'WH1' ? 'onhand' : `onhand@${p.locationId}`;
      if (key in want) got[key] = [p.quantity, p.allocatedQuantity, p.available];
    }
    return got;
  }, want, `${sku}'s positions [quantity, allocatedQuantity, available]`);
}
