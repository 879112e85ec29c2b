/**
 * Chatwoot (hosted app.chatwoot.com and self-hosted; `/app/accounts/<account>/…/conversations/<id>`).
 *
 * Sources: Chatwoot's own source (search tool). JSON: `/api/v1/accounts/{a}/conversations/{id}`
 * (documented application API; `meta.sender` is the contact with `email`, `name`,
 * `additional_attributes.company_name`; the conversation's `additional_attributes.mail_subject` for
 * email inboxes). The dashboard authenticates with devise-token-auth headers kept in the
 * `cw_d_session_info` cookie (JSON of `access-token`, `client`, `uid`…; set by js-cookie in
 * `store/utils/api.js`, readable by page scripts) — sure for the cookie and endpoint. Markup:
 * `vueapp.html.erb` sets `window.chatwootConfig` in an inline head script (detect); the contact panel
 * (`ContactInfo.vue`) shows the name in `h3` and the email as a `mailto:` link (`ContactInfoRow.vue`)
 * — sure, but its container classes are utility classes, so the panel is found from its mailto link.
 */
import { clean, defineAdapter, getJson, mailtoEmail, ownText, str, type FetchContext } from './read';
import type { CustomerRead } from './types';
import { desk } from '../../shared/desks';

interface CwConversation {
  id?: number;
  display_id?: number;
  meta?: { sender?: { name?: string; email?: string; additional_attributes?: { company_name?: string } } };
  additional_attributes?: { mail_subject?: string };
}

/** The dashboard's devise-token-auth headers from the `cw_d_session_info` cookie. */
export function chatwootAuthHeaders(cookie: string): Record<string, string> {
  const raw = cookie.split(/;\s*/).find((c) => c.startsWith('cw_d_session_info='));
  if (!raw) return {};
  try {
    const info = JSON.parse(decodeURIComponent(raw.slice('cw_d_session_info='.length))) as Record<string, unknown>;
    const out: Record<string, string> = {};
    for (const k of ['access-token', 'client', 'uid', 'token-type', 'expiry']) {
      const v = info[k];
      if (typeof v === 'string' || typeof v === 'number') out[k] = String(v);
    }
    return out;
  } catch {
    return {};
  }
}

async function fetchCustomer(ctx: FetchContext): Promise<CustomerRead | null> {
  const account = ctx.url.pathname.match(/^\/app\/accounts\/(\d+)\//)?.[1];
  if (!account) return null;
  const c = await getJson<CwConversation>(ctx, `/api/v1/accounts/${account}/conversations/${encodeURIComponent(ctx.ticket)}`, chatwootAuthHeaders(ctx.doc.cookie));
  const s = c.meta?.sender;
  if (!s) return null;
  return {
    email: str(s.email),
    name: str(s.name),
    org: str(s.additional_attributes?.company_name),
    subject: str(c.additional_attributes?.mail_subject),
    ticket: str(c.display_id ?? c.id),
  };
}

/**
 * The contact panel: a `mailto:` link with the name `h3` a few levels up (ContactInfo.vue nests the
 * email row three levels under the block holding the `h3`); links in message bubbles are further away.
 */
function contactPanel(pane: ParentNode): Element | null {
  for (const a of pane.querySelectorAll('a[href^="mailto:" i]')) {
    let el: Element | null = a.parentElement;
    for (let depth = 0; el && depth < 4; depth++, el = el.parentElement) {
      if (el.querySelector('h3')) return el;
    }
  }
  return null;
}

export const adapter = defineAdapter({
  ...desk('chatwoot'),
  matches: ['https://app.chatwoot.com/*'],
  examples: {
    ticket: [
      { url: 'https://app.chatwoot.com/app/accounts/3/conversations/128', id: '128' },
      { url: 'https://chat.example.com/app/accounts/1/inbox/4/conversations/77', id: '77' },
      { url: 'http://localhost:3000/app/accounts/1/label/billing/conversations/12?messageId=5', id: '12' },
    ],
    notTicket: ['https://app.chatwoot.com/app/accounts/3/dashboard', 'https://app.chatwoot.com/app/accounts/3/contacts/55', 'https://app.chatwoot.com/app/accounts/3/inbox/4'],
  },
  urls: [/^\/app\/accounts\/\d+\/(?:[^?#]*\/)?conversations\/(\d+)(?:[/?#]|$)/],
  detect: [],
  detectFn: (doc) =>
    !!doc.getElementById('app') && [...doc.querySelectorAll('head script:not([src])')].some((s) => (s.textContent ?? '').includes('window.chatwootConfig')),
  ready: ['#app a[href^="mailto:" i]', '#app h3'],
  fields: {},
  extra: (pane) => {
    const panel = contactPanel(pane);
    const h3 = panel?.querySelector('h3');
    return { name: ownText(h3) ?? clean(h3?.textContent), email: panel ? mailtoEmail(panel) : undefined };
  },
  fetchCustomer,
});
