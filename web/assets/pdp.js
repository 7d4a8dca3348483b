// Product page: availability for the chosen quantity (the API's promise) and Add to cart.
import { api, money, el, $, enc, badge, deliveryText, loadHeader, media, addToCart, showCartCount,
  insufficientText } from './store.js';

const sku = decodeURIComponent(location.pathname.split('/')[2] || '');
const qty = $('qty');
const button = $('add-btn');
let product;
let item; // the latest inventory document
let seq = 0; // answers can come back out of order; only the newest is drawn

const quantity = () => Math.max(1, Math.min(parseInt(qty.value, 10) || 1, item ? item.availableTotal : 1));

function renderAvailability() {
  $('avail').replaceChildren(badge(item.status, item.stockDate), ' ',
    el('span', { class: 'delivery' }, deliveryText(item.expectedDelivery)));
  const max = item.availableTotal;
  qty.max = Math.max(max, 1);
  qty.disabled = !item.addToCart;
  button.disabled = !item.addToCart;
  $('qty-hint').textContent = max ? `${max} available` : 'Not available to order right now';
  renderSplit(item.promise);
}

function renderSplit(p) {
  const allocs = p?.allocations || [], n = item.availableTotal, show = (...k) => $('split').replaceChildren(...k);
  if (!p || (p.fulfillable && allocs.length < 2)) return show();
  if (!p.fulfillable) return show(el('p', {}, n ? `Only ${n} can be ordered.` : 'Not available to order right now.'));
  const sum = (type) => allocs.reduce((s, a) => s + (a.stockType === type && a.quantity), 0), now = sum('onhand'), later = sum('intransit');
  show(el('p', { class: 'split-title' }, now && later ? `${now} ship${now === 1 ? 's' : ''} now, ${later} later`
    : `Arrives in ${allocs.length} deliveries`), el('ul', {}, allocs.map((a) => el('li', { class: a.stockType === 'onhand' ? 'now' : 'later' },
    el('strong', {}, String(a.quantity)), ` · ${a.expectedDelivery.message}`))));
}

async function refresh() {
  const mine = ++seq;
  try {
    const doc = await api(`/v1/inventory/${enc(sku)}?quantity=${quantity()}`);
    if (mine !== seq) return;
    item = doc;
    renderAvailability();
  } catch (e) {
    if (mine === seq) $('add-error').textContent = `Availability could not be loaded: ${e.message}`;
  }
}

let timer;
qty.addEventListener('input', () => {
  $('add-status').textContent = '';
  $('add-error').textContent = '';
  // Clamp to what can be ordered as soon as the shopper overshoots.
  if (item && parseInt(qty.value, 10) > item.availableTotal) qty.value = item.availableTotal;
  clearTimeout(timer);
  timer = setTimeout(refresh, 200);
});
qty.addEventListener('change', () => { qty.value = quantity(); });

$('add').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const n = quantity();
  qty.value = n;
  $('add-status').textContent = '';
  $('add-error').textContent = '';
  button.disabled = true;
  try {
    showCartCount(await addToCart(sku, n));
    $('add-status').replaceChildren(`Added ${n} × ${product.name} to your cart. `,
      el('a', { href: '/cart' }, 'View cart'));
  } catch (e) {
    const inCart = e.code === 'INSUFFICIENT_INVENTORY' && e.details[0] ? e.details[0].requested - n : 0;
    $('add-error').textContent = insufficientText(e, [product]) + (inCart > 0 ? ` Your cart already has ${inCart}.` : '');
  } finally {
    button.disabled = !item.addToCart;
  }
});

async function load() {
  try {
    [product, item] = await Promise.all([
      api(`/v1/products/${enc(sku)}`),
      api(`/v1/inventory/${enc(sku)}?quantity=1`),
    ]);
  } catch (e) {
    $('name').textContent = e.status === 404 ? 'Product not found' : 'This product could not be loaded';
    $('avail').textContent = e.status === 404 ? 'There is no product with this code.' : e.message;
    $('add').hidden = true;
    return;
  } finally {
    $('pdp').removeAttribute('aria-busy');
  }
  document.title = `${product.name} · sellahead`;
  $('name').textContent = product.name;
  $('price').textContent = money(product.price, product.currency);
  $('desc').textContent = product.description;
  $('media').replaceChildren(media(product, product.name));
  renderAvailability();
}

loadHeader();
load();
