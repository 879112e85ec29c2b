/**
 * Imported accounts joined with the config's own. An imported account is "the same" as a config
 * account when it has the config account's id (write `id: salesforce-0015g00000AbCdE` in YAML to
 * pin one), else shares one of its domains, else its company name reads the same (the matching
 * index's normalisation: 株式会社アクメ = アクメ). The config wins field by field: its name, id,
 * employees, industry and society stand where set; domains and aliases are joined; the config's
 * hand-offs replace imported ones of the same stage (relay and next alike), the others are added
 * in stage order; contacts are joined by email (the config's contact wins, its empty name, role
 * and team filled from the CRM). Earlier imports count as config for later ones.
 *
 * What cannot join (a domain or email another account has) is dropped from the imported account
 * and reported.
 */
import type { AccountConfig, ContactConfig, HandoffConfig, NextConfig, TeamConfig } from '../../shared/config';
import { normalizeCompany, normalizeDomain, normalizeEmail } from '../normalize';
import type { At, Built } from './model';
import type { Reporter } from './report';

interface Index {
  byId: Map<string, AccountConfig>;
  byDomain: Map<string, AccountConfig>;
  byName: Map<string, AccountConfig>;
  byEmail: Map<string, AccountConfig>;
}

function indexOf(accounts: readonly AccountConfig[]): Index {
  const ix: Index = { byId: new Map(), byDomain: new Map(), byName: new Map(), byEmail: new Map() };
  for (const a of accounts) addTo(ix, a);
  return ix;
}

function addTo(ix: Index, a: AccountConfig): void {
  ix.byId.set(a.id, a);
  for (const d of a.domains) if (!ix.byDomain.has(normalizeDomain(d))) ix.byDomain.set(normalizeDomain(d), a);
  for (const n of [a.name, ...a.aliases]) {
    const k = normalizeCompany(n);
    if (k && !ix.byName.has(k)) ix.byName.set(k, a);
  }
  for (const c of a.contacts) if (!ix.byEmail.has(normalizeEmail(c.email))) ix.byEmail.set(normalizeEmail(c.email), a);
}

function byStageThenDate(order: ReadonlyMap<string, number>) {
  return (x: { stage: string; at?: string }, y: { stage: string; at?: string }) =>
    (order.get(x.stage) ?? 0) - (order.get(y.stage) ?? 0) || (x.at ?? '').localeCompare(y.at ?? '');
}

/** Entries of `own` win their stages; `theirs` fill the rest. Order kept when nothing is added. */
function byStage<T extends HandoffConfig | NextConfig>(own: readonly T[], theirs: readonly T[], order: ReadonlyMap<string, number>): T[] {
  const taken = new Set(own.map((h) => h.stage));
  const added = theirs.filter((h) => !taken.has(h.stage));
  if (added.length === 0) return [...own];
  return [...own, ...added].sort(byStageThenDate(order));
}

export interface MergeInput {
  accounts: AccountConfig[];
  where: Built['where'];
  report: Reporter;
}

/** `base` (the config's accounts and earlier imports') with `incoming` joined in. */
export function mergeAccounts(base: readonly AccountConfig[], incoming: MergeInput, stageOrder: ReadonlyMap<string, number>): AccountConfig[] {
  const out = base.map((a) => a);
  const position = new Map(out.map((a, i) => [a, i]));
  const ix = indexOf(out);
  const joined = new Set<AccountConfig>();
  const { report, where } = incoming;
  const say = (at: At | undefined, kind: Parameters<Reporter['add']>[2], why: string) => report.add(at?.file ?? '', at?.row ?? 0, kind, why);

  for (const inc of incoming.accounts) {
    const at = where.account(inc.id);
    let target = ix.byId.get(inc.id);
    // (Empty indexes, as for the first import into a config without accounts: nothing to normalise.)
    if (ix.byDomain.size > 0) for (const d of inc.domains) target ??= ix.byDomain.get(normalizeDomain(d));
    if (!target && ix.byName.size > 0) {
      const byName = ix.byName.get(normalizeCompany(inc.name));
      if (byName && !joined.has(byName)) target = byName;
    }

    const domains = ix.byDomain.size === 0 ? inc.domains : inc.domains.filter((d) => {
      const owner = ix.byDomain.get(normalizeDomain(d));
      if (owner && owner !== target) {
        say(at, 'duplicate-domain', `domain ${d} belongs to account ${owner.id}: left there`);
        return false;
      }
      return true;
    });
    const contacts: ContactConfig[] = ix.byEmail.size === 0 ? inc.contacts : [];
    const filled = new Map<string, ContactConfig>();
    if (ix.byEmail.size > 0) for (const c of inc.contacts) {
      const key = normalizeEmail(c.email);
      const owner = ix.byEmail.get(key);
      if (owner && owner === target) filled.set(key, c);
      else if (owner) say(where.contact(key), 'duplicate-email', `the same email as a contact of account ${owner.id}: an email belongs to one contact, kept that one`);
      else contacts.push(c);
    }

    if (!target) {
      // Not indexed: an import's own accounts share no email or domain (buildAccounts saw to
      // that); the next import indexes them as its base.
      const teams = contacts === inc.contacts ? inc.teams : inc.teams.filter((t) => contacts.some((c) => c.team === t.id));
      out.push(domains === inc.domains && contacts === inc.contacts ? inc : { ...inc, domains, contacts, teams });
      continue;
    }

    joined.add(target);
    const teams: TeamConfig[] = [...target.teams];
    const teamIds = new Set(teams.map((t) => t.id));
    const teamMap = new Map<string, string>();
    const teamFor = (id: string | undefined): string | undefined => {
      if (!id) return undefined;
      const known = teamMap.get(id);
      if (known) return known;
      const t = inc.teams.find((x) => x.id === id);
      if (!t) return undefined;
      const same = teams.find((x) => x.name === t.name);
      if (same) {
        teamMap.set(id, same.id);
        return same.id;
      }
      let nid = t.id;
      for (let i = 2; teamIds.has(nid); i++) nid = `${t.id}-${i}`;
      teamIds.add(nid);
      teams.push({ ...t, id: nid });
      teamMap.set(id, nid);
      return nid;
    };
    const ownContacts = target.contacts.map((c) => {
      const crm = filled.get(normalizeEmail(c.email));
      if (!crm) return c;
      const team = c.team ?? teamFor(crm.team);
      return { ...c, name: c.name || crm.name, role: c.role || crm.role, ...(team ? { team } : {}) };
    });
    const added = contacts.map((c) => {
      const team = teamFor(c.team);
      const { team: _t, ...rest } = c;
      return team ? { ...rest, team } : rest;
    });

    const names = new Set([target.name, ...target.aliases].map(normalizeCompany));
    const merged: AccountConfig = {
      ...target,
      aliases: names.has(normalizeCompany(inc.name)) ? target.aliases : [...target.aliases, inc.name],
      domains: [...target.domains, ...domains.filter((d) => !target.domains.some((t) => normalizeDomain(t) === normalizeDomain(d)))],
      employees: target.employees || inc.employees,
      industry: target.industry || inc.industry,
      society: target.society || inc.society,
      relay: byStage(target.relay, inc.relay, stageOrder),
      next: byStage(target.next, inc.next, stageOrder),
      teams,
      contacts: [...ownContacts, ...added],
    };
    // The account card: the config's fields where set, else the CRM's.
    for (const k of ['plan', 'renewal', 'health', 'deals'] as const) if (merged[k] === undefined && inc[k] !== undefined) (merged as Record<string, unknown>)[k] = inc[k];
    out[position.get(target)!] = merged;
    position.set(merged, position.get(target)!);
    joined.add(merged);
    ix.byId.set(merged.id, merged);
    for (const d of merged.domains) ix.byDomain.set(normalizeDomain(d), merged);
    for (const n of [merged.name, ...merged.aliases]) ix.byName.set(normalizeCompany(n), merged);
    for (const c of merged.contacts) ix.byEmail.set(normalizeEmail(c.email), merged);
  }
  return out;
}
