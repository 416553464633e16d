// Bringing an interpreter into a live call (docs/interpreters.md): the
// counselor picks the caller's language, the center rings a free
// interpreter of it from the pool, and once they answer all three hear
// each other. The panel follows the request until they join or it fails,
// and "통역 종료" takes them off again; the call goes on two-way.
import { useEffect, useState } from 'preact/hooks';
import { api, get, post, seg } from '../lib/api';
import { t, tv, useLang } from '../lib/i18n';
import type { Conference, Contact, InterpreterLanguage } from '../lib/types';
import { notify, notifyError } from './notify';

export function InterpreterControl(props: { contact: Contact }) {
  useLang();
  const id = props.contact.id;
  const [langs, setLangs] = useState<InterpreterLanguage[]>([]);
  const [lang, setLang] = useState('');
  const [conf, setConf] = useState<Conference | undefined>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    get<InterpreterLanguage[]>('/api/interpreters/languages')
      .then((ls) => {
        setLangs(ls ?? []);
        setLang((cur) => cur || ls?.find((l) => l.free > 0)?.language || ls?.[0]?.language || '');
      })
      .catch(() => setLangs([]));
  }, [id, conf?.id]);

  // While an interpreter rings or is on, follow the call's view: joined,
  // or gone (hung up, no answer, busy).
  useEffect(() => {
    if (!conf) return;
    let stop = false;
    const tick = async () => {
      try {
        const v = await get<{ interpreter?: Conference }>(`/api/contacts/${seg(id)}`);
        if (stop) return;
        if (!v.interpreter && conf) notify(t(conf.joined ? 'interp_left' : 'interp_failed'));
        setConf(v.interpreter);
      } catch {
        if (!stop) setConf(undefined);
      }
    };
    const iv = setInterval(tick, 1000);
    return () => {
      stop = true;
      clearInterval(iv);
    };
  }, [id, conf?.id, conf?.joined]);

  async function start() {
    setBusy(true);
    try {
      setConf(await post<Conference>(`/api/contacts/${seg(id)}/interpreter`, { language: lang }));
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
      await api('DELETE', `/api/contacts/${seg(id)}/interpreter`);
      setConf(undefined);
      notify(t('interp_ended'));
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
