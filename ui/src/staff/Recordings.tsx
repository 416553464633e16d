// A contact's call recordings with an <audio> player each. The server
// decides who may hear them (a supervisor of the tenant, or the counselor
// who took the call) and audits every playback request; the player only
// fetches audio when it is played (preload="none").
import { useEffect, useState } from 'preact/hooks';
import { basePath, get, seg } from '../lib/api';
import { t, useLang } from '../lib/i18n';
import { dateTime } from '../lib/util';
import { errorText } from './notify';

/** minwon.Recording */
export interface Recording {
  id: string;
  contact_id?: string;
  sha256?: string;
  size?: number;
  duration_ms?: number;
  started: string;
  ended?: string;
  recovered?: boolean;
  purged?: string;
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export function Recordings(props: { contactId: string }) {
  const lang = useLang();
  const [list, setList] = useState<Recording[] | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    let live = true;
    setList(null);
    setError('');
    get<Recording[]>(`/api/contacts/${seg(props.contactId)}/recordings`)
      .then((r) => live && setList(r ?? []))
      .catch((err) => live && setError(errorText(err)));
    return () => {
      live = false;
    };
  }, [props.contactId]);
  if (error) return <p class="small error">{error}</p>;
  if (list === null) return <p class="small muted">{t('loading')}</p>;
  if (list.length === 0) return <p class="small muted">{t('rec_none')}</p>;
  return (
    <ul class="recordings" data-testid="recordings">
      {list.map((r) => (
        <li key={r.id} data-testid="recording">
          <div class="small muted">
            {t('rec_title')} · {dateTime(r.started, lang)}
            {r.duration_ms ? ` · ${duration(r.duration_ms)}` : ''}
            {r.recovered ? ` · ${t('rec_recovered')}` : ''}
          </div>
          {r.purged ? (
            <p class="small muted">{t('rec_purged', { date: dateTime(r.purged, lang) })}</p>
          ) : r.sha256 ? (
            <>
              <audio controls preload="none" src={`${basePath}api/recordings/${seg(r.id)}/audio`} aria-label={t('rec_title')} />
              <div class="small muted" title={r.sha256}>
                {t('rec_channels')} · SHA-256 {r.sha256.slice(0, 12)}…
              </div>
            </>
          ) : (
            <p class="small muted">{t('rec_live')}</p>
          )}
        </li>
      ))}
    </ul>
  );
}

/** A button that shows a contact's recordings when pressed, so a list of
 * past contacts does not ask for each one's recordings up front. */
export function RecordingsToggle(props: { contactId: string }) {
  const [open, setOpen] = useState(false);
  if (open) return <Recordings contactId={props.contactId} />;
  return (
    <button type="button" class="small" onClick={() => setOpen(true)} data-testid="recordings-open">
      {t('rec_open')}
    </button>
  );
}
