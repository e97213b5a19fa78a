// Numbers and times as people read them on the dashboard. Pure functions.

const grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2, minimumFractionDigits: 2 });
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

// 187.42 → "187.42"; 0.012345 → "0.01235"; null → "—".
export function price(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (Math.abs(value) >= 1) return grouped.format(value);
  return value.toPrecision(4);
}

// 1234567 → "1.2M".
export function volume(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return compact.format(value);
}

// 1.234 → "+1.23%"; -0.5 → "−0.50%".
export function percent(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  const text = Math.abs(value).toFixed(2) + '%';
  return value > 0 ? '+' + text : value < 0 ? '\u2212' + text : text;
}

// An indicator, to one decimal (RSI) or as a price.
export function indicator(value, digits = 1) {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return value.toFixed(digits);
}

// Unix seconds → "14:03:27" in the viewer's time zone.
export function clock(seconds) {
  if (!Number.isFinite(seconds)) return '—';
  return new Date(seconds * 1000).toLocaleTimeString('en-GB', { hour12: false });
}

// A ratio 0..1 → "62%".
export function ratio(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return Math.round(value * 100) + '%';
}
