// The counselor's protection buttons on a chat column: 경고 sends the next
// scripted warning (the last one ends the chat), 안내 후 종료 ends it with the
// closing notice once the warnings are spent or 20 minutes have passed, and
// a note puts the counselor's own words on the incident. The server decides
// what is allowed (GET …/protection); the buttons only mirror it.
import { useEffect, useState } from 'preact/hooks';
import { get, post, seg } from '../lib/api';
import { noteServerTime } from '../lib/clock';
import { t, tv, useLang } from '../lib/i18n';
import { useNow } from '../lib/hooks';
import { Modal } from './Modal';
import { errorText, notify, notifyError } from './notify';
import { FormActions } from './FormActions';

/** Mirrors center.DeskProtection. */
interface DeskProtection {
  warn: boolean;
  end: boolean;
  end_from?: string;
  incident_id?: string;
  type?: string;
  warnings: number;
  end_at: number;
  end_at_by_type?: Record<string, number>;
  ended: boolean;
  connected: boolean;
  now: string;
}

/** The types a counselor can name, most common first. */
const TYPES = ['abuse', 'sexual', 'threat', 'aggressive', 'drunk_long', 'prank', 'repeated_unrelated'] as const;

function mmss(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * refresh changes whenever the transcript does: the engine's own warnings
 * and ends arrive as messages, and the buttons must follow them.
 */
export function ProtectBar(props: { contactId: string; refresh: number | string }) {
  useLang();
  const now = useNow(1000);
  const [p, setP] = useState<DeskProtection | null>(null);
  const [type, setType] = useState('abuse');
  const [busy, setBusy] = useState(false);
  const [confirm, setConfirm] = useState<'' | 'warn' | 'end'>('');
  const [noting, setNoting] = useState(false);
  const base = `/api/contacts/${seg(props.contactId)}`;

  const take = (v: DeskProtection) => {
    noteServerTime(v.now);
    setP(v);
    if (v.type) setType(v.type);
  };
  useEffect(() => {
    let live = true;
    get<DeskProtection>(`${base}/protection`)
      .then((v) => live && take(v))
      .catch(() => live && setP(null)); // protection off: no bar
    return () => {
      live = false;
    };
  }, [props.contactId, props.refresh]);

  if (!p) return null;
  const next = p.warnings + 1;
  // Warnings are pooled; the type named now decides whether this one ends
  // the chat (at once for sexual harassment).
  const endAt = p.end_at_by_type?.[type] ?? p.end_at;
  const last = endAt > 0 && next >= endAt;
  const endFrom = p.end_from ? Date.parse(p.end_from) : NaN;
  // End is armed once the next offence of the named type would end the chat
  // anyway (at once for sexual harassment), or by the time rule; the server
  // still decides on the press.
  const endArmed = p.end || (p.warn && last) || (!Number.isNaN(endFrom) && now >= endFrom && p.warn);

  async function act(kind: 'warn' | 'end') {
    setConfirm('');
    setBusy(true);
    try {
      const v = await post<DeskProtection>(`${base}/${kind === 'warn' ? 'warn' : 'end-notice'}`, { type });
      take(v);
      notify(v.ended ? t('pb_ended') : t('pb_warned', { n: v.warnings }));
    } catch (err) {
      notifyError(err);
    } finally {
      setBusy(false);
    }
  }

  const press = (kind: 'warn' | 'end') => (kind === 'end' || last ? setConfirm(kind) : act(kind));
  let endHint = '';
  if (!p.connected && !p.ended) {
    endHint = t('pb_not_connected');
  } else if (!endArmed && p.warn) {
    endHint = Number.isNaN(endFrom) ? t('pb_end_after_warnings') : t('pb_end_in', { time: mmss(endFrom - now) });
  }

  return (
    <div class="protect-bar" role="group" aria-label={t('pb_title')} data-testid="protect-bar" data-warnings={p.warnings}>
      <select
        value={type}
        aria-label={t('pb_type')}
        disabled={busy || !p.warn}
        onChange={(e) => setType(e.currentTarget.value)}
        data-testid="protect-type"
      >
        {TYPES.map((x) => (
          <option key={x} value={x}>
            {tv('itype', x)}
          </option>
        ))}
      </select>
      {confirm ? (
        <span class="confirm-end" role="group" aria-label={t('pb_confirm_end')}>
          <span>{t('pb_confirm_end')}</span>
          <button type="button" class="danger" disabled={busy} onClick={() => act(confirm)} data-testid="protect-confirm">
            {t('pb_confirm')}
          </button>
          <button type="button" class="ghost" onClick={() => setConfirm('')}>
            {t('cancel')}
          </button>
        </span>
      ) : (
        <>
          <button
            type="button"
            class="warn"
            disabled={busy || !p.warn}
            onClick={() => press('warn')}
            data-testid="protect-warn"
            data-n={next}
            title={last ? t('pb_warn_last') : undefined}
          >
            {t('pb_warn', { n: endAt > 0 ? Math.min(next, endAt) : next, max: endAt || '–' })}
          </button>
          <button type="button" class="danger" disabled={busy || !endArmed} onClick={() => press('end')} data-testid="protect-end">
            {t('pb_end')}
          </button>
          {endHint && (
            <span class="muted small" data-testid="protect-end-hint">
              {endHint}
            </span>
          )}
        </>
      )}
      {p.incident_id && (
        <button type="button" class="ghost" onClick={() => setNoting(true)} data-testid="protect-note">
          {t('pb_note')}
        </button>
      )}
      {noting && p.incident_id && <NoteDialog incidentId={p.incident_id} onClose={() => setNoting(false)} />}
    </div>
  );
}

function NoteDialog(props: { incidentId: string; onClose(): void }) {
  useLang();
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  async function submit(e: Event) {
    e.preventDefault();
    if (!text.trim()) return;
    setBusy(true);
    setError('');
    try {
      await post(`/api/incidents/${seg(props.incidentId)}/notes`, { text: text.trim() });
      notify(t('pb_note_saved'));
      props.onClose();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <Modal title={t('pb_note')} onClose={props.onClose}>
      <form onSubmit={submit} data-testid="protect-note-form">
        <label>
          {t('pb_note_hint')}
          <textarea rows={4} maxLength={2000} value={text} onInput={(e) => setText(e.currentTarget.value)} data-testid="protect-note-text" />
        </label>
        <FormActions error={error} busy={busy} disabled={!text.trim()} label={t('pb_note_save')} testId="protect-note-save" onCancel={props.onClose} />
      </form>
    </Modal>
  );
}
