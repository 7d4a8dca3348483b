// Checkout: what is charged when, the shopper's details, the order. Errors stay in place.
import { api, money, el, $, forgetCart, showCartCount, insufficientText, shipmentLines, totals, cartAndSettings, emptyCart, enc } from './store.js';

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
    totals(t, 'Total', captureOn),
  ].filter(Boolean));
}

// One key per attempt: a request that reaches the server twice places one order.
const idempotencyKey = () => crypto.getRandomValues(new Uint32Array(4)).join('-');

function explain(e) {
  if (e.code === 'INSUFFICIENT_INVENTORY') {
    return [insufficientText(e, cart.lines), ' ', el('a', { href: '/cart' }, 'Review your cart')];
  }
  if (e.code === 'PAYMENT_DECLINED') return `Payment declined: ${e.message}. Choose another card and try again.`;
  if (e.status === 422) {
    const input = form.elements[/^(?:shippingAddress\.)?(\w+)/.exec(e.message)?.[1]];
    input?.setAttribute('aria-invalid', 'true');
    input?.setAttribute('aria-describedby', 'error');
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
    location.assign(`/orders/${enc(order.id)}?token=${enc(order.accessToken)}`);
  } catch (e) {
    error.replaceChildren(...[explain(e)].flat());
    $('place').disabled = false;
    if (e.status === 409) api(`/v1/carts/${enc(cart.id)}`).then((c) => { cart = c; renderSummary(); }, () => {});
  }
});

async function load() {
  try {
    [cart, { captureOn }] = await cartAndSettings();
    showCartCount(cart);
    if (!cart || !cart.lines.length) {
      form.hidden = true;
      return $('summary-body').replaceChildren(emptyCart());
    }
    renderSummary();
    $('place').disabled = false;
  } catch (e) {
    $('summary-body').textContent = `Your cart could not be loaded: ${e.message}`;
  } finally {
    $('cols').removeAttribute('aria-busy');
  }
}

load();
