import { byId } from './dom.js';
import { refresh } from './overview.js';
import { state } from './state.js';
import { showTrace } from './trace-detail.js';

/** The view follows the URL's hash: `#trace=<id>` is a trace's detail, anything else the overview. */

export function openTrace(id: string): void {
  state.cameFromOverview = true;
  location.hash = 'trace=' + encodeURIComponent(id);
}

export function closeTrace(): void {
  if (state.cameFromOverview) {
    history.back();
    return;
  }
  history.replaceState(null, '', location.pathname + location.search);
  route();
}

function hashTraceId(): string | null {
  const match = /^#trace=(.+)$/.exec(location.hash);
  if (!match || match[1] === undefined) return null;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return match[1];
  }
}

export function route(): void {
  if (state.needKey) return;
  const id = hashTraceId();
  if (id) {
    if (state.view === 'overview') state.overviewScroll = window.scrollY;
    state.view = 'detail';
    byId('overview').hidden = true;
    byId('detail-view').hidden = false;
    void showTrace(id);
  } else {
    state.view = 'overview';
    state.cameFromOverview = false;
    byId('detail-view').hidden = true;
    byId('overview').hidden = false;
    document.title = 'Switchyard';
    window.scrollTo(0, state.overviewScroll);
    void refresh();
  }
}
