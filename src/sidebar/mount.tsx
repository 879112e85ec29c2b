/**
 * Mounts the sidebar once per page: host element #baton-sidebar at the right edge, a shadow
 * root (closed unless built with BATON_SHADOW=open), and pushes the page left by the sidebar's
 * width while expanded so it never covers the desk (its reply box included).
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
  root.appendChild(mountPoint);
  doc.documentElement.appendChild(host);
  // Keys typed in the sidebar (a note) are not the desk's shortcuts (RT: "r" replies …).
  for (const type of ['keydown', 'keypress', 'keyup']) host.addEventListener(type, (e) => e.stopPropagation());

  const html = doc.documentElement;
  const pushPage = opts.pushPage !== false;
  const savedMargin = { value: html.style.getPropertyValue('margin-right'), priority: html.style.getPropertyPriority('margin-right') };
  let model = emptyModel();
  let ui = { ...opts.ui };
  let t: T = makeT(opts.strings);
  let visible = true;

  const layout = () => {
    const width = !visible ? 0 : ui.collapsed ? TAB_WIDTH : ui.width;
    host.style.setProperty('display', visible ? 'block' : 'none', 'important');
    host.style.setProperty('width', `${width}px`, 'important');
    host.style.setProperty('height', ui.collapsed ? 'auto' : '100vh', 'important');
    host.style.setProperty('top', ui.collapsed ? '30vh' : '0', 'important');
    if (!pushPage) return;
    if (visible && !ui.collapsed) html.style.setProperty('margin-right', `${ui.width}px`, 'important');
    else if (savedMargin.value) html.style.setProperty('margin-right', savedMargin.value, savedMargin.priority);
    else html.style.removeProperty('margin-right');
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
