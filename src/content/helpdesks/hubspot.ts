/**
 * HubSpot Help Desk / ticket records (`/help-desk/<portal>/view/<view>/ticket/<id>`,
 * `/contacts/<portal>/record/0-5/<id>`, `/contacts/<portal>/ticket/<id>/thread`).
 *
 * Sources: `data-selenium-test` attributes (`highlightTitle`, `contact-chicklet-title-link`,
 * `company-chicklet-title-link`) from public extensions' code (HELPDESKS.md) — fairly sure; the contact
 * chicklet's email element is unverified, so its email comes from any email text or `mailto:` link
 * inside the chicklet. HubSpot's internal APIs need a CSRF header the content script does not have;
 * no same-origin JSON is used.
 */
import { defineAdapter } from './read';
import { desk } from '../../shared/desks';

export const adapter = defineAdapter({
  ...desk('hubspot'),
  matches: ['https://app.hubspot.com/*', 'https://app-eu1.hubspot.com/*'],
  examples: {
    ticket: [
      { url: 'https://app.hubspot.com/help-desk/123456/view/789/ticket/987654321', id: '987654321' },
      { url: 'https://app.hubspot.com/contacts/123456/record/0-5/55501', id: '55501' },
      { url: 'https://app-eu1.hubspot.com/contacts/123456/ticket/4242/thread', id: '4242' },
    ],
    notTicket: ['https://app.hubspot.com/help-desk/123456/view/789', 'https://app.hubspot.com/contacts/123456/record/0-1/777', 'https://app.hubspot.com/reports-dashboard/123456'],
  },
  urls: [/\/record\/0-5\/(\d+)(?:[/?#]|$)/, /^\/(?:help-desk|contacts)\/\d+\/(?:[^?#]*\/)?ticket\/(\d+)(?:[/?#]|$)/],
  detect: ['[data-selenium-test="highlightTitle"]', '[data-selenium-test="contact-chicklet-title-link"]', '[data-selenium-test="company-chicklet-title-link"]'],
  fields: {
    subject: ['[data-selenium-test="highlightTitle"]', '[data-selenium-test="ticket-subject"]'],
    name: ['[data-selenium-test="contact-chicklet-title-link"]'],
    email: ['[data-selenium-test="contact-chicklet-email"]', '[data-selenium-test="contact-chicklet"]', '[data-selenium-test="contact-chicklet-title-link"]'],
    org: ['[data-selenium-test="company-chicklet-title-link"]'],
    customerPanel: ['[data-selenium-test="contact-chicklet"]', '[data-selenium-test="associations-card-contacts"]'],
  },
});
