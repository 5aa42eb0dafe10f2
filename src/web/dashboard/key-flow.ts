import { KEY_STORAGE, NeedKeyError, storedKey } from './api.js';
import { byId, fill } from './dom.js';
import { route } from './navigation.js';
import { state } from './state.js';

export function showBanner(message: string): void {
  const banner = byId('banner');
  fill(banner, message);
  banner.hidden = false;
}

export function hideBanner(): void {
  byId('banner').hidden = true;
}

export function handleError(error: unknown): void {
  if (error instanceof NeedKeyError) {
    askForKey(error.message);
    return;
  }
  showBanner(error instanceof Error && error.message ? error.message : String(error));
}

function askForKey(message: string): void {
  const hadKey = storedKey() !== '';
  state.needKey = true;
  document.body.classList.add('needs-key');
  byId('overview').hidden = true;
  byId('detail-view').hidden = true;
  byId('key-view').hidden = false;
  byId('forget-key').hidden = true;
  hideBanner();
  const note = byId('key-error');
  if (hadKey) {
    fill(note, 'That key was refused: ' + message);
    note.hidden = false;
  } else note.hidden = true;
  try {
    sessionStorage.removeItem(KEY_STORAGE);
  } catch {
    // Storage disabled: the key lives until reload.
  }
  const input = byId<HTMLInputElement>('key-input');
  input.value = '';
  input.focus();
}

export function submitKey(event: Event): void {
  event.preventDefault();
  const key = byId<HTMLInputElement>('key-input').value.trim();
  if (!key) return;
  try {
    sessionStorage.setItem(KEY_STORAGE, key);
  } catch {
    showBanner('This browser does not allow sessionStorage; the key cannot be kept.');
    return;
  }
  state.needKey = false;
  // Another key may see its usage where the last one could not.
  state.usageUnavailable = false;
  document.body.classList.remove('needs-key');
  byId('key-view').hidden = true;
  byId('forget-key').hidden = false;
  route();
}

export function forgetKey(): void {
  try {
    sessionStorage.removeItem(KEY_STORAGE);
  } catch {
    // Nothing kept.
  }
  location.reload();
}
