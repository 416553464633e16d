// The phone line of a tenant (전화 안내, IVR): business hours with Korean
// public holidays (admins edit them), situational notices with a start and
// an end (supervisors set them), the holidays of this year and next, and a
// preview of what a caller hears if they call now.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, get, post, put, seg } from '../lib/api';
import { t, tv, useLang } from '../lib/i18n';
import { dateTime, toLocalInput } from '../lib/util';
import { errorText, notify } from './notify';
import { hasRole, names, useSession } from './session';

interface Span {
  from: string;
  to: string;
}
interface Hours {
  always_open?: boolean;
  weekly: Partial<Record<Day, Span[]>>;
  breaks?: Span[];
  holiday?: '' | 'closed' | 'open' | 'special';
  holiday_hours?: Span[];
}
interface ExtraDay {
  date: string;
  name: string;
}
interface HoursConfig {
  hours: Hours;
  extra_holidays?: ExtraDay[];
  /** Offer a callback when the estimated wait exceeds this many minutes; 0 or absent: never. */
  callback_after_mins?: number;
}
interface HoursView {
  tenant_id: string;
  source: 'own' | 'inherited' | 'default';
  from?: string;
  config: HoursConfig;
  updated_by?: string;
  updated_at?: string;
}
interface Notice {
  id: string;
  kind: string;
  text: string;
  start: string;
  end: string;
  replace_menu?: boolean;
  then?: string;
  audio_sha256: string;
  set_by?: string;
  tenant_id?: string;
}
interface Status {
  open: boolean;
  why: { code: string; holiday?: string };
  holiday?: string;
  next_change?: string;
  notices: Notice[];
  hears: { prompt: string; text: string; notice?: string; kind?: string }[];
  then: 'menu' | 'queue' | 'end';
}
interface Holiday {
  date: string;
  name: string;
  kind: string;
  for?: string;
}

type Day = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
const DAYS: Day[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const KINDS = ['disaster', 'moved', 'after_hours', 'lunch', 'general'];

/** "09:00-12:00, 13:00-18:00" ↔ spans; the grid edits each day as text. */
function spansText(s?: Span[]): string {
  return (s ?? []).map((x) => `${x.from}-${x.to}`).join(', ');
}
function parseSpans(s: string): Span[] {
  return s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)
    .map((x) => {
      const [from, to] = x.split(/\s*[-–~]\s*/);
      return { from: (from ?? '').padStart(5, '0'), to: (to ?? '').padStart(5, '0') };
    });
}

/** A file as base64, for a notice recorded outside the server. */
function fileBase64(f: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ''));
    r.onerror = () => reject(r.error);
    r.readAsDataURL(f);
  });
}

export function IVR() {
  const lang = useLang();
  const { me, ref } = useSession();
  const n = names(ref);
  const isAdmin = hasRole(me.user, 'admin');
  const tenants = (ref.tenants ?? []).filter((x) => isAdmin || x.id === me.user.tenant_id || x.parent_id === me.user.tenant_id);
  const [tenant, setTenant] = useState(me.user.tenant_id);
  const [view, setView] = useState<HoursView | null>(null);
  const [week, setWeek] = useState<Record<Day, string>>({ mon: '', tue: '', wed: '', thu: '', fri: '', sat: '', sun: '' });
  const [alwaysOpen, setAlwaysOpen] = useState(false);
  const [breaks, setBreaks] = useState('');
  const [holidayMode, setHolidayMode] = useState('closed');
  const [holidayHours, setHolidayHours] = useState('');
  const [extras, setExtras] = useState<ExtraDay[]>([]);
  const [callbackAfter, setCallbackAfter] = useState('');
  const [hoursErr, setHoursErr] = useState('');
  const [notices, setNotices] = useState<Notice[]>([]);
  const [status, setStatus] = useState<Status | null>(null);
  const [holidays, setHolidays] = useState<Holiday[]>([]);
  const [busy, setBusy] = useState(false);

  const shown = (v: HoursView) => {
    setView(v);
    const h = v.config.hours;
    setAlwaysOpen(!!h.always_open);
    const w = { mon: '', tue: '', wed: '', thu: '', fri: '', sat: '', sun: '' };
    for (const d of DAYS) w[d] = spansText(h.weekly?.[d]);
    setWeek(w);
    setBreaks(spansText(h.breaks));
    setHolidayMode(h.holiday || 'closed');
    setHolidayHours(spansText(h.holiday_hours));
    setExtras(v.config.extra_holidays ?? []);
    setCallbackAfter(v.config.callback_after_mins ? String(v.config.callback_after_mins) : '');
    setHoursErr('');
  };
  const refreshStatus = () =>
    get<Status>(`/api/tenants/${seg(tenant)}/hours/status`)
      .then(setStatus)
      .catch((e) => notify(errorText(e), 'error'));
  const refreshNotices = () =>
    get<Notice[]>(`/api/tenants/${seg(tenant)}/notices`)
      .then(setNotices)
      .catch((e) => notify(errorText(e), 'error'));
  const refreshHolidays = () => {
    const y = new Date().getFullYear();
    Promise.all([y, y + 1].map((yr) => get<Holiday[]>(`/api/holidays?year=${yr}&tenant=${seg(tenant)}`)))
      .then((l) => setHolidays(l.flat()))
      .catch((e) => notify(errorText(e), 'error'));
  };
  useEffect(() => {
    setView(null);
    setStatus(null);
    get<HoursView>(`/api/tenants/${seg(tenant)}/hours`)
      .then(shown)
      .catch((e) => setHoursErr(errorText(e)));
    refreshNotices();
    refreshStatus();
    refreshHolidays();
  }, [tenant]);

  function config(): HoursConfig {
    // Blank is "no offer"; anything else goes to the server as typed, which
    // names the field when it is out of range.
    const callback_after_mins = callbackAfter.trim() === '' ? 0 : Number(callbackAfter);
    if (alwaysOpen) return { hours: { always_open: true, weekly: {} }, extra_holidays: extras, callback_after_mins };
    const weekly: Partial<Record<Day, Span[]>> = {};
    for (const d of DAYS) {
      const s = parseSpans(week[d]);
      if (s.length) weekly[d] = s;
    }
    const hours: Hours = { weekly, breaks: parseSpans(breaks), holiday: holidayMode as Hours['holiday'] };
    if (holidayMode === 'special') hours.holiday_hours = parseSpans(holidayHours);
    return { hours, extra_holidays: extras.filter((x) => x.date || x.name), callback_after_mins };
  }
  async function saveHours(e: Event) {
    e.preventDefault();
    setBusy(true);
    try {
      shown(await put<HoursView>(`/api/tenants/${seg(tenant)}/hours`, { config: config() }));
      notify(t('saved'));
      refreshStatus();
      refreshHolidays();
    } catch (e2) {
      setHoursErr(errorText(e2));
    } finally {
      setBusy(false);
    }
  }
  async function followParent() {
    setBusy(true);
    try {
      shown(await put<HoursView>(`/api/tenants/${seg(tenant)}/hours`, { config: null }));
      refreshStatus();
    } catch (e2) {
      setHoursErr(errorText(e2));
    } finally {
      setBusy(false);
    }
  }
  async function removeNotice(id: string) {
    if (!confirm(t('ivr_notice_remove_confirm'))) return;
    try {
      await api('DELETE', `/api/tenants/${seg(tenant)}/notices/${seg(id)}`);
      refreshNotices();
      refreshStatus();
    } catch (e2) {
      notify(errorText(e2), 'error');
    }
  }

  const sourceLine = view && (
    <p class="muted" data-testid="ivr-source">
      {view.source === 'own' && t('ivr_source_own')}
      {view.source === 'inherited' && t('ivr_source_inherited', { from: n.tenant(view.from) })}
      {view.source === 'default' && t('ivr_source_default')}
      {view.updated_at && ` · ${t('pol_updated', { at: dateTime(view.updated_at, lang), by: n.agent(view.updated_by) || view.updated_by || '' })}`}
    </p>
  );

  return (
    <div class="ivr" data-testid="ivr-page">
      <header class="row">
        <h2>{t('page_ivr')}</h2>
        <label class="inline">
          {t('tenant')}
          <select value={tenant} onChange={(e) => setTenant(e.currentTarget.value)} data-testid="ivr-tenant">
            {tenants.map((x) => (
              <option key={x.id} value={x.id}>
                {x.name}
              </option>
            ))}
          </select>
        </label>
      </header>

      <section class="card" data-testid="ivr-preview">
        <h3>{t('ivr_preview')}</h3>
        {status && (
          <>
            <p data-testid="ivr-open">
              <strong>{status.open ? t('ivr_open') : t('ivr_closed')}</strong> · {tv('ivr_why', status.why.code)}
              {status.holiday && ` (${status.holiday})`}
              {status.next_change && ` · ${t('ivr_next_change', { at: dateTime(status.next_change, lang) })}`}
            </p>
            <ol class="ivr-hears" data-testid="ivr-hears">
              {status.hears.map((h, i) => (
                <li key={i} class={h.kind ? `ivr-notice-${h.kind}` : ''}>
                  {h.kind && <span class="badge">{tv('ivr_kind', h.kind)}</span>} {h.text || h.prompt}
                </li>
              ))}
            </ol>
            <p class="muted small">{t(`ivr_then_${status.then}`)}</p>
          </>
        )}
        <button type="button" class="small ghost" onClick={refreshStatus}>
          {t('ivr_refresh')}
        </button>
      </section>

      <NoticeForm tenant={tenant} onSaved={() => (refreshNotices(), refreshStatus())} />

      <section class="card" data-testid="ivr-notices">
        <h3>{t('ivr_notices')}</h3>
        {notices.length === 0 && <p class="muted">{t('ivr_no_notices')}</p>}
        <table class="table small">
          <tbody>
            {notices.map((x) => (
              <tr key={x.id} data-testid={`ivr-notice-${x.id}`}>
                <td>{tv('ivr_kind', x.kind)}</td>
                <td>{x.text}</td>
                <td>
                  {dateTime(x.start, lang)} – {dateTime(x.end, lang)}
                </td>
                <td>{x.replace_menu ? t(x.then === 'end' ? 'ivr_replace_end' : 'ivr_replace_queue') : ''}</td>
                <td>
                  <button type="button" class="small ghost" onClick={() => removeNotice(x.id)}>
                    {t('pol_remove')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <form class="card" onSubmit={saveHours} data-testid="ivr-hours">
        <h3>{t('ivr_hours')}</h3>
        {sourceLine}
        {hoursErr && (
          <p class="error" role="alert" data-testid="ivr-hours-error">
            {hoursErr}
          </p>
        )}
        <label class="inline">
          <input type="checkbox" disabled={!isAdmin} checked={alwaysOpen} onChange={(e) => setAlwaysOpen(e.currentTarget.checked)} data-testid="ivr-always-open" />
          {t('ivr_always_open')}
        </label>
        {!alwaysOpen && (
          <>
            <table class="table small ivr-week">
              <tbody>
                {DAYS.map((d) => (
                  <tr key={d}>
                    <th>{t(`ivr_day_${d}`)}</th>
                    <td>
                      <input
                        value={week[d]}
                        disabled={!isAdmin}
                        placeholder={t('ivr_closed_day')}
                        onInput={(e) => setWeek({ ...week, [d]: e.currentTarget.value })}
                        data-testid={`ivr-day-${d}`}
                      />
                    </td>
                  </tr>
                ))}
                <tr>
                  <th>{t('ivr_breaks')}</th>
                  <td>
                    <input value={breaks} disabled={!isAdmin} placeholder="12:00-13:00" onInput={(e) => setBreaks(e.currentTarget.value)} data-testid="ivr-breaks" />
                  </td>
                </tr>
              </tbody>
            </table>
            <p class="muted small">{t('ivr_spans_hint')}</p>
            <label>
              <span>{t('ivr_holiday_mode')}</span>
              <select value={holidayMode} disabled={!isAdmin} onChange={(e) => setHolidayMode(e.currentTarget.value)} data-testid="ivr-holiday-mode">
                {['closed', 'open', 'special'].map((m) => (
                  <option key={m} value={m}>
                    {tv('ivr_holiday', m)}
                  </option>
                ))}
              </select>
            </label>
            {holidayMode === 'special' && (
              <label>
                <span>{t('ivr_holiday_hours')}</span>
                <input value={holidayHours} disabled={!isAdmin} placeholder="10:00-14:00" onInput={(e) => setHolidayHours(e.currentTarget.value)} />
              </label>
            )}
          </>
        )}
        <fieldset>
          <legend>{t('ivr_extra_holidays')}</legend>
          {extras.map((x, i) => (
            <div class="row" key={i}>
              <input type="date" value={x.date} disabled={!isAdmin} onInput={(e) => setExtras(extras.map((y, j) => (j === i ? { ...y, date: e.currentTarget.value } : y)))} />
              <input value={x.name} disabled={!isAdmin} placeholder={t('ivr_extra_name')} onInput={(e) => setExtras(extras.map((y, j) => (j === i ? { ...y, name: e.currentTarget.value } : y)))} />
              {isAdmin && (
                <button type="button" class="small ghost" onClick={() => setExtras(extras.filter((_, j) => j !== i))}>
                  {t('pol_remove')}
                </button>
              )}
            </div>
          ))}
          {isAdmin && (
            <button type="button" class="small" onClick={() => setExtras([...extras, { date: '', name: '' }])} data-testid="ivr-add-extra">
              {t('ivr_add_extra')}
            </button>
          )}
        </fieldset>
        <label>
          <span>{t('ivr_callback_after')}</span>
          <input
            type="number"
            min={0}
            max={120}
            value={callbackAfter}
            disabled={!isAdmin}
            placeholder={t('ivr_callback_off')}
            onInput={(e) => setCallbackAfter(e.currentTarget.value)}
            data-testid="ivr-callback-after"
          />
          <small class="muted">{t('ivr_callback_hint')}</small>
        </label>
        {isAdmin ? (
          <div class="row">
            <button type="submit" disabled={busy} data-testid="ivr-save-hours">
              {t('save')}
            </button>
            {view?.source === 'own' && (
              <button type="button" class="ghost" disabled={busy} onClick={followParent}>
                {t('ivr_follow_parent')}
              </button>
            )}
          </div>
        ) : (
          <span class="badge">{t('read_only')}</span>
        )}
      </form>

      {isAdmin && <PromptRecordings tenant={tenant} />}

      <section class="card" data-testid="ivr-holidays">
        <h3>{t('ivr_holidays')}</h3>
        <table class="table small">
          <tbody>
            {holidays.map((h) => (
              <tr key={h.date + h.name}>
                <td>{h.date}</td>
                <td>{h.kind === 'substitute' && h.for ? `${h.name} (${h.for})` : h.name}</td>
                <td class="muted">{tv('ivr_hkind', h.kind)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  );
}

function NoticeForm(props: { tenant: string; onSaved(): void }) {
  const now = new Date();
  const [kind, setKind] = useState('disaster');
  const [text, setText] = useState('');
  const [start, setStart] = useState(toLocalInput(now));
  const [end, setEnd] = useState(toLocalInput(new Date(now.getTime() + 3600_000)));
  const [replace, setReplace] = useState(false);
  const [then, setThen] = useState('queue');
  const [wav, setWav] = useState<File | null>(null);
  const [err, setErr] = useState<{ field: string; message: string } | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setErr(null);
    try {
      const body: Record<string, unknown> = {
        kind,
        text,
        start: new Date(start).toISOString(),
        end: new Date(end).toISOString(),
        replace_menu: replace,
      };
      if (replace) body.then = then;
      if (wav) body.wav = await fileBase64(wav);
      await post(`/api/tenants/${seg(props.tenant)}/notices`, body);
      notify(t('ivr_notice_set'));
      setText('');
      setWav(null);
      props.onSaved();
    } catch (e2) {
      setErr({ field: e2 instanceof ApiError ? e2.field : '', message: errorText(e2) });
    } finally {
      setBusy(false);
    }
  }
  const bad = (f: string) => (err?.field === f ? 'invalid' : '');
  return (
    <form class="card" onSubmit={submit} data-testid="ivr-notice-form">
      <h3>{t('ivr_new_notice')}</h3>
      {err && (
        <p class="error" role="alert" data-testid="ivr-notice-error">
          {err.message}
        </p>
      )}
      <label class={bad('kind')}>
        <span>{t('ivr_kind')}</span>
        <select value={kind} onChange={(e) => setKind(e.currentTarget.value)} data-testid="ivr-notice-kind">
          {KINDS.map((k) => (
            <option key={k} value={k}>
              {tv('ivr_kind', k)}
            </option>
          ))}
        </select>
      </label>
      <label class={bad('text')}>
        <span>{t('ivr_notice_text')}</span>
        <textarea rows={3} maxLength={300} value={text} onInput={(e) => setText(e.currentTarget.value)} data-testid="ivr-notice-text" />
      </label>
      <label class={bad('start')}>
        <span>{t('ivr_start')}</span>
        <input type="datetime-local" value={start} onInput={(e) => setStart(e.currentTarget.value)} data-testid="ivr-notice-start" />
      </label>
      <label class={bad('end')}>
        <span>{t('ivr_end')}</span>
        <input type="datetime-local" value={end} onInput={(e) => setEnd(e.currentTarget.value)} data-testid="ivr-notice-end" />
      </label>
      <label class="inline">
        <input type="checkbox" checked={replace} onChange={(e) => setReplace(e.currentTarget.checked)} data-testid="ivr-notice-replace" />
        {t('ivr_replace_menu')}
      </label>
      {replace && (
        <select value={then} onChange={(e) => setThen(e.currentTarget.value)} data-testid="ivr-notice-then">
          <option value="queue">{t('ivr_replace_queue')}</option>
          <option value="end">{t('ivr_replace_end')}</option>
        </select>
      )}
      <label class={bad('wav')}>
        <span>{t('ivr_wav')}</span>
        <input type="file" accept="audio/wav,.wav" onChange={(e) => setWav(e.currentTarget.files?.[0] ?? null)} data-testid="ivr-notice-wav" />
      </label>
      <button type="submit" disabled={busy} data-testid="ivr-notice-save">
        {t('ivr_notice_save')}
      </button>
    </form>
  );
}

interface Recording {
  lang: string;
  name: string;
  audio_sha256: string;
  set_at?: string;
}

// The prompts a tenant most often records in its own voice; any catalogue
// prompt name is accepted.
const PROMPTS = [
  'greeting', 'after_hours', 'lunch', 'holiday', 'thanks', 'notice', 'menu', 'queued', 'busy', 'goodbye', 'hold',
  'callback_offer', 'callback_number', 'callback_keys', 'callback_booked',
  // counselor protection: the warning buttons and the notices that end a call
  'protect_warning_1', 'protect_warning_2', 'protect_closing', 'protect_closing_sexual', 'protect_closing_time',
];

/** An admin replaces default prompts of a tenant with recordings. */
function PromptRecordings(props: { tenant: string }) {
  const lang = useLang();
  const [list, setList] = useState<Recording[]>([]);
  const [name, setName] = useState('greeting');
  const [plang, setPlang] = useState('ko');
  const [file, setFile] = useState<File | null>(null);
  const [err, setErr] = useState('');
  const path = `/api/tenants/${seg(props.tenant)}/prompts`;
  const refresh = () =>
    get<Recording[]>(path)
      .then(setList)
      .catch((e) => setErr(errorText(e)));
  useEffect(() => {
    refresh();
  }, [props.tenant]);
  async function upload(e: Event) {
    e.preventDefault();
    if (!file) return;
    setErr('');
    try {
      await put(`${path}/${seg(plang)}/${seg(name)}`, { wav: await fileBase64(file) });
      notify(t('saved'));
      refresh();
    } catch (e2) {
      setErr(errorText(e2));
    }
  }
  async function remove(r: Recording) {
    try {
      await api('DELETE', `${path}/${seg(r.lang)}/${seg(r.name)}`);
      refresh();
    } catch (e2) {
      setErr(errorText(e2));
    }
  }
  return (
    <form class="card" onSubmit={upload} data-testid="ivr-prompts">
      <h3>{t('ivr_prompts')}</h3>
      <p class="muted small">{t('ivr_prompts_hint')}</p>
      {err && (
        <p class="error" role="alert">
          {err}
        </p>
      )}
      <table class="table small">
        <tbody>
          {list.map((r) => (
            <tr key={r.lang + r.name}>
              <td>{r.lang}</td>
              <td>{r.name}</td>
              <td class="muted">{dateTime(r.set_at, lang)}</td>
              <td>
                <button type="button" class="small ghost" onClick={() => remove(r)}>
                  {t('ivr_prompt_revert')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="row">
        <select value={plang} onChange={(e) => setPlang(e.currentTarget.value)}>
          <option value="ko">한국어</option>
          <option value="en">English</option>
        </select>
        <input list="ivr-prompt-names" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        <datalist id="ivr-prompt-names">
          {PROMPTS.map((p) => (
            <option key={p} value={p} />
          ))}
        </datalist>
        <input type="file" accept="audio/wav,.wav" onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)} />
        <button type="submit" disabled={!file}>
          {t('ivr_prompt_upload')}
        </button>
      </div>
    </form>
  );
}
