// The order for its token: thanks after placing, charges, Cancel while nothing has shipped.
import { api, money, el, $, loadHeader, shipmentLines, addressLines } from './store.js';

const ORDER = { PLACED: 'Placed', PARTIALLY_SHIPPED: 'Partially shipped', SHIPPED: 'Shipped', CANCELLED: 'Cancelled' };
const SHIPMENT = { READY: 'Ready to ship', AWAITING_STOCK: 'On backorder, awaiting stock', SHIPPED: 'Shipped', CANCELLED: 'Cancelled' };
const PAYMENT = { AUTHORIZED: 'Authorized', PARTIALLY_CAPTURED: 'Partly charged', CAPTURED: 'Charged', VOIDED: 'Voided', REFUNDED: 'Refunded' };

const root = $('order');
const thanks = $('thanks');
const id = decodeURIComponent(location.pathname.split('/')[2] || '');
const token = new URLSearchParams(location.search).get('token');
const orderApi = (path = '', opts) =>
  api(`/v1/orders/${encodeURIComponent(id)}${path}?token=${encodeURIComponent(token)}`, opts);

async function cancel(ev) {
  if (!confirm('Cancel the whole order? This cannot be undone.')) return;
  ev.target.disabled = true;
  try {
    render(await orderApi('/cancel', { method: 'POST' }));
    $('status').textContent = 'Your order has been cancelled.';
  } catch (e) {
    ev.target.disabled = false;
    $('status').textContent = `The order could not be cancelled: ${e.message}`;
  }
}

function render(o) {
  const m = (n) => money(n, o.currency);
  const row = (k, v, attrs = {}) => [el('dt', {}, k), el('dd', attrs, v)];
  const has = (st) => o.shipments.some((s) => s.status === st);
  const shipped = o.shipments.filter((s) => s.status === 'SHIPPED').reduce((n, s) => n + s.amount, 0);
  // Money words (docs/storefront.md): more captured than shipped means charged at order.
  const charge = (s) => ({ SHIPPED: 'Charged', CANCELLED: 'Amount' })[s.status]
    || (o.payment.captured > shipped ? 'Charged at order' : 'Charged when it ships');
  document.title = `Order ${o.number} · sellahead`;
  $('title').textContent = `Order ${o.number}`;
  card.hidden = !o.shipments.some((s) => s.paymentRequired);
  root.replaceChildren(...[thanks,
    el('dl', { class: 'facts' },
      row('Status', ORDER[o.status] || o.status, { 'data-order-status': o.status }),
      row('Email', o.email),
      row('Total', m(o.total))),
    el('section', { 'aria-labelledby': 'ship-title' },
      el('h2', { id: 'ship-title' }, `Shipments (${o.shipments.length})`),
      el('ol', { class: 'shipments' }, o.shipments.map((s, i) => el('li', {
        class: s.status === 'AWAITING_STOCK' ? 'later' : 'now', 'data-status': s.status },
      el('h3', {}, `Shipment ${i + 1}: ${SHIPMENT[s.status] || s.status}`),
      el('p', { class: 'delivery' }, s.expectedDelivery.message),
      s.promisedDelivery && s.promisedDelivery.to !== s.expectedDelivery.to
        && el('p', { class: 'promised' }, `Promised when you ordered: ${s.promisedDelivery.message}`),
      shipmentLines(s, o.lines),
      el('dl', { class: 'facts' },
        row(charge(s), m(s.amount)),
        row('Tracking number', s.trackingNumber || 'Not shipped yet')))))),
    el('section', { 'aria-labelledby': 'pay-title' },
      el('h2', { id: 'pay-title' }, 'Payment'),
      el('dl', { class: 'facts' },
        row('Status', PAYMENT[o.payment.status] || o.payment.status),
        row('Authorized on your card', m(o.payment.authorized)),
        row('Charged so far', m(o.payment.captured)),
        o.payment.refunded > 0 && row('Refunded', m(o.payment.refunded)))),
    el('section', { 'aria-labelledby': 'addr-title' },
      el('h2', { id: 'addr-title' }, 'Shipping to'),
      el('address', {}, addressLines(o.shippingAddress).flatMap((s) => [s, el('br')]))),
  ].filter(Boolean));
  thanks.hidden = sessionStorage.getItem('sellahead.placed') !== o.id || o.status === 'CANCELLED';
  $('cancel-box').hidden = has('SHIPPED') || !(has('READY') || has('AWAITING_STOCK'));
}

$('cancel').onclick = cancel;
const card = $('card'); // order.html: a new card for a shipment with paymentRequired
card.onsubmit = (e) => (e.preventDefault(), api(`${location.pathname.replace('/o', '/v1/o')}/payment${location.search}`,
  { method: 'POST', body: { token: card.token.value } }).then(render, (x) => { $('status').textContent = x.message; }));

async function load() {
  loadHeader();
  try {
    if (!token) throw new Error('This link is missing its access token. Use the link from your confirmation email.');
    render(await orderApi());
  } catch (e) {
    $('title').textContent = 'Order not found';
    root.replaceChildren(el('p', {}, e.status === 404
      ? 'No order matches this link. Check that you opened the whole link from your email.' : e.message));
  } finally {
    root.removeAttribute('aria-busy');
  }
}

load();
