/**
 * The side panel page (Chrome sidePanel, Firefox sidebar_action): the relay of the ticket on the
 * window's active tab. Opened in a tab (`?tab=<id>` or `?window=<id>`), it follows that tab or
 * that window's active tab instead (what the Firefox tests use: its sidebar is out of reach of
 * WebDriver).
 */
import type { ViewWatch } from '../shared/view';
import { currentWindow } from '../ui/page';
import { startView } from '../ui/view';
import '../ui/sidebar.css';

async function watch(): Promise<ViewWatch> {
  const q = new URLSearchParams(location.search);
  const tab = Number(q.get('tab'));
  if (q.has('tab') && Number.isInteger(tab)) return { tab };
  const win = Number(q.get('window'));
  if (q.has('window') && Number.isInteger(win)) return { window: win };
  return { window: (await currentWindow()) ?? -1 };
}

void startView({ host: 'panel', watch });
