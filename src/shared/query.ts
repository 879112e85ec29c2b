/** Text rules for the questions the extension asks the API. Imports nothing (content scripts stay small). */

/**
 * A query field as the extension compares it (cache keys, "is this the same customer?"):
 * Unicode NFKC (full-width letters and spaces fold), trimmed, lower case.
 */
export function foldQueryText(s: string | undefined): string {
  return (s ?? '').normalize('NFKC').trim().toLowerCase();
}
