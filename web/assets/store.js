// Shared storefront helpers. Every delivery promise is the API's text: no date maths here.

const apiError = (status, code, message, details = []) =>
  Object.assign(new Error(message), { status, code, details });

// JSON in and out; a non-2xx answer throws with the server's status, code and details.
export async function api(path, { method = 'GET', body, headers } = {}) {
  let res;
  try {
    res = await fetch(path, { method, body: body && JSON.stringify(body),
      headers: { Accept: 'application/json', ...body && { 'Content-Type': 'application/json' }, ...headers } });
  } catch {
    throw apiError(0, 'NETWORK', 'The store could not be reached. Check your connection and try again.');
  }
  const data = await res.json().catch(() => null), e = data?.error || {};
  if (!res.ok) throw apiError(res.status, e.code || `HTTP_${res.status}`, e.message || `The request failed (${res.status}).`, e.details);
  return data;
}

// Minor units; the currency's own digits say where the point goes.
const formats = {};
export function money(minor, currency = 'USD') {
  const f = formats[currency] ||= new Intl.NumberFormat('en-US', { style: 'currency', currency });
  return f.format(minor / 10 ** f.resolvedOptions().maximumFractionDigits);
}

// Text children become text nodes: API strings are never parsed as HTML.
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
export const enc = encodeURIComponent;

export const emptyCart = () => el('p', { class: 'empty' }, 'Your cart is empty. ', el('a', { href: '/' }, 'Continue shopping'));

export const nameOf = (lines, sku) => (lines.find((l) => l.sku === sku) || { name: sku }).name;

export const shipmentLines = (s, lines) =>
  el('ul', {}, s.lines.map((l) => el('li', {}, `${l.quantity} × ${nameOf(lines, l.sku)}`)));


// Dated transit stock is a pre-order, undated a backorder (stockDate).
export function badge(status, stockDate) {
  const [text, cls] = status === 'IN_STOCK' ? ['In stock', 'ok'] : status !== 'IN_TRANSIT' ? ['Out of stock', 'none']
    : [stockDate ? 'Pre-order' : 'Backorder', 'later'];
  return el('span', { class: `badge ${cls}` }, text);
}

export function media(p, alt = '') {
  if (/^(\/(?!\/)|https:\/\/)/i.test(p.imageUrl || '')) return el('img', { src: p.imageUrl, alt, class: 'media' });
  const initials = p.name.split(/\s+/).slice(0, 2).map((w) => w[0]).join('').toUpperCase();
  return el('div', { class: 'media', 'aria-hidden': 'true' }, initials);
}

// Beside a badge, without the badge's word ("Backorder: expected …").
export function deliveryText(ed) {
  const m = ((ed && ed.message) || '').replace(/^(Backorder:|In stock\.) /, '');
  return m ? m[0].toUpperCase() + m.slice(1) : 'Currently unavailable';
}

const CART_KEY = 'sellahead.cartId';
export const cartId = () => localStorage.getItem(CART_KEY);
export const forgetCart = () => localStorage.removeItem(CART_KEY);

// The cart, or null (a cart the server forgot is dropped).
export async function loadCart() {
  try {
    return cartId() && await api(`/v1/carts/${enc(cartId())}`);
  } catch (e) {
    if (e.code !== 'CART_NOT_FOUND') throw e;
    forgetCart();
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
      return await api(`/v1/carts/${enc(id)}/items`, { method: 'POST', body: { sku, quantity } });
    } catch (e) {
      if (e.code !== 'CART_NOT_FOUND' || attempt) throw e;
      forgetCart();
    }
  }
}

export function showCartCount(cart) {
  const n = cart ? cart.lines.reduce((s, l) => s + l.quantity, 0) : 0;
  for (const c of document.querySelectorAll('[data-cart-count]')) c.textContent = n ? `(${n})` : '';
}

let settings;
export const storeSettings = () => (settings ||= api('/v1/settings'));

// The cart's totals, first the subtotal. Money words (docs/storefront.md): true under both
// capture policies.
export const totals = (t, first, captureOn) => el('dl', { class: 'totals' }, [['subtotal', first, t.subtotal],
  ...captureOn === 'order' ? [['now', 'Charged at order', t.chargedNow]] : [['now', 'Charged when in-stock items ship', t.chargedNow || null],
    ['later', 'Charged when backordered items ship', t.chargedLater || null]]].filter((r) => r[2] != null)
  .map(([key, label, amount]) => [el('dt', {}, label), el('dd', { 'data-total': key }, money(amount, t.currency))]));

// Cart and checkout: the cart (or null) and the settings (captureOn).
export const cartAndSettings = () => (loadHeader(false), Promise.all([loadCart(), storeSettings()]));

export function loadHeader(cart = true) {
  storeSettings().then((s) => {
    if (!s.storeName) return;
    for (const b of document.querySelectorAll('[data-store-name]')) b.textContent = s.storeName;
  }, () => {});
  if (cart) loadCart().then(showCartCount, () => {});
}

// Stock ran short: how many can be ordered; else the message.
export function insufficientText(err, lines) {
  const d = err.code === 'INSUFFICIENT_INVENTORY' && err.details[0];
  if (!d) return err.message;
  const name = nameOf(lines, d.sku);
  return d.availableTotal ? `Only ${d.availableTotal} of ${name} can be ordered.` : `${name} is no longer available.`;
}

// The country's usual order: c city, z postal code, / new line; others "z c".
export const addressLines = (a) => [a.name, a.line1, a.line2,
  ...(/^(US|CA|AU|NZ|IN|SG|JP)$/.test(a.country) ? 'c z' : /^(GB|IE)$/.test(a.country) ? 'c/z' : 'z c').split('/')
    .map((l) => l.replace(/[cz]/g, (t) => (t < 'z' ? a.city : a.postalCode))),
  /^[A-Z]{2}$/.test(a.country) ? new Intl.DisplayNames('en', { type: 'region' }).of(a.country) : a.country,
].filter(Boolean);
