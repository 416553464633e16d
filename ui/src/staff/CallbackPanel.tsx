import { useState } from 'preact/hooks';
import { post, seg } from '../lib/api';
import { t } from '../lib/i18n';
import type { Callback, Contact } from '../lib/types';
import { notifyError } from './notify';

/**
 * A callback task: the caller chose to be called back instead of holding,
 * kept their place, and reached this counselor. The counselor dials the
 * number (unless the center placed the call) and reports the outcome; the
 * contact then goes to wrap-up.
 */
export function CallbackPanel(props: { contact: Contact; callback: Callback; onContact(c: Contact): void }) {
  const [notes, setNotes] = useState('');
  const [busy, setBusy] = useState(false);
  const cb = props.callback;
  async function report(outcome: 'completed' | 'failed') {
    setBusy(true);
    try {
      props.onContact(await post<Contact>(`/api/contacts/${seg(props.contact.id)}/callback`, { outcome, notes }));
    } catch (e) {
      notifyError(e);
    } finally {
      setBusy(false);
    }
  }
  return (
    <div class="callback-panel card" role="region" aria-label={t('callback_task')} data-testid="callback-panel">
      <strong>{t('callback_task')}</strong>
      <p>
        {t('callback_call')}{' '}
        <a href={`tel:${cb.number}`} class="callback-number" data-testid="callback-number">
          {cb.number}
        </a>
      </p>
      <p class="muted small">{cb.dialled ? t('callback_dialled') : t('callback_dial_yourself')}</p>
      <label>
        <span>{t('callback_notes')}</span>
        <textarea value={notes} maxLength={2000} rows={2} onInput={(e) => setNotes(e.currentTarget.value)} data-testid="callback-notes" />
      </label>
      <div class="row">
        <button type="button" disabled={busy} onClick={() => report('completed')} data-testid="callback-completed">
          {t('callback_completed')}
        </button>
        <button type="button" class="danger" disabled={busy} onClick={() => report('failed')} data-testid="callback-failed">
          {t('callback_failed')}
        </button>
      </div>
    </div>
  );
}
