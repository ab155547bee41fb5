// Money arrives as decimal strings ("12.50"); Intl formats a string exactly (no float rounding on the way)
// and in the currency's own precision (JPY 0 digits, BHD 3, USD 2).

export type MoneyValue = string | number | null | undefined;

const formatters = new Map<string, Intl.NumberFormat>();

function formatter(currency: string, locale?: string): Intl.NumberFormat {
  const key = `${locale ?? ''}|${currency}`;
  let found = formatters.get(key);
  if (!found) {
    found = new Intl.NumberFormat(locale ?? 'en-US', { style: 'currency', currency });
    formatters.set(key, found);
  }
  return found;
}

export function currencyDigits(currency: string): number {
  return formatter(currency).resolvedOptions().maximumFractionDigits ?? 2;
}

export function formatMoney(value: MoneyValue, currency: string | null | undefined, locale?: string): string {
  if (value === null || value === undefined || value === '') return '—';
  const code = (currency || 'USD').toUpperCase();
  const text = String(value).trim();
  if (!/^-?\d+(\.\d+)?$/.test(text)) return text;
  try {
    // The string overload keeps every digit exact (Intl.NumberFormat v3).
    return formatter(code, locale).format(text as unknown as number);
  } catch {
    return `${text} ${code}`;
  }
}

// Sums decimal strings exactly, in minor units of the given precision.
export function sumMoney(values: MoneyValue[], digits: number): string {
  let total = 0n;
  const scale = 10n ** BigInt(digits);
  for (const value of values) {
    if (value === null || value === undefined || value === '') continue;
    total += toMinor(String(value), digits);
  }
  const negative = total < 0n;
  const abs = negative ? -total : total;
  const whole = abs / scale;
  const frac = (abs % scale).toString().padStart(digits, '0');
  return `${negative ? '-' : ''}${whole}${digits > 0 ? `.${frac}` : ''}`;
}

function toMinor(text: string, digits: number): bigint {
  const negative = text.startsWith('-');
  const [whole, frac = ''] = text.replace('-', '').split('.');
  const padded = (frac + '0'.repeat(digits)).slice(0, digits);
  const minor = BigInt(whole || '0') * 10n ** BigInt(digits) + BigInt(padded || '0');
  return negative ? -minor : minor;
}
