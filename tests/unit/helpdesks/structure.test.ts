// @vitest-environment happy-dom
/**
 * Every file in src/content/helpdesks/ (but the shared types/read/index) is an adapter: it exports
 * `adapter` whose id is the file name, has a fixture, and carries example URLs that its URL test
 * accepts (with the given id) or rejects. Like refined-github's features test.
 */
import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { HelpdeskAdapter } from '../../../src/content/helpdesks/types';
import { builtinAdapters } from '../../../src/content/helpdesks/index';
import { ADAPTERS_DIR, FIXTURES } from './fixture';

const modules = import.meta.glob<{ adapter?: HelpdeskAdapter }>(['../../../src/content/helpdesks/*.ts'], { eager: true });
const SHARED = new Set(['types', 'read', 'index']);
const files = readdirSync(ADAPTERS_DIR)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
  .map((f) => f.replace(/\.ts$/, ''))
  .filter((f) => !SHARED.has(f))
  .sort();

describe('help-desk adapter folder', () => {
  it('holds the built-in desks', () => {
    for (const desk of ['zendesk', 'freshdesk', 'intercom', 'hubspot', 'salesforce', 'jira', 'helpscout', 'zoho', 'front', 'gorgias', 'zammad', 'chatwoot', 'osticket', 'freescout']) {
      expect(files).toContain(desk);
    }
  });

  it('index.ts collects every adapter file', () => {
    expect(builtinAdapters.map((a) => a.id).sort()).toEqual([...files].sort());
  });

  it('ids are unique', () => {
    const ids = builtinAdapters.map((a) => a.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe.each(files)('%s', (name) => {
  const mod = modules[`../../../src/content/helpdesks/${name}.ts`];
  const adapter = mod?.adapter;

  it('exports `adapter` whose id is the file name', () => {
    expect(adapter, `src/content/helpdesks/${name}.ts must export const adapter`).toBeDefined();
    expect(adapter!.id).toBe(name);
    expect(adapter!.label.trim()).not.toBe('');
  });

  it('has a fixture page', () => {
    expect(existsSync(`${FIXTURES}${name}.html`), `tests/fixtures/helpdesks/${name}.html`).toBe(true);
  });

  it('has ticket and not-ticket example URLs', () => {
    expect(adapter!.examples.ticket.length).toBeGreaterThanOrEqual(1);
    expect(adapter!.examples.notTicket.length).toBeGreaterThanOrEqual(1);
  });

  it('finds the id in every ticket example', () => {
    for (const { url, id } of adapter!.examples.ticket) expect(adapter!.ticketFromUrl(new URL(url)), url).toBe(id);
  });

  it('finds no ticket in every not-ticket example', () => {
    for (const url of adapter!.examples.notTicket) expect(adapter!.ticketFromUrl(new URL(url)), url).toBeNull();
  });

  it('has valid manifest match patterns (hosted) or none (self-hosted)', () => {
    for (const m of adapter!.matches) expect(m).toMatch(/^https:\/\/(\*\.)?[a-z0-9.-]+\/\*$/);
  });
});
