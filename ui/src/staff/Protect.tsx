// The supervisors' counselor-protection page (상담사 보호): the incident
// list, one incident's evidence with review, sanction and the evidence
// bundle, and the report. Citizens' words are rendered as text, never as
// HTML: abuse often arrives with markup pasted in.
import { useCallback, useEffect, useState } from 'preact/hooks';
import { basePath, get, post, seg } from '../lib/api';
import { t, tv, useLang } from '../lib/i18n';
import { dateTime } from '../lib/util';
import { notify, notifyError } from './notify';
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
  const [type, setType] = useState('');
  const [open, setOpen] = useState(false);
  const load = useCallback(() => {
    const params = new URLSearchParams();
    if (type) params.set('type', type);
    if (open) params.set('open', 'true');
    get<Incident[]>(`/api/incidents?${params}`)
      .then((r) => setRows(r ?? []))
      .catch(notifyError);
  }, [type, open]);
  useEffect(load, [load]);
  const show = (id: string) => (location.hash = `#/protect/${encodeURIComponent(id)}`);

  return (
    <div class="admin protect" lang={lang}>
      <div class="crud">
        <section class="card">
          <h3>{t('prot_incidents')}</h3>
          <div class="row">
            <label>
              {t('prot_type')}
              <select value={type} onChange={(e) => setType(e.currentTarget.value)} data-testid="prot-type">
                <option value="">{t('prot_all_types')}</option>
                {TYPES.map((x) => (
                  <option key={x} value={x}>
                    {tv('itype', x)}
                  </option>
                ))}
              </select>
            </label>
            <label class="check">
              <input type="checkbox" checked={open} onChange={(e) => setOpen(e.currentTarget.checked)} data-testid="prot-open" />
              {t('prot_open_only')}
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
                >
                  <td>
                    <a href={`#/protect/${encodeURIComponent(inc.id)}`}>{dateTime(inc.opened_at, lang)}</a>
                  </td>
                  <td>{tv('itype', inc.type)}</td>
                  <td>{n.agent(inc.agent_id)}</td>
                  <td data-testid="prot-row-state">{stateOf(inc)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        {props.id && <Detail key={props.id} id={props.id} onChanged={load} />}
      </div>
      <ReportView />
    </div>
  );
}

function Detail(props: { id: string; onChanged(): void }) {
  const lang = useLang();
  const { ref } = useSession();
  const n = names(ref);
  const who = (id: string) => (id === 'system' || id === 'agent' ? tv('prot_by', id) : n.agent(id));
  const [inc, setInc] = useState<Incident | null>(null);
  const [reason, setReason] = useState('');
  const [kind, setKind] = useState('restrict');
  const [sReason, setSReason] = useState('');
  const [busy, setBusy] = useState(false);
  const load = useCallback(() => {
    get<Incident>(`/api/incidents/${seg(props.id)}`).then(setInc).catch(notifyError);
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
  const sanction = () =>
    act(async () => {
      await post('/api/sanctions', { caller_id: inc.caller_id, kind, reason: sReason.trim() });
      setSReason('');
    }, t('prot_sanctioned'));

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
              {dateTime(inc.ended.at, lang)} · {tv('prot_end', inc.ended.reason)} · {who(inc.ended.by)}
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
                {tv('itype', it.type)}
                {it.label && <span class="muted small"> ({it.label})</span>}
              </td>
              <td>{it.score.toFixed(2)}</td>
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
                {dateTime(w.at, lang)} · {who(w.by)} — {w.script}
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
            {['restrict', 'lift'].map((k) => (
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
