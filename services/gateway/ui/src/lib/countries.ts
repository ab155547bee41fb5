// Country names from the browser's own ICU data (no lookup table to ship, no request).
let names: Intl.DisplayNames | null = null;

export function countryName(code: string | null | undefined, locale = 'en'): string {
  if (!code) return '—';
  const upper = code.toUpperCase();
  try {
    names ??= new Intl.DisplayNames([locale], { type: 'region' });
    const name = names.of(upper);
    return name && name !== upper ? `${name} (${upper})` : upper;
  } catch {
    return upper;
  }
}
