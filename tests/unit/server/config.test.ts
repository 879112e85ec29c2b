/** One broken file per kind of error: each is named at file:line:col with its field and a plain message. */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { describeCounts, formatConfigError, formatPath, loadConfigFile, parseConfig } from '../../../src/server/config';

const FIXTURES = fileURLToPath(new URL('../../fixtures/config/', import.meta.url));

async function errorsOf(name: string): Promise<string[]> {
  const result = await loadConfigFile(join(FIXTURES, name), name);
  expect(result.ok).toBe(false);
  return result.ok ? [] : result.errors.map(formatConfigError);
}

describe('config errors, one file per kind', () => {
  it.each([
    ['yaml-syntax.yaml', 'yaml-syntax.yaml:9:5 YAML syntax: missed comma between flow collection entries'],
    ['empty.yaml', 'empty.yaml:1:1 the file should be a map of fields (version:, organization:, stages:, …), but it is empty'],
    ['version-missing.yaml', 'version-missing.yaml:1:1 version: is missing: add "version: 1" at the top of the file'],
    ['version-unsupported.yaml', 'version-unsupported.yaml:1:10 version: 2 is not supported: this Baton reads version 1'],
    ['unknown-person.yaml', 'unknown-person.yaml:12:33 accounts[0].relay[0].person: no person "kurodaa" (did you mean "kuroda"?)'],
    ['unknown-stage.yaml', 'unknown-stage.yaml:12:18 accounts[0].next[0].stage: no stage "customer-sucess" (there are: sales, support)'],
    ['unknown-team.yaml', 'unknown-team.yaml:11:53 accounts[0].contacts[0].team: no team "hrr" in account "acme" (did you mean "hr"?)'],
    ['duplicate-id.yaml', 'duplicate-id.yaml:9:11 people[2].id: person id "kuroda" is used twice (first at people[0].id, line 7)'],
    [
      'duplicate-contact.yaml',
      'duplicate-contact.yaml:14:18 accounts[1].contacts[0].email: contact "Aiko.Tanaka@ACME.example.jp" is listed twice (first at accounts[0].contacts[0].email, line 10, account "acme"): an email can belong to one contact only',
    ],
    [
      'duplicate-domain.yaml',
      'duplicate-domain.yaml:12:33 accounts[1].domains[1]: domain "acme.example.jp" is claimed by two accounts: "acme" has it already (accounts[0].domains[0], line 9)',
    ],
    [
      'duplicate-company.yaml',
      'duplicate-company.yaml:10:11 accounts[1].name: company name "(株)アクメ" reads the same as a name of account "acme" (accounts[0].name, line 8): matching by company could not tell them apart',
    ],
    ['bad-date.yaml', 'bad-date.yaml:12:45 accounts[0].relay[0].at: "2024-02-30" is not a date: write it like 2024-06-15 (or 2024-06)'],
    [
      'bad-token-hash.yaml',
      'bad-token-hash.yaml:7:27 tokens[0].sha256: should be 64 hex characters (the SHA-256 of the token, from `npx baton hash-token`), not 63 characters',
    ],
    [
      'unquoted-token-hash.yaml',
      "unquoted-token-hash.yaml:7:27 tokens[0].sha256: should be quoted text of 64 hex characters (put it in quotes: '…'), not 1234567890",
    ],
    ['unknown-field.yaml', 'unknown-field.yaml:9:5 accounts[0].employes: unknown field "employes" (did you mean "employees"?)'],
    ['wrong-type.yaml', 'wrong-type.yaml:9:16 accounts[0].employees: should be a whole number of people (like 1200, without commas), not "1,200"'],
    ['missing-field.yaml', 'missing-field.yaml:7:5 accounts[0].name: is missing'],
    ['bad-link.yaml', 'bad-link.yaml:7:38 people[0].chat: "javascript:alert(1)" is not an https:// or mailto: link'],
    [
      'two-self-stages.yaml',
      'two-self-stages.yaml:6:28 stages[2].side: only one stage can be side: self (support\'s own stage), and "support" already is (stages[1].id, line 5)',
    ],
    ['bad-webhook.yaml', 'bad-webhook.yaml:6:12 notifications.webhook: "hooks.slack.com/services/T0/B0/x" is not an https:// (or http://) URL'],
    ['bad-adapter.yaml', 'bad-adapter.yaml:9:17 adapters[0].urlPattern: "^https://desk\\\\.example\\\\.com/tickets/(\\\\d+" is not a valid regular expression'],
  ])('%s', async (name, expected) => {
    expect(await errorsOf(name)).toEqual([expected]);
  });

  it('reports all errors at once, in file order', async () => {
    expect(await errorsOf('many-errors.yaml')).toEqual([
      'many-errors.yaml:2:51 organization.defaultLocale: should be ja or en, not "fr"',
      'many-errors.yaml:5:11 stages[1].id: stage id "sales" is used twice (first at stages[0].id, line 4)',
      'many-errors.yaml:11:15 accounts[0].domains[0]: "https://acme.example.jp" is not a domain: write it like acme.example.jp (no https://, no @, no path)',
      'many-errors.yaml:13:33 accounts[0].relay[0].person: no person "kurodaa" (did you mean "kuroda"?)',
      'many-errors.yaml:13:46 accounts[0].relay[0].at: "2024-13-01" is not a date: write it like 2024-06-15 (or 2024-06)',
      'many-errors.yaml:15:27 tokens[0].sha256: should be 64 hex characters (the SHA-256 of the token, from `npx baton hash-token`), not 6 characters with non-hex ones',
    ]);
  });
});

describe('config details', () => {
  const base = 'version: 1\norganization: { name: V }\nstages: [ { id: support, side: self, label: Support } ]\n';

  it('reads notifications.webhook; absent, empty or without a webhook means none', () => {
    const webhook = (extra: string) => {
      const r = parseConfig(`${base}${extra}`, 'x.yaml');
      if (!r.ok) throw new Error(r.errors.map(formatConfigError).join('\n'));
      return r.loaded.config.notifications.webhook;
    };
    expect(webhook('')).toBeNull();
    expect(webhook('notifications:\n')).toBeNull();
    expect(webhook('notifications: {}\n')).toBeNull();
    expect(webhook("notifications: { webhook: ' https://hooks.slack.com/services/T0/B0/x ' }\n")).toBe('https://hooks.slack.com/services/T0/B0/x');
    expect(webhook("notifications: { webhook: 'http://10.0.0.5:8065/hooks/abc' }\n")).toBe('http://10.0.0.5:8065/hooks/abc');
    const r = parseConfig(`${base}notifications: { webhook: 'ftp://x.example', hook: 1 }\n`, 'x.yaml');
    expect(r.ok ? [] : r.errors.map(formatConfigError)).toEqual([
      'x.yaml:4:27 notifications.webhook: "ftp://x.example" is not an https:// (or http://) URL',
      'x.yaml:4:46 notifications.hook: unknown field "hook" (fields here: webhook)',
    ]);
  });

  it('points an unknown top-level field at its key, with a suggestion', () => {
    const r = parseConfig(`${base}acounts: []\n`, 'x.yaml');
    expect(r.ok ? [] : r.errors.map(formatConfigError)).toEqual(['x.yaml:4:1 acounts: unknown field "acounts" (did you mean "accounts"?)']);
  });

  it('rejects YAML duplicate keys', () => {
    const r = parseConfig(`${base}version: 1\n`, 'x.yaml');
    expect(r.ok ? '' : formatConfigError(r.errors[0]!)).toMatch(/^x\.yaml:4:1 YAML syntax: duplicated mapping key/);
  });

  it('keeps dates as written and checks them as calendar dates', () => {
    const cfg = (at: string) =>
      `${base}people: [ { id: p, name: P } ]\naccounts:\n  - { id: a, name: A, relay: [ { stage: support, person: p, at: ${at} } ] }\n`;
    for (const ok of ['2024-02-29', '2024-06', '2024', "'2024-06-15'"]) expect(parseConfig(cfg(ok), 'x').ok).toBe(true);
    for (const bad of ['2023-02-29', '2024-00', '24-06-15', 'June']) expect(parseConfig(cfg(bad), 'x').ok).toBe(false);
    const r = parseConfig(cfg('2024-06-15'), 'x');
    expect(r.ok && r.loaded.config.accounts[0]!.relay[0]!.at).toBe('2024-06-15');
  });

  it('fills defaults: rate limit, audit retention, locale, empty lists', () => {
    const r = parseConfig(base, 'x');
    if (!r.ok) throw new Error('should load');
    expect(r.loaded.config).toMatchObject({
      rateLimit: { perSecond: 20, burst: 40 },
      audit: { retentionDays: 90 },
      organization: { defaultLocale: 'en' },
      people: [],
      accounts: [],
      tokens: [],
      adapters: [],
    });
  });

  it('supports YAML anchors and merge keys', () => {
    const r = parseConfig(
      `${base}people: [ { id: p, name: P } ]\naccounts:\n  - &acme { id: a, name: A, employees: 5 }\n  - { <<: *acme, id: b, name: B }\n`,
      'x',
    );
    expect(r.ok && r.loaded.config.accounts[1]!.employees).toBe(5);
  });

  it('hashes the file and counts what it holds', () => {
    const r = parseConfig(base, 'x');
    if (!r.ok) throw new Error('should load');
    expect(r.loaded.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(describeCounts(r.loaded.counts)).toBe('1 stage, 0 people, 0 accounts, 0 contacts');
  });

  it('formats paths like accounts[0].relay[1].person', () => {
    expect(formatPath(['accounts', 0, 'relay', 1, 'person'])).toBe('accounts[0].relay[1].person');
    expect(formatPath([])).toBe('');
  });
});
