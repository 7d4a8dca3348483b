// Checkout: what is charged when, the shopper's details, the order. Errors stay in place.
import { api, money, el, $, loadHeader, loadCart, forgetCart, showCartCount, insufficientText,
  shipmentLines, totals, storeSettings, chargeRows } from './store.js';

const form = $('checkout');
const error = $('error');
let cart;
let captureOn = 'shipment';

function renderSummary() {
  const t = cart.totals;
  const perShipment = captureOn !== 'order';
  $('summary-body').replaceChildren(...[
    el('ul', { class: 'lines compact' }, cart.lines.map((l) => el('li', {},
      el('span', {}, `${l.quantity} × ${l.name}`), el('span', {}, money(l.amount, t.currency))))),
    cart.lines.some((l) => !l.fulfillable) && el('p', { class: 'error' },
      'Some items cannot be ordered in that quantity. ', el('a', { href: '/cart' }, 'Review your cart')),
    el('h3', {}, 'Delivery and charges'),
    el('ul', { class: 'charges' }, cart.shipments.map((s) => el('li', { class: s.shipsNow ? 'now' : 'later' },
      el('p', { class: 'delivery' }, s.expectedDelivery.message),
      shipmentLines(s, cart.lines),
      el('p', { class: 'charge' }, `${money(s.amount, t.currency)} ${perShipment
        ? 'charged when this shipment ships' : 'charged at order'}`)))),
    totals([['subtotal', 'Total', t.subtotal], ...chargeRows(t, captureOn)], t.currency),
  ].filter(Boolean));
}

// One key per attempt: a request that reaches the server twice places one order.
function idempotencyKey() {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)),
    (b) => b.toString(16).padStart(2, '0')).join('');
}

function explain(e) {
  if (e.code === 'INSUFFICIENT_INVENTORY') {
    return [insufficientText(e, cart.lines), ' ', el('a', { href: '/cart' }, 'Review your cart')];
  }
  if (e.code === 'PAYMENT_DECLINED') return `Payment declined: ${e.message}. Choose another card and try again.`;
  if (e.status === 422) {
    const field = /^(?:shippingAddress\.)?(\w+)/.exec(e.message);
    const input = field && form.elements[field[1]];
    if (input) {
      input.setAttribute('aria-invalid', 'true');
      input.setAttribute('aria-describedby', 'error');
    }
    return `Please check your details: ${e.message}.`;
  }
  return e.message;
}

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = form.elements;
  for (const i of form.querySelectorAll('[aria-invalid]')) {
    i.removeAttribute('aria-invalid');
    i.removeAttribute('aria-describedby');
  }
  error.textContent = '';
  $('place').disabled = true;
  const address = {};
  for (const k of ['name', 'line1', 'line2', 'city', 'postalCode', 'country']) address[k] = f[k].value.trim();
  try {
    const order = await api('/v1/orders', {
      method: 'POST',
      headers: { 'Idempotency-Key': idempotencyKey() },
      body: { cartId: cart.id, email: f.email.value.trim(), shippingAddress: address,
        payment: { token: f.token.value } },
    });
    forgetCart(); // the server emptied it
    sessionStorage.setItem('sellahead.placed', order.id); // for the thanks
    location.assign(`/orders/${encodeURIComponent(order.id)}?token=${encodeURIComponent(order.accessToken)}`);
  } catch (e) {
    error.replaceChildren(...[explain(e)].flat());
    $('place').disabled = false;
    if (e.status === 409) api(`/v1/carts/${encodeURIComponent(cart.id)}`).then((c) => { cart = c; renderSummary(); }, () => {});
  }
});

async function load() {
  loadHeader({ cart: false });
  try {
    [cart, { captureOn }] = await Promise.all([loadCart(), storeSettings()]);
  } catch (e) {
    $('summary-body').textContent = `Your cart could not be loaded: ${e.message}`;
    return $('cols').removeAttribute('aria-busy');
  }
  $('cols').removeAttribute('aria-busy');
  showCartCount(cart);
  if (!cart || !cart.lines.length) {
    form.hidden = true;
    $('summary-body').replaceChildren(el('p', {}, 'Your cart is empty. ', el('a', { href: '/' }, 'Continue shopping')));
    return;
  }
  renderSummary();
  $('place').disabled = false;
}

load();
