// Bringing an interpreter into a live call (docs/interpreters.md): the
// counselor picks the caller's language, the center rings a free
// interpreter of it from the pool, and once they answer all three hear
// each other. "통역 종료" takes them off again; the call goes on two-way.
//
// The panel never polls: the desk socket forwards the call's conference.*
// events, and the contact view read on every (re)connection gives the
// state to follow them from (Desk.tsx).
import { useEffect, useState } from 'preact/hooks';
import { api, get, post, seg } from '../lib/api';
import { t, tv, useLang } from '../lib/i18n';
import type { Conference, ConferenceEnded, ConferenceEvent, Contact, InterpreterLanguage } from '../lib/types';
import { notify, notifyError } from './notify';
import type { Leg } from './Softphone';

/** What the desk knows of a call's interpreter. */
export interface InterpreterState {
  /** Ringing or joined; absent when none is on the call. */
  conf?: Conference;
  /** How the last one left or failed, shown until the next request. */
  ended?: ConferenceEnded;
  /** When a frame or an answer last set it (ms): a view asked for before then is older. */
  at: number;
}

/** Applies one conference.* event of the call. */
export function conferenceStep(cur: InterpreterState | undefined, event: ConferenceEvent, data: Conference & { reason?: string }, now: number): InterpreterState {
  const s = cur ?? { at: 0 };
  if (s.ended?.id === data.id) return s; // a late frame of one already over
  switch (event) {
    case 'conference.requested':
      if (s.conf?.id === data.id) return s;
      return { conf: { ...data, joined: false }, at: now };
    case 'conference.joined':
      return { conf: { ...data, joined: true }, at: now };
    case 'conference.left':
    case 'conference.failed':
      // The end of an earlier request does not take the current one off.
      if (s.conf && s.conf.id !== data.id) return { ...s, at: now };
      return { ended: { id: data.id, language: data.language, reason: data.reason ?? '', left: event === 'conference.left' }, at: now };
  }
}

/** Takes the answer to the counselor's request, unless its events overtook it. */
export function conferenceAsked(cur: InterpreterState | undefined, conf: Conference, now: number): InterpreterState {
  if (cur && (cur.ended?.id === conf.id || cur.conf?.id === conf.id)) return cur;
  return { conf, at: now };
}

/**
 * Takes the interpreter of a contact view asked for at `asked` (ms), unless
 * a frame since then is newer; the note of the last one ended stays.
 */
export function conferenceViewed(cur: InterpreterState | undefined, conf: Conference | undefined, asked: number): InterpreterState | undefined {
  if (cur && cur.at >= asked) return cur;
  if (!conf && !cur) return undefined;
  return { conf, ended: conf ? undefined : cur?.ended, at: 0 };
}

/** The toast for an interpreter gone by nobody's choice at this desk; '' for none. */
export function conferenceNote(event: ConferenceEvent, reason: string | undefined): string {
  if (event !== 'conference.left' && event !== 'conference.failed') return '';
  // The counselor's own 통역 종료, and the 503 they were already shown.
  if (reason === 'dropped' || reason === 'cancelled' || reason === 'no_interpreter') return '';
  return whyEnded(reason);
}

/** Why an interpreter is off the call, in words; unknown reasons get a plain line. */
function whyEnded(reason: string | undefined): string {
  const s = tv('interp_why', reason);
  return s && s !== reason ? s : t('interp_why_other');
}

export function InterpreterControl(props: { contact: Contact; state?: InterpreterState; onAsked(conf: Conference): void }) {
  useLang();
  const id = props.contact.id;
  const conf = props.state?.conf;
  const ended = props.state?.ended;
  const [langs, setLangs] = useState<InterpreterLanguage[]>([]);
  const [lang, setLang] = useState('');
  const [busy, setBusy] = useState(false);

  // How many are free changes with every request and its end.
  useEffect(() => {
    get<InterpreterLanguage[]>('/api/interpreters/languages')
      .then((ls) => {
        setLangs(ls ?? []);
        setLang((cur) => cur || ls?.find((l) => l.free > 0)?.language || ls?.[0]?.language || '');
      })
      .catch(() => setLangs([]));
  }, [id, conf?.id, ended?.id]);

  async function start() {
    setBusy(true);
    try {
      props.onAsked(await post<Conference>(`/api/contacts/${seg(id)}/interpreter`, { language: lang }));
      notify(t('interp_ringing_note'));
    } catch (err) {
      notifyError(err);
    } finally {
      setBusy(false);
    }
  }

  async function stop() {
    setBusy(true);
    try {
      await api('DELETE', `/api/contacts/${seg(id)}/interpreter`); // conference.left or .failed follows
    } catch (err) {
      notifyError(err);
    } finally {
      setBusy(false);
    }
  }

  if (conf) {
    return (
      <div class="transfer-bar interpreter-bar" role="status" data-testid="interpreter" data-joined={conf.joined ? 'yes' : 'no'}>
        <span>
          {t(conf.joined ? 'interp_on' : 'interp_ringing', { name: conf.interpreter_name ?? '', lang: tv('calllang', conf.language) })}
        </span>
        <button type="button" disabled={busy} onClick={stop} data-testid="interpreter-end">
          {t('interp_end')}
        </button>
      </div>
    );
  }
  if (langs.length === 0) return null; // no pool for this center
  return (
    <div class="interpreter-bar">
      {ended && (
        <p class="muted small" role="status" data-testid="interpreter-ended" data-reason={ended.reason} data-left={ended.left ? 'yes' : 'no'}>
          {whyEnded(ended.reason)}
        </p>
      )}
      <label>
        <span class="muted small">{t('interp_language')}</span>{' '}
        <select value={lang} onChange={(e) => setLang((e.target as HTMLSelectElement).value)} data-testid="interpreter-lang">
          {langs.map((l) => (
            <option key={l.language} value={l.language} disabled={l.free === 0}>
              {tv('calllang', l.language)} {l.free === 0 ? `(${t('interp_none_free')})` : ''}
            </option>
          ))}
        </select>
      </label>{' '}
      <button type="button" class="primary" disabled={busy || !lang} onClick={start} data-testid="interpreter-start">
        {t('interp_start')}
      </button>
    </div>
  );
}

/**
 * The calls an in-house interpreter is rung for or talks on: their desk's
 * browser softphone connects each (Desk.tsx), and 끊기 takes them off.
 */
export function InterpretingCalls(props: { calls: Record<string, string>; legs: Record<string, Leg>; onHangup(id: string): void }) {
  useLang();
  const ids = Object.keys(props.calls);
  if (ids.length === 0) return null;
  return (
    <section class="offers" aria-label={t('interp_calls')}>
      {ids.map((id) => {
        const leg = props.legs[id];
        const up = leg?.state === 'connected';
        return (
          <div key={id} class="card offer-card" role="status" data-testid="interpreting" data-contact-id={id} data-state={leg?.state ?? 'ringing'}>
            <strong>{t('interp_you', { lang: tv('calllang', props.calls[id]) })}</strong>{' '}
            <span class="muted small">{t(up ? 'interp_you_connected' : 'interp_you_ringing')}</span>{' '}
            {up && (
              <button type="button" onClick={() => props.onHangup(id)} data-testid="interpreting-hangup">
                {t('sp_hangup')}
              </button>
            )}
          </div>
        );
      })}
    </section>
  );
}
