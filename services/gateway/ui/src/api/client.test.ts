import { describe, expect, it } from 'vitest';
import { readableMessage } from './client';

describe('readable errors', () => {
  it('ends the API message of a conflict before saying what to do', () => {
    expect(readableMessage(409, 'cart_converted', 'This cart was turned into order 100 and can no longer be changed', null))
      .toBe('This cart was turned into order 100 and can no longer be changed. Reload to see the latest state, then try again.');
  });

  it('says when to try again after a rate limit, once', () => {
    expect(readableMessage(429, 'rate_limited', 'This cart was emailed less than 60 s ago; try again in 42 s.', 42))
      .toBe('This cart was emailed less than 60 s ago; try again in 42 s.');
    expect(readableMessage(429, 'too_many_streams', 'Too many live feeds are open', 5))
      .toBe('Too many live feeds are open. Try again in 5 seconds.');
  });

  it('asks to try again when the store is unavailable', () => {
    expect(readableMessage(503, 'bigcommerce_unavailable', 'BigCommerce is not answering right now; please try again in a moment', null))
      .toBe('BigCommerce is not answering right now; please try again in a moment.');
  });
});
