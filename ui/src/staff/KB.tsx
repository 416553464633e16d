// The knowledge-base management page: the article list, the editor with
// version history, the supervisors' approval queue, import with a progress
// bar, export and the synonym dictionary. Bodies are shown as text, never
// as HTML: a manual copied from a web page keeps its tags as characters.
import { useCallback, useEffect, useState } from 'preact/hooks';
import { basePath, get, getCsrf, post, put, seg } from '../lib/api';
import { t, tv, useLang } from '../lib/i18n';
import type { KBRecord, KBVersion } from '../lib/types';
import { dateTime, splitList } from '../lib/util';
import { errorText, notify, notifyError } from './notify';
import { hasRole, useSession } from './session';

type Tab = 'articles' | 'queue' | 'import' | 'dictionary';

export function KB(props: { tab?: string; id?: string }) {
  const lang = useLang();
  const { me } = useSession();
  const sup = hasRole(me.user, 'supervisor');
  const admin = hasRole(me.user, 'admin');
  const tabs: Tab[] = ['articles', ...(sup ? (['queue'] as Tab[]) : []), 'import', ...(admin ? (['dictionary'] as Tab[]) : [])];
  const tab: Tab = tabs.includes(props.tab as Tab) ? (props.tab as Tab) : 'articles';
  return (
    <div class="admin kbm" lang={lang}>
      <nav class="subnav">
        {tabs.map((x) => (
          <a key={x} href={`#/kb/${x}`} class={x === tab ? 'active' : ''} data-testid={`kbm-tab-${x}`}>
            {t(`kbm_tab_${x}`)}
          </a>
        ))}
      </nav>
      {(tab === 'articles' || tab === 'queue') && <Articles pending={tab === 'queue'} openId={props.id} tab={tab} />}
      {tab === 'import' && <Import canPublish={sup} />}
      {tab === 'dictionary' && <Dictionary />}
    </div>
  );
}

function Articles(props: { pending: boolean; openId?: string; tab: Tab }) {
  const lang = useLang();
  const [rows, setRows] = useState<KBRecord[]>([]);
  const [q, setQ] = useState('');
  const load = useCallback(() => {
    const params = new URLSearchParams();
    if (props.pending) params.set('pending', 'true');
    if (q.trim()) params.set('q', q.trim());
    get<KBRecord[]>(`/api/kb/articles?${params}`)
      .then((r) => setRows(r ?? []))
      .catch(notifyError);
  }, [props.pending, q]);
  useEffect(load, [props.pending]);
  const open = (id: string) => (location.hash = `#/kb/${props.tab}/${encodeURIComponent(id)}`);

  return (
    <div class="crud">
      <section class="card">
        <form
          class="kb-search"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            load();
          }}
        >
          <input type="search" value={q} placeholder={t('kbm_filter')} aria-label={t('kbm_filter')} onInput={(e) => setQ(e.currentTarget.value)} />
          <button type="submit">{t('search')}</button>
          {!props.pending && (
            <button type="button" class="primary" onClick={() => open('new')} data-testid="kbm-new">
              {t('kbm_new')}
            </button>
          )}
        </form>
        <table class="table" data-testid="kbm-table">
          <thead>
            <tr>
              <th>{t('kbm_title')}</th>
              <th>{t('kbm_category')}</th>
              <th>{t('kbm_status')}</th>
              <th>{t('kbm_updated')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 && (
              <tr>
                <td colSpan={4} class="muted">
                  {props.pending ? t('kbm_queue_empty') : t('no_results')}
                </td>
              </tr>
            )}
            {rows.map((a) => (
              <tr key={a.id} class={a.id === props.openId ? 'selected' : ''} onClick={() => open(a.id)} data-testid="kbm-row">
                <td>
                  <a href={`#/kb/${props.tab}/${encodeURIComponent(a.id)}`}>{a.draft?.title ?? a.current?.title ?? a.id}</a>
                </td>
                <td>{a.current?.category}</td>
                <td>{statusOf(a)}</td>
                <td>{dateTime(a.updated_at, lang)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      {props.openId && <Editor key={props.openId} id={props.openId} onChanged={load} />}
    </div>
  );
}

function statusOf(a: KBRecord): string {
  const parts: string[] = [];
  if (a.retired) parts.push(tv('kbm_state', 'retired'));
  else if (a.live_version > 0) parts.push(`${tv('kbm_state', 'published')} v${a.live_version}`);
  if (a.draft) parts.push(`${tv('kbm_state', a.draft.state)} v${a.draft.version}`);
  return parts.join(' · ');
}

interface Form {
  id: string;
  title: string;
  body: string;
  category: string;
  department: string;
  tags: string;
  questions: string;
  valid_from: string;
  valid_to: string;
}

const blank: Form = { id: '', title: '', body: '', category: '', department: '', tags: '', questions: '', valid_from: '', valid_to: '' };

// Dates are picked as days in the browser's zone (the center's, in practice).
const toDay = (iso?: string) => (iso ? new Date(new Date(iso).getTime() - new Date(iso).getTimezoneOffset() * 60000).toISOString().slice(0, 10) : '');
const fromDay = (day: string) => (day ? new Date(`${day}T00:00:00`).toISOString() : undefined);

function formOf(v: KBVersion): Form {
  return {
    id: v.article_id,
    title: v.title,
    body: v.body,
    category: v.category,
    department: v.department,
    tags: (v.tags ?? []).join(', '),
    questions: (v.questions ?? []).join('\n'),
    valid_from: toDay(v.valid_from),
    valid_to: toDay(v.valid_to),
  };
}

function Editor(props: { id: string; onChanged(): void }) {
  const lang = useLang();
  const { me, ref } = useSession();
  const sup = hasRole(me.user, 'supervisor');
  const isNew = props.id === 'new';
  const [history, setHistory] = useState<{ article: KBRecord; versions: KBVersion[] } | null>(null);
  const [form, setForm] = useState<Form>(blank);
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState('');

  const load = useCallback(() => {
    if (isNew) return;
    get<{ article: KBRecord; versions: KBVersion[] }>(`/api/kb/articles/${seg(props.id)}/versions`)
      .then((h) => {
        setHistory(h);
        const v = h.article.draft ?? h.article.current;
        if (v) setForm(formOf(v));
      })
      .catch(notifyError);
  }, [props.id]);
  useEffect(load, [load]);

  const set = (k: keyof Form) => (e: Event) => setForm({ ...form, [k]: (e.currentTarget as HTMLInputElement).value });

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

  function save(submit: boolean) {
    const body = {
      id: isNew ? form.id.trim() || undefined : undefined,
      title: form.title,
      body: form.body,
      category: form.category,
      department: form.department,
      tags: splitList(form.tags),
      questions: form.questions.split('\n').map((x) => x.trim()).filter(Boolean),
      valid_from: fromDay(form.valid_from),
      valid_to: fromDay(form.valid_to),
      submit,
    };
    act(async () => {
      const v = isNew ? await post<KBVersion>('/api/kb/articles', body) : await put<KBVersion>(`/api/kb/articles/${seg(props.id)}`, body);
      if (isNew) location.hash = `#/kb/articles/${encodeURIComponent(v.article_id)}`;
    }, submit ? t('kbm_submitted') : t('kbm_saved'));
  }

  const draft = history?.article.draft;
  const decide = (what: 'approve' | 'reject') =>
    act(() => post(`/api/kb/articles/${seg(props.id)}/${what}`, { version: draft?.version, note: note || undefined }), t(`kbm_${what}d`));
  const name = (id?: string) => (id ? ((ref.agents ?? []).find((a) => a.id === id)?.name ?? id) : '');

  return (
    <section class="card crud-form kbm-editor" data-testid="kbm-editor">
      <h3>{isNew ? t('kbm_new') : `${props.id}`}</h3>
      {isNew && (
        <label>
          {t('id')}
          <input value={form.id} onInput={set('id')} data-testid="kbm-id" />
        </label>
      )}
      <label>
        {t('kbm_title')}
        <input value={form.title} onInput={set('title')} required data-testid="kbm-title-input" />
      </label>
      <label>
        {t('kbm_body')}
        <textarea rows={8} value={form.body} onInput={set('body')} data-testid="kbm-body" />
      </label>
      <label>
        {t('kbm_category')}
        <select value={form.category} onChange={set('category')}>
          <option value="">–</option>
          {[...new Set([...(ref.categories ?? []), form.category].filter(Boolean))].map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('kbm_department')}
        <input value={form.department} onInput={set('department')} list="kbm-departments" />
        <datalist id="kbm-departments">
          {(ref.departments ?? []).map((d) => (
            <option key={d.id} value={d.name} />
          ))}
        </datalist>
      </label>
      <label>
        {t('kbm_tags')}
        <input value={form.tags} onInput={set('tags')} />
      </label>
      <label>
        {t('kbm_questions')}
        <textarea rows={3} value={form.questions} onInput={set('questions')} />
      </label>
      <div class="row">
        <label>
          {t('kbm_valid_from')}
          <input type="date" value={form.valid_from} onInput={set('valid_from')} />
        </label>
        <label>
          {t('kbm_valid_to')}
          <input type="date" value={form.valid_to} onInput={set('valid_to')} />
        </label>
      </div>
      <div class="row">
        <button type="button" disabled={busy} onClick={() => save(false)} data-testid="kbm-save">
          {t('kbm_save_draft')}
        </button>
        <button type="button" class="primary" disabled={busy} onClick={() => save(true)} data-testid="kbm-submit">
          {t('kbm_save_submit')}
        </button>
      </div>
      {sup && draft && (
        <div class="kbm-decide" data-testid="kbm-decide">
          <p class="muted small">{t('kbm_open_draft', { v: draft.version, state: tv('kbm_state', draft.state), who: name(draft.author_id) })}</p>
          <input value={note} placeholder={t('kbm_note')} aria-label={t('kbm_note')} onInput={(e) => setNote(e.currentTarget.value)} />
          <div class="row">
            <button type="button" class="primary" disabled={busy} onClick={() => decide('approve')} data-testid="kbm-approve">
              {t('kbm_approve')}
            </button>
            <button type="button" disabled={busy || !note.trim()} onClick={() => decide('reject')} data-testid="kbm-reject">
              {t('kbm_reject')}
            </button>
          </div>
        </div>
      )}
      {sup && history && history.article.live_version > 0 && (
        <button
          type="button"
          class="link"
          disabled={busy}
          onClick={() => confirm(t('kbm_retire_confirm')) && act(() => post(`/api/kb/articles/${seg(props.id)}/retire`, { note }), t('kbm_retired'))}
        >
          {t('kbm_retire')}
        </button>
      )}
      {history && (
        <div class="kbm-versions">
          <h4>{t('kbm_versions')}</h4>
          <ol reversed data-testid="kbm-versions">
            {history.versions.map((v) => (
              <li key={v.version}>
                v{v.version} · {tv('kbm_state', v.state)} · {name(v.author_id)} · {dateTime(v.created_at, lang)}
                {v.decided_by && ` · ${t('kbm_decided_by', { who: name(v.decided_by) })}`}
                {v.note && <span class="muted"> — {v.note}</span>}
              </li>
            ))}
          </ol>
        </div>
      )}
    </section>
  );
}

interface Progress {
  stage: string;
  done?: number;
  total?: number;
  result?: { created: number; updated: number; unchanged: number; published: boolean };
  error?: { code: string; message: string };
}

// Import uses XMLHttpRequest: fetch cannot report upload progress, and the
// server's NDJSON progress lines are read from the growing response text.
function Import(props: { canPublish: boolean }) {
  const [files, setFiles] = useState<FileList | null>(null);
  const [publish, setPublish] = useState(false);
  const [sent, setSent] = useState(0);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');

  function start(e: Event) {
    e.preventDefault();
    if (!files || files.length === 0) return;
    const fd = new FormData();
    for (const f of Array.from(files)) fd.append('file', f, f.name);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `${basePath}api/kb/import${publish ? '?publish=true' : ''}`);
    xhr.setRequestHeader('X-CSRF-Token', getCsrf());
    setBusy(true);
    setError('');
    setProgress(null);
    setSent(0);
    xhr.upload.onprogress = (ev) => ev.lengthComputable && setSent(ev.loaded / ev.total);
    const readLines = () => {
      const lines = xhr.responseText.split('\n').filter(Boolean);
      if (xhr.status === 200 && lines.length > 0) {
        try {
          setProgress(JSON.parse(lines[lines.length - 1]) as Progress);
        } catch {
          /* a line still arriving */
        }
      }
    };
    xhr.onprogress = readLines;
    xhr.onload = () => {
      setBusy(false);
      setSent(1);
      if (xhr.status !== 200) {
        try {
          setError((JSON.parse(xhr.responseText) as { error: { message: string } }).error.message);
        } catch {
          setError(`${xhr.status}`);
        }
        return;
      }
      readLines();
    };
    xhr.onerror = () => {
      setBusy(false);
      setError(t('err_network'));
    };
    xhr.send(fd);
  }

  const frac = progress?.total ? (progress.done ?? 0) / progress.total : 0;
  return (
    <section class="card kbm-import" data-testid="kbm-import">
      <form onSubmit={start} class="crud-form">
        <p class="muted small">{t('kbm_import_help')}</p>
        <input type="file" multiple accept=".jsonl,.ndjson,.csv,.md,.markdown" onChange={(e) => setFiles(e.currentTarget.files)} data-testid="kbm-file" />
        {props.canPublish && (
          <label class="inline">
            <input type="checkbox" checked={publish} onChange={(e) => setPublish(e.currentTarget.checked)} />
            {t('kbm_import_publish')}
          </label>
        )}
        <button type="submit" class="primary" disabled={busy || !files?.length} data-testid="kbm-import-start">
          {t('kbm_import_start')}
        </button>
      </form>
      {(busy || progress) && (
        <div class="kbm-progress">
          <label>
            {t('kbm_upload')}
            <progress max={1} value={sent} />
          </label>
          <label>
            {t('kbm_check')}
            <progress max={1} value={frac} data-testid="kbm-progress" />
            {progress?.total ? ` ${progress.done ?? 0}/${progress.total}` : ''}
          </label>
        </div>
      )}
      {progress?.result && (
        <p data-testid="kbm-import-result">{t('kbm_import_done', { created: progress.result.created, updated: progress.result.updated, unchanged: progress.result.unchanged })}</p>
      )}
      {(error || progress?.error) && <p class="error" data-testid="kbm-import-error">{error || progress?.error?.message}</p>}
      <h4>{t('kbm_export')}</h4>
      <p class="row">
        {(['jsonl', 'csv', 'md'] as const).map((f) => (
          <a key={f} class="button" href={`${basePath}api/kb/export?format=${f}`} download>
            {t(`kbm_export_${f}`)}
          </a>
        ))}
      </p>
    </section>
  );
}

// The dictionary is edited as text, one word a line: "등본: 주민등록등본, 등본발급".
function Dictionary() {
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const toText = (d: Record<string, string[]>) =>
    Object.keys(d)
      .sort()
      .map((k) => `${k}: ${d[k].join(', ')}`)
      .join('\n');
  useEffect(() => {
    get<{ entries: Record<string, string[]> }>('/api/kb/dictionary')
      .then((d) => setText(toText(d.entries ?? {})))
      .catch(notifyError);
  }, []);

  async function save(e: Event) {
    e.preventDefault();
    const entries: Record<string, string[]> = {};
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].trim();
      if (!line) continue;
      const at = line.indexOf(':');
      if (at <= 0) {
        setError(t('kbm_dict_bad_line', { n: i + 1 }));
        return;
      }
      entries[line.slice(0, at).trim()] = splitList(line.slice(at + 1));
    }
    setBusy(true);
    setError('');
    try {
      const d = await put<{ entries: Record<string, string[]> }>('/api/kb/dictionary', { entries });
      setText(toText(d.entries));
      notify(t('kbm_saved'));
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="card crud-form kbm-dict" onSubmit={save} data-testid="kbm-dictionary">
      <p class="muted small">{t('kbm_dict_help')}</p>
      <textarea rows={16} value={text} onInput={(e) => setText(e.currentTarget.value)} data-testid="kbm-dict-text" />
      {error && <p class="error">{error}</p>}
      <button type="submit" class="primary" disabled={busy}>
        {t('kbm_save')}
      </button>
    </form>
  );
}
