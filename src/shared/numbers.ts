/**
 * A whole number as `toLocaleString('en')` writes it (1,200), without ICU: the first
 * toLocaleString of a process loads ICU's locale data (about 80 ms here), and the shared schemas
 * wrote their limits this way at module load, so every server start paid it.
 */
export function thousands(n: number): string {
  return String(Math.trunc(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
