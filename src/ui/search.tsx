/**
 * Finding the customer by hand (issue 10): a combobox over `GET /v1/search` (asked through the
 * background) with suggestions as the agent types — ArrowUp/ArrowDown move, Enter picks the
 * highlighted one (or looks up what was typed), Escape closes — and, for a requester Baton does
 * not know, "Hand to sales" (a note to a stage's people on the team's webhook).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { LeadStages, SearchResult } from '../shared/context';
import type { LookupOverride } from '../shared/messages';
import type { T } from './i18n';
import { isEmail } from '../shared/links';

export interface SearchActions {
  /** Suggestions for what was typed (empty on failure: typing goes on). */
  suggest(q: string): Promise<SearchResult[]>;
  search(o: LookupOverride): void;
}

/** What choosing a suggestion looks up: the contact's email, or the account by its name. */
export function overrideOf(r: SearchResult): LookupOverride {
  return r.kind === 'contact' && r.contact ? { email: r.contact.email } : { org: r.account.name };
}

const DEBOUNCE_MS = 120;

export function SearchBox({ t, actions, initial, id = 'baton-search', autoFocus = false }: { t: T; actions: SearchActions; initial: string; id?: string; autoFocus?: boolean }) {
  const [value, setValue] = useState(initial);
  const [results, setResults] = useState<SearchResult[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const [asked, setAsked] = useState('');
  const seq = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => () => clearTimeout(timer.current), []);
  useEffect(() => {
    if (autoFocus) input.current?.focus();
  }, [autoFocus]);

  const ask = (q: string) => {
    clearTimeout(timer.current);
    const n = ++seq.current;
    if (!q.trim()) {
      setResults([]);
      setOpen(false);
      setAsked('');
      return;
    }
    timer.current = setTimeout(() => {
      void actions.suggest(q.trim()).then((list) => {
        if (n !== seq.current) return; // an older answer after a newer question
        setResults(list);
        setActive(-1);
        setAsked(q.trim());
        setOpen(true);
      });
    }, DEBOUNCE_MS);
  };
  const choose = (r: SearchResult) => {
    setOpen(false);
    setValue(r.contact?.email ?? r.account.name);
    actions.search(overrideOf(r));
  };
  const submit = (e: Event) => {
    e.preventDefault();
    if (open && active >= 0 && results[active]) return choose(results[active]!);
    // What the field holds now (also text put there without an input event).
    const v = String(new FormData(e.currentTarget as HTMLFormElement).get('search') ?? value).trim();
    setOpen(false);
    if (v) actions.search(isEmail(v) ? { email: v } : { org: v });
  };
  const listId = `${id}-results`;
  const optionId = (i: number) => `${id}-opt-${i}`;
  return (
    <form class="search" data-part="search-form" role="search" onSubmit={submit}>
      <label for={id}>{t('searchLabel')}</label>
      <div class="row">
        <input
          ref={input}
          id={id}
          name="search"
          value={value}
          placeholder={t('searchPlaceholder')}
          autocomplete="off"
          spellcheck={false}
          role="combobox"
          aria-autocomplete="list"
          aria-expanded={open && results.length > 0}
          aria-controls={listId}
          aria-activedescendant={open && active >= 0 ? optionId(active) : undefined}
          onInput={(e) => {
            const v = (e.currentTarget as HTMLInputElement).value;
            setValue(v);
            ask(v);
          }}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
              if (!results.length) return;
              e.preventDefault();
              setOpen(true);
              const step = e.key === 'ArrowDown' ? 1 : -1;
              // -1 (the typed text) and each suggestion, round and round.
              const n = results.length + 1;
              setActive((a) => ((a + 1 + step + n) % n) - 1);
            } else if (e.key === 'Escape' && open) {
              e.preventDefault();
              setOpen(false);
              setActive(-1);
            }
          }}
          onBlur={() => setTimeout(() => setOpen(false), 150)}
        />
        <button type="submit">{t('searchButton')}</button>
      </div>
      <ul id={listId} role="listbox" class="results" data-part="search-results" aria-label={t('searchResults')} hidden={!open}>
        {open && asked && results.length === 0 && (
          <li class="muted" role="presentation" data-part="search-empty">
            {t('searchNone', asked)}
          </li>
        )}
        {results.map((r, i) => (
          <li
            id={optionId(i)}
            role="option"
            aria-selected={i === active}
            data-kind={r.kind}
            data-account={r.account.id}
            class={i === active ? 'active' : undefined}
            onMouseDown={(e) => e.preventDefault()}
            onClick={() => choose(r)}
          >
            {r.kind === 'contact' && r.contact ? (
              <>
                <strong>{r.contact.name || r.contact.email}</strong>
                <span class="muted"> · {r.account.name}</span>
                <div class="small muted">{r.contact.email}</div>
              </>
            ) : (
              <>
                <strong>{r.account.name}</strong>
                <span class="muted small"> · {t('searchAccount')}</span>
              </>
            )}
          </li>
        ))}
      </ul>
    </form>
  );
}

export interface HandOffActions {
  handOff(stage: string, note: string): Promise<{ ok: true; to: string[]; stage: string } | { ok: false; message: string }>;
}

/** "Hand to sales": for a new lead, support is the first runner — pass them on with a note. */
export function HandOffForm({ leads, t, actions, subject }: { leads: LeadStages; t: T; actions: HandOffActions; subject: string }) {
  const [stage, setStage] = useState(leads.default || leads.stages[0]?.id || '');
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string>('');
  const [error, setError] = useState('');
  if (!leads.stages.length) return null;
  const chosen = leads.stages.find((s) => s.id === stage) ?? leads.stages[0]!;
  const submit = (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const note = String(new FormData(form).get('note') ?? '').trim();
    if (!note) return setError(t('handOffEmpty'));
    setBusy(true);
    setError('');
    void actions.handOff(chosen.id, note).then((r) => {
      setBusy(false);
      if (r.ok) {
        setDone(t('handOffDone', r.stage, r.to.join(', ')));
        form.reset();
      } else setError(t('handOffFailed', r.message));
    });
  };
  return (
    <form class="handoff-form" data-part="handoff-form" onSubmit={submit}>
      <h4>{t('handOffTitle')}</h4>
      <p class="small muted">{t('handOffBody')}</p>
      {leads.stages.length > 1 && (
        <label class="small">
          {t('handOffStage')}{' '}
          <select name="stage" value={chosen.id} onChange={(e) => setStage((e.currentTarget as HTMLSelectElement).value)}>
            {leads.stages.map((s) => (
              <option value={s.id}>{s.label}</option>
            ))}
          </select>
        </label>
      )}
      <p class="small">{t('handOffTo', chosen.people.map((p) => p.name).join(', '))}</p>
      <label for="baton-handoff-note" class="sr">
        {t('handOffNote')}
      </label>
      <textarea id="baton-handoff-note" name="note" rows={2} maxLength={2000} placeholder={t('handOffPlaceholder', subject)} />
      {error && (
        <p class="error small" role="alert">
          {error}
        </p>
      )}
      {done && (
        <p class="ok small" role="status" data-part="handoff-done">
          {done}
        </p>
      )}
      <button type="submit" class="primary" data-action="hand-off" disabled={busy}>
        {t('handOffButton', chosen.label)}
      </button>
    </form>
  );
}
