/**
 * The sidebar: who passed the baton (before) and who the answer reaches (after), around the
 * customer of the ticket on the tab. Pure rendering from a SidebarModel, the same in the side
 * panel and in the inline frame; the host page wires the actions to the background.
 */
import { useState } from 'preact/hooks';
import type { ContextResponse, Impact, Note, Person, SearchResult } from '../shared/context';
import type { LookupOverride, SidebarUi } from '../shared/messages';
import { AccountCard, GlanceStrip, TrustBadge, Unbroken, VerifyWarning } from './glance';
import { formatAge, formatDate, formatNumber, type T } from './i18n';
import { mailtoHref, safeHref } from '../shared/links';
import { impactLabel, orderedImpacts, type SidebarModel } from './model';
import { HandOffForm, SearchBox, type HandOffActions } from './search';
import type { WriteBack } from './write';

export interface SidebarActions extends HandOffActions {
  retry(): void;
  search(o: LookupOverride): void;
  /** Search suggestions (through the background); [] when the API does not answer. */
  suggest(q: string): Promise<SearchResult[]>;
  /** "This is <account>": the page's requester belongs to this account from now on. */
  link(account: string): void;
  clearOverride(): void;
  openOptions(): void;
  /** Inline only: collapse to the slim tab, or open again. */
  toggle(): void;
  /** Inline only: `done` when the drag or key press ends (then the width is saved). */
  resize(width: number, done: boolean): void;
}

/** Where the sidebar is shown: the browser's side panel, or the inline frame beside the page. */
export type SidebarHost = 'panel' | 'frame';

export interface SidebarProps {
  model: SidebarModel;
  t: T;
  ui: SidebarUi;
  now: number;
  actions: SidebarActions;
  /** Default 'frame': collapsible and resizable. The panel is the browser's to size and close. */
  host?: SidebarHost;
  /** Thanks, notes, ask links and copy (absent: the relay is shown read-only). */
  write?: WriteBack;
}

/** A stable hue per stage id, so a stage keeps its colour everywhere. */
export function stageHue(id: string): number {
  let h = 0;
  for (const c of id) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return (h * 137) % 360;
}

const Icon = ({ d }: { d: string }) => (
  <svg viewBox="0 0 24 24" width="14" height="14" aria-hidden="true" focusable="false">
    <path d={d} fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" />
  </svg>
);
const MAIL = 'M3 6h18v12H3zM3 7l9 6 9-6';
const CHAT = 'M4 5h16v10H9l-5 4z';
const GEAR = 'M4 7h10M18 7h2M4 17h2M10 17h10M16 5v4M8 15v4';
const HEART = 'M12 20s-7-4.5-7-10a4 4 0 0 1 7-2.5A4 4 0 0 1 19 10c0 5.5-7 10-7 10z';
const TRASH = 'M5 7h14M10 7V5h4v2M7 7l1 12h8l1-12';
const COPY = 'M9 9h10v10H9zM5 15V5h10';

/** Ask links (mail with the ticket filled in, chat) and the thank button of one person. */
function PersonLinks({ person, t, w }: { person: Person; t: T; w?: WriteBack | undefined }) {
  const mail = w ? w.mailHref(person) : mailtoHref(person.email);
  const chat = safeHref(person.chat);
  if (!mail && !chat && !w) return null;
  const done = w?.thankedNow(person);
  // The accessible name ends with the visible count: "Thank 佐藤 健 · thanks so far: 3".
  const thank = t(done ? 'thankedPerson' : 'thankPerson', person.name);
  const count = formatNumber(person.thanks, t.lang);
  return (
    <span class="links">
      {mail && (
        <a href={mail} data-action="ask" title={t('mailPerson', person.name)} aria-label={t('mailPerson', person.name)}>
          <Icon d={MAIL} />
        </a>
      )}
      {chat && (
        <a href={chat} data-action="ask" target="_blank" rel="noopener noreferrer" title={t('chatPerson', person.name)} aria-label={t('chatPerson', person.name)}>
          <Icon d={CHAT} />
        </a>
      )}
      {w && (
        <button type="button" class={done ? 'thank done' : 'thank'} data-action="thank" data-person={person.id} title={`${thank} ${count}`} aria-busy={w.state.busy.has(person.id)} onClick={() => w.thank(person)}>
          <Icon d={HEART} />
          <span class="sr">{thank} </span>
          <span data-part="thanks-count">{count}</span>
        </button>
      )}
    </span>
  );
}

/** The colours of a stage on the relay: its hue from its id, and its dot in the config's `color`. */
export function stageStyle(stage: { id: string; color?: string | undefined }): Record<string, string> {
  const style: Record<string, string> = { '--hue': String(stageHue(stage.id)) };
  // Checked again here (the config check allows only this): a style value from data is never more than a colour.
  if (stage.color && /^#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?$/.test(stage.color)) style['--dot'] = stage.color;
  return style;
}

/** One runner on the relay: a hand-off before support or a teammate after it. */
function Step({ stage, at, person, note, t, w, attrs }: { stage: { id: string; label: string; color?: string | undefined }; at?: string; person: Person | null; note: string; t: T; w?: WriteBack | undefined; attrs: Record<string, string> }) {
  return (
    <li {...attrs} style={stageStyle(stage)}>
      <span class="dot" aria-hidden="true" />
      <div class="row">
        <span class="stage">{stage.label}</span>
        {at && <time dateTime={at}>{formatDate(at, t.lang)}</time>}
      </div>
      {person && (
        <div class="row person">
          <span class="who">
            <strong>{person.name}</strong>
            {person.title && <span class="title muted">{person.title}</span>}
          </span>
          <PersonLinks person={person} t={t} w={w} />
        </div>
      )}
      {note && (
        <p class="note">
          <Unbroken text={note} />
        </p>
      )}
    </li>
  );
}

function ImpactItem({ i, d, t, w }: { i: Impact; d: ContextResponse; t: T; w?: WriteBack | undefined }) {
  if (i.level === 'teammate') {
    const stage = i.stage ?? { id: 'teammate', label: i.label };
    return <Step stage={stage} person={i.person} note={i.note} t={t} w={w} attrs={{ 'data-part': 'impact', 'data-level': 'teammate' }} />;
  }
  return (
    <li data-part="impact" data-level={i.level}>
      <span class={`ring ring-${i.level}`} aria-hidden="true" />
      <div>
        <div class="row">
          <span class="level">{t(`level_${i.level}`)}</span>
          {i.count > 0 && i.level !== 'contact' && <span class="count">{t('peopleCount', formatNumber(i.count, t.lang))}</span>}
        </div>
        {impactLabel(i, d, t) && <div class="label">{impactLabel(i, d, t)}</div>}
        {i.note && (
          <p class="note">
            <Unbroken text={i.note} />
          </p>
        )}
      </div>
    </li>
  );
}

function Skeleton({ t }: { t: T }) {
  return (
    <div class="skeleton" aria-busy="true">
      <p class="sr">{t('loading')}</p>
      {[70, 90, 55, 80, 60].map((w) => (
        <div class="bone" style={{ width: `${w}%` }} />
      ))}
    </div>
  );
}

function SearchForm({ model, t, actions, autoFocus = false }: Pick<SidebarProps, 'model' | 't' | 'actions'> & { autoFocus?: boolean }) {
  return (
    <>
      <SearchBox key={model.customer?.ticket} t={t} actions={actions} initial={model.override?.email ?? model.override?.org ?? ''} autoFocus={autoFocus} />
      {model.override && (
        <button type="button" class="link small" onClick={actions.clearOverride}>
          {t('searchReset')}
        </button>
      )}
    </>
  );
}

function searched(model: SidebarModel, t: T): string | null {
  const q = model.query;
  const parts = [q?.email, q?.org && !q.email ? q.org : undefined, !q?.email && !q?.org ? q?.domain : undefined].filter(Boolean);
  return parts.length ? t('state_not_found_body', parts.join(' · ')) : null;
}

function Message({ model, t, actions }: Pick<SidebarProps, 'model' | 't' | 'actions'>) {
  const s = model.state;
  if (model.error?.kind === 'paused') {
    // The page changed the customer again and again without the agent: no lookups until they say.
    return (
      <div class="message" role="status" data-part="paused">
        <h3>{t('paused_title')}</h3>
        <p>{t('paused_body')}</p>
        <button type="button" class="primary" onClick={actions.retry}>
          {t('paused_resume')}
        </button>
      </div>
    );
  }
  const detail = model.error?.message;
  return (
    <div class={`message message-${s}`} role={s === 'loading' ? undefined : 'status'} data-part={s === 'not-found' ? 'unknown' : undefined}>
      <h3>{t(`state_${s.replace('-', '_')}_title`)}</h3>
      {s === 'not-found' ? (
        <>
          <p>{searched(model, t) ?? t('nothingOnPage')}</p>
          <SearchForm model={model} t={t} actions={actions} />
          {model.data?.leads && !model.override && <HandOffForm leads={model.data.leads} t={t} actions={actions} subject={model.customer?.subject ?? ''} />}
        </>
      ) : (
        <p>{t(`state_${s.replace('-', '_')}_body`)}</p>
      )}
      {detail && s !== 'not-found' && s !== 'unconfigured' && <p class="muted small">{detail}</p>}
      {(s === 'unconfigured' || s === 'unauthorized') && (
        <button type="button" class="primary" onClick={actions.openOptions}>
          {t('openOptions')}
        </button>
      )}
      {(s === 'offline' || s === 'error') && (
        <button type="button" class="primary" onClick={actions.retry}>
          {t('retry')}
        </button>
      )}
    </div>
  );
}

/** Under "you are here": what was done and what the next person should know. */
function NoteForm({ t, w }: { t: T; w: WriteBack }) {
  // One "Add a note" line until the agent clicks it; it stays open while it holds text.
  const [open, setOpen] = useState(false);
  return (
    <form
      class={open || w.state.noteError ? 'note-form open' : 'note-form'}
      data-part="note-form"
      onSubmit={(e) => (e.preventDefault(), w.addNote(e.currentTarget as HTMLFormElement))}
      onFocusIn={() => setOpen(true)}
      onFocusOut={(e) => {
        const form = e.currentTarget as HTMLFormElement;
        const area = form.elements.namedItem('note') as HTMLTextAreaElement | null;
        if (!area?.value.trim() && !form.contains(e.relatedTarget as Node | null)) setOpen(false);
      }}
    >
      <label for="baton-note" class="sr">
        {t('noteLabel')}
      </label>
      <textarea
        id="baton-note"
        name="note"
        rows={open ? 3 : 1}
        maxLength={2000}
        placeholder={open ? t('notePlaceholder') : t('noteAdd')}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) (e.preventDefault(), (e.currentTarget as HTMLTextAreaElement).form?.requestSubmit());
        }}
      />
      {w.state.noteError && (
        <p class="error small" role="alert">
          {w.state.noteError}
        </p>
      )}
      {open && (
        <button type="submit" disabled={w.state.busy.has('note')}>
          {t('noteSave')}
        </button>
      )}
    </form>
  );
}

function NoteItem({ n, t, w, now }: { n: Note; t: T; w?: WriteBack | undefined; now: number }) {
  const at = Date.parse(n.at);
  return (
    <li data-part="note" data-note={n.id}>
      <p class="text">{n.text}</p>
      <div class="row small muted">
        <span>
          {n.author}
          {n.verified === false && (
            <span class="unverified" data-part="unverified" title={t('noteUnverifiedHint')}>
              {' '}
              · {t('noteUnverified')}
            </span>
          )}
          {n.ticket && ` · ${t('noteTicket', n.ticket)}`}
        </span>
        <span class="links">
          <time dateTime={n.at} title={n.at}>
            {Number.isNaN(at) ? n.at : formatAge(at, now, t.lang)}
          </time>
          {n.mine && w && (
            <button type="button" class="icon" data-action="delete-note" title={t('noteDelete')} aria-label={t('noteDelete')} disabled={w.state.busy.has(`del:${n.id}`)} onClick={() => w.deleteNote(n.id)}>
              <Icon d={TRASH} />
            </button>
          )}
        </span>
      </div>
    </li>
  );
}

function Relay({ model, t, now, actions, write: w }: Omit<SidebarProps, 'ui'>) {
  const d = model.data!;
  const after = orderedImpacts(d.after);
  const rings = after.filter((i) => i.level !== 'teammate');
  const next = after.filter((i) => i.level === 'teammate');
  const self = d.self;
  return (
    <>
      {model.state === 'stale' && (
        <p class={model.error ? 'banner warn' : 'banner'} role="status" data-part="stale">
          <span>{t(model.error ? 'staleOffline' : 'staleCached', model.fetchedAt ? formatAge(model.fetchedAt, now, t.lang) : '')}</span>
          {model.error && (
            <button type="button" class="retry" onClick={actions.retry}>
              {t('retry')}
            </button>
          )}
        </p>
      )}
      <VerifyWarning d={d} t={t} />
      <section data-part="before" aria-labelledby="baton-before">
        <h3 id="baton-before">
          {t('beforeTitle')} <span class="sub">{t('beforeSub')}</span>
        </h3>
        {!d.before.length && <p class="muted">{t('noBefore')}</p>}
        <ol class="timeline">
          {d.before.map((h) => (
            <Step stage={h.stage} at={h.at} person={h.person} note={h.note} t={t} w={w} attrs={{ 'data-part': 'handoff', 'data-stage': h.stage.id }} />
          ))}
          <li class="you" data-part="you" style={stageStyle(self ?? { id: 'support' })}>
            <span class="dot" aria-hidden="true" />
            <div class="row">
              <strong>{t('youAreHere')}</strong>
              <span class="stage">{self?.label || t('support')}</span>
            </div>
            {w && d.account && <NoteForm key={model.customer?.ticket ?? ''} t={t} w={w} />}
            {d.notes.length > 0 && (
              <ol class="notes" data-part="notes" aria-label={t('notesTitle')}>
                <NoteItem n={d.notes[0]!} t={t} w={w} now={now} />
                {d.notes.length > 1 && (
                  // The latest note shows; older ones on a click (they would push "after" down).
                  <li class="more">
                    <details>
                      <summary class="small">{t('notesMore', formatNumber(d.notes.length - 1, t.lang))}</summary>
                      <ol class="notes">
                        {d.notes.slice(1).map((n) => (
                          <NoteItem n={n} t={t} w={w} now={now} />
                        ))}
                      </ol>
                    </details>
                  </li>
                )}
              </ol>
            )}
          </li>
        </ol>
      </section>
      <section data-part="after" aria-labelledby="baton-after">
        <h3 id="baton-after">
          {t('afterTitle')} <span class="sub">{t('afterSub')}</span>
        </h3>
        {rings.length ? (
          <ol class="rings">
            {rings.map((i) => (
              <ImpactItem i={i} d={d} t={t} w={w} />
            ))}
          </ol>
        ) : (
          <p class="muted">{t('noAfter')}</p>
        )}
        {next.length > 0 && (
          <>
            <h4>{t('nextTitle')}</h4>
            <ol class="timeline next">
              {next.map((i) => (
                <ImpactItem i={i} d={d} t={t} w={w} />
              ))}
            </ol>
          </>
        )}
      </section>
    </>
  );
}

function Header({ model, t, now, actions, relay }: Pick<SidebarProps, 'model' | 't' | 'now' | 'actions'> & { relay: boolean }) {
  const d = model.data;
  const c = model.customer;
  const name = d?.contact?.name || c?.name || d?.contact?.email || c?.email || '';
  const sub = [d?.contact?.team?.name, d?.contact?.role, d?.account?.name || (d ? '' : c?.org)].filter(Boolean);
  // A customer found by what the agent typed or chose, while the page shows an email the config
  // does not know: "This is <account>" remembers that email for the account.
  const canLink = relay && !!model.override && !!c?.email && !!d?.account && d.match.by !== 'email';
  // Not the right customer? The same search as on "not found", on a click.
  const [searching, setSearching] = useState(false);
  return (
    <div class="customer">
      {name && <div class="name">{name}</div>}
      {sub.length > 0 && <div class="muted">{sub.join(' · ')}</div>}
      {relay && d && (
        <div class="badges">
          <TrustBadge model={model} t={t} />
          <button type="button" class="link small" data-action="search-toggle" aria-expanded={searching} onClick={() => setSearching(!searching)}>
            {t('searchOther')}
          </button>
        </div>
      )}
      {relay && searching && <SearchForm model={model} t={t} actions={actions} autoFocus />}
      {canLink && (
        <div class="link-account" data-part="link-account">
          <button type="button" class="primary small" data-action="link-account" onClick={() => actions.link(d!.account!.id)}>
            {t('linkAccount', d!.account!.name)}
          </button>
          <p class="small muted">{t('linkAccountHelp', c!.email!, d!.account!.name)}</p>
        </div>
      )}
      {relay && d && <GlanceStrip d={d} t={t} />}
      {relay && d?.account && <AccountCard account={d.account} t={t} now={now} />}
    </div>
  );
}

/** The one drag in progress (there is one sidebar per page). */
let drag: { x: number; w: number } | null = null;

function ResizeHandle({ ui, t, actions }: Pick<SidebarProps, 'ui' | 't' | 'actions'>) {
  // Screen coordinates: the frame itself moves as it widens.
  const widthAt = (x: number) => drag!.w + (drag!.x - x);
  return (
    <div
      class="resize"
      role="separator"
      aria-orientation="vertical"
      aria-label={t('resize')}
      aria-valuenow={ui.width}
      aria-valuemin={280}
      aria-valuemax={640}
      tabIndex={0}
      onPointerDown={(e) => {
        drag = { x: e.screenX, w: ui.width };
        (e.currentTarget as HTMLElement).setPointerCapture?.(e.pointerId);
      }}
      onPointerMove={(e) => drag && actions.resize(widthAt(e.screenX), false)}
      onPointerUp={(e) => {
        if (drag) actions.resize(widthAt(e.screenX), true);
        drag = null;
      }}
      onKeyDown={(e) => {
        const step = e.shiftKey ? 64 : 16;
        if (e.key === 'ArrowLeft') actions.resize(ui.width + step, true);
        else if (e.key === 'ArrowRight') actions.resize(ui.width - step, true);
        else return;
        e.preventDefault();
      }}
    />
  );
}

export function Sidebar({ model, t, ui, now, actions, write, host = 'frame' }: SidebarProps) {
  const hasRelay = (model.state === 'ready' || model.state === 'stale') && model.data;
  const inline = host === 'frame';
  if (inline && ui.collapsed) {
    return (
      <aside class="baton collapsed" aria-label={t('sidebarLabel')} data-state={model.state}>
        <button type="button" class="tab" aria-expanded="false" aria-controls="baton-panel" onClick={actions.toggle} title={t('expand')}>
          <span class={`pip pip-${model.state}`} aria-hidden="true" />
          <span class="tab-text">Baton</span>
          <span class="sr">{t('expand')}</span>
        </button>
      </aside>
    );
  }
  return (
    <aside class={`baton ${host}`} id="baton-panel" aria-label={t('sidebarLabel')} data-state={model.state} aria-busy={model.state === 'loading'}>
      {inline && <ResizeHandle ui={ui} t={t} actions={actions} />}
      <header class="top">
        <h2>
          <span class="logo" aria-hidden="true" />
          Baton
        </h2>
        {inline && (
          <button type="button" class="icon" aria-expanded="true" aria-controls="baton-panel" onClick={actions.toggle} title={t('collapse')} aria-label={t('collapse')}>
            <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false">
              <path d="M9 6l6 6-6 6" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" />
            </svg>
          </button>
        )}
      </header>
      <div class="scroll">
        <Header model={model} t={t} now={now} actions={actions} relay={!!hasRelay} />
        {model.state === 'loading' ? <Skeleton t={t} /> : hasRelay ? <Relay model={model} t={t} now={now} actions={actions} write={write} /> : <Message model={model} t={t} actions={actions} />}
      </div>
      <footer class="foot">
        <span class="muted small">
          {write?.state.status ? '' : model.fetchedAt && hasRelay ? updated(model.fetchedAt, now, t) : model.desk ? model.desk.label : ''}
          <span class="flash" role="status">
            {write?.state.status}
          </span>
        </span>
        {write && hasRelay && (
          <button type="button" class="copy" data-action="copy-relay" onClick={write.copy} title={t('copyRelayHelp')}>
            <Icon d={COPY} />
            <span>{t('copyRelay')}</span>
          </button>
        )}
        <SettingsButton t={t} actions={actions} />
      </footer>
    </aside>
  );
}

/** "Updated just now" (たった今更新), else "Updated 2 min ago" (2 分前に更新). */
export function updated(at: number, now: number, t: T): string {
  return Math.abs(now - at) < 45_000 ? t('updatedNow') : t('updated', formatAge(at, now, t.lang));
}

function SettingsButton({ t, actions }: Pick<SidebarProps, 't' | 'actions'>) {
  return (
    <button type="button" class="icon" onClick={actions.openOptions} title={t('settings')} aria-label={t('settings')}>
      <Icon d={GEAR} />
    </button>
  );
}

/** A tab with no ticket: says so, and which desks Baton knows. */
export function NoTicket({ t, desks, actions, host = 'panel' }: { t: T; desks: string[]; actions: SidebarActions; host?: SidebarHost }) {
  return (
    <aside class={`baton ${host}`} aria-label={t('sidebarLabel')} data-part="no-ticket">
      <header class="top">
        <h2>
          <span class="logo" aria-hidden="true" />
          Baton
        </h2>
      </header>
      <div class="scroll">
        <div class="message" role="status">
          <h3>{t('noTicket_title')}</h3>
          <p>{t('noTicket_body')}</p>
        </div>
        {desks.length > 0 && (
          <section aria-labelledby="baton-desks">
            <h3 id="baton-desks">{t('noTicket_desks')}</h3>
            <ul class="desks" data-part="desks">
              {desks.map((d) => (
                <li>{d}</li>
              ))}
            </ul>
          </section>
        )}
      </div>
      <footer class="foot">
        <span class="muted small">{t('noTicket_hint')}</span>
        <SettingsButton t={t} actions={actions} />
      </footer>
    </aside>
  );
}
