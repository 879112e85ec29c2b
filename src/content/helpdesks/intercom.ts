/**
 * Intercom Inbox (`app.intercom.com/a/inbox/<workspace>/inbox/…/conversation/<id>`).
 *
 * Sources: URL shape and `[data-inbox-conversation-header-title]`, `span[data-conversation-title]` from
 * public code (HELPDESKS.md; Clockify's Intercom integration reads the header title as the conversation
 * title, a public "Support Copilot for Intercom" extension reads it as the customer's name, and notes
 * Intercom renders parts in shadow DOM and renames classes: `.inbox2__conversation-title`,
 * `[data-intercom-target="conversation-toolbar"]`) — weak: Intercom's markup is closed and changes
 * often, so every field is read through open shadow roots. The customer's email comes from the details
 * sidebar's `mailto:` link or any email-looking text in it; company from a "Company" row of that sidebar
 * (sidebar attributes are guesses). No same-origin JSON was found documented for the agent's session.
 */
import { defineAdapter, labelledValue } from './read';
import { desk } from '../../shared/desks';

export const adapter = defineAdapter({
  ...desk('intercom'),
  matches: ['https://app.intercom.com/*', 'https://app.eu.intercom.com/*', 'https://app.au.intercom.com/*'],
  examples: {
    ticket: [
      { url: 'https://app.intercom.com/a/inbox/abc123/inbox/shared/all/conversation/215468512345678', id: '215468512345678' },
      { url: 'https://app.intercom.com/a/apps/abc123/inbox/inbox/conversation/42', id: '42' },
      { url: 'https://app.intercom.com/a/inbox/abc123/inbox/conversation/77?view=List', id: '77' },
    ],
    notTicket: ['https://app.intercom.com/a/inbox/abc123/inbox/shared/all', 'https://app.intercom.com/a/apps/abc123/users/segments/active'],
  },
  urls: [/^\/a\/(?:inbox|apps)\/[^/]+\/(?:[^?#]*\/)?conversations?\/(\d+)(?:[/?#]|$)/],
  detect: ['[data-inbox-conversation-header-title]', 'span[data-conversation-title]', '[data-inbox-details-sidebar]', '[data-intercom-target="conversation-toolbar"]', '.inbox2__conversation-title', '.inbox-2__conversation-title'],
  deep: true,
  fields: {
    subject: ['[data-inbox-conversation-header-title] span', '[data-inbox-conversation-header-title]', '.inbox2__conversation-title', '.inbox-2__conversation-title'],
    name: ['[data-inbox-details-sidebar] [data-user-name]', 'span[data-conversation-title]', '[data-conversation-title]'],
    email: ['[data-inbox-details-sidebar] [data-user-email]', '[data-inbox-details-sidebar] [data-attribute-name="email"]'],
    org: ['[data-inbox-details-sidebar] [data-company-name]'],
    customerPanel: ['[data-inbox-details-sidebar]'],
  },
  extra: (pane) => ({ org: labelledValue(pane, /^(company|会社)$/i, { labelSel: '[data-inbox-details-sidebar] dt, [data-inbox-details-sidebar] [data-attribute-label]' }) }),
});
