import { describe, expect, it } from 'vitest';
import { endOfDay, exactTime, relativeTime } from './dates';

const now = new Date('2026-03-01T12:00:00Z');

describe('dates', () => {
  it('says how long ago in words', () => {
    expect(relativeTime('2026-03-01T11:55:00Z', now)).toBe('5 minutes ago');
    expect(relativeTime('2026-03-01T11:59:58Z', now)).toBe('just now');
    expect(relativeTime('2026-02-28T12:00:00Z', now)).toBe('yesterday');
  });

  it('gives the exact time in the store time zone', () => {
    expect(exactTime('2026-03-01T12:00:00Z', 'Europe/Berlin')).toContain('1:00:00 PM');
    expect(exactTime('2026-03-01T12:00:00Z', 'America/New_York')).toContain('07:00:00 AM');
  });

  it('ends an expiry day at midnight in the store time zone, daylight saving included', () => {
    expect(endOfDay('2026-03-01', 'UTC')).toBe('2026-03-01T23:59:59Z');
    expect(endOfDay('2026-03-01', 'Asia/Tokyo')).toBe('2026-03-01T14:59:59Z');
    expect(endOfDay('2026-03-01', 'America/Chicago')).toBe('2026-03-02T05:59:59Z');
    // Chicago moves to CDT on 8 March 2026: the day ends at 04:59:59 UTC
    expect(endOfDay('2026-03-08', 'America/Chicago')).toBe('2026-03-09T04:59:59Z');
  });
});
