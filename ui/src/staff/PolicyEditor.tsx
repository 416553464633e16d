// The counselor-protection policy of a tenant (보호 정책): admins edit it,
// supervisors read it. The form holds the whole policy as the server sends
// it (durations in nanoseconds) and shows them in minutes, hours or days;
// a refusal names its field, shown next to the input.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, get, put, seg } from '../lib/api';
import { t, tv, useLang, type Key } from '../lib/i18n';
import { dateTime, splitList } from '../lib/util';
import { errorText, notify } from './notify';
import { hasRole, names, useSession } from './session';

interface TypeRule {
  auto_warn: boolean;
  end_at: number;
  strike_limit: number;
  strike_window_ns: number;
  flag_at: number;
  flag_for_ns: number;
  break: boolean;
  warnings?: string[];
  closing?: string;
  banner: string;
}
interface ChannelRule {
  auto_warn: boolean;
  end_notice_after_ns: number;
}
interface PolicyConfig {
  types: Record<string, TypeRule>;
  channels: Record<string, ChannelRule>;
  min_score: number;
  agitation: number;
  mask: string;
  warnings: string[];
  closing: string;
  time_closing: string;
  protective_break_ns: number;
  dedicated_queue?: string;
  prank: { count: number; max_talk_ns: number; window_ns: number; flag_for_ns: number };
  drunk_long: {
    min_duration_ns: number;
    late_from: number;
    late_to: number;
    min_lines: number;
    min_repetition: number;
    flag_at: number;
    window_ns: number;
    flag_for_ns: number;
  };
  unrelated: { categories: string[]; per_day: number; flag_for_ns: number };
  evidence: { lead_ns: number; tail_ns: number; untimed_lead_ns: number; press_lead_ns: number; press_tail_ns: number };
}
interface PolicyView {
  tenant_id: string;
  source: 'own' | 'inherited' | 'default';
  from?: string;
  config: PolicyConfig;
  updated_by?: string;
  updated_at?: string;
  queue?: string;
}

const SEC = 1e9;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const TYPES = ['sexual', 'abuse', 'threat', 'aggressive', 'prank', 'drunk_long', 'repeated_unrelated'];
const CHANNELS = ['chat', 'voice', 'sms', 'video'];

/** A path into the config ("types.abuse.end_at") read or written. */
function at(o: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v == null ? undefined : (v as Record<string, unknown>)[k]), o);
}
function setAt<T>(o: T, path: string, v: unknown): T {
  const cp = structuredClone(o) as Record<string, unknown>;
  const keys = path.split('.');
  let cur = cp;
  for (const k of keys.slice(0, -1)) {
    if (cur[k] == null || typeof cur[k] !== 'object') cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1]] = v;
  return cp as T;
}

interface FieldError {
  field: string;
  message: string;
}

export function PolicyEditor() {
  const lang = useLang();
  const { me, ref } = useSession();
  const n = names(ref);
  const canEdit = hasRole(me.user, 'admin');
  const tenants = ref.tenants ?? [];
  const [tenant, setTenant] = useState(me.user.tenant_id);
  const [view, setView] = useState<PolicyView | null>(null);
  const [cfg, setCfg] = useState<PolicyConfig | null>(null);
  const [err, setErr] = useState<FieldError | null>(null);
  const [busy, setBusy] = useState(false);

  const shown = (v: PolicyView) => {
    setView(v);
    setCfg(structuredClone(v.config));
    setErr(null);
  };
  useEffect(() => {
    setView(null);
    get<PolicyView>(`/api/tenants/${seg(tenant)}/policy`)
      .then(shown)
      .catch((e) => setErr({ field: '', message: errorText(e) }));
  }, [tenant]);

  const failed = (e: unknown) => setErr({ field: e instanceof ApiError ? e.field : '', message: errorText(e) });
  async function save(e: Event) {
    e.preventDefault();
    if (!cfg) return;
    setBusy(true);
    try {
      shown(await put<PolicyView>(`/api/tenants/${seg(tenant)}/policy`, { config: cfg }));
      notify(t('saved'));
    } catch (e2) {
      failed(e2);
    } finally {
      setBusy(false);
    }
  }
  async function reset() {
    if (!confirm(t('pol_reset_confirm'))) return;
    setBusy(true);
    try {
      shown(await api<PolicyView>('DELETE', `/api/tenants/${seg(tenant)}/policy`));
      notify(t('pol_reset_done'));
    } catch (e2) {
      failed(e2);
    } finally {
      setBusy(false);
    }
  }

  const edit = (path: string, v: unknown) => setCfg((c) => (c ? setAt(c, path, v) : c));
  /** The inline error of a field, or of the list or map it belongs to. */
  const errOf = (path: string) =>
    err && err.field && (err.field === path || err.field.startsWith(path + '.')) ? (
      <span class="error small" role="alert" data-testid={`error-${path}`}>
        {t('pol_field_invalid')} <span class="muted">({err.message})</span>
      </span>
    ) : null;

  /** A number input; unit scales the stored value (nanoseconds) for display. */
  const num = (path: string, label: Key, unit = 1, step = 1) => {
    const v = Number(at(cfg, path) ?? 0) / unit;
    return (
      <label key={path} class={err?.field === path ? 'invalid' : ''}>
        <span>{t(label)}</span>
        <input
          type="number"
          step={step}
          min={0}
          disabled={!canEdit}
          value={String(Math.round(v * 1000) / 1000)}
          onInput={(e) => edit(path, Math.round(Number(e.currentTarget.value || 0) * unit))}
          data-testid={`pol-${path}`}
        />
        {errOf(path)}
      </label>
    );
  };
  const share = (path: string, label: Key) => {
    const v = Number(at(cfg, path) ?? 0);
    return (
      <label key={path}>
        <span>{t(label)}</span>
        <input
          type="number"
          step={0.01}
          min={0}
          max={1}
          disabled={!canEdit}
          value={String(v)}
          onInput={(e) => edit(path, Number(e.currentTarget.value || 0))}
          data-testid={`pol-${path}`}
        />
        {errOf(path)}
      </label>
    );
  };
  const check = (path: string, label?: Key) => (
    <label key={path} class="inline" title={label ? t(label) : undefined}>
      <input
        type="checkbox"
        disabled={!canEdit}
        checked={at(cfg, path) === true}
        onChange={(e) => edit(path, e.currentTarget.checked)}
        data-testid={`pol-${path}`}
      />
      {label && t(label)}
    </label>
  );
  const text = (path: string, label: string, rows = 2) => (
    <label key={path} class="pol-script">
      <span>{label}</span>
      <textarea
        rows={rows}
        disabled={!canEdit}
        value={String(at(cfg, path) ?? '')}
        onInput={(e) => edit(path, e.currentTarget.value)}
        data-testid={`pol-${path}`}
      />
      {errOf(path)}
    </label>
  );
  /** A list of scripts, one textarea each; empty lists fall back to the general warnings. */
  const scripts = (path: string, label: Key, optional: boolean) => {
    const list = (at(cfg, path) as string[] | undefined) ?? [];
    return (
      <fieldset class="pol-list" data-testid={`pol-${path}`}>
        <legend>{t(label)}</legend>
        {optional && list.length === 0 && <p class="muted small">{t('pol_uses_general')}</p>}
        {list.map((_, i) => (
          <div key={i} class="row">
            {text(`${path}.${i}`, t('pol_warning_n', { n: i + 1 }), 2)}
            {canEdit && (
              <button type="button" class="small ghost" onClick={() => edit(path, list.filter((_, j) => j !== i))}>
                {t('pol_remove')}
              </button>
            )}
          </div>
        ))}
        {canEdit && (
          <button type="button" class="small" onClick={() => edit(path, [...list, ''])} data-testid={`pol-add-${path}`}>
            {t('pol_add_warning')}
          </button>
        )}
        {err?.field === path && errOf(path)}
      </fieldset>
    );
  };

  const section = (title: Key, children: ComponentChildren) => (
    <section class="card pol-section">
      <h3>{t(title)}</h3>
      {children}
    </section>
  );

  const sourceLine = view && (
    <p class="muted" data-testid="pol-source">
      {view.source === 'own' && t('pol_source_own')}
      {view.source === 'inherited' && t('pol_source_inherited', { from: n.tenant(view.from) })}
      {view.source === 'default' && t('pol_source_default')}
      {view.updated_at && ` · ${t('pol_updated', { at: dateTime(view.updated_at, lang), by: view.updated_by === me.user.id ? me.user.name : n.agent(view.updated_by) || view.updated_by || '' })}`}
    </p>
  );

  return (
    <form class="policy" onSubmit={save} data-testid="policy-editor">
      <header class="row">
        <h2>{t('page_policy')}</h2>
        <label class="inline">
          {t('tenant')}
          <select value={tenant} onChange={(e) => setTenant(e.currentTarget.value)} data-testid="pol-tenant">
            {tenants.map((x) => (
              <option key={x.id} value={x.id}>
                {x.name}
              </option>
            ))}
          </select>
        </label>
        {!canEdit && <span class="badge">{t('read_only')}</span>}
      </header>
      {sourceLine}
      {err && !err.field && (
        <p class="error" role="alert" data-testid="pol-error">
          {err.message}
        </p>
      )}
      {err && err.field && (
        <p class="error" role="alert" data-testid="pol-error">
          {t('pol_fix_fields')}
        </p>
      )}
      {cfg && (
        <>
          {section(
            'pol_scripts',
            <>
              {scripts('warnings', 'pol_warnings', false)}
              {text('closing', t('pol_closing'))}
              {text('time_closing', t('pol_time_closing'))}
            </>,
          )}
          {section(
            'pol_types',
            <>
              <table class="table small pol-types">
                <thead>
                  <tr>
                    <th>{t('pol_type')}</th>
                    <th>{t('pol_auto_warn')}</th>
                    <th>{t('pol_end_at')}</th>
                    <th>{t('pol_strike_limit')}</th>
                    <th>{t('pol_strike_window_days')}</th>
                    <th>{t('pol_flag_at')}</th>
                    <th>{t('pol_flag_for_days')}</th>
                    <th>{t('pol_break')}</th>
                  </tr>
                </thead>
                <tbody>
                  {TYPES.filter((x) => cfg.types[x]).map((x) => (
                    <tr key={x} data-testid={`pol-type-${x}`}>
                      <th>{tv('itype', x)}</th>
                      <td>{check(`types.${x}.auto_warn`)}</td>
                      <td>{num(`types.${x}.end_at`, 'pol_end_at')}</td>
                      <td>{num(`types.${x}.strike_limit`, 'pol_strike_limit')}</td>
                      <td>{num(`types.${x}.strike_window_ns`, 'pol_strike_window_days', DAY)}</td>
                      <td>{num(`types.${x}.flag_at`, 'pol_flag_at')}</td>
                      <td>{num(`types.${x}.flag_for_ns`, 'pol_flag_for_days', DAY)}</td>
                      <td>{check(`types.${x}.break`)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <p class="muted small">{t('pol_types_hint')}</p>
              {TYPES.filter((x) => cfg.types[x]).map((x) => (
                <details key={x} open={!!err?.field.startsWith(`types.${x}.`)} data-testid={`pol-type-texts-${x}`}>
                  <summary>
                    {tv('itype', x)} — {t('pol_type_texts')}
                  </summary>
                  {text(`types.${x}.banner`, t('pol_banner'), 1)}
                  {scripts(`types.${x}.warnings`, 'pol_type_warnings', true)}
                  {text(`types.${x}.closing`, t('pol_type_closing'))}
                </details>
              ))}
            </>,
          )}
          {section(
            'pol_channels',
            <table class="table small">
              <thead>
                <tr>
                  <th>{t('channel')}</th>
                  <th>{t('pol_channel_auto')}</th>
                  <th>{t('pol_end_notice_min')}</th>
                </tr>
              </thead>
              <tbody>
                {CHANNELS.filter((c) => cfg.channels[c]).map((c) => (
                  <tr key={c}>
                    <th>{tv('channel', c)}</th>
                    <td>{check(`channels.${c}.auto_warn`)}</td>
                    <td>{num(`channels.${c}.end_notice_after_ns`, 'pol_end_notice_min', MIN)}</td>
                  </tr>
                ))}
              </tbody>
            </table>,
          )}
          {section(
            'pol_detectors',
            <div class="pol-grid">
              <fieldset>
                <legend>{tv('itype', 'prank')}</legend>
                {num('prank.count', 'pol_prank_count')}
                {num('prank.max_talk_ns', 'pol_prank_max_talk_secs', SEC)}
                {num('prank.window_ns', 'pol_window_hours', HOUR)}
                {num('prank.flag_for_ns', 'pol_flag_for_days', DAY, 0.5)}
              </fieldset>
              <fieldset>
                <legend>{tv('itype', 'drunk_long')}</legend>
                {num('drunk_long.min_duration_ns', 'pol_drunk_min_minutes', MIN)}
                {num('drunk_long.late_from', 'pol_late_from')}
                {num('drunk_long.late_to', 'pol_late_to')}
                {num('drunk_long.min_lines', 'pol_min_lines')}
                {share('drunk_long.min_repetition', 'pol_min_repetition')}
                {num('drunk_long.flag_at', 'pol_flag_at')}
                {num('drunk_long.window_ns', 'pol_window_days', DAY)}
                {num('drunk_long.flag_for_ns', 'pol_flag_for_days', DAY)}
              </fieldset>
              <fieldset>
                <legend>{tv('itype', 'repeated_unrelated')}</legend>
                {num('unrelated.per_day', 'pol_per_day')}
                {num('unrelated.flag_for_ns', 'pol_flag_for_days', DAY)}
                <label>
                  <span>{t('pol_categories')}</span>
                  <input
                    type="text"
                    disabled={!canEdit}
                    value={(cfg.unrelated.categories ?? []).join(', ')}
                    onInput={(e) => edit('unrelated.categories', splitList(e.currentTarget.value))}
                    data-testid="pol-unrelated.categories"
                  />
                  {errOf('unrelated.categories')}
                </label>
              </fieldset>
            </div>,
          )}
          {section(
            'pol_evidence',
            <>
              <p class="muted small">{t('pol_evidence_hint')}</p>
              <div class="pol-grid">
                {num('evidence.lead_ns', 'pol_ev_lead', SEC, 0.5)}
                {num('evidence.tail_ns', 'pol_ev_tail', SEC, 0.5)}
                {num('evidence.untimed_lead_ns', 'pol_ev_untimed_lead', SEC, 0.5)}
                {num('evidence.press_lead_ns', 'pol_ev_press_lead', SEC, 0.5)}
                {num('evidence.press_tail_ns', 'pol_ev_press_tail', SEC, 0.5)}
              </div>
            </>,
          )}
          {section(
            'pol_other',
            <div class="pol-grid">
              {num('protective_break_ns', 'pol_break_minutes', MIN)}
              <label>
                <span>{t('pol_queue')}</span>
                <select
                  disabled={!canEdit}
                  value={cfg.dedicated_queue ?? ''}
                  onChange={(e) => edit('dedicated_queue', e.currentTarget.value || undefined)}
                  data-testid="pol-dedicated_queue"
                >
                  <option value="">{t('pol_queue_auto', { q: n.queue(view?.queue) || '–' })}</option>
                  {(ref.queues ?? []).map((q) => (
                    <option key={q.id} value={q.id}>
                      {q.name}
                    </option>
                  ))}
                </select>
                {errOf('dedicated_queue')}
              </label>
              {share('min_score', 'pol_min_score')}
              {share('agitation', 'pol_agitation')}
              <label>
                <span>{t('pol_mask')}</span>
                <input type="text" disabled={!canEdit} value={cfg.mask} onInput={(e) => edit('mask', e.currentTarget.value)} data-testid="pol-mask" />
                {errOf('mask')}
              </label>
            </div>,
          )}
          {canEdit && (
            <div class="actions">
              <button type="button" class="ghost" disabled={busy || view?.source !== 'own'} onClick={reset} data-testid="pol-reset">
                {t('pol_reset')}
              </button>
              <button type="submit" class="primary" disabled={busy} data-testid="pol-save">
                {t('save')}
              </button>
            </div>
          )}
        </>
      )}
    </form>
  );
}
