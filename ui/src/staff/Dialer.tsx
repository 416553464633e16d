// Calling a citizen through the center: the citizen sees the center's
// number, the call rings the counselor's (or official's) registered phone
// first thing after the recording notice, and it becomes a voice contact.
import { useState } from 'preact/hooks';
import { post } from '../lib/api';
import { t, useLang } from '../lib/i18n';
import type { Contact } from '../lib/types';
import { errorText, notify } from './notify';

// Korean numbers: 0 and 9–11 digits, or a 15xx/16xx/18xx business number.
// The server checks again; this only spares a round trip for a typo.
const korean = /^(0\d{8,10}|1[568]\d{6})$/;

export function Dialer(props: { onCall?(c: Contact): void }) {
  useLang();
  const [number, setNumber] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');

  async function call(e: Event) {
    e.preventDefault();
    const digits = number.replace(/^\+82/, '0').replace(/[\s().-]/g, '');
    if (!korean.test(digits)) return setError(t('dialer_bad_number'));
    setBusy(true);
    setError('');
    try {
      const c = await post<Contact>('/api/calls', { number });
      notify(t('dialer_calling'));
      setNumber('');
      props.onCall?.(c);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="dialer" onSubmit={call} data-testid="dialer">
      <label>
        <span class="sr">{t('dialer_number')}</span>
        <input
          type="tel"
          inputMode="tel"
          autocomplete="off"
          placeholder={t('dialer_placeholder')}
          value={number}
          onInput={(e) => setNumber(e.currentTarget.value)}
          data-testid="dialer-number"
        />
      </label>
      <button type="submit" class="ghost" disabled={busy || !number.trim()} data-testid="dialer-call">
        ☎ {t('dialer_call')}
      </button>
      {error && (
        <span class="error" role="alert" data-testid="dialer-error">
          {error}
        </span>
      )}
    </form>
  );
}
