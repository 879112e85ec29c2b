/**
 * Inline mode's host in the desk page: `#baton-sidebar` at the right edge, a shadow root (closed
 * unless built with BATON_SHADOW=open) holding one iframe with the extension's inline frame page,
 * which renders the relay. The relay, the notes and whatever the agent types live in that frame,
 * an extension origin: the page's scripts cannot read, search (window.find), select or hear
 * (keys, input) any of it. No relay text is ever in the page's DOM.
 *
 * The host also keeps its place: a `#baton-sidebar` the page made itself loses the id, a host
 * the page removes or moves is put back (last child of <html>), its styles are its shadow root's
 * (no page style beats them), a frame the page navigates elsewhere is loaded again, and what
 * still keeps it from showing (an element of the page laid over it) is reported (`onHidden`).
 * The room it takes is room.ts's.
 */
import { FRAME_CHANNEL, FRAME_ORIGIN, type FrameChannelHello, type SidebarUi, type TicketReport } from '../shared/messages';
import type { DeskLayout } from './helpdesks/types';
import { createRoom } from './room';

export const HOST_ID = 'baton-sidebar';
export const TAB_WIDTH = 32;
export const TAB_HEIGHT = 112;

export function buildShadowMode(): ShadowRootMode {
  return typeof __BATON_SHADOW__ !== 'undefined' && __BATON_SHADOW__ === 'open' ? 'open' : 'closed';
}

export interface InlineOptions {
  doc?: Document;
  ui: SidebarUi;
  /** The frame page's address (runtime.getURL of src/frame/index.html). */
  src: string;
  /** The frame's accessible name. */
  label: string;
  shadow?: ShadowRootMode;
  /** The page made its own #baton-sidebar, or hides, covers or navigates ours (once per reason). */
  onHidden?(reason: string): void;
}

export interface InlineHandle {
  host: HTMLElement;
  frame: HTMLIFrameElement;
  readonly ui: SidebarUi;
  setUi(ui: Partial<SidebarUi>): void;
  /** How the desk on the page makes room (null: push the whole page). */
  setLayout(l: DeskLayout | null): void;
  show(visible: boolean): void;
  /** Move the keyboard focus into the sidebar. */
  focus(): void;
  /** The frame (its page at `origin`) asked for a direct channel (FRAME_CHANNEL) by `nonce`: a new port goes to it. */
  channel(nonce: string, origin: string): void;
  /** Tell the frame of a ticket report on the channel, when there is one. */
  tell(ticket: TicketReport | null): void;
  destroy(): void;
}

const HOST_STYLE: Array<[string, string]> = [
  ['position', 'fixed'],
  ['right', '0'],
  ['left', 'auto'],
  ['bottom', 'auto'],
  ['z-index', '2147483647'],
  ['margin', '0'],
  ['padding', '0'],
  ['border', '0'],
  ['opacity', '1'],
  ['visibility', 'visible'],
  ['transform', 'none'],
  ['translate', 'none'],
  ['scale', 'none'],
  ['filter', 'none'],
  ['clip-path', 'none'],
  ['mask', 'none'],
  ['pointer-events', 'auto'],
  ['contain', 'strict'],
  ['max-width', 'none'],
  ['max-height', 'none'],
  ['min-width', '0'],
  ['min-height', '0'],
];

/**
 * The host's styles live in its own shadow root: `!important` there wins over every style of
 * the page, even `!important` ones and the host's own style attribute (for important
 * declarations the shadow tree's context comes first), so no stylesheet of the page can move,
 * hide or fade the sidebar.
 */
const shadowCss = (host: Array<[string, string]>) =>
  `:host{all:initial!important;${host.map(([k, v]) => `${k}:${v}!important`).join(';')}}
iframe{display:block;width:100%;height:100%;border:0;margin:0;padding:0;background:transparent;color-scheme:light dark}`;

export function mountInline(opts: InlineOptions): InlineHandle {
  const doc = opts.doc ?? document;
  const win = doc.defaultView!;
  const html = doc.documentElement;
  const told = new Set<string>();
  const tell = (reason: string) => {
    if (told.has(reason)) return;
    told.add(reason);
    opts.onHidden?.(reason);
  };

  const host = doc.createElement('div');
  const root = host.attachShadow({ mode: opts.shadow ?? buildShadowMode() });
  const style = doc.createElement('style');
  const frame = doc.createElement('iframe');
  frame.title = opts.label;
  frame.allow = 'clipboard-write';
  frame.setAttribute('scrolling', 'no');
  root.append(style, frame);

  const room = createRoom(doc, host);
  let ui: SidebarUi = { ...opts.ui };
  let desk: DeskLayout | null = null;
  let visible = true;
  let destroyed = false;

  /** Our host's inline style as it must be now. */
  const hostStyle = (): Array<[string, string]> => {
    if (!visible) return [...HOST_STYLE, ['display', 'none']];
    const vh = win.innerHeight;
    if (ui.collapsed) {
      const top = Math.round(vh * 0.3);
      room.set(TAB_WIDTH, desk, { top, height: TAB_HEIGHT });
      return [...HOST_STYLE, ['display', 'block'], ['width', `${TAB_WIDTH}px`], ['height', `${TAB_HEIGHT}px`], ['top', `${top}px`]];
    }
    const top = room.set(ui.width, desk);
    return [...HOST_STYLE, ['display', 'block'], ['width', `${ui.width}px`], ['height', top ? `calc(100vh - ${top}px)` : '100vh'], ['top', `${top}px`]];
  };
  const layout = () => {
    if (!visible) room.release();
    host.id = HOST_ID;
    for (const a of ['class', 'hidden', 'style']) host.removeAttribute(a);
    style.textContent = shadowCss(hostStyle());
    guard.takeRecords();
  };

  /** Elements the page gave our id: they lose it (a pre-made host is the page's, not Baton's). */
  const displace = () => {
    for (const el of [...doc.querySelectorAll(`#${HOST_ID}`)]) {
      if (el === host) continue;
      el.id = `${HOST_ID}-displaced`;
      tell('pre-made');
    }
  };

  let checking = false;
  /** Put the host back where and how it must be; say so when the page keeps it from showing. */
  const check = () => {
    checking = false;
    if (destroyed) return;
    displace();
    let put = false;
    if (host.parentNode !== html || html.lastElementChild !== host) {
      html.appendChild(host);
      put = true;
    }
    if (host.id !== HOST_ID || host.hasAttribute('hidden') || host.hasAttribute('class') || host.hasAttribute('style')) {
      layout();
      put = true;
    }
    guard.takeRecords();
    if (!visible) return;
    const cs = win.getComputedStyle(host);
    if (cs.display === 'none' || cs.visibility !== 'visible' || Number(cs.opacity) < 0.99) tell('styled');
    const r = host.getBoundingClientRect();
    const x = r.left + r.width / 2;
    const y = Math.min(r.top + r.height / 2, win.innerHeight - 2);
    if (r.width > 0 && y > 0 && x < win.innerWidth) {
      const top = doc.elementFromPoint(x, y);
      if (top && top !== host && !put) tell('covered');
    }
    if (put) later();
  };
  const later = () => {
    if (checking || destroyed) return;
    checking = true;
    win.requestAnimationFrame(() => check());
  };
  const guard = new win.MutationObserver(later);

  /** The direct channel to the frame (FRAME_CHANNEL), once the frame asked for it. */
  let port: MessagePort | null = null;
  let loads = 0;
  frame.addEventListener('load', () => {
    loads += 1;
    if (loads === 1) return;
    // The page navigated our frame (its parent may): load Baton's page again, a few times.
    if (loads <= 4) frame.src = opts.src;
    else tell('navigated');
  });

  displace();
  layout();
  frame.src = opts.src;
  html.appendChild(host);
  guard.observe(html, { childList: true });
  guard.observe(host, { attributes: true });
  // Keys typed in the sidebar stay in its frame; the few the host element itself gets (none of
  // the relay's) are not the desk's shortcuts either.
  for (const type of ['keydown', 'keypress', 'keyup']) host.addEventListener(type, (e) => e.stopPropagation());
  const onResize = () => layout();
  win.addEventListener('resize', onResize);
  later();

  return {
    host,
    frame,
    get ui() {
      return ui;
    },
    setUi(patch) {
      ui = { ...ui, ...patch };
      layout();
    },
    // A ticket switch says both again: the same layout and visibility lay nothing out again (a
    // layout fits the room, a walk of the page's computed styles); what the new ticket's markup
    // changed is the room's to see (it watches the page).
    setLayout(l) {
      if (l === desk) return;
      desk = l;
      layout();
    },
    show(v) {
      if (v !== visible) {
        visible = v;
        layout();
      }
      if (v) later();
    },
    focus() {
      frame.contentWindow?.focus();
    },
    channel(nonce, origin) {
      port?.close();
      port = null;
      const target = frame.contentWindow;
      // Only to an extension page's origin (the frame says its own: in Chromium a page loaded by
      // its dynamic address has the extension's origin, not that address's): a frame the page
      // navigated elsewhere gets nothing.
      if (!target || destroyed || !FRAME_ORIGIN.test(origin)) return;
      const ch = new MessageChannel();
      try {
        target.postMessage({ type: FRAME_CHANNEL, nonce } satisfies FrameChannelHello, origin, [ch.port2]);
        port = ch.port1;
      } catch {
        ch.port1.close(); // the runtime message still tells the frame
      }
    },
    tell(ticket) {
      port?.postMessage({ ticket });
    },
    destroy() {
      destroyed = true;
      port?.close();
      port = null;
      guard.disconnect();
      win.removeEventListener('resize', onResize);
      room.release();
      host.remove();
    },
  };
}
