import { describe, expect, it } from 'vitest';
import { currencyDigits, formatMoney, sumMoney } from './money';

describe('money in the currency precision', () => {
  it('shows dollars with cents and yen without', () => {
    expect(formatMoney('12.5', 'USD')).toBe('$12.50');
    expect(formatMoney('1200', 'JPY')).toBe('¥1,200');
    expect(currencyDigits('BHD')).toBe(3);
  });

  it('keeps every digit of a large amount exact', () => {
    expect(formatMoney('12345678901234.57', 'USD')).toBe('$12,345,678,901,234.57');
  });

  it('sums decimal strings without float error', () => {
    expect(sumMoney(['0.10', '0.20', '0.30'], 2)).toBe('0.60');
    expect(sumMoney(['1', '-2.5'], 2)).toBe('-1.50');
  });

  it('shows a dash for a missing amount', () => {
    expect(formatMoney(null, 'USD')).toBe('—');
  });
});
