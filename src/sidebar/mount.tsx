/**
 * Mounts the sidebar once per page: host element #baton-sidebar at the right edge, a shadow
 * root (closed unless built with BATON_SHADOW=open), and pushes the page left by the sidebar's
 * width while expanded so it never covers the desk (its reply box included): a right margin on
 * <html>, or, on a desk whose top bar is laid out from the window's width (its DeskLayout), on
 * what lies under that bar, with the sidebar starting below it.
 */
import { render } from 'preact';
import type { SidebarUi } from '../shared/messages';
import { makeT, type T } from './i18n';
import { emptyModel, type SidebarModel } from './model';
import { Sidebar, type SidebarActions } from './Sidebar';
import css from './sidebar.css?inline';
import { createWriteBack, type Send } from './write';
import { send as sendToBackground } from '../content/ext';
import type { UiStrings } from '../shared/messages';
import type { DeskLayout } from '../content/helpdesks/types';

export const HOST_ID = 'baton-sidebar';
export const TAB_WIDTH = 32;

export function buildShadowMode(): ShadowRootMode {
  return typeof __BATON_SHADOW__ !== 'undefined' && __BATON_SHADOW__ === 'open' ? 'open' : 'closed';
}

export interface MountOptions {
  doc?: Document;
  strings: UiStrings;
  ui: SidebarUi;
  actions: SidebarActions;
  shadow?: ShadowRootMode;
  /** Push the page aside while expanded (default true). */
  pushPage?: boolean;
  /** How write-backs reach the background (default: runtime messages). */
  send?: Send;
}

export interface SidebarHandle {
  host: HTMLElement;
  /** The shadow root (kept here because a closed root is not reachable from the host). */
  root: ShadowRoot;
  readonly model: SidebarModel;
  readonly ui: SidebarUi;
  update(patch: Partial<SidebarModel>): void;
  setModel(m: SidebarModel): void;
  setUi(patch: Partial<SidebarUi>): void;
  setStrings(s: UiStrings): void;
  /** How the desk on the page makes room (null: push the whole page). */
  setLayout(l: DeskLayout | null): void;
  show(visible: boolean): void;
  destroy(): void;
}

export function mountSidebar(opts: MountOptions): SidebarHandle {
  const doc = opts.doc ?? document;
  const existing = doc.getElementById(HOST_ID);
  if (existing) existing.remove(); // never two
  const host = doc.createElement('div');
  host.id = HOST_ID;
  const root = host.attachShadow({ mode: opts.shadow ?? buildShadowMode() });
  const style = doc.createElement('style');
  style.textContent = css;
  root.appendChild(style);
  const mountPoint = doc.createElement('div');
  mountPoint.className = 'mount';
  root.appendChild(mountPoint);
  doc.documentElement.appendChild(host);
  // Keys typed in the sidebar (a note) are not the desk's shortcuts (RT: "r" replies …).
  for (const type of ['keydown', 'keypress', 'keyup']) host.addEventListener(type, (e) => e.stopPropagation());

  const html = doc.documentElement;
  const pushPage = opts.pushPage !== false;
  /** The page's own right margins of the elements pushed now, put back when they are not. */
  const savedMargins = new Map<HTMLElement, { value: string; priority: string }>();
  let model = emptyModel();
  let ui = { ...opts.ui };
  let t: T = makeT(opts.strings);
  let visible = true;
  let desk: DeskLayout | null = null;

  /** What to push and where the sidebar starts: under the desk's top bar, or the whole page. */
  const room = (): { push: HTMLElement[]; top: number } => {
    const bar = desk && doc.querySelector(desk.below);
    const push = desk ? desk.push.flatMap((sel) => [...doc.querySelectorAll<HTMLElement>(sel)]) : [];
    if (!bar || !push.length) return { push: [html], top: 0 };
    const r = bar.getBoundingClientRect();
    const fixed = /^(fixed|sticky)$/.test(doc.defaultView?.getComputedStyle(bar).position ?? '');
    // Where the bar ends on the page (it scrolls away with it; RT pins its page menu up there).
    return { push, top: Math.max(0, Math.round(r.bottom + (fixed ? 0 : (doc.defaultView?.scrollY ?? 0)))) };
  };
  const restoreMargins = (keep: HTMLElement[]) => {
    for (const [el, m] of savedMargins) {
      if (keep.includes(el)) continue;
      if (m.value) el.style.setProperty('margin-right', m.value, m.priority);
      else el.style.removeProperty('margin-right');
      savedMargins.delete(el);
    }
  };
  const layout = () => {
    const width = !visible ? 0 : ui.collapsed ? TAB_WIDTH : ui.width;
    const pushing = pushPage && visible && !ui.collapsed;
    const { push, top } = visible && !ui.collapsed ? room() : { push: [], top: 0 };
    host.style.setProperty('display', visible ? 'block' : 'none', 'important');
    host.style.setProperty('width', `${width}px`, 'important');
    host.style.setProperty('height', ui.collapsed ? 'auto' : top ? `calc(100vh - ${top}px)` : '100vh', 'important');
    host.style.setProperty('top', ui.collapsed ? '30vh' : `${top}px`, 'important');
    if (!pushPage) return;
    restoreMargins(pushing ? push : []);
    if (!pushing) return;
    for (const el of push) {
      if (!savedMargins.has(el)) savedMargins.set(el, { value: el.style.getPropertyValue('margin-right'), priority: el.style.getPropertyPriority('margin-right') });
      el.style.setProperty('margin-right', `${ui.width}px`, 'important');
    }
  };
  for (const [k, v] of [
    ['position', 'fixed'],
    ['right', '0'],
    ['z-index', '2147483646'],
    ['margin', '0'],
    ['padding', '0'],
    ['border', '0'],
  ] as const) {
    host.style.setProperty(k, v, 'important');
  }

  const write = createWriteBack({
    send: opts.send ?? sendToBackground,
    model: () => model,
    update: (patch) => {
      model = { ...model, ...patch };
      draw();
    },
    draw: () => draw(),
    t: () => t,
    doc,
    root,
  });
  const draw = () => {
    layout();
    render(<Sidebar model={model} t={t} ui={ui} now={Date.now()} actions={opts.actions} write={write} />, mountPoint);
  };
  draw();
  // "Updated 2 min ago" keeps up with the clock.
  const ticker = setInterval(() => visible && model.fetchedAt && draw(), 30_000);

  return {
    host,
    root,
    get model() {
      return model;
    },
    get ui() {
      return ui;
    },
    update(patch) {
      model = { ...model, ...patch };
      draw();
    },
    setModel(m) {
      model = m;
      draw();
    },
    setUi(patch) {
      ui = { ...ui, ...patch };
      draw();
    },
    setStrings(s) {
      t = makeT(s);
      draw();
    },
    setLayout(l) {
      desk = l;
      layout();
    },
    show(v) {
      visible = v;
      draw();
    },
    destroy() {
      clearInterval(ticker);
      render(null, mountPoint);
      visible = false;
      layout();
      host.remove();
    },
  };
}
