// The bare peer's view (the inline frame and the side panel page): it holds every relay it will
// be asked for (relays.js, written by the bench from the real server's answers, as a cache would
// hold them) and draws the one of the customer each runtime message names: the customer, then
// each hand-off before and each ring after, as text.
import { relays } from './relays.js';

const root = document.querySelector('aside');
const el = (tag, attrs, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...kids);
  return e;
};
const draw = (r) => {
  const before = el('ol', { 'data-part': 'before' }, ...r.before.map((h) => el('li', { 'data-part': 'handoff', 'data-stage': h.stage }, el('strong', {}, h.label), ' ', h.person, el('p', {}, h.note))));
  const after = el('ol', { 'data-part': 'after' }, ...r.after.map((i) => el('li', { 'data-part': 'impact', 'data-level': i.level }, el('strong', {}, i.label), ' ', i.count, el('p', {}, i.note))));
  root.replaceChildren(el('section', { 'data-state': 'ready' }, el('h1', {}, r.name), el('p', {}, r.company), before, after));
};
chrome.runtime.onMessage.addListener((m) => {
  if (m && m.bare === 'ticket' && relays[m.email]) draw(relays[m.email]);
});
window.__bareReady = true;
