/**
 * Long work on the serving thread done in slices (the search index build, a snapshot's write):
 * after a slice that took `tookMs`, the event loop gets the thread back, for long enough that the
 * work takes at most `share` of it (a pause of tookMs × (1 − share) / share; share 1: only the
 * turn, the requests ready now answered).
 */
export function giveBack(tookMs: number, share: number): Promise<void> {
  if (share >= 1) return new Promise<void>((resolve) => setImmediate(resolve));
  return new Promise<void>((resolve) => setTimeout(resolve, (tookMs * (1 - share)) / share));
}
