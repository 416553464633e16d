import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { get, post, put, seg } from '../lib/api';
import { t, tv, useLang, type Key } from '../lib/i18n';
import type { Department, Interpreter, Queue, Role, StoredEvent, Tenant, User } from '../lib/types';
import { dateTime, splitList } from '../lib/util';
import { errorText, notify, notifyError } from './notify';
import { useSession } from './session';

type Tab = 'tenants' | 'departments' | 'queues' | 'users' | 'interpreters' | 'events';
const tabs: Tab[] = ['tenants', 'departments', 'queues', 'users', 'interpreters', 'events'];

type DraftValue = string | boolean | string[];
type Draft = Record<string, DraftValue>;
interface Opt {
  value: string;
  label: string;
}

interface Field<T> {
  key: string;
  label: Key;
  input: 'text' | 'number' | 'select' | 'checks' | 'checkbox' | 'password';
  options?: Opt[];
  /** Only when creating (IDs the admin may choose). */
  newOnly?: boolean;
  hint?: Key;
  get(o: T): DraftValue;
  set(o: T, v: DraftValue): void;
  /** Table cell; absent for fields not shown in the table. */
  cell?(o: T): string;
  /** A message key when the draft value cannot be saved. */
  check?(v: DraftValue): Key | null;
}

/** Entry points that are dialled numbers (120, 02-120-1001), not chat slugs. */
export function phoneEntries(eps: string[] | null | undefined): string[] {
  return (eps ?? []).filter((e) => /^\+?[0-9][0-9 ()-]*$/.test(e.trim()));
}

const NS = 1e9;
const str = (v: DraftValue) => (typeof v === 'string' ? v : '');
const num = (v: DraftValue) => {
  const n = Number(str(v));
  return Number.isFinite(n) ? n : 0;
};
const secsOf = (ns?: number) => (ns ? String(Math.round(ns / NS)) : '');

interface Lists {
  tenants: Tenant[];
  departments: Department[];
  queues: Queue[];
  users: User[];
  interpreters: Interpreter[];
}

export function Admin(props: { tab?: string }) {
  useLang();
  const { reloadRef } = useSession();
  const tab: Tab = tabs.includes(props.tab as Tab) ? (props.tab as Tab) : 'tenants';
  const [lists, setLists] = useState<Lists>({ tenants: [], departments: [], queues: [], users: [], interpreters: [] });

  const load = useCallback((which: (keyof Lists)[] = ['tenants', 'departments', 'queues', 'users', 'interpreters']) => {
    for (const w of which) {
      get<unknown[]>(`/api/${w}`)
        .then((rows) => setLists((l) => ({ ...l, [w]: rows ?? [] })))
        .catch(notifyError);
    }
  }, []);
  useEffect(() => load(), [load]);

  const saved = (w: keyof Lists) => {
    load([w]);
    reloadRef();
  };

  const tenantOpts: Opt[] = lists.tenants.map((x) => ({ value: x.id, label: x.name }));
  const queueOpts: Opt[] = lists.queues.map((x) => ({ value: x.id, label: x.name }));
  const deptOpts: Opt[] = lists.departments.map((x) => ({ value: x.id, label: x.name }));
  const userOpts: Opt[] = lists.users.map((x) => ({ value: x.id, label: `${x.name} (${x.login})` }));
  const none: Opt = { value: '', label: '–' };
  const name = (opts: Opt[]) => (id?: string) => opts.find((o) => o.value === id)?.label ?? id ?? '';

  return (
    <div class="admin">
      <nav class="subnav">
        {tabs.map((x) => (
          <a key={x} href={`#/admin/${x}`} class={x === tab ? 'active' : ''} data-testid={`admin-${x}`}>
            {t(`admin_${x}`)}
          </a>
        ))}
      </nav>
      {tab === 'tenants' && (
        <Crud<Tenant>
          path="tenants"
          rows={lists.tenants}
          onSaved={() => saved('tenants')}
          blank={() => ({ id: '', name: '', kind: 'city', entry_points: [], default_queue: '' })}
          fields={[
            { key: 'id', label: 'id', input: 'text', newOnly: true, hint: 'id_hint', get: (o) => o.id, set: (o, v) => (o.id = str(v)), cell: (o) => o.id },
            { key: 'name', label: 'name', input: 'text', get: (o) => o.name, set: (o, v) => (o.name = str(v)), cell: (o) => o.name },
            {
              key: 'kind',
              label: 'tenant_kind',
              input: 'select',
              options: (['city', 'district', 'client'] as const).map((k) => ({ value: k, label: tv('tenant_kind', k) })),
              get: (o) => o.kind,
              set: (o, v) => (o.kind = str(v) as Tenant['kind']),
              cell: (o) => tv('tenant_kind', o.kind),
            },
            {
              key: 'parent_id',
              label: 'parent_tenant',
              input: 'select',
              options: [none, ...tenantOpts],
              get: (o) => o.parent_id ?? '',
              set: (o, v) => (o.parent_id = str(v) || undefined),
              cell: (o) => name(tenantOpts)(o.parent_id),
            },
            {
              key: 'entry_points',
              label: 'entry_points',
              input: 'text',
              hint: 'list_hint',
              get: (o) => (o.entry_points ?? []).join(', '),
              set: (o, v) => (o.entry_points = splitList(str(v))),
              cell: (o) => (o.entry_points ?? []).join(', '),
            },
            {
              key: 'recording_days',
              label: 'recording_days',
              input: 'number',
              hint: 'recording_days_hint',
              get: (o) => (o.recording_days ? String(o.recording_days) : ''),
              set: (o, v) => {
                const n = num(v);
                if (n > 0) o.recording_days = n;
                else delete o.recording_days;
              },
              // The server takes 1–3650 days; empty or 0 is its default.
              check: (v) => {
                const x = str(v).trim();
                return x === '' || (/^[0-9]+$/.test(x) && Number(x) <= 3650) ? null : 'recording_days_invalid';
              },
              cell: (o) => (o.recording_days ? String(o.recording_days) : '—'),
            },
            {
              key: 'default_queue',
              label: 'default_queue',
              input: 'select',
              options: [none, ...queueOpts],
              get: (o) => o.default_queue ?? '',
              set: (o, v) => (o.default_queue = str(v)),
              cell: (o) => name(queueOpts)(o.default_queue),
            },
            {
              key: 'bot',
              label: 'tenant_bot',
              input: 'checkbox',
              get: (o) => !!o.bot,
              set: (o, v) => (o.bot = v === true),
              cell: (o) => (o.bot ? t('yes') : ''),
            },
          ]}
          extraCols={[{ label: 'phone_numbers', cell: (o) => phoneEntries(o.entry_points).map((n) => `☎ ${n}`).join(', '), testid: 'tenant-phones' }]}
        />
      )}
      {tab === 'departments' && (
        <Crud<Department>
          path="departments"
          rows={lists.departments}
          onSaved={() => saved('departments')}
          blank={() => ({ id: '', tenant_id: lists.tenants[0]?.id ?? '', name: '' })}
          fields={[
            { key: 'id', label: 'id', input: 'text', newOnly: true, hint: 'id_hint', get: (o) => o.id, set: (o, v) => (o.id = str(v)) },
            { key: 'tenant_id', label: 'tenant', input: 'select', options: tenantOpts, get: (o) => o.tenant_id, set: (o, v) => (o.tenant_id = str(v)), cell: (o) => name(tenantOpts)(o.tenant_id) },
            { key: 'name', label: 'name', input: 'text', get: (o) => o.name, set: (o, v) => (o.name = str(v)), cell: (o) => o.name },
            { key: 'phone', label: 'phone', input: 'text', get: (o) => o.phone ?? '', set: (o, v) => (o.phone = str(v) || undefined), cell: (o) => o.phone ?? '' },
            { key: 'sip_uri', label: 'sip_uri', input: 'text', get: (o) => o.sip_uri ?? '', set: (o, v) => (o.sip_uri = str(v) || undefined), cell: (o) => o.sip_uri ?? '' },
          ]}
        />
      )}
      {tab === 'interpreters' && (
        // In-house interpreters are users whose phone is rung; external
        // lines (BBB and the like) a number through the trunk or a SIP URI.
        <Crud<Interpreter>
          path="interpreters"
          rows={lists.interpreters}
          onSaved={() => saved('interpreters')}
          blank={() => ({ id: '', tenant_id: lists.tenants[0]?.id ?? '', name: '', languages: [] })}
          fields={[
            { key: 'id', label: 'id', input: 'text', newOnly: true, hint: 'id_hint', get: (o) => o.id, set: (o, v) => (o.id = str(v)) },
            { key: 'tenant_id', label: 'tenant', input: 'select', options: tenantOpts, get: (o) => o.tenant_id, set: (o, v) => (o.tenant_id = str(v)), cell: (o) => name(tenantOpts)(o.tenant_id) },
            { key: 'name', label: 'name', input: 'text', get: (o) => o.name, set: (o, v) => (o.name = str(v)), cell: (o) => o.name },
            {
              key: 'languages',
              label: 'interp_languages',
              input: 'text',
              hint: 'interp_languages_hint',
              get: (o) => (o.languages ?? []).join(', '),
              set: (o, v) => (o.languages = splitList(str(v))),
              cell: (o) => (o.languages ?? []).map((l) => tv('calllang', l)).join(', '),
            },
            {
              key: 'user_id',
              label: 'interp_user',
              input: 'select',
              options: [none, ...userOpts],
              get: (o) => o.user_id ?? '',
              set: (o, v) => (o.user_id = str(v) || undefined),
              cell: (o) => name(userOpts)(o.user_id),
            },
            {
              key: 'address',
              label: 'interp_address',
              input: 'text',
              hint: 'interp_address_hint',
              get: (o) => o.address ?? '',
              set: (o, v) => (o.address = str(v).trim() || undefined),
              cell: (o) => o.address ?? '',
            },
            {
              key: 'disabled',
              label: 'interp_disabled',
              input: 'checkbox',
              get: (o) => !!o.disabled,
              set: (o, v) => (o.disabled = v === true),
              cell: (o) => (o.disabled ? t('yes') : ''),
            },
          ]}
        />
      )}
      {tab === 'queues' && (
        <Crud<Queue>
          path="queues"
          rows={lists.queues}
          onSaved={() => saved('queues')}
          blank={() => ({
            id: '',
            tenant_id: lists.tenants[0]?.id ?? '',
            name: '',
            skills: [],
            priority: 0,
            offer_timeout_ns: 20 * NS,
            service_level_ns: 20 * NS,
          })}
          fields={[
            { key: 'id', label: 'id', input: 'text', newOnly: true, hint: 'id_hint', get: (o) => o.id, set: (o, v) => (o.id = str(v)) },
            { key: 'tenant_id', label: 'tenant', input: 'select', options: tenantOpts, get: (o) => o.tenant_id, set: (o, v) => (o.tenant_id = str(v)), cell: (o) => name(tenantOpts)(o.tenant_id) },
            { key: 'name', label: 'name', input: 'text', get: (o) => o.name, set: (o, v) => (o.name = str(v)), cell: (o) => o.name },
            {
              key: 'skills',
              label: 'skills',
              input: 'text',
              hint: 'skills_hint',
              get: (o) => (o.skills ?? []).join(', '),
              set: (o, v) => (o.skills = splitList(str(v))),
              cell: (o) => (o.skills ?? []).join(', '),
            },
            { key: 'priority', label: 'priority', input: 'number', get: (o) => String(o.priority ?? 0), set: (o, v) => (o.priority = num(v)), cell: (o) => String(o.priority ?? 0) },
            {
              key: 'overflow_queue',
              label: 'overflow_queue',
              input: 'select',
              options: [none, ...queueOpts],
              get: (o) => o.overflow_queue ?? '',
              set: (o, v) => (o.overflow_queue = str(v) || undefined),
              cell: (o) => name(queueOpts)(o.overflow_queue),
            },
            {
              key: 'overflow_after',
              label: 'overflow_after_secs',
              input: 'number',
              get: (o) => secsOf(o.overflow_after_ns),
              set: (o, v) => (o.overflow_after_ns = str(v) ? num(v) * NS : undefined),
              cell: (o) => secsOf(o.overflow_after_ns),
            },
            {
              key: 'offer_timeout',
              label: 'offer_timeout_secs',
              input: 'number',
              get: (o) => secsOf(o.offer_timeout_ns),
              set: (o, v) => (o.offer_timeout_ns = num(v) * NS),
              cell: (o) => secsOf(o.offer_timeout_ns),
            },
            {
              key: 'service_level',
              label: 'service_level_secs',
              input: 'number',
              get: (o) => secsOf(o.service_level_ns),
              set: (o, v) => (o.service_level_ns = num(v) * NS),
              cell: (o) => secsOf(o.service_level_ns),
            },
          ]}
        />
      )}
      {tab === 'users' && (
        <Crud<User>
          path="users"
          rows={lists.users}
          onSaved={() => saved('users')}
          blank={() => ({
            id: '',
            tenant_id: lists.tenants[0]?.id ?? '',
            login: '',
            name: '',
            roles: ['counselor'],
            skills: [],
            capacity: { voice: 1, chat: 3, video: 1, sms: 5 },
            disabled: false,
          })}
          fields={[
            { key: 'tenant_id', label: 'tenant', input: 'select', options: tenantOpts, get: (o) => o.tenant_id, set: (o, v) => (o.tenant_id = str(v)), cell: (o) => name(tenantOpts)(o.tenant_id) },
            { key: 'login', label: 'login_id', input: 'text', get: (o) => o.login, set: (o, v) => (o.login = str(v)), cell: (o) => o.login },
            { key: 'name', label: 'name', input: 'text', get: (o) => o.name, set: (o, v) => (o.name = str(v)), cell: (o) => o.name },
            {
              key: 'roles',
              label: 'roles',
              input: 'checks',
              options: (['counselor', 'supervisor', 'admin', 'department'] as Role[]).map((r) => ({ value: r, label: tv('role', r) })),
              get: (o) => o.roles ?? [],
              set: (o, v) => (o.roles = (Array.isArray(v) ? v : []) as Role[]),
              cell: (o) => (o.roles ?? []).map((r) => tv('role', r)).join(', '),
            },
            {
              key: 'department_id',
              label: 'department',
              input: 'select',
              options: [none, ...deptOpts],
              get: (o) => o.department_id ?? '',
              set: (o, v) => (o.department_id = str(v) || undefined),
              cell: (o) => name(deptOpts)(o.department_id),
            },
            {
              key: 'skills',
              label: 'skills',
              input: 'text',
              hint: 'skills_hint',
              get: (o) => (o.skills ?? []).join(', '),
              set: (o, v) => (o.skills = splitList(str(v))),
              cell: (o) => (o.skills ?? []).join(', '),
            },
            {
              key: 'cap_chat',
              label: 'capacity_chat',
              input: 'number',
              get: (o) => String(o.capacity?.chat ?? 0),
              set: (o, v) => (o.capacity = { ...(o.capacity ?? {}), chat: num(v) }),
              cell: (o) => String(o.capacity?.chat ?? 0),
            },
            {
              key: 'cap_voice',
              label: 'capacity_voice',
              input: 'number',
              get: (o) => String(o.capacity?.voice ?? 0),
              set: (o, v) => (o.capacity = { ...(o.capacity ?? {}), voice: num(v) }),
              cell: (o) => String(o.capacity?.voice ?? 0),
            },
            {
              key: 'disabled',
              label: 'disabled',
              input: 'checkbox',
              get: (o) => !!o.disabled,
              set: (o, v) => (o.disabled = v === true),
              cell: (o) => (o.disabled ? t('yes') : ''),
            },
            {
              key: 'password',
              label: 'password',
              input: 'password',
              hint: 'password_hint',
              get: () => '',
              set: (o, v) => {
                if (str(v)) o.password = str(v);
                else delete o.password;
              },
            },
            {
              key: 'sip_password',
              label: 'sip_password',
              input: 'password',
              hint: 'sip_password_hint',
              get: () => '',
              set: (o, v) => {
                if (str(v)) o.sip_password = str(v);
                else delete o.sip_password;
              },
              // The server counts characters as Go runes; so does [...s].
              check: (v) => {
                const n = [...str(v)].length;
                return n === 0 || (n >= 8 && n <= 72) ? null : 'sip_password_length';
              },
            },
          ]}
        />
      )}
      {tab === 'events' && <Events users={lists.users} />}
    </div>
  );
}

function Crud<T extends { id: string }>(props: {
  path: string;
  rows: T[];
  fields: Field<T>[];
  blank(): T;
  onSaved(): void;
  /** Read-only table columns derived from a row. */
  extraCols?: { label: Key; cell(o: T): string; testid?: string }[];
}) {
  useLang();
  const [editing, setEditing] = useState<T | null>(null); // null: the form makes a new one
  const [draft, setDraft] = useState<Draft>(() => draftOf(props.fields, props.blank()));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');

  function draftOf(fields: Field<T>[], o: T): Draft {
    const d: Draft = {};
    for (const f of fields) d[f.key] = f.get(o);
    return d;
  }

  function startNew() {
    setEditing(null);
    setDraft(draftOf(props.fields, props.blank()));
    setError('');
  }
  function startEdit(o: T) {
    setEditing(o);
    setDraft(draftOf(props.fields, o));
    setError('');
  }

  async function submit(e: Event) {
    e.preventDefault();
    for (const f of props.fields) {
      const bad = f.check?.(draft[f.key]);
      if (bad) return setError(t(bad));
    }
    setBusy(true);
    setError('');
    const o = structuredClone(editing ?? props.blank()) as T;
    for (const f of props.fields) {
      if (f.newOnly && editing) continue;
      f.set(o, draft[f.key]);
    }
    try {
      if (editing) await put(`/api/${props.path}/${seg(editing.id)}`, o);
      else {
        const body = { ...o } as Record<string, unknown>;
        if (!body.id) delete body.id;
        await post(`/api/${props.path}`, body);
      }
      notify(t('saved'));
      props.onSaved();
      startNew();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  const cols = props.fields.filter((f) => f.cell);
  const extra = props.extraCols ?? [];
  return (
    <div class="crud">
      <section class="card">
        <table class="table" data-testid={`table-${props.path}`}>
          <thead>
            <tr>
              {cols.map((f) => (
                <th key={f.key}>{t(f.label)}</th>
              ))}
              {extra.map((x) => (
                <th key={x.label}>{t(x.label)}</th>
              ))}
              <th />
            </tr>
          </thead>
          <tbody>
            {props.rows.length === 0 && (
              <tr>
                <td colSpan={cols.length + extra.length + 1} class="muted">
                  {t('none')}
                </td>
              </tr>
            )}
            {props.rows.map((o) => (
              <tr key={o.id} class={editing?.id === o.id ? 'selected' : ''} data-testid="row" data-id={o.id}>
                {cols.map((f) => (
                  <td key={f.key}>{f.cell?.(o)}</td>
                ))}
                {extra.map((x) => (
                  <td key={x.label} data-testid={x.testid}>
                    {x.cell(o)}
                  </td>
                ))}
                <td>
                  <button type="button" class="small ghost" onClick={() => startEdit(o)} data-testid="edit">
                    {t('edit')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <form class="card crud-form" onSubmit={submit} data-testid={`form-${props.path}`}>
        <h3>{editing ? `${t('edit')}: ${editing.id}` : t('new')}</h3>
        {props.fields.map((f) => {
          if (f.newOnly && editing) return null;
          const v = draft[f.key];
          const set = (nv: DraftValue) => setDraft((d) => ({ ...d, [f.key]: nv }));
          const tid = `field-${f.key}`;
          let input;
          switch (f.input) {
            case 'select':
              input = (
                <select value={str(v)} onChange={(e) => set(e.currentTarget.value)} data-testid={tid}>
                  {(f.options ?? []).map((o) => (
                    <option key={o.value} value={o.value}>
                      {o.label}
                    </option>
                  ))}
                </select>
              );
              break;
            case 'checks': {
              const on = Array.isArray(v) ? v : [];
              input = (
                <span class="checks" data-testid={tid}>
                  {(f.options ?? []).map((o) => (
                    <label key={o.value} class="inline">
                      <input
                        type="checkbox"
                        value={o.value}
                        checked={on.includes(o.value)}
                        onChange={(e) =>
                          set(e.currentTarget.checked ? [...on, o.value] : on.filter((x) => x !== o.value))
                        }
                      />
                      {o.label}
                    </label>
                  ))}
                </span>
              );
              break;
            }
            case 'checkbox':
              input = <input type="checkbox" checked={v === true} onChange={(e) => set(e.currentTarget.checked)} data-testid={tid} />;
              break;
            case 'password':
              input = (
                <input
                  type="password"
                  autocomplete="new-password"
                  value={str(v)}
                  onInput={(e) => set(e.currentTarget.value)}
                  data-testid={tid}
                />
              );
              break;
            case 'number':
              input = (
                <input type="number" value={str(v)} onInput={(e) => set(e.currentTarget.value)} data-testid={tid} />
              );
              break;
            default:
              input = (
                <input
                  type="text"
                  autocomplete="off"
                  value={str(v)}
                  onInput={(e) => set(e.currentTarget.value)}
                  data-testid={tid}
                />
              );
          }
          return (
            <label key={f.key} class={f.input === 'checkbox' ? 'inline' : ''}>
              <span>{t(f.label)}</span>
              {input}
              {f.hint && <span class="hint small muted">{t(f.hint)}</span>}
            </label>
          );
        })}
        {error && (
          <p class="error" role="alert" data-testid="form-error">
            {error}
          </p>
        )}
        <div class="actions">
          {editing && (
            <button type="button" class="ghost" onClick={startNew}>
              {t('cancel')}
            </button>
          )}
          <button type="submit" class="primary" disabled={busy} data-testid="form-submit">
            {editing ? t('save') : t('create')}
          </button>
        </div>
      </form>
    </div>
  );
}

const PAGE = 100;

function Events(props: { users: User[] }) {
  const lang = useLang();
  const [events, setEvents] = useState<StoredEvent[]>([]);
  const [from, setFrom] = useState('0');
  const [more, setMore] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const userName = useMemo(() => {
    const m = new Map(props.users.map((u) => [u.id, u.name]));
    return (id?: string) => (id ? (m.get(id) ?? id) : '');
  }, [props.users]);

  async function load(after: number, append: boolean) {
    setBusy(true);
    setError('');
    try {
      const evs = (await get<StoredEvent[]>(`/api/events?after=${after}&limit=${PAGE}`)) ?? [];
      setEvents((old) => (append ? [...old, ...evs] : evs));
      setMore(evs.length === PAGE);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  useEffect(() => {
    void load(0, false);
  }, []);

  return (
    <section class="card events">
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          void load(Number(from) || 0, false);
        }}
      >
        <label class="inline">
          {t('events_after')}
          <input type="number" min={0} value={from} onInput={(e) => setFrom(e.currentTarget.value)} data-testid="events-after" />
        </label>
        <button type="submit" disabled={busy}>
          {t('show')}
        </button>
      </form>
      {error && <p class="error">{error}</p>}
      <table class="table small" data-testid="events-table">
        <thead>
          <tr>
            <th class="num">seq</th>
            <th>{t('time')}</th>
            <th>{t('event_type')}</th>
            <th>{t('actor')}</th>
            <th>{t('target')}</th>
            <th>{t('data')}</th>
          </tr>
        </thead>
        <tbody>
          {events.map((ev) => (
            <tr key={ev.id} data-testid="event-row">
              <td class="num">{ev.seq}</td>
              <td class="nowrap">{dateTime(ev.at, lang)}</td>
              <td class="mono">{ev.type}</td>
              <td>{userName(ev.actor_id) || t('system_or_citizen')}</td>
              <td class="mono small">
                {[ev.contact_id && `contact ${ev.contact_id}`, ev.agent_id && `agent ${userName(ev.agent_id)}`, ev.queue_id && `queue ${ev.queue_id}`]
                  .filter(Boolean)
                  .join(' · ')}
              </td>
              <td>
                {ev.data !== undefined && ev.data !== null && (
                  <details>
                    <summary class="mono">{JSON.stringify(ev.data).slice(0, 60)}</summary>
                    <pre>{JSON.stringify(ev.data, null, 2)}</pre>
                  </details>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {more && (
        <button type="button" disabled={busy} onClick={() => load(events[events.length - 1]?.seq ?? 0, true)} data-testid="events-more">
          {t('more')}
        </button>
      )}
      {events.length === 0 && !busy && <p class="muted">{t('none')}</p>}
    </section>
  );
}
