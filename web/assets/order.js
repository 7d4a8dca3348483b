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
    newCard(o),
    el('section', { 'aria-labelledby': 'addr-title' },
      el('h2', { id: 'addr-title' }, 'Shipping to'),
      el('address', {}, [a.name, a.line1, a.line2, `${a.postalCode} ${a.city}`, a.country]
        .filter(Boolean).flatMap((s) => [s, el('br')]))));
}

// A shipment whose renewed card authorization was declined waits for a new card
// (paymentRequired): the shopper gives one here (POST /v1/orders/{id}/payment).
function newCard(o) {
  const waiting = o.shipments.filter((s) => s.paymentRequired);
  if (!waiting.length) return '';
  const form = el('form', { class: 'new-card', 'aria-labelledby': 'card-title' },
    el('h2', { id: 'card-title' }, 'Your card is needed'),
    el('p', {}, `Your card declined the payment for ${waiting.length === 1 ? 'a shipment that is' : 'shipments that are'} ready to ship. Give a new card and it ships.`),
    el('div', { class: 'field' },
      el('label', { for: 'new-token' }, 'Test card'),
      el('select', { id: 'new-token', name: 'token' },
        el('option', { value: 'tok_visa' }, 'Visa test card (approved)'),
        el('option', { value: 'tok_declined' }, 'Test card that is declined'))),
    el('button', { type: 'submit' }, 'Use this card'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const { id, token } = where();
    try {
      render(await api(`/v1/orders/${encodeURIComponent(id)}/payment?token=${encodeURIComponent(token)}`,
        { method: 'POST', body: { token: form.token.value } }));
      $('status').textContent = 'Thank you: the new card was accepted.';
    } catch (e) {
      $('status').textContent = e.message;
    }
  });
  return form;
}

const where = () => ({ id: decodeURIComponent(location.pathname.split('/')[2] || ''),
  token: new URLSearchParams(location.search).get('token') });

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
