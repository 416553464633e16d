// Transient messages (errors from the API, confirmations) shown in a corner.
import { ApiError } from '../lib/api';
import { t } from '../lib/i18n';

export interface Toast {
  id: number;
  kind: 'error' | 'info';
  text: string;
}

let toasts: Toast[] = [];
let next = 1;
const listeners = new Set<(t: Toast[]) => void>();

function emit() {
  for (const l of listeners) l(toasts);
}

export function subscribeToasts(fn: (t: Toast[]) => void): () => void {
  listeners.add(fn);
  fn(toasts);
  return () => listeners.delete(fn);
}

export function dismiss(id: number): void {
  toasts = toasts.filter((x) => x.id !== id);
  emit();
}

export function notify(text: string, kind: Toast['kind'] = 'info'): void {
  const id = next++;
  toasts = [...toasts.slice(-4), { id, kind, text }];
  emit();
  setTimeout(() => dismiss(id), kind === 'error' ? 8000 : 4000);
}

/** The message to show for a failed request. */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 0) return t('err_network');
    if (err.status === 401) return t('err_unauthorized');
    return err.message;
  }
  return err instanceof Error ? err.message : String(err);
}

export function notifyError(err: unknown): void {
  notify(errorText(err), 'error');
}
