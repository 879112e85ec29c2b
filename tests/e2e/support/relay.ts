// The central check of the e2e tests: on a help-desk page the sidebar shows the relay the
// config defines for that customer, hand-offs in relay order and impacts in ring order.
import type { Page } from 'puppeteer-core';
import { expect } from 'vitest';
import { expectedAccountRelay, expectedRelay } from './api';
import { rtRequestorEmail, rtTicketUrl, type E2eContext, type RT_TICKETS } from './context';
import { waitForSidebarState, type SidebarSnapshot, type ViewTarget } from './sidebar';

/**
 * Asserts a ready sidebar snapshot shows the relay of a contact (`email`) or, given
 * `{ account }`, of an account matched without a contact; returns the snapshot.
 */
export function expectRelayOf(snap: SidebarSnapshot, who: string | { account: string }): SidebarSnapshot {
  const want = typeof who === 'string' ? expectedRelay(who) : expectedAccountRelay(who.account);
  const name = typeof who === 'string' ? who : `account ${who.account}`;
  expect(snap.stages, `hand-offs for ${name}: ${snap.text}`).toEqual(want.stages);
  expect(snap.levels, `impact levels for ${name}: ${snap.text}`).toEqual(want.levels);
  return snap;
}

/**
 * Opens an RT 5 ticket (logged in by URL), waits for a ready relay in `view` (default: the inline
 * frame in the page; give the side panel's page in panel mode), checks the relay.
 */
export async function expectRelayOnRtTicket(
  page: Page,
  rt: NonNullable<E2eContext['rt']>,
  ticket: keyof typeof RT_TICKETS,
  view: ViewTarget = page,
): Promise<SidebarSnapshot> {
  await page.goto(rtTicketUrl(rt, rt.tickets[ticket]), { waitUntil: 'domcontentloaded' });
  // The page really is the ticket (logged in), not RT's login form.
  await page.waitForSelector('body#comp-Ticket-Display', { timeout: 20_000 });
  const email = rtRequestorEmail(ticket);
  // The relay of this customer (a panel may still show the last ticket's for a moment).
  const want = expectedRelay(email);
  const also = `JSON.stringify([...document.querySelectorAll('[data-part=before] [data-part=handoff]')].map((e) => e.dataset.stage)) === ${JSON.stringify(JSON.stringify(want.stages))}
    && JSON.stringify([...document.querySelectorAll('[data-part=after] [data-part=impact]')].map((e) => e.dataset.level)) === ${JSON.stringify(JSON.stringify(want.levels))}`;
  return expectRelayOf(await waitForSidebarState(view, 'ready', { also }), email);
}
