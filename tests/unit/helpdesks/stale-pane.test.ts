// @vitest-environment happy-dom
/**
 * Desks that keep several tickets in the DOM change the URL before the next ticket's pane is
 * the active one: the adapter must not hand back the previous ticket's pane for the new id.
 */
import { describe, expect, it } from 'vitest';
import { adapter as zammad } from '../../../src/content/helpdesks/zammad';
import { adapter as zendesk } from '../../../src/content/helpdesks/zendesk';
import { loadFixture } from './fixture';

describe('the active pane belongs to the ticket in the URL', () => {
  it('zammad: the open task for its id, nothing while another ticket’s task is still active', () => {
    const doc = loadFixture('zammad.html');
    expect((zammad.activePane(doc, '42') as Element).id).toBe('content_permanent_Ticket-42');
    expect((zammad.activePane(doc, '7') as Element).id).toBe('content_permanent_Ticket-7');
    expect(zammad.activePane(doc, '99')).toBeNull();
  });

  it('zendesk: the active tab when it shows this ticket, the tab that holds it, else nothing yet', () => {
    const doc = loadFixture('zendesk.html');
    const active = zendesk.activePane(doc, '4521') as Element;
    expect(active.getAttribute('data-is-active')).toBe('true');
    expect((zendesk.activePane(doc, '4400') as Element).querySelector('[data-ticket-id]')!.getAttribute('data-ticket-id')).toBe('4400');
    expect(zendesk.activePane(doc, '5000')).toBeNull();
  });
});
