// The 404 page: the store's header (name, cart count) like every other storefront page.
import { loadHeader } from './store.js';

loadHeader();
