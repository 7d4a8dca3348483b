// Order status for the shopper, opened with the order's access token from the link.
import { api, money, el, $, loadHeader, shipmentLines } from './store.js';

const ORDER = { PLACED: 'Placed', PARTIALLY_SHIPPED: 'Partially shipped', SHIPPED: 'Shipped', CANCELLED: 'Cancelled' };
const SHIPMENT = { READY: 'Ready to ship', AWAITING_STOCK: 'On backorder, awaiting stock', SHIPPED: 'Shipped', CANCELLED: 'Cancelled' };
const PAYMENT = { AUTHORIZED: 'Authorized', PARTIALLY_CAPTURED: 'Partly charged', CAPTURED: 'Charged', VOIDED: 'Voided', REFUNDED: 'Refunded' };

const root = $('order');

function render(o) {
  const m = (n) => money(n, o.currency);
  const a = o.shippingAddress;
  const row = (k, v, attrs = {}) => [el('dt', {}, k), el('dd', attrs, v)];
  document.title = `Order ${o.number} · sellahead`;
  $('title').textContent = `Order ${o.number}`;
  card.hidden = !o.shipments.some((s) => s.paymentRequired);
  root.replaceChildren(
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
      shipmentLines(s, o.lines),
      el('dl', { class: 'facts' },
        row('Amount', m(s.amount)),
        row('Tracking number', s.trackingNumber || 'Not shipped yet')))))),
    el('section', { 'aria-labelledby': 'pay-title' },
      el('h2', { id: 'pay-title' }, 'Payment'),
      el('dl', { class: 'facts' },
        row('Status', PAYMENT[o.payment.status] || o.payment.status),
        row('Authorized', m(o.payment.authorized)),
        row('Captured', m(o.payment.captured)))),
    el('section', { 'aria-labelledby': 'addr-title' },
      el('h2', { id: 'addr-title' }, 'Shipping to'),
      el('address', {}, [a.name, a.line1, a.line2, `${a.postalCode} ${a.city}`, a.country]
        .filter(Boolean).flatMap((s) => [s, el('br')]))));
}

const card = $('card'); // order.html: a new card for a shipment with paymentRequired
card.onsubmit = (e) => (e.preventDefault(), api(`${location.pathname.replace('/o', '/v1/o')}/payment${location.search}`,
  { method: 'POST', body: { token: card.token.value } }).then(render, (x) => { $('status').textContent = x.message; }));

async function load() {
  loadHeader();
  const id = decodeURIComponent(location.pathname.split('/')[2] || '');
  const token = new URLSearchParams(location.search).get('token');
  try {
    if (!token) throw new Error('This link is missing its access token. Use the link from your confirmation email.');
    render(await api(`/v1/orders/${encodeURIComponent(id)}?token=${encodeURIComponent(token)}`));
  } catch (e) {
    $('title').textContent = 'Order not found';
    root.replaceChildren(el('p', {}, e.status === 404
      ? 'No order matches this link. Check that you opened the whole link from your email.' : e.message));
  } finally {
    root.removeAttribute('aria-busy');
  }
}

load();
