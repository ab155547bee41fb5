import { describe, expect, it } from 'vitest';
import type { CartSummary, LiveCart } from '../api/types';
import { DEFAULT_FILTERS, mergeLiveEvent } from './liveMerge';

const row = (id: string, total: string, updated: string): CartSummary => ({
  id, status: 'active', user_type: 'guest', email: null, name: null, item_count: 1, grand_total: total,
  currency: 'USD', updated_at: updated,
});
const snapshot = (id: string, total: string, updated: string, status: LiveCart['status'] = 'active'): LiveCart => ({
  id, status, currency: 'USD', items: [{ quantity: 2 }, { quantity: 1 }],
  customer: { user_type: 'customer', email: 'ana@example.com', name: 'Ana' }, grand_total: total,
  created_at: '2026-01-01T00:00:00Z', updated_at: updated,
});

describe('merging live events into the cart list', () => {
  const list = [row('a', '10.00', '2026-01-01T10:00:00Z'), row('b', '20.00', '2026-01-01T09:00:00Z')];

  it('puts a new cart at the top', () => {
    const merged = mergeLiveEvent(list, { type: 'cart.upserted', cart: snapshot('c', '5.00', '2026-01-01T11:00:00Z') }, DEFAULT_FILTERS);
    expect(merged.map((c) => c.id)).toEqual(['c', 'a', 'b']);
    expect(merged[0].item_count).toBe(3);
  });

  it('moves a changed cart to the top with its new total', () => {
    const merged = mergeLiveEvent(list, { type: 'cart.upserted', cart: snapshot('b', '35.50', '2026-01-01T11:00:00Z') }, DEFAULT_FILTERS);
    expect(merged.map((c) => c.id)).toEqual(['b', 'a']);
    expect(merged[0].grand_total).toBe('35.50');
  });

  it('drops a converted or deleted cart from the active view', () => {
    expect(mergeLiveEvent(list, { type: 'cart.converted', cart_id: 'a' }, DEFAULT_FILTERS).map((c) => c.id)).toEqual(['b']);
    expect(mergeLiveEvent(list, { type: 'cart.deleted', cart_id: 'b' }, DEFAULT_FILTERS).map((c) => c.id)).toEqual(['a']);
  });

  it('keeps a deleted cart, marked deleted, when every status is shown', () => {
    const merged = mergeLiveEvent(list, { type: 'cart.deleted', cart_id: 'b' }, { ...DEFAULT_FILTERS, status: '' });
    expect(merged.find((c) => c.id === 'b')?.status).toBe('deleted');
  });

  it('ignores a late, older snapshot', () => {
    const merged = mergeLiveEvent(list, { type: 'cart.upserted', cart: snapshot('a', '1.00', '2026-01-01T08:00:00Z') }, DEFAULT_FILTERS);
    expect(merged).toBe(list);
  });

  it('leaves out a cart the filters exclude', () => {
    const filters = { ...DEFAULT_FILTERS, min_total: '50' };
    const merged = mergeLiveEvent(list, { type: 'cart.upserted', cart: snapshot('a', '12.00', '2026-01-01T12:00:00Z') }, filters);
    expect(merged.map((c) => c.id)).toEqual(['b']);
  });
});
