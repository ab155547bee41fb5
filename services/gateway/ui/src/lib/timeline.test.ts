import { describe, expect, it } from 'vitest';
import { describeEntry } from './timeline';

const at = '2026-03-01T12:00:00Z';

describe('the timeline in words', () => {
  it('names what the shopper added', () => {
    expect(describeEntry({ at, actor: 'shopper', action: 'item_added', detail: { name: 'Blue Mug', quantity: 2 } }))
      .toBe('Shopper added 2 × Blue Mug');
  });

  it('names the staff member who changed a quantity', () => {
    expect(describeEntry({ at, actor: 'owner@shop.example', action: 'quantity_changed', detail: { name: 'Red Mug', from: 1, to: 3 } }))
      .toBe('owner@shop.example changed quantity of Red Mug to 3');
  });

  it('never prints a raw object', () => {
    const text = describeEntry({ at, actor: 'system', action: 'blocked', detail: { matched: 'x@spam.example', note: 'fraud' } });
    expect(text).toBe('Cartio blocked the cart (matched x@spam.example): fraud');
    expect(describeEntry({ at, actor: 'system', action: 'something_new', detail: {} })).toBe('Cartio: something new');
  });
});
