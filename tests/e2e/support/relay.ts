// The central check of the e2e tests: on a help-desk page the sidebar shows the relay the
// config defines for that customer, hand-offs in relay order and impacts in ring order.
import type { Page } from 'puppeteer-core';
import { expect } from 'vitest';
import { expectedAccountRelay, expectedRelay } from './api';
import { rtRequestorEmail, rtTicketUrl, type E2eContext, type RT_TICKETS } from './context';
import { waitForSidebarState, type SidebarSnapshot } from './sidebar';

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

/** Opens an RT 5 ticket (logged in by URL), waits for a ready sidebar, checks the relay. */
export async function expectRelayOnRtTicket(
  page: Page,
  rt: NonNullable<E2eContext['rt']>,
  ticket: keyof typeof RT_TICKETS,
): Promise<SidebarSnapshot> {
  await page.goto(rtTicketUrl(rt, rt.tickets[ticket]), { waitUntil: 'domcontentloaded' });
  // The page really is the ticket (logged in), not RT's login form.
  await page.waitForSelector('body#comp-Ticket-Display', { timeout: 20_000 });
  return expectRelayOf(await waitForSidebarState(page, 'ready'), rtRequestorEmail(ticket));
}
