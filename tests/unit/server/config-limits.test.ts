/** Issue 11: config strings have length limits, errors never quote a huge value, a hand-off may leave out `at`. */
import { describe, expect, it } from 'vitest';
import { formatConfigError, parseConfig } from '../../../src/server/config';
import { FIELD_MAX } from '../../../src/shared/config';

const base = (org: string, extra = '') => `version: 1
organization: { name: ${org} }
stages: [ { id: sales, side: before, label: Sales } ]
people: [ { id: sato, name: Sato } ]
accounts:
  - id: acme
    name: Acme
    relay:
      - { stage: sales, person: sato }
${extra}`;

const errors = (text: string) => {
  const r = parseConfig(text, 't.yaml');
  return r.ok ? [] : r.errors.map(formatConfigError);
};

describe('config limits', () => {
  it('a 25 MB organisation name is refused with a short message (not quoted, not in every answer)', () => {
    const e = errors(base('x'.repeat(25 * 2 ** 20)));
    expect(e).toEqual([`t.yaml:2:23 organization.name: is 26,214,400 characters long: at most ${FIELD_MAX.name}`]);
  });

  it.each([
    ['a person name', base('V').replace('name: Sato', `name: ${'s'.repeat(201)}`), 'people[0].name: is 201 characters long: at most 200'],
    ['a hand-off note', base('V').replace('person: sato }', `person: sato, note: ${'n'.repeat(2001)} }`), 'accounts[0].relay[0].note: is 2,001 characters long: at most 2,000'],
    ['an id', base('V').replace('id: acme', `id: ${'a'.repeat(101)}`), 'accounts[0].id: is 101 characters long: at most 100'],
    ['a stage label', base('V').replace('label: Sales', `label: ${'L'.repeat(201)}`), 'stages[0].label: should be text of at most 200 characters'],
  ])('%s over its limit', (_what, text, message) => {
    expect(errors(text).join('\n')).toContain(message);
  });

  it('a bad value is quoted at most 60 characters long', () => {
    const e = errors(base('V', `tokens: [ { name: t, sha256: 'ab' } ]\nadapters: [ { id: ${'Q'.repeat(90)}, label: L, urlPattern: x, selectors: {} } ]\n`));
    const adapter = e.find((m) => m.includes('adapters[0].id'))!;
    expect(adapter).toContain(`"${'Q'.repeat(60)}"… (90 characters) is not an adapter id`);
  });

  it('a hand-off without at loads, with at ""', () => {
    const r = parseConfig(base('V'), 't.yaml');
    expect(r.ok && r.loaded.config.accounts[0]!.relay[0]!.at).toBe('');
  });
});

describe('nesting', () => {
  it('a file nested 100,000 levels deep is an error, not a crash', () => {
    const e = errors(`version: 1\nx: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`);
    expect(e).toEqual(['t.yaml:2:103 YAML syntax: nesting exceeded maxDepth (100)']);
  });

  it('with an alias, deeper than 64 levels is refused before validation', () => {
    const e = errors(`version: 1\nx: &a ${'['.repeat(70)}1${']'.repeat(70)}\ny: *a\n`);
    expect(e).toEqual(['t.yaml:1:1 maps and lists nest deeper than 64 levels']);
  });
});
