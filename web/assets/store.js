// Shared storefront helpers: the API client, money, the cart id, the header, DOM building.
// Every delivery promise shown to the shopper is text from the API: no date maths here.

// An error with the server's status, code and details, for the page to explain.
const apiError = (status, code, message, details = []) =>
  Object.assign(new Error(message), { status, code, details });

// JSON in and out; a non-2xx answer throws an apiError with the server's code and message.
export async function api(path, { method = 'GET', body, headers = {} } = {}) {
  const init = { method, headers: { Accept: 'application/json', ...headers } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['Content-Type'] = 'application/json';
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    throw apiError(0, 'NETWORK', 'The store could not be reached. Check your connection and try again.');
  }
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    const e = (data && data.error) || {};
    throw apiError(res.status, e.code || `HTTP_${res.status}`,
      e.message || `The request failed (${res.status}).`, e.details);
  }
  return data;
}

// Prices are integers in minor units; the currency's own digits say where the point goes.
const formats = {};
export function money(minor, currency = 'USD') {
  const f = formats[currency] ||= new Intl.NumberFormat('en-US', { style: 'currency', currency });
  return f.format(minor / 10 ** f.resolvedOptions().maximumFractionDigits);
}

// Element builder: text children become text nodes, so API strings are never parsed as HTML.
export function el(tag, attrs = {}, ...kids) {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k.startsWith('on')) n.addEventListener(k.slice(2), v);
    else n.setAttribute(k, v === true ? '' : v);
  }
  n.append(...kids.flat(Infinity).filter((k) => k != null && k !== false));
  return n;
}

export const $ = (id) => document.getElementById(id);

// A SKU's product name from a cart's or order's lines.
export const nameOf = (lines, sku) => (lines.find((l) => l.sku === sku) || { name: sku }).name;

// What a shipment carries: "2 × Stoneware mug".
export const shipmentLines = (s, lines) =>
  el('ul', {}, s.lines.map((l) => el('li', {}, `${l.quantity} × ${nameOf(lines, l.sku)}`)));

// The money summary: [key, label, amount] rows; a row without an amount is left out.
export const totals = (rows, currency) => el('dl', { class: 'totals' }, rows.filter((r) => r[2] != null)
  .map(([key, label, amount]) => [el('dt', {}, label), el('dd', { 'data-total': key }, money(amount, currency))]));

// "1 ships now" / "25 ship now".
export const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

const AVAIL = {
  IN_STOCK: ['In stock', 'ok'],
  IN_TRANSIT: ['Backorder', 'later'],
  OUT_OF_STOCK: ['Out of stock', 'none'],
};
export function badge(status) {
  const [text, cls] = AVAIL[status] || AVAIL.OUT_OF_STOCK;
  return el('span', { class: `badge ${cls}` }, text);
}

// A product picture, or its initials on a tinted square when there is none.
export function media(p, alt = '') {
  // A path on this server, or an https:// URL (the API accepts no other): product pictures
  // usually live on a CDN.
  if (/^(\/(?!\/)|https:\/\/)/i.test(p.imageUrl || '')) {
    return el('img', { src: p.imageUrl, alt, class: 'media', loading: 'lazy' });
  }
  const initials = p.name.split(/\s+/).slice(0, 2).map((w) => w[0]).join('').toUpperCase();
  return el('div', { class: 'media', 'aria-hidden': 'true' }, initials);
}

// The availability sentence: the API's message, or a plain word when there is no range.
export const deliveryText = (ed) => (ed && ed.message) || 'Currently unavailable';

// --- the cart: one id per browser, created on the first add ---
const CART_KEY = 'sellahead.cartId';
export const cartId = () => localStorage.getItem(CART_KEY);
export const forgetCart = () => localStorage.removeItem(CART_KEY);

// This browser's cart, or null when there is none (a cart the server forgot is dropped).
export async function loadCart() {
  try {
    return cartId() && await api(`/v1/carts/${encodeURIComponent(cartId())}`);
  } catch (e) {
    if (e.code !== 'CART_NOT_FOUND') throw e;
    forgetCart();
    return null;
  }
}

export async function addToCart(sku, quantity) {
  for (let attempt = 0; ; attempt++) {
    let id = cartId();
    if (!id) {
      id = (await api('/v1/carts', { method: 'POST' })).id;
      localStorage.setItem(CART_KEY, id);
    }
    try {
      return await api(`/v1/carts/${encodeURIComponent(id)}/items`, { method: 'POST', body: { sku, quantity } });
    } catch (e) {
      // A cart the server no longer knows (a reset store): start a new one, once.
      if (e.code !== 'CART_NOT_FOUND' || attempt) throw e;
      forgetCart();
    }
  }
}

export function showCartCount(cart) {
  const n = cart ? cart.lines.reduce((s, l) => s + l.quantity, 0) : 0;
  for (const c of document.querySelectorAll('[data-cart-count]')) c.textContent = n ? `(${n})` : '';
}

// Store name from the public settings; the cart count unless the page loads the cart itself.
export function loadHeader({ cart = true } = {}) {
  api('/v1/settings').then((s) => {
    if (!s.storeName) return;
    for (const b of document.querySelectorAll('[data-store-name]')) b.textContent = s.storeName;
  }, () => {});
  if (cart) loadCart().then(showCartCount, () => {});
}

// A 409 INSUFFICIENT_INVENTORY carries what is left: say it in shopper terms.
export function insufficientText(err, lines) {
  const d = err.details[0];
  if (!d) return err.message;
  const name = nameOf(lines, d.sku);
  return d.availableTotal ? `Only ${d.availableTotal} of ${name} can be ordered.` : `${name} is no longer available.`;
}
