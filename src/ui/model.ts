/** What the views render: the shared tab model, and how its parts are ordered and named. */
import type { ContextResponse, Impact, ImpactLevel } from '../shared/context';
import type { T } from './i18n';

export { STATES, emptyModel, stateOf, withResult, type CustomerOnPage, type SidebarModel, type SidebarState, type TabView } from '../shared/view';

const LEVEL_ORDER: ImpactLevel[] = ['contact', 'team', 'company', 'society', 'teammate'];

/** Impacts in ring order: contact, team, company, society, then the teammates next in line. */
export function orderedImpacts(after: Impact[]): Impact[] {
  return [...after].sort((a, b) => LEVEL_ORDER.indexOf(a.level) - LEVEL_ORDER.indexOf(b.level));
}

/**
 * The text under an impact's level. An account with no `society` text gets the API's generic
 * word ("Society", "社会") as the society ring's label, which the level already says: then it
 * says through whom the answer reaches society instead.
 */
export function impactLabel(i: Impact, d: Pick<ContextResponse, 'account'>, t: T): string {
  if (i.level !== 'society' || d.account?.society?.trim()) return i.label;
  return d.account?.name ? t('societyThrough', d.account.name) : '';
}
