/**
 * CRM users → the config's people. A user is the person in `people:` with the same email (any
 * case), else the same name (NFKC, case and spaces ignored: 佐藤 健 = 佐藤健), else a new person
 * with the stage of the role that first named them. New ids are stable across reloads: the
 * prefix, "user-" and the CRM's user id, or a hash of the name where the CRM gives only names
 * (HubSpot and Pipedrive owners).
 */
import { createHash } from 'node:crypto';
import type { PersonConfig } from '../../shared/config';
import { normalizeEmail } from '../normalize';
import { idPart, isEmail, nameKey } from './values';

/** A user as an export names one: by id (Salesforce OwnerId), and/or by name and email. */
export interface UserRef {
  id?: string;
  name?: string;
  email?: string;
}

/** A row of the CRM's user table. */
export interface CrmUser {
  id: string;
  name: string;
  email: string;
  title: string;
}

export class PeopleResolver {
  private readonly byEmail = new Map<string, PersonConfig>();
  private readonly byName = new Map<string, PersonConfig>();
  private readonly ids = new Set<string>();
  private readonly resolved = new Map<string, PersonConfig | null>();
  /** People made by this import, in the order first named. */
  readonly made: PersonConfig[] = [];
  private readonly madeIds = new Set<string>();
  /** Config people this import's relay names. */
  readonly matched = new Set<string>();

  constructor(
    existing: readonly PersonConfig[],
    private readonly users: ReadonlyMap<string, CrmUser> | null,
    private readonly prefix: string,
  ) {
    for (const p of existing) {
      this.ids.add(p.id);
      if (p.email && !this.byEmail.has(normalizeEmail(p.email))) this.byEmail.set(normalizeEmail(p.email), p);
      const k = nameKey(p.name);
      if (k && !this.byName.has(k)) this.byName.set(k, p);
    }
  }

  /** Whether an id-only reference has no row in the user table (the caller reports it). */
  unknownId(ref: UserRef): boolean {
    return !!ref.id && !!this.users && !this.users.has(ref.id) && !ref.name && !ref.email;
  }

  /** The person for a user reference; null when it names nobody. `stage` is a new person's. */
  resolve(ref: UserRef, stage: string): PersonConfig | null {
    const user = ref.id ? this.users?.get(ref.id) : undefined;
    const name = (user?.name || ref.name || '').trim();
    const email = (user?.email || ref.email || '').trim();
    const crmId = user?.id || ref.id || '';
    if (!name && !email) return null;
    const key = crmId ? `id:${crmId}` : email ? `email:${normalizeEmail(email)}` : `name:${nameKey(name)}`;
    const cached = this.resolved.get(key);
    if (cached !== undefined) return cached;

    let person = (email && this.byEmail.get(normalizeEmail(email))) || undefined;
    if (!person && name) {
      // By name: a person of the config, or one made from another user without a different email
      // (two CRM users who share a name but not an email stay two people).
      const byName = this.byName.get(nameKey(name));
      const other = byName && this.madeIds.has(byName.id) && byName.email && email && normalizeEmail(byName.email) !== normalizeEmail(email);
      if (byName && !other) person = byName;
    }
    if (person) {
      if (!this.madeIds.has(person.id)) this.matched.add(person.id);
    } else {
      const base = crmId ? `${this.prefix}user-${idPart(crmId)}` : `${this.prefix}user-${createHash('sha256').update(email ? normalizeEmail(email) : nameKey(name)).digest('hex').slice(0, 10)}`;
      let id = base;
      for (let i = 2; this.ids.has(id); i++) id = `${base}-${i}`;
      this.ids.add(id);
      person = { id, name: name || email, stage, title: user?.title ?? '', chat: '', ...(email && isEmail(email) ? { email } : {}) };
      this.made.push(person);
      this.madeIds.add(id);
      if (person.email) this.byEmail.set(normalizeEmail(person.email), person);
      if (name && !this.byName.has(nameKey(name))) this.byName.set(nameKey(name), person);
    }
    this.resolved.set(key, person);
    return person;
  }
}
