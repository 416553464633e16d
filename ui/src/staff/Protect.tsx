// The supervisors' counselor-protection page (상담사 보호): the incident
// list (filtered by Seoul dates, counselor, type and review status, a page
// at a time), one incident's evidence with every action on it, review,
// notes, sanctions (legal action and closing the caller's case among them)
// and the evidence bundle, and the report. Citizens' words are rendered as text, never as
// HTML: abuse often arrives with markup pasted in.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, basePath, get, post, seg } from '../lib/api';
import { t, tv, useLang } from '../lib/i18n';
import { dateTime } from '../lib/util';
import { notify, notifyError } from './notify';
import { Recordings } from './Recordings';
import { names, useSession } from './session';

/** Mirrors minwon.IncidentTypes, in report order. */
const TYPES = ['sexual', 'abuse', 'threat', 'prank', 'drunk_long', 'repeated_unrelated', 'aggressive'] as const;

interface IncidentItem {
  kind: string;
  message_id?: string;
  type: string;
  label?: string;
  score: number;
  text?: string;
  masked?: string;
  at: string;
}

interface Incident {
  id: string;
  contact_id: string;
  caller_id: string;
  agent_id?: string;
  channel: string;
  type: string;
  source: string;
  opened_at: string;
  items?: IncidentItem[];
  warnings?: { n: number; type: string; by: string; script: string; at: string }[];
  ended?: { type: string; by: string; reason: string; script: string; at: string };
  actions?: { kind: string; actor_id: string; message_id?: string; note?: string; at: string }[];
  review?: { verdict: 'confirmed' | 'dismissed'; actor_id: string; reason: string; at: string };
}

interface LegalCase {
  id: string;
  caller_id: string;
  type: string;
  incident_ids: string[];
  state: 'open' | 'filed' | 'closed';
  opened_at: string;
}

interface Sanction {
  id: string;
  kind: string;
  case_id?: string;
  reason: string;
  actor_id: string;
  until?: string;
  at: string;
}

/** center.IncidentDetail: the incident and, for supervisors, the caller's record. */
interface Detail extends Incident {
  status: string;
  case?: LegalCase;
  sanctions?: Sanction[];
  flag?: { type: string; reason: string; since: string; until: string };
}

const PAGE = 50;

interface Report {
  periods: { start: string; counts: Record<string, number>; total: number }[];
  exposure: { agent_id: string; counts: Record<string, number>; total: number; breaks: number; break_ns: number }[];
}

function stateOf(inc: Incident): string {
  return inc.review ? tv('prot_state', inc.review.verdict) : t('prot_state_open');
}

export function Protect(props: { id?: string }) {
  const lang = useLang();
  const { ref } = useSession();
  const n = names(ref);
  const [rows, setRows] = useState<Incident[]>([]);
  const [total, setTotal] = useState(0);
  const [type, setType] = useState('');
  const [status, setStatus] = useState('');
  const [agent, setAgent] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [offset, setOffset] = useState(0);
  const counselors = (ref.agents ?? []).slice().sort((a, b) => a.name.localeCompare(b.name, 'ko'));
  // Only the answer to the latest query is shown: changing two filters in a
  // row sends two requests, and the first may be answered last.
  const latest = useRef(0);
  const load = useCallback(() => {
    const ask = ++latest.current;
    // Dates are Seoul days: the server reads from=D as D 00:00 KST and to=D
    // as the end of D.
    const params = new URLSearchParams();
    if (type) params.set('type', type);
    if (status) params.set('status', status);
    if (agent) params.set('agent', agent);
    if (from) params.set('from', from);
    if (to) params.set('to', to);
    params.set('limit', String(PAGE));
    params.set('offset', String(offset));
    let count = 0;
    api<Incident[]>('GET', `/api/incidents?${params}`, undefined, (h) => (count = Number(h.get('X-Total-Count') ?? 0)))
      .then((r) => {
        if (ask !== latest.current) return;
        setRows(r ?? []);
        setTotal(count);
      })
      .catch((e) => ask === latest.current && notifyError(e));
  }, [type, status, agent, from, to, offset]);
  useEffect(load, [load]);
  // A changed filter starts again from the first page.
  const filter = (set: (v: string) => void) => (e: { currentTarget: { value: string } }) => {
    set(e.currentTarget.value);
    setOffset(0);
  };
  const show = (id: string) => (location.hash = `#/protect/${encodeURIComponent(id)}`);

  return (
    <div class="admin protect" lang={lang}>
      <div class="crud">
        <section class="card">
          <h3>{t('prot_incidents')}</h3>
          <div class="row prot-filters">
            <label>
              {t('prot_from')}
              <input type="date" value={from} max={to || undefined} onChange={filter(setFrom)} data-testid="prot-from" />
            </label>
            <label>
              {t('prot_to')}
              <input type="date" value={to} min={from || undefined} onChange={filter(setTo)} data-testid="prot-to" />
            </label>
            <label>
              {t('prot_counselor')}
              <select value={agent} onChange={filter(setAgent)} data-testid="prot-agent">
                <option value="">{t('prot_all_counselors')}</option>
                {counselors.map((a) => (
                  <option key={a.id} value={a.id}>
                    {a.name}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t('prot_type')}
              <select value={type} onChange={filter(setType)} data-testid="prot-type">
                <option value="">{t('prot_all_types')}</option>
                {TYPES.map((x) => (
                  <option key={x} value={x}>
                    {tv('itype', x)}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t('prot_state')}
              <select value={status} onChange={filter(setStatus)} data-testid="prot-status">
                <option value="">{t('prot_all_states')}</option>
                {['open', 'confirmed', 'dismissed'].map((x) => (
                  <option key={x} value={x}>
                    {tv('prot_state', x)}
                  </option>
                ))}
              </select>
            </label>
            <button type="button" onClick={load}>
              {t('prot_refresh')}
            </button>
          </div>
          <table class="table" data-testid="prot-table">
            <thead>
              <tr>
                <th>{t('prot_opened')}</th>
                <th>{t('prot_type')}</th>
                <th>{t('prot_counselor')}</th>
                <th>{t('prot_state')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.length === 0 && (
                <tr>
                  <td colSpan={4} class="muted">
                    {t('no_results')}
                  </td>
                </tr>
              )}
              {rows.map((inc) => (
                <tr
                  key={inc.id}
                  class={inc.id === props.id ? 'selected' : ''}
                  onClick={() => show(inc.id)}
                  data-testid="prot-row"
                  data-incident-id={inc.id}
                  data-agent-id={inc.agent_id ?? ''}
                >
                  <td>
                    <a href={`#/protect/${encodeURIComponent(inc.id)}`}>{dateTime(inc.opened_at, lang)}</a>
                  </td>
                  <td>{tv('itype', inc.type)}</td>
                  <td data-testid="prot-row-agent">{n.agent(inc.agent_id)}</td>
                  <td data-testid="prot-row-state">{stateOf(inc)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div class="row prot-pager">
            <span class="muted small" data-testid="prot-total" data-total={total}>
              {t('prot_page', { from: rows.length ? offset + 1 : 0, to: offset + rows.length, total })}
            </span>
            <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))} data-testid="prot-prev">
              {t('prot_prev')}
            </button>
            <button type="button" disabled={offset + rows.length >= total} onClick={() => setOffset(offset + PAGE)} data-testid="prot-next">
              {t('prot_next')}
            </button>
          </div>
        </section>
        {props.id && <DetailView key={props.id} id={props.id} onChanged={load} />}
      </div>
      <ReportView />
    </div>
  );
}

function DetailView(props: { id: string; onChanged(): void }) {
  const lang = useLang();
  const { ref } = useSession();
  const n = names(ref);
  const who = (id: string) => (id === 'system' || id === 'agent' ? tv('prot_by', id) : n.agent(id));
  const [inc, setInc] = useState<Detail | null>(null);
  const [note, setNote] = useState('');
  const [reason, setReason] = useState('');
  const [kind, setKind] = useState('restrict');
  const [sReason, setSReason] = useState('');
  const [busy, setBusy] = useState(false);
  const load = useCallback(() => {
    get<Detail>(`/api/incidents/${seg(props.id)}`).then(setInc).catch(notifyError);
  }, [props.id]);
  useEffect(load, [load]);

  async function act(fn: () => Promise<unknown>, done: string) {
    setBusy(true);
    try {
      await fn();
      notify(done);
      props.onChanged();
      load();
    } catch (err) {
      notifyError(err);
    } finally {
      setBusy(false);
    }
  }
  if (!inc) return <section class="card">{t('loading')}</section>;
  const review = (verdict: 'confirmed' | 'dismissed') =>
    act(async () => {
      await post(`/api/incidents/${seg(inc.id)}/review`, { verdict, reason: reason.trim() });
      setReason('');
    }, tv('prot_reviewed', verdict));
  // Legal action and closing act on the caller's open case; restrict and
  // lift on the caller. Each needs a reason and is stored as the audit entry.
  const openCase = inc.case?.state === 'open' ? inc.case : undefined;
  const kinds = openCase ? ['restrict', 'lift', 'legal', 'close'] : ['restrict', 'lift'];
  const sanction = () =>
    act(async () => {
      const body: { caller_id: string; kind: string; reason: string; case_id?: string } = {
        caller_id: inc.caller_id,
        kind,
        reason: sReason.trim(),
      };
      if ((kind === 'legal' || kind === 'close') && openCase) body.case_id = openCase.id;
      await post('/api/sanctions', body);
      setSReason('');
      setKind('restrict');
    }, t('prot_sanctioned'));
  const addNote = () =>
    act(async () => {
      await post(`/api/incidents/${seg(inc.id)}/notes`, { text: note.trim() });
      setNote('');
    }, t('prot_note_saved'));
  const day = (iso: string) =>
    new Date(iso).toLocaleDateString(lang === 'ko' ? 'ko-KR' : 'en-GB', { timeZone: 'Asia/Seoul', year: 'numeric', month: '2-digit', day: '2-digit' });

  return (
    <section class="card crud-form prot-detail" data-testid="prot-detail" data-incident-id={inc.id}>
      <h3>
        {tv('itype', inc.type)} · <span data-testid="prot-state">{stateOf(inc)}</span>
      </h3>
      <dl class="prot-facts">
        <dt>{t('prot_opened')}</dt>
        <dd>{dateTime(inc.opened_at, lang)}</dd>
        <dt>{t('prot_counselor')}</dt>
        <dd>{n.agent(inc.agent_id)}</dd>
        <dt>{t('prot_channel')}</dt>
        <dd>{tv('channel', inc.channel)}</dd>
        <dt>{t('prot_source')}</dt>
        <dd>{tv('prot_source', inc.source)}</dd>
        <dt>{t('prot_caller')}</dt>
        <dd class="mono small">{inc.caller_id.slice(0, 12)}</dd>
        {inc.ended && (
          <>
            <dt>{t('prot_ended')}</dt>
            <dd data-testid="prot-ended">
              {dateTime(inc.ended.at, lang)} · {tv('prot_end', inc.ended.reason)} · {inc.ended.by === 'agent' ? n.agent(inc.agent_id) : who(inc.ended.by)}
            </dd>
          </>
        )}
        {inc.review && (
          <>
            <dt>{t('prot_review')}</dt>
            <dd>
              {tv('prot_state', inc.review.verdict)} · {n.agent(inc.review.actor_id)} · {dateTime(inc.review.at, lang)} — {inc.review.reason}
            </dd>
          </>
        )}
        {inc.case && (
          <>
            <dt>{t('prot_case')}</dt>
            <dd data-testid="prot-case" data-case-id={inc.case.id} data-state={inc.case.state}>
              <strong data-testid="prot-case-state">{tv('prot_case_state', inc.case.state)}</strong> ·{' '}
              {t('prot_case_facts', { type: tv('itype', inc.case.type), n: inc.case.incident_ids.length, date: day(inc.case.opened_at) })}
            </dd>
          </>
        )}
        {inc.flag && (
          <>
            <dt>{t('prot_flag')}</dt>
            <dd data-testid="prot-flag">
              {tv('itype', inc.flag.type)} · {t('prot_flag_until', { date: day(inc.flag.until) })}
            </dd>
          </>
        )}
      </dl>
      <h4>{t('prot_items')}</h4>
      <table class="table" data-testid="prot-items">
        <thead>
          <tr>
            <th>{t('prot_time')}</th>
            <th>{t('prot_type')}</th>
            <th>{t('prot_score')}</th>
            <th>{t('prot_text')}</th>
          </tr>
        </thead>
        <tbody>
          {(inc.items ?? []).map((it, i) => (
            <tr key={i} data-testid="prot-item">
              <td>{dateTime(it.at, lang)}</td>
              <td>
                {it.kind === 'note' ? t('prot_item_note') : tv('itype', it.type)}
                {it.label && <span class="muted small"> ({it.label})</span>}
              </td>
              <td>{it.kind === 'note' ? '' : it.score.toFixed(2)}</td>
              <td class="prewrap" data-testid="prot-item-text">
                {it.text ?? ''}
                {it.masked && it.masked !== it.text && <div class="muted small">{it.masked}</div>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {(inc.warnings ?? []).length > 0 && (
        <>
          <h4>{t('prot_warnings')}</h4>
          <ol data-testid="prot-warnings">
            {(inc.warnings ?? []).map((w) => (
              <li key={w.n}>
                {dateTime(w.at, lang)} · {w.by === 'agent' ? n.agent(inc.agent_id) : who(w.by)} — {w.script}
              </li>
            ))}
          </ol>
        </>
      )}
      {inc.ended && <p class="muted prewrap">{inc.ended.script}</p>}
      <h4>{t('prot_actions')}</h4>
      <ul data-testid="prot-actions">
        {(inc.actions ?? []).length === 0 && <li class="muted">{t('no_results')}</li>}
        {(inc.actions ?? []).map((a, i) => (
          <li key={i}>
            {dateTime(a.at, lang)} · {tv('prot_action', a.kind)} · {n.agent(a.actor_id)}
            {a.note && <span class="muted"> — {a.note}</span>}
          </li>
        ))}
      </ul>
      <div class="row">
        <input
          value={note}
          placeholder={t('prot_note_add')}
          aria-label={t('prot_note_add')}
          maxLength={2000}
          onInput={(e) => setNote(e.currentTarget.value)}
          data-testid="prot-note"
        />
        <button type="button" disabled={busy || !note.trim()} onClick={addNote} data-testid="prot-note-add">
          {t('prot_note_add')}
        </button>
      </div>
      {(inc.sanctions ?? []).length > 0 && (
        <>
          <h4>{t('prot_sanctions')}</h4>
          <ul data-testid="prot-sanctions">
            {(inc.sanctions ?? []).map((x) => (
              <li key={x.id} data-kind={x.kind}>
                {dateTime(x.at, lang)} · {tv('prot_sanction', x.kind)} · {n.agent(x.actor_id)} — {x.reason}
              </li>
            ))}
          </ul>
        </>
      )}
      {inc.channel === 'voice' && (
        <>
          <h4>{t('rec_title')}</h4>
          <Recordings contactId={inc.contact_id} />
        </>
      )}
      <div class="kbm-decide">
        <input
          value={reason}
          placeholder={t('prot_reason')}
          aria-label={t('prot_reason')}
          onInput={(e) => setReason(e.currentTarget.value)}
          data-testid="prot-reason"
        />
        <div class="row">
          <button type="button" class="primary" disabled={busy || !reason.trim()} onClick={() => review('confirmed')} data-testid="prot-confirm">
            {t('prot_confirm')}
          </button>
          <button type="button" disabled={busy || !reason.trim()} onClick={() => review('dismissed')} data-testid="prot-dismiss">
            {t('prot_dismiss')}
          </button>
          <a class="button" href={`${basePath}api/incidents/${seg(inc.id)}/bundle`} download data-testid="prot-bundle">
            {t('prot_bundle')}
          </a>
        </div>
      </div>
      <div class="kbm-decide" data-testid="prot-sanction">
        <h4>{t('prot_sanction')}</h4>
        <div class="row">
          <select value={kind} onChange={(e) => setKind(e.currentTarget.value)} aria-label={t('prot_sanction_kind')} data-testid="prot-sanction-kind">
            {kinds.map((k) => (
              <option key={k} value={k}>
                {tv('prot_sanction', k)}
              </option>
            ))}
          </select>
          <input
            value={sReason}
            placeholder={t('prot_reason')}
            aria-label={t('prot_sanction_reason')}
            onInput={(e) => setSReason(e.currentTarget.value)}
            data-testid="prot-sanction-reason"
          />
          <button type="button" disabled={busy || !sReason.trim()} onClick={sanction} data-testid="prot-sanction-go">
            {t('prot_sanction_go')}
          </button>
        </div>
      </div>
    </section>
  );
}

function ReportView() {
  const lang = useLang();
  const { ref } = useSession();
  const n = names(ref);
  const [period, setPeriod] = useState('day');
  const [rep, setRep] = useState<Report | null>(null);
  useEffect(() => {
    get<Report>(`/api/incidents/report?period=${period}`).then(setRep).catch(notifyError);
  }, [period]);
  // Only periods with incidents: thirty empty days would bury the few that matter.
  const periods = (rep?.periods ?? []).filter((p) => p.total > 0);
  // Periods are Seoul days, weeks and months (the server buckets in KST).
  const day = (iso: string) =>
    new Date(iso).toLocaleDateString(lang === 'ko' ? 'ko-KR' : 'en-GB', { timeZone: 'Asia/Seoul', year: 'numeric', month: '2-digit', day: '2-digit' });
  return (
    <section class="card" data-testid="prot-report">
      <h3>{t('prot_report')}</h3>
      <label>
        {t('prot_period')}
        <select value={period} onChange={(e) => setPeriod(e.currentTarget.value)} data-testid="prot-period">
          {['day', 'week', 'month'].map((p) => (
            <option key={p} value={p}>
              {tv('prot_period', p)}
            </option>
          ))}
        </select>
      </label>
      <table class="table" data-testid="prot-report-periods">
        <thead>
          <tr>
            <th>{t('prot_period_start')}</th>
            {TYPES.map((x) => (
              <th key={x}>{tv('itype', x)}</th>
            ))}
            <th>{t('prot_total')}</th>
          </tr>
        </thead>
        <tbody>
          {periods.length === 0 && (
            <tr>
              <td colSpan={TYPES.length + 2} class="muted">
                {t('no_results')}
              </td>
            </tr>
          )}
          {periods.map((p) => (
            <tr key={p.start} data-testid="prot-period-row">
              <td>{day(p.start)}</td>
              {TYPES.map((x) => (
                <td key={x} data-type={x}>
                  {p.counts[x] ?? 0}
                </td>
              ))}
              <td>{p.total}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h4>{t('prot_exposure')}</h4>
      <table class="table" data-testid="prot-report-exposure">
        <thead>
          <tr>
            <th>{t('prot_counselor')}</th>
            {TYPES.map((x) => (
              <th key={x}>{tv('itype', x)}</th>
            ))}
            <th>{t('prot_total')}</th>
            <th>{t('prot_breaks')}</th>
            <th>{t('prot_break_min')}</th>
          </tr>
        </thead>
        <tbody>
          {(rep?.exposure ?? []).length === 0 && (
            <tr>
              <td colSpan={TYPES.length + 4} class="muted">
                {t('no_results')}
              </td>
            </tr>
          )}
          {(rep?.exposure ?? []).map((x) => (
            <tr key={x.agent_id} data-testid="prot-exposure-row">
              <td>{n.agent(x.agent_id)}</td>
              {TYPES.map((k) => (
                <td key={k}>{x.counts[k] ?? 0}</td>
              ))}
              <td>{x.total}</td>
              <td>{x.breaks}</td>
              <td>{Math.round(x.break_ns / 6e10)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
