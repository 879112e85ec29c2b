/** Small statistics and number formatting for the report. */

export function median(xs: readonly number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Nearest-rank percentile of raw samples. */
export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
}

export function range(xs: readonly number[]): [number, number] {
  const f = xs.filter((x) => Number.isFinite(x));
  return f.length ? [Math.min(...f), Math.max(...f)] : [NaN, NaN];
}

/** 1234.5 → "1,235"; 12.345 → "12.3"; 1.2345 → "1.23". */
export function num(x: number, digits?: number): string {
  if (!Number.isFinite(x)) return '—';
  const d = digits ?? (Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : 2);
  return x.toLocaleString('en', { minimumFractionDigits: d, maximumFractionDigits: d });
}

/** "median (min–max)" of runs. */
export function spread(xs: readonly number[], digits?: number): string {
  const [lo, hi] = range(xs);
  return xs.length > 1 ? `${num(median(xs), digits)} (${num(lo, digits)}–${num(hi, digits)})` : num(median(xs), digits);
}

export const ms = (x: number) => (Number.isFinite(x) ? `${num(x)} ms` : '—');
export const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
export const ratio = (x: number) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '—');
