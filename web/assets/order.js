// The order for its token: thanks after placing, charges, a delay's choices, Cancel.
import { api, money, el, $, enc, loadHeader, shipmentLines, addressLines } from './store.js';

// Status words: these, else the code in words.
const WORDS = { READY: 'Ready to ship', AWAITING_STOCK: 'On backorder, awaiting stock', PARTIALLY_CAPTURED: 'Partly charged', CAPTURED: 'Charged' };
const OPEN = /READY|AWAITING/;
const word = (c) => WORDS[c] || c[0] + c.slice(1).toLowerCase().replace(/_/g, ' ');

const root = $('order');
const thanks = $('thanks');
const q = new URLSearchParams(location.search);
const token = q.get('token');
const orderPath = location.pathname.slice(1); // orders/<id>
const url = (path) => `/v1/${path}?token=${enc(token)}`;

// POST with the token; the answer is the order.
async function post(b, path, body, done) {
  b.disabled = true;
  try {
    render(await api(url(path), { method: 'POST', body }));
    $('status').textContent = done;
  } catch (e) {
    b.disabled = false;
    $('status').textContent = e.message;
  }
}

const day = (d) => new Date(d).toLocaleDateString('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });
const span = (r) => (r.from ? `${day(r.from)}–${day(r.to)}` : 'no date yet');

// order.html's template; its class picks the text and buttons (store.css).
function delay(d) {
  const box = $('delay').content.firstElementChild.cloneNode(true);
  box.classList.add(d.consent !== 'PENDING' ? 'done' : d.consentRequired ? 'required' : 'silence');
  box.querySelector('p').textContent = `Delayed: was ${span(d.previous)}, now ${span(d.expected)}.`;
  for (const t of box.querySelectorAll('time')) t.textContent = day(t.dateTime = d.respondBy);
  return box;
}

// order.html's buttons: a delay answer (data-consent) or Cancel order; confirm, done: their texts.
$('main').onclick = ({ target: b }, d = b.dataset) => d.done && (!d.confirm || confirm(d.confirm))
  && post(b, d.consent ? `shipments/${b.closest('li').id}/delay-consent` : orderPath + '/cancel', d.consent && { consent: d.consent }, d.done);

function render(o) {
  const m = (n) => money(n, o.currency);
  const row = (k, v, attrs = {}) => [el('dt', {}, k), el('dd', attrs, v)];
  const has = (re) => o.shipments.some((s) => re.test(s.status));
  const shipped = o.shipments.filter((s) => s.status === 'SHIPPED').reduce((n, s) => n + s.amount, 0);
  // Money words (docs/storefront.md): more captured than shipped means charged at order.
  const charge = (s) => ({ SHIPPED: 'Charged', CANCELLED: 'Amount' })[s.status]
    || (o.payment.captured > shipped ? 'Charged at order' : 'Charged when it ships');
  document.title = `Order ${o.number} · sellahead`;
  $('title').textContent = `Order ${o.number}`;
  card.hidden = !o.shipments.some((s) => s.paymentRequired);
  root.replaceChildren(...[thanks,
    el('dl', { class: 'facts' },
      row('Status', word(o.status), { 'data-order-status': o.status }),
      row('Email', o.email),
      row('Total', m(o.total))),
    el('section', { 'aria-labelledby': 'ship-title' },
      el('h2', { id: 'ship-title' }, `Shipments (${o.shipments.length})`),
      el('ol', { class: 'shipments' }, o.shipments.map((s, i) => el('li', {
        class: s.status === 'AWAITING_STOCK' ? 'later' : 'now', 'data-status': s.status, id: s.id },
      el('h3', {}, `Shipment ${i + 1}: ${word(s.status)}`),
      el('p', { class: 'delivery' }, s.expectedDelivery.message),
      s.promisedDelivery && s.promisedDelivery.to !== s.expectedDelivery.to
        && el('p', { class: 'promised' }, `Promised when you ordered: ${s.promisedDelivery.message}`),
      s.delay && OPEN.test(s.status) && delay(s.delay),
      shipmentLines(s, o.lines),
      el('dl', { class: 'facts' },
        row(charge(s), m(s.amount)),
        row('Tracking number', s.trackingNumber || 'Not shipped yet')))))),
    el('section', { 'aria-labelledby': 'pay-title' },
      el('h2', { id: 'pay-title' }, 'Payment'),
      el('dl', { class: 'facts' },
        row('Status', word(o.payment.status)),
        row('Authorized on your card', m(o.payment.authorized)),
        row('Charged so far', m(o.payment.captured)),
        o.payment.refunded > 0 && row('Refunded', m(o.payment.refunded)))),
    el('section', { 'aria-labelledby': 'addr-title' },
      el('h2', { id: 'addr-title' }, 'Shipping to'),
      el('address', {}, addressLines(o.shippingAddress).flatMap((s) => [s, el('br')]))),
  ].filter(Boolean));
  thanks.hidden = sessionStorage.getItem('sellahead.placed') !== o.id || o.status === 'CANCELLED';
  $('cancel-box').hidden = has(/SHIPPED/) || !has(OPEN);
}

const card = $('card'); // order.html: a new card for a shipment with paymentRequired
card.onsubmit = (e) => (e.preventDefault(), post(e.submitter, orderPath + '/payment', { token: card.token.value }, ''));

async function load() {
  loadHeader();
  try {
    if (!token) throw new Error('This link is missing its access token. Use the link from your confirmation email.');
    render(await api(url(orderPath)));
    // The delay email's links: show the shipment and its button; a GET never acts.
    const s = $(q.get('shipment')), b = s && [...s.querySelectorAll('button')].find((x) => x.dataset.action === q.get('action'));
    if (s) s.scrollIntoView({ block: 'center' });
    if (b) b.classList.add('target'), b.focus({ preventScroll: true });
  } catch (e) {
    $('title').textContent = 'Order not found';
    root.replaceChildren(el('p', {}, e.status === 404
      ? 'No order matches this link. Check that you opened the whole link from your email.' : e.message));
  } finally {
    root.removeAttribute('aria-busy');
  }
}

load();
