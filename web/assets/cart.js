// Cart: lines, the shipments they would become, totals; redrawn from each answer.
import { api, money, el, $, showCartCount, insufficientText, nameOf, shipmentLines, totals, cartAndSettings, emptyCart, enc } from './store.js';

const root = $('cart');
let cart;
let captureOn = 'shipment';

// Quantity 0 removes the line (DELETE); anything else sets it (PUT).
async function update(sku, quantity) {
  const name = nameOf(cart.lines, sku);
  const err = $(`err-${sku}`);
  $('status').textContent = err.textContent = '';
  try {
    cart = await api(`/v1/carts/${enc(cart.id)}/items/${enc(sku)}`,
      quantity ? { method: 'PUT', body: { quantity } } : { method: 'DELETE' });
    render();
    $('status').textContent = quantity ? `${name}: quantity set to ${quantity}.` : `${name} removed.`;
    ($(`q-${sku}`) || $('items-title') || $('main')).focus();
  } catch (e) {
    err.textContent = insufficientText(e, cart.lines);
  }
}

function lineRow(line) {
  const { sku, name, availableTotal: left } = line;
  const id = `q-${sku}`;
  const allocs = line.promise.allocations;
  const hidden = (text) => el('span', { class: 'vh' }, text);
  return el('li', { class: `line${line.fulfillable ? '' : ' unfulfillable'}`, 'data-sku': sku },
    el('div', { class: 'line-head' },
      el('h3', {}, el('a', { href: `/p/${enc(sku)}` }, name)),
      el('p', { class: 'amount' }, money(line.amount, cart.totals.currency))),
    el('p', { class: 'hint' }, `${money(line.unitPrice, cart.totals.currency)} each`),
    el('ul', { class: 'notes' }, allocs.map((a) => el('li', { class: a.stockType === 'onhand' ? 'now' : 'later' },
      allocs.length > 1 ? `${a.quantity} · ${a.expectedDelivery.message}` : a.expectedDelivery.message))),
    !line.fulfillable && el('div', { class: 'flag' },
      el('p', {}, left ? `Only ${left} can be ordered now. Lower the quantity to continue.`
        : 'No longer available. Remove it to continue.'),
      left > 0 && el('button', { type: 'button', class: 'secondary', onclick: () => update(sku, left) },
        `Change to ${left}`)),
    el('form', { class: 'line-edit', onsubmit: (ev) => {
      ev.preventDefault();
      update(sku, parseInt(ev.target.quantity.value, 10) || 0);
    } },
    el('label', { for: id }, 'Quantity', hidden(` of ${name}`)),
    el('input', { id, name: 'quantity', type: 'number', inputmode: 'numeric', min: 0,
      max: Math.max(left, line.quantity), value: line.quantity }),
    el('button', { type: 'submit', class: 'secondary' }, 'Update', hidden(` ${name}`)),
    el('button', { type: 'button', class: 'link', onclick: () => update(sku, 0) }, 'Remove', hidden(` ${name}`))),
    el('p', { class: 'error', role: 'alert', id: `err-${sku}` }));
}

function group(key, title, shipments) {
  return shipments.length > 0 && el('section', { class: `group ${key}`, 'data-group': key, 'aria-labelledby': `g-${key}` },
    el('h3', { id: `g-${key}` }, title),
    shipments.map((s) => el('div', { class: 'shipment' },
      el('p', { class: 'delivery' }, s.expectedDelivery.message), shipmentLines(s, cart.lines))));
}

function render() {
  showCartCount(cart);
  root.removeAttribute('aria-busy');
  if (!cart || !cart.lines.length) return root.replaceChildren(emptyCart());
  const t = cart.totals;
  const later = cart.shipments.filter((s) => !s.shipsNow);
  root.replaceChildren(
    el('div', {},
      el('section', { 'aria-labelledby': 'items-title' },
        el('h2', { id: 'items-title', tabindex: -1 }, 'Items'),
        el('ul', { class: 'lines' }, cart.lines.map(lineRow))),
      el('section', { 'aria-labelledby': 'delivery-title' },
        el('h2', { id: 'delivery-title' }, 'Delivery'),
        !cart.shipments.length && el('p', {}, 'Update the flagged items to see how your order ships.'),
        group('now', 'Ships now', cart.shipments.filter((s) => s.shipsNow)),
        group('later', later.length > 1 ? `Ships later, in ${later.length} shipments` : 'Ships later', later))),
    el('aside', { class: 'summary', 'aria-labelledby': 'sum-title' },
      el('h2', { id: 'sum-title' }, 'Order summary'),
      totals(t, 'Subtotal', captureOn),
      cart.lines.every((l) => l.fulfillable)
        ? el('a', { class: 'button', href: '/checkout' }, 'Check out')
        : el('p', { class: 'error' }, 'Some items cannot be ordered in that quantity. Update them to check out.')));
}

async function load() {
  try {
    [cart, { captureOn }] = await cartAndSettings();
  } catch (e) {
    $('status').textContent = `The cart could not be loaded: ${e.message}`;
  }
  render();
}

load();
