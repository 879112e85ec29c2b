/**
 * FreeScout (self-hosted; `/conversation/<internal id>`; `body[data-conversation_id]`).
 *
 * Sources: FreeScout's own source (search tool) and a real FreeScout 1.8 (issue 9):
 * `conversations/view.blade.php` — `body` carries `data-conversation_id`; the subject is the
 * `input#conv-subj-value` (its value; older releases' `.conv-subjtext` stays a fallback); the
 * number people see is `.conv-numnav strong`; the customer panel is `#conv-layout-customer`;
 * `customers/profile_snippet.blade.php` — `.customer-name`, `.customer-email a.contact-main` (the
 * conversation's main email comes first), and the company as the first line of the first
 * `.customer-extra .customer-section` — the company line is only a company when the customer has
 * one (else it can be the job title). The reply form's recipients are the hidden multiple
 * `select#to_email[name="to_email[]"]` (there is no `select[name=to]`). FreeScout stores emails
 * lower-cased. No JSON: FreeScout's API is a paid module with API keys.
 */
import { defineAdapter } from './read';
import { desk } from '../../shared/desks';

export const adapter = defineAdapter({
  ...desk('freescout'),
  matches: [],
  examples: {
    ticket: [
      { url: 'https://help.example.com/conversation/1502', id: '1502' },
      { url: 'https://help.example.com/conversation/1502?folder_id=4', id: '1502' },
      { url: 'http://localhost:8080/conversation/9#thread-33', id: '9' },
    ],
    notTicket: ['https://help.example.com/mailbox/1', 'https://help.example.com/mailbox/1/new-ticket', 'https://help.example.com/customers/5/edit'],
  },
  urls: [/^(?:\/[^?#]*)?\/conversation\/(\d+)(?:[/?#]|$)/],
  detect: ['body[data-conversation_id]', '#conv-layout-customer', '#conv-layout'],
  ready: ['#conv-layout', 'body[data-conversation_id]'],
  fields: {
    subject: ['#conv-subj-value', '.conv-subjtext', '#conv-subject .conv-subjtext'],
    ticket: ['.conv-numnav strong', '#conv-subject .conv-numnav'],
    name: ['#conv-layout-customer .customer-name'],
    email: ['#conv-layout-customer .customer-email a.contact-main', '#conv-layout-customer .customer-email'],
    org: ['#conv-layout-customer .customer-extra .customer-section:not(.customer-social-profiles) > div:first-child'],
    requester: ['select#to_email option[selected]', 'select#to_email option', 'select[name="to_email[]"] option'],
    customerPanel: ['#conv-layout-customer'],
  },
});
