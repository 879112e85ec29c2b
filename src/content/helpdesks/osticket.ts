/**
 * osTicket staff panel (`/scp/tickets.php?id=<internal id>`; pjax swaps `#pjax-container`).
 *
 * As seen on a real osTicket 1.18 (issue 9): `h2 a[href="tickets.php?id=…"]` "Ticket #<number>"
 * (the number people see; the URL id is internal) in the ticket bar `.sticky.bar`; subject
 * `.tixTitle h3`; the user row `tr#user-row` with a span `"<name>" <email>`; an "Organization:"
 * `th` (only when the user has one) whose `td` holds the name (its own text; the cell also holds a
 * counter link and a dropdown); two `table.ticket_info` (the second: assignee, SLA, dates); the
 * reply select `select#reply-to` whose `option[value=user]` reads `Ticket Owner (<email>)`; no
 * mailto: link anywhere. Older releases' `#user-<id>-name` / `#user-<id>-email` spans stay as
 * fallbacks. No JSON for the staff session (osTicket's API takes API keys only).
 *
 * Inline layout: osTicket's 960 px `#container` and 940 px tables and ticket bar do not fit the
 * room left beside the sidebar; while it is open they take the room there is (the bar's content
 * too, which osTicket centres in the whole window once the bar is fixed).
 */
import { defineAdapter, findEmail, firstText, labelledValue } from './read';
import { desk } from '../../shared/desks';

export const adapter = defineAdapter({
  ...desk('osticket'),
  matches: [],
  examples: {
    ticket: [
      { url: 'https://help.example.com/scp/tickets.php?id=42', id: '42' },
      { url: 'https://help.example.com/support/scp/tickets.php?a=edit&id=7', id: '7' },
      { url: 'http://127.0.0.1:8080/scp/tickets.php?id=3#reply', id: '3' },
    ],
    notTicket: ['https://help.example.com/scp/tickets.php', 'https://help.example.com/scp/tickets.php?status=open', 'https://help.example.com/scp/tickets.php?a=search&uid=5', 'https://help.example.com/scp/users.php?id=3'],
  },
  urls: [/\/scp\/tickets\.php\?(?:[^#]*&)?id=(\d+)(?:[&#]|$)/],
  detect: ['.tixTitle', 'table.ticket_info', '#pjax-container #ticket_thread'],
  activePane: (doc) => (doc.querySelector('.tixTitle, table.ticket_info') ? doc.getElementById('pjax-container') ?? doc.body : null),
  fields: {
    subject: ['.tixTitle h3', '.tixTitle'],
    ticket: ['h2 a[href*="tickets.php?id="]'],
    requester: ['table.ticket_info tr#user-row td span', 'tr#user-row td'],
    name: ['table.ticket_info [id^="user-"][id$="-name"]'],
    email: ['table.ticket_info [id^="user-"][id$="-email"]'],
    customerPanel: ['table.ticket_info'],
  },
  extra: (pane) => ({
    // The reply select names the ticket's owner: `Ticket Owner (<email>)`.
    email: findEmail(firstText(pane, ['select#reply-to option[value="user"]', 'select#emailreply option[value="1"]'])),
    org: labelledValue(pane, /^(organi[sz]ation|組織)\s*:?$/i, { labelSel: 'table.ticket_info th', own: true }),
  }),
  layout: {
    css: `#container{width:auto!important;max-width:960px!important;min-width:0!important}
#content table.ticket_info,#content table[width="940"],#ticket_thread,.thread-entry{width:100%!important;max-width:100%!important;box-sizing:border-box}
.sticky.bar .content{width:auto!important;max-width:940px!important;padding:0 10px;box-sizing:border-box}`,
  },
});
