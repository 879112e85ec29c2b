/**
 * The sidebar's write-back (issue "pass the baton"): thank a person, leave or delete a note for
 * the next person, ask links with the ticket filled in, and "Copy relay" as Markdown. Writes go
 * through the background (messages); the answer updates the shown relay at once.
 */
import type { Note, Person } from '../shared/context';
import type { MessageName, Request, Response } from '../shared/messages';
import { formatNumber, type T } from './i18n';
import { mailtoHref } from '../shared/links';
import { impactLabel, orderedImpacts, type SidebarModel } from './model';

export type Send = <K extends MessageName>(type: K, payload: Request<K>) => Promise<Response<K>>;

/** The API's window for "the same thanks again" (THANKS_DEDUPE_MS; not imported: keeps valibot out). */
const THANKS_WINDOW_MS = 60_000;
/** Notes "Copy relay" carries: the latest ones. */
const COPIED_NOTES = 3;
/** Notes a context answer carries (the API's latest 5). */
const SHOWN_NOTES = 5;

export interface WriteState {
  /** `ticket|person id` → when thanks went out: a second click within a minute sends nothing. */
  thanked: Map<string, number>;
  /** What is being sent: person ids, 'note', or `del:<note id>`. */
  busy: Set<string>;
  noteError: string;
  /** A short confirmation or failure ("Copied", "Note saved"), shown and announced. */
  status: string;
}

export interface WriteBack {
  state: WriteState;
  thankedNow(p: Person): boolean;
  thank(p: Person): void;
  addNote(form: HTMLFormElement): void;
  deleteNote(id: string): void;
  copy(): void;
  /** Show and announce a short confirmation or failure in the footer. */
  say(s: string): void;
  /** mailto: with the ticket's subject and link filled in, or null without a valid address. */
  mailHref(p: Person): string | null;
}

export interface WriteDeps {
  send: Send;
  model(): SidebarModel;
  /** Patch the model and draw. */
  update(patch: Partial<SidebarModel>): void;
  draw(): void;
  t(): T;
  /** The view's document (the side panel page or the inline frame's). */
  doc: Document;
  now?: () => number;
}

const errText = (e: unknown) => String((e as Error)?.message ?? e);

/** Markdown-safe one-line text. */
const md = (s: string) => s.replace(/\s+/g, ' ').trim().replace(/([\\`*_[\]<>|#])/g, '\\$1');

/** A short Markdown summary of the relay and its impact, for the desk's internal note. */
export function relayMarkdown(m: SidebarModel, t: T, url: string): string {
  const d = m.data;
  if (!d) return '';
  const who = [d.contact?.name || m.customer?.name, d.account?.name].filter(Boolean).map((s) => md(s!));
  const subject = m.customer?.subject ? md(m.customer.subject) : '';
  const link = /^https?:/.test(url) ? url.replace(/[()\s]/g, encodeURIComponent) : '';
  const count = (n: number) => (n > 0 ? ` (${t('peopleCount', formatNumber(n, t.lang))})` : '');
  const note = (s: string) => (s ? ` — ${md(s)}` : '');
  const lines = [`**Baton**: ${who.join(' · ')}`];
  if (d.match.verify) lines.push(`⚠ ${t('verifyTitle')}`);
  if (subject || link) lines.push(link ? `[${subject || link}](${link})` : subject);
  lines.push('', `**${t('beforeTitle')}** (${t('beforeSub')})`);
  for (const h of d.before) lines.push(`- ${md(h.stage.label)}: ${md(h.person?.name ?? '')}${h.at ? ` (${h.at})` : ''}${note(h.note)}`);
  lines.push(`- **${t('youAreHere')}: ${md(d.self?.label || t('support'))}**`);
  // The latest notes for the next person, as the sidebar shows them under "you are here".
  for (const n of d.notes.slice(0, COPIED_NOTES)) {
    lines.push(`  - ${md(n.text)} (${[n.author, n.ticket ? t('noteTicket', n.ticket) : '', n.at.slice(0, 10)].filter(Boolean).map(md).join(', ')})`);
  }
  lines.push('', `**${t('afterTitle')}** (${t('afterSub')})`);
  for (const i of orderedImpacts(d.after)) {
    const head = i.level === 'teammate' ? `${t('level_teammate')}${i.stage ? ` (${md(i.stage.label)})` : ''}` : t(`level_${i.level}`);
    const label = impactLabel(i, d, t);
    lines.push(`- ${head}${label ? `: ${md(label)}` : ''}${i.level === 'contact' || i.level === 'teammate' ? '' : count(i.count)}${note(i.note)}`);
  }
  return lines.join('\n') + '\n';
}

export function createWriteBack(deps: WriteDeps): WriteBack {
  const now = deps.now ?? Date.now;
  const state: WriteState = { thanked: new Map(), busy: new Set(), noteError: '', status: '' };
  let clear: ReturnType<typeof setTimeout> | undefined;
  const say = (s: string) => {
    state.status = s;
    clearTimeout(clear);
    clear = setTimeout(() => ((state.status = ''), deps.draw()), 4000);
    deps.draw();
  };
  const ticket = () => deps.model().customer?.ticket ?? '';
  const thankKey = (p: Person) => `${ticket()}|${p.id}`;
  /** Run one write; `key` marks it busy (a second one while it runs is ignored). */
  function run<K extends MessageName>(key: string, type: K, payload: Request<K>, done: (r: Response<K>) => void, failed: (msg: string) => void): void {
    if (state.busy.has(key)) return;
    state.busy.add(key);
    deps.draw();
    deps
      .send(type, payload)
      .then(done, (e: unknown) => failed(errText(e)))
      .finally(() => {
        state.busy.delete(key);
        deps.draw();
      });
  }
  const withData = (fn: (d: NonNullable<SidebarModel['data']>) => NonNullable<SidebarModel['data']>) => {
    const d = deps.model().data;
    if (d) deps.update({ data: fn(d) });
  };
  const setNotes = (account: string, fn: (notes: Note[]) => Note[]) =>
    withData((d) => (d.account?.id === account ? { ...d, notes: fn(d.notes) } : d));

  return {
    state,
    say,
    thankedNow: (p) => now() - (state.thanked.get(thankKey(p)) ?? -Infinity) < THANKS_WINDOW_MS,
    thank(p) {
      const t = deps.t();
      if (this.thankedNow(p)) return say(t('thanksAlready', p.name));
      const key = thankKey(p);
      const account = deps.model().data?.account?.id;
      run(p.id, 'thanks:send', { to: p.id, ticket: ticket(), ...(account ? { account } : {}) }, (r) => {
        if (!r.ok) return say(t('thanksFailed', r.error.message));
        state.thanked.set(key, now());
        const count = (x: Person | null) => (x?.id === p.id ? { ...x, thanks: r.total } : x);
        withData((d) => ({ ...d, before: d.before.map((h) => ({ ...h, person: count(h.person) })), after: d.after.map((i) => ({ ...i, person: count(i.person) })) }));
        say(t('thanksSent', p.name));
      }, (msg) => say(t('thanksFailed', msg)));
    },
    addNote(form) {
      const t = deps.t();
      const area = form.elements.namedItem('note') as HTMLTextAreaElement | null;
      const text = area?.value.trim() ?? '';
      const account = deps.model().data?.account?.id;
      if (!text || !account) return void area?.focus();
      state.noteError = '';
      run('note', 'notes:add', { account, text, ticket: ticket() }, (r) => {
        if (!r.ok) {
          state.noteError = t('noteFailed', r.error.message);
          return;
        }
        form.reset();
        setNotes(account, (notes) => [r.note, ...notes.filter((n) => n.id !== r.note.id)].slice(0, SHOWN_NOTES));
        say(t('noteSaved'));
      }, (msg) => (state.noteError = t('noteFailed', msg)));
    },
    deleteNote(id) {
      const t = deps.t();
      const account = deps.model().data?.account?.id ?? '';
      run(`del:${id}`, 'notes:delete', { id, account }, (r) => {
        if (!r.ok) return say(t('noteDeleteFailed', r.error.message));
        setNotes(account, (notes) => notes.filter((n) => n.id !== id));
        say(t('noteDeleted'));
      }, (msg) => say(t('noteDeleteFailed', msg)));
    },
    copy() {
      const t = deps.t();
      const text = relayMarkdown(deps.model(), t, deps.model().page ?? '');
      const back = deps.doc.activeElement as HTMLElement | null;
      const fallback = () => {
        // No async clipboard (or refused): a selected textarea and the copy command.
        const ta = deps.doc.createElement('textarea');
        ta.value = text;
        ta.setAttribute('readonly', '');
        ta.style.cssText = 'position:fixed;top:0;left:0;opacity:0';
        deps.doc.body.appendChild(ta);
        ta.select();
        let ok = false;
        try {
          ok = deps.doc.execCommand('copy');
        } catch {
          ok = false;
        }
        ta.remove();
        back?.focus();
        return ok;
      };
      const clip = deps.doc.defaultView?.navigator.clipboard;
      void (clip ? clip.writeText(text).then(() => true, fallback) : Promise.resolve(fallback())).then((ok) => say(t(ok ? 'copied' : 'copyFailed')));
    },
    mailHref(p) {
      const m = deps.model();
      const t = deps.t();
      const url = m.page ?? '';
      const about = m.customer?.subject || (m.customer?.ticket ? `#${m.customer.ticket}` : '');
      return mailtoHref(p.email, { subject: about && t('mailSubject', about), body: url && t('mailBody', url) });
    },
  };
}
