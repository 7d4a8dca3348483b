// SPEC 5.8 and 6: the shipment_delayed email as the shopper reads it (the .eml the server
// writes to its mail directory): what is late, the previous and the new range (or "no date
// yet"), whether an answer is needed and by when, and the two absolute links from publicUrl
// with the order's token; opening a link (a GET, as mail scanners do) changes nothing.
// Orders are placed on 2026-11-27 (TODAY); the slips happen on 2026-11-30.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { request } from './lib/server.mjs';
import {
  createSku, getOrder, htmlText, moneyPattern, outboxSettled, parseEml, placeOrder, putSettings, waitFor,
} from './lib/shop.mjs';
import { PO, world } from './lib/promises.mjs';

const PUBLIC = 'https://shop.example.com';

/** The delivered shipment_delayed emails of an order (subject `Order N: a shipment is
 * delayed`, in the style of the other emails), parsed. */
async function delayedEmails(srv, number) {
  const subject = `Order ${number}: a shipment is delayed`;
  const queued = (await outboxSettled(srv)).filter((m) => m.kind === 'shipment_delayed');
  assert.deepEqual(queued.map((m) => [m.subject, m.status]), [[subject, 'SENT']]);
  return waitFor(() => {
    const found = fs.readdirSync(srv.mailDir).filter((f) => f.endsWith('.eml'))
      .map((f) => parseEml(fs.readFileSync(path.join(srv.mailDir, f))))
      .filter((m) => m.subject === subject);
    return found.length > 0 && found;
  }, { what: `an .eml with the subject "${subject}"` });
}

const part = (m, type) => {
  const p = m.parts.find((x) => x.type === type);
  assert.ok(p, `a ${type} part`);
  return type === 'text/html' ? p.text : p.text.replace(/\s+/g, ' ');
};

test('shipment_delayed: what is late, both ranges, the answer needed by when, and the accept and cancel links', async (t) => {
  const w = await world(t);
  await putSettings(w.srv, { publicUrl: PUBLIC });
  const sku = await createSku(w.srv, { name: 'Walnut desk', transit: [PO('EA1', '2026-12-07', 5)] });
  const o = await placeOrder(w.srv, [{ sku, quantity: 2 }], { email: 'ada@example.com' });
  const sid = o.shipments[0].id;
  await w.importAt('2026-11-30', [{ sku, ref: 'EA1', quantity: 5, stockDate: '2027-01-20' }]);

  const mails = await delayedEmails(w.srv, o.number);
  assert.equal(mails.length, 1);
  const [m] = mails;
  assert.match(m.headers.to, /ada@example\.com/);
  const accept = `${PUBLIC}/orders/${o.id}?token=${o.accessToken}&shipment=${sid}&action=accept`;
  const cancelUrl = `${PUBLIC}/orders/${o.id}?token=${o.accessToken}&shipment=${sid}&action=cancel`;
  for (const [type, text] of [['text/plain', part(m, 'text/plain')], ['text/html', htmlText(part(m, 'text/html'))]]) {
    assert.match(text, /Walnut desk/, `${type}: what is late`);
    assert.match(text, /Dec 9\b/, `${type}: the previous range`);
    assert.match(text, /Dec 12\b/, `${type}: the previous range`);
    assert.match(text, /Jan 22, 2027/, `${type}: the new range`);
    assert.match(text, /Jan 25, 2027/, `${type}: the new range`);
    assert.match(text, /Dec 7\b/, `${type}: by when to answer`);
    assert.doesNotMatch(text, /127\.0\.0\.1/, `${type}: links from publicUrl only`);
  }
  assert.ok(part(m, 'text/plain').includes(accept), `text part: the accept link ${accept}`);
  assert.ok(part(m, 'text/plain').includes(cancelUrl), `text part: the cancel link ${cancelUrl}`);
  const html = part(m, 'text/html');
  const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((x) => x[1].replace(/&amp;/g, '&'));
  assert.ok(hrefs.includes(accept), `html part: the accept link; hrefs: ${hrefs}`);
  assert.ok(hrefs.includes(cancelUrl), `html part: the cancel link; hrefs: ${hrefs}`);

  // Following either link is a GET: the order page, and nothing changes.
  const before = await getOrder(w.srv, o.id);
  for (const link of [accept, cancelUrl]) {
    const r = await request(link.replace(PUBLIC, w.srv.url));
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-type'), /^text\/html/);
  }
  assert.deepEqual(await getOrder(w.srv, o.id), before);
  assert.equal(before.shipments[0].delay.consent, 'PENDING');
});

test('shipment_delayed for unsourced units says "no date yet"', async (t) => {
  const w = await world(t);
  await putSettings(w.srv, { publicUrl: PUBLIC });
  const sku = await createSku(w.srv, { name: 'Oak shelf', transit: [PO('EB1', '2026-12-07', 5)] });
  const o = await placeOrder(w.srv, [{ sku, quantity: 2 }]);
  await w.importAt('2026-11-30', [{ sku, ref: 'EB1', quantity: 0, stockDate: '2026-12-07' }]);
  const [m] = await delayedEmails(w.srv, o.number);
  const sid = o.shipments[0].id;
  for (const text of [part(m, 'text/plain'), htmlText(part(m, 'text/html'))]) {
    assert.match(text, /Oak shelf/);
    assert.match(text, /no date yet/i);
    assert.match(text, /Dec 12\b/);
    assert.match(text, /Dec 7\b/);
  }
  assert.ok(part(m, 'text/plain').includes(`${PUBLIC}/orders/${o.id}?token=${o.accessToken}&shipment=${sid}&action=cancel`));
});

test('silence past respondBy: the sweep\'s shipment_cancelled email says what was cancelled and that nothing is charged', async (t) => {
  const w = await world(t);
  await putSettings(w.srv, { publicUrl: PUBLIC });
  const sku = await createSku(w.srv, { name: 'Linen chair', price: 2450, transit: [PO('EC1', '2026-12-07', 5)] });
  const o = await placeOrder(w.srv, [{ sku, quantity: 2 }]);
  await w.importAt('2026-11-30', [{ sku, ref: 'EC1', quantity: 0, stockDate: '2026-12-07' }]);
  assert.equal((await w.sweep('2026-12-08')).cancelled, 1);

  const subject = `Order ${o.number}: a shipment was cancelled`;
  const queued = (await outboxSettled(w.srv)).filter((m) => m.kind === 'shipment_cancelled');
  assert.deepEqual(queued.map((m) => [m.subject, m.status]), [[subject, 'SENT']]);
  const m = await waitFor(() => fs.readdirSync(w.srv.mailDir).filter((f) => f.endsWith('.eml'))
    .map((f) => parseEml(fs.readFileSync(path.join(w.srv.mailDir, f)))).find((x) => x.subject === subject),
  { what: `an .eml with the subject "${subject}"` });
  for (const text of [part(m, 'text/plain'), htmlText(part(m, 'text/html'))]) {
    assert.match(text, /Linen chair/);
    assert.match(text, moneyPattern(4900));
    assert.match(text, /will not be charged/i, 'voided: nothing is charged for it');
  }
});
