/**
 * Inline mode's frame page: framed by the content script inside `#baton-sidebar` on the desk
 * page, it shows the relay of the ticket on its own tab. An extension page, so the desk page's
 * scripts can neither read nor search, select or hear what it shows and what the agent types.
 * The only page web_accessible_resources lists.
 */
import { call } from '../ui/page';
import { hearFrameChannel, startView } from '../ui/view';
import '../ui/sidebar.css';

/**
 * A wheel over the frame never scrolls the desk behind it. `overscroll-behavior` stops a scroll
 * that reached the end of the relay's list from chaining on, but a wheel over what cannot scroll
 * (the header, a short relay) starts no scroll here at all and goes to the desk page: so a wheel
 * that nothing in the frame can take is cancelled.
 */
function scrolls(el: Element | null, dy: number, dx: number): boolean {
  for (let e = el; e && e !== document.documentElement; e = e.parentElement) {
    const cs = getComputedStyle(e);
    if (dy && /(auto|scroll)/.test(cs.overflowY) && e.scrollHeight > e.clientHeight) {
      if (dy < 0 ? e.scrollTop > 0 : e.scrollTop + e.clientHeight < e.scrollHeight - 1) return true;
    }
    if (dx && /(auto|scroll)/.test(cs.overflowX) && e.scrollWidth > e.clientWidth) {
      if (dx < 0 ? e.scrollLeft > 0 : e.scrollLeft + e.clientWidth < e.scrollWidth - 1) return true;
    }
  }
  return false;
}
window.addEventListener('wheel', (e) => {
  if (!scrolls(e.target as Element, e.deltaY, e.deltaX)) e.preventDefault();
}, { passive: false });

void startView({ host: 'frame', watch: async () => ({ self: true }) }).then((handle) => {
  // The content script's reports straight from the desk's page, besides the runtime messages.
  hearFrameChannel(handle, window, (nonce, origin) => call('view:channel', { nonce, origin }));
  // Focus moved into the frame itself (the keyboard command opened the sidebar), not to one of
  // its controls (a click, the Tab key): to its first control, once the focus has settled.
  window.addEventListener('focus', () => {
    setTimeout(() => {
      if (document.activeElement === document.body) document.querySelector<HTMLElement>('button, a[href], textarea, input')?.focus();
    });
  });
});
