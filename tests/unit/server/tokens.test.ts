/** `baton token add/remove` edits the file in place: only the token's line changes, whatever the layout of tokens:. */
import { parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { addTokenText, newToken, removeTokenText } from '../../../src/server/tokens';

const E = "{ name: new, sha256: 'ab' }";
const add = (text: string) => addTokenText(text, parseDocument(text), E);

describe('addTokenText', () => {
  it.each([
    ['a block list (kept aligned, comments kept)', 'a: 1 # one\ntokens:\n    - { name: x,   sha256: \'1\' }   # x\nb: 2\n', "a: 1 # one\ntokens:\n    - { name: x,   sha256: '1' }   # x\n    - " + E + '\nb: 2\n'],
    ['a flow list', "tokens: [ { name: x, sha256: '1' } ]\n", "tokens: [ { name: x, sha256: '1' }, " + E + ' ]\n'],
    ['an empty flow list', 'tokens: []\n', `tokens: [ ${E} ]\n`],
    ['an empty field', 'tokens:\nb: 2\n', `tokens:\n  - ${E}\nb: 2\n`],
    ['no tokens: at all, no newline at the end', 'a: 1', `a: 1\ntokens:\n  - ${E}\n`],
    ['a multi-line item', 'tokens:\n  - name: x\n    sha256: "1"\nz: 1\n', `tokens:\n  - name: x\n    sha256: "1"\n  - ${E}\nz: 1\n`],
  ])('%s', (_what, text, out) => {
    expect(add(text)).toBe(out);
    expect(parseDocument(out).errors).toEqual([]);
  });
});

describe('removeTokenText', () => {
  it('drops the line of one item in a block list, nothing else', () => {
    const text = "tokens: # who may call\n  - { name: a, sha256: '1' }\n  - { name: b, sha256: '2' } # b\nz: 1\n";
    expect(removeTokenText(text, parseDocument(text), 1)).toBe("tokens: # who may call\n  - { name: a, sha256: '1' }\nz: 1\n");
    expect(removeTokenText(text, parseDocument(text), 0)).toBe("tokens: # who may call\n  - { name: b, sha256: '2' } # b\nz: 1\n");
  });
});

it('newToken: 256 random bits, a recognisable prefix, never the same twice', () => {
  const a = newToken();
  expect(a).toMatch(/^baton_[A-Za-z0-9_-]{43}$/);
  expect(newToken()).not.toBe(a);
});
