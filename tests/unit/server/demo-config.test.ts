/** The demo data `npm start` serves: other parts (demo desk, e2e) rely on these contacts. */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildContext } from '../../../src/server/context';
import { loadConfigFile, type LoadedConfig } from '../../../src/server/config';
import { matchQuery } from '../../../src/server/match';
import { findToken } from '../../../src/server/security';

const file = fileURLToPath(new URL('../../../baton.config.yaml', import.meta.url));

async function demo(): Promise<LoadedConfig> {
  const r = await loadConfigFile(file);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.loaded;
}

describe('baton.config.yaml (demo)', () => {
  it('is a believable vendor: stages, people, accounts of every size', async () => {
    const { config } = await demo();
    expect(config.organization.name).toBe('Hibiki Survey');
    expect(config.stages.length).toBeGreaterThanOrEqual(6);
    expect(config.stages.filter((s) => s.side === 'self').map((s) => s.id)).toEqual(['support']);
    expect(config.people.length).toBeGreaterThanOrEqual(12);
    expect(config.accounts.length).toBeGreaterThanOrEqual(8);
    const sizes = config.accounts.map((a) => a.employees);
    expect(Math.min(...sizes)).toBeLessThanOrEqual(30);
    expect(Math.max(...sizes)).toBeGreaterThanOrEqual(20000);
    for (const a of config.accounts) {
      expect(a.relay.length, a.id).toBeGreaterThanOrEqual(2);
      expect(a.relay.length, a.id).toBeLessThanOrEqual(5);
      expect(a.next.length, a.id).toBeGreaterThanOrEqual(1);
      expect(a.next.length, a.id).toBeLessThanOrEqual(2);
      expect(a.contacts.length, a.id).toBeGreaterThan(0);
    }
    expect(config.adapters.map((a) => a.id)).toEqual(['inhouse']);
  });

  it('has 田中 愛子 of 株式会社アクメ with the full relay', async () => {
    const loaded = await demo();
    const body = buildContext(loaded, matchQuery(loaded.index, { email: 'aiko.tanaka@acme.example.jp' }), 'ja');
    expect(body.account?.name).toBe('株式会社アクメ');
    expect(body.contact).toMatchObject({ name: '田中 愛子', team: { name: '人事部' } });
    expect(body.before.map((h) => h.stage.id)).toEqual(['marketing', 'inside-sales', 'sales', 'onboarding']);
    expect(body.before.find((h) => h.stage.id === 'sales')?.note).toBe('課題: 若手の離職');
  });

  it('has Emma Clark of Northwind Trading Ltd., People team', async () => {
    const loaded = await demo();
    const body = buildContext(loaded, matchQuery(loaded.index, { email: 'emma.clark@northwind.example.com' }), 'en');
    expect(body.account?.name).toBe('Northwind Trading Ltd.');
    expect(body.contact?.team?.name).toBe('People team');
  });

  it('accepts the documented demo token', async () => {
    const loaded = await demo();
    expect(findToken(loaded.tokens, 'baton-demo-token')?.name).toBe('demo');
  });
});
