/**
 * Front (`app.frontapp.com/open/cnv_…`, and inbox URLs ending in a `cnv_…` conversation id).
 *
 * Front's markup has hashed class names only, so this adapter relies on the URL and the last-resort
 * `mailto:` link / `Name <email>` text of the recipient; subject from the conversation heading.
 * Detection: the `app.frontapp.com` host or Front's own asset/manifest links — weak by nature; there is
 * no documented same-origin JSON for the agent's session.
 */
import { defineAdapter, hostOrMarkup } from './read';
import { desk } from '../../shared/desks';

const MARKERS = ['link[href*="frontapp.com"]', 'script[src*="frontapp.com"]', 'meta[name="application-name"][content="Front"]'];

export const adapter = defineAdapter({
  ...desk('front'),
  matches: ['https://app.frontapp.com/*'],
  examples: {
    ticket: [
      { url: 'https://app.frontapp.com/open/cnv_55c8c149', id: 'cnv_55c8c149' },
      { url: 'https://app.frontapp.com/inboxes/teams/folders/12345/unassigned/cnv_1a2b3c4d', id: 'cnv_1a2b3c4d' },
    ],
    notTicket: ['https://app.frontapp.com/inboxes/teams/folders/12345/unassigned', 'https://app.frontapp.com/settings/me'],
  },
  urls: [/^\/open\/(cnv_[0-9a-z]+)(?:[/?#]|$)/, /\/(cnv_[0-9a-z]+)(?:[/?#]|$)/],
  detect: MARKERS,
  detectFn: hostOrMarkup(/(^|\.)frontapp\.com$/, MARKERS),
  ready: ['main', '[role="main"]'],
  fields: {
    subject: ['[role="main"] h1', 'main h1', '[data-testid="conversation-subject"]'],
    requester: ['[data-testid="recipient"]', '[role="main"] [title*="@"]'],
  },
});
