// Merging the live feed into the cart list on screen, the way the list would look after a reload:
// a new or changed cart that fits the filters goes to the top with its new figures, one that no longer fits
// (converted, deleted, blocked, abandoned while viewing active carts, or filtered out) leaves.
import type { CartStatus, CartSummary, LiveCart, LiveEvent, UserType } from '../api/types';

export interface ListFilters {
  status: CartStatus | '';
  user_type: UserType | '';
  q: string;
  min_total: string;
}

export const DEFAULT_FILTERS: ListFilters = { status: 'active', user_type: '', q: '', min_total: '' };

export function summaryOf(cart: LiveCart): CartSummary {
  return {
    id: cart.id,
    status: cart.status,
    user_type: cart.customer.user_type,
    customer_id: cart.customer.customer_id ?? null,
    email: cart.customer.email,
    name: cart.customer.name,
    item_count: cart.items.reduce((n, item) => n + item.quantity, 0),
    grand_total: String(cart.grand_total),
    currency: cart.currency,
    country: cart.customer.country ?? null,
    created_at: cart.created_at,
    updated_at: cart.updated_at,
  };
}

export function matches(cart: CartSummary, filters: ListFilters): boolean {
  if (filters.status && cart.status !== filters.status) return false;
  if (filters.user_type && cart.user_type !== filters.user_type) return false;
  if (filters.min_total.trim() !== '' && Number(cart.grand_total) < Number(filters.min_total)) return false;
  const q = filters.q.trim().toLowerCase();
  if (q) {
    const haystack = [cart.id, cart.email ?? '', cart.name ?? ''].join(' ').toLowerCase();
    if (!haystack.includes(q)) return false;
  }
  return true;
}

const STATUS_OF: Record<string, CartStatus> = {
  'cart.deleted': 'deleted',
  'cart.converted': 'converted',
  'cart.abandoned': 'abandoned',
};

export function mergeLiveEvent(list: CartSummary[], event: LiveEvent, filters: ListFilters): CartSummary[] {
  if (event.type === 'cart.upserted') {
    const summary = summaryOf(event.cart);
    const current = list.find((c) => c.id === summary.id);
    // An older snapshot arriving late never replaces a newer one.
    if (current && current.updated_at > summary.updated_at) return list;
    const rest = list.filter((c) => c.id !== summary.id);
    return matches(summary, filters) ? [summary, ...rest] : rest;
  }
  const status = STATUS_OF[event.type];
  if (!status) return list;
  const index = list.findIndex((c) => c.id === event.cart_id);
  if (index < 0) return list;
  const changed = { ...list[index], status };
  if (!matches(changed, filters)) return list.filter((c) => c.id !== event.cart_id);
  return list.map((c, i) => (i === index ? changed : c));
}
