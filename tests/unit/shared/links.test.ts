/** The one link test (src/shared/links.ts): what the config check accepts is what the sidebar renders. */
import { describe, expect, it } from 'vitest';
import { decodeOrNull, linkProblem, mailtoHref, safeHref } from '../../../src/shared/links';
import { parseConfig, formatConfigError } from '../../../src/server/config';

const VALID = `version: 1
organization: { name: V }
stages: [ { id: sales, side: before, label: Sales } ]
people:
  - { id: kuroda, name: 黒田, chat: CHAT }
`;

describe('safeHref', () => {
  it.each([
    ['https://chat.example/u/sato', 'https://chat.example/u/sato'],
    ['  https://chat.example/u/%E3%81%82  ', 'https://chat.example/u/%E3%81%82'],
    ['mailto:yamada@vendor.example', 'mailto:yamada@vendor.example'],
    ['mailto:%79amada@vendor.example', 'mailto:yamada@vendor.example'],
  ])('keeps %s', (raw, href) => expect(safeHref(raw)).toBe(href));

  it.each([
    'mailto:%E0%A4%A',
    'mailto:%',
    'mailto:%ZZ@x.example',
    'mailto:not-an-address',
    'javascript:alert(1)',
    'JAVASCRIPT:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'http://chat.example/u/sato',
    'https://user:pass@chat.example/',
    'https://',
    'chat.example/u/sato',
    '',
    '   ',
  ])('refuses %j without throwing', (raw) => {
    expect(() => safeHref(raw)).not.toThrow();
    expect(safeHref(raw)).toBeNull();
  });

  it('never throws on anything', () => {
    for (const x of [null, undefined, 42, {}, [], '%', 'mailto:%E0%A4%A?subject=%'] as unknown[]) expect(() => safeHref(x as string)).not.toThrow();
  });

  it('decodeOrNull and mailtoHref', () => {
    expect(decodeOrNull('%E0%A4%A')).toBeNull();
    expect(decodeOrNull('%E3%81%82')).toBe('あ');
    expect(mailtoHref('a@b.example', { subject: 'Re: x' })).toBe('mailto:a@b.example?subject=Re%3A%20x');
    expect(mailtoHref('nope')).toBeNull();
  });
});

describe('the config check uses the same test', () => {
  const check = (chat: string) => {
    const r = parseConfig(VALID.replace('CHAT', `'${chat}'`), 't.yaml');
    return r.ok ? 'ok' : r.errors.map(formatConfigError).join('\n');
  };

  it('refuses a mailto: with a broken %-escape (it passed before, then blanked the sidebar)', () => {
    expect(check('mailto:%E0%A4%A')).toBe('t.yaml:5:35 people[0].chat: "mailto:%E0%A4%A" is a mailto: link with a broken %-escape');
  });

  it('accepts exactly the links safeHref renders', () => {
    for (const link of ['https://chat.example/u/1', 'mailto:a@b.example', 'mailto:x', 'https://u:p@h.example/', 'http://h.example/', 'mailto:%E0%A4%A']) {
      expect(check(link) === 'ok', link).toBe(safeHref(link) !== null);
      expect(linkProblem(link) === null, link).toBe(safeHref(link) !== null);
    }
  });
});
