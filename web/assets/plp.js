// Product listing, one batch call per page. Orderable first: each page (by SKU) is split and
// the rest gathers under "Currently unavailable" (docs/storefront.md).
import { api, money, el, $, enc, badge, deliveryText, loadHeader, media } from './store.js';

const list = $('products');
const unavailable = $('unavailable');
const more = $('more');
let cursor = '';

function card(p) {
  return el('li', { class: 'card', 'data-sku': p.sku },
    media(p, p.name),
    el('h2', {}, el('a', { href: `/p/${enc(p.sku)}` }, p.name)),
    el('p', { class: 'price' }, money(p.price, p.currency)),
    el('p', { class: 'avail' }, badge(p.status, p.stockDate), ' ',
      el('span', { class: 'delivery' }, deliveryText(p.expectedDelivery))));
}

async function load() {
  more.disabled = true;
  try {
    const page = await api(`/v1/products?limit=100&cursor=${enc(cursor)}`);
    if (!cursor) list.replaceChildren();
    list.append(...page.items.filter((p) => p.addToCart).map(card));
    unavailable.append(...page.items.filter((p) => !p.addToCart).map(card));
    if (!list.children.length && !unavailable.children.length) $('status').textContent = 'No products yet.';
    cursor = page.nextCursor;
    more.hidden = !cursor;
  } catch (e) {
    if (!cursor) list.replaceChildren();
    $('status').textContent = `Products could not be loaded: ${e.message}`;
  } finally {
    list.removeAttribute('aria-busy');
    more.disabled = false;
  }
}

more.addEventListener('click', load);
loadHeader();
load();
