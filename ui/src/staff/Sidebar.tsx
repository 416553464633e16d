import { useEffect, useRef, useState } from 'preact/hooks';
import { get, post, seg } from '../lib/api';
import { t, tv, useLang } from '../lib/i18n';
import type { Contact, ContactWithMessages, KBArticle, KBHit, KBRecord, Notice } from '../lib/types';
import { dateTime } from '../lib/util';
import { Assist } from './Assist';
import { citizenLabel } from './ChatColumn';
import type { ChatItem } from './Desk';
import { errorText, notifyError } from './notify';
import { RecordingsToggle } from './Recordings';
import { names, useSession } from './session';
import { Marked } from '../lib/Marked';

type Tab = 'memo' | 'kb' | 'history' | 'notices';

export function Sidebar(props: {
  chat: ChatItem | null;
  onMemo(id: string, text: string): void;
  onInsert(id: string, text: string): void;
  notices: Notice[];
  onNoticeRead(id: string): void;
  unreadNotices: number;
}) {
  useLang();
  const [tab, setTab] = useState<Tab>('memo');
  const tabs: Tab[] = ['memo', 'kb', 'history', 'notices'];
  return (
    <aside class="sidebar card">
      <Assist chat={props.chat} onInsert={props.onInsert} />
      <div class="tabs" role="tablist">
        {tabs.map((x) => (
          <button
            type="button"
            role="tab"
            key={x}
            aria-selected={tab === x}
            class={tab === x ? 'on' : ''}
            data-testid={`side-${x}`}
            onClick={() => setTab(x)}
          >
            {t(`side_${x}`)}
            {x === 'notices' && props.unreadNotices > 0 && (
              <span class="badge" data-testid="notices-count">
                {props.unreadNotices}
              </span>
            )}
          </button>
        ))}
      </div>
      <div class="tab-body">
        {tab === 'memo' && <MemoPad chat={props.chat} onMemo={props.onMemo} />}
        {tab === 'kb' && <KnowledgeBase />}
        {tab === 'history' && <History contact={props.chat?.contact ?? null} />}
        {tab === 'notices' && <Notices notices={props.notices} onRead={props.onNoticeRead} />}
      </div>
    </aside>
  );
}

type SaveState = 'saving' | 'saved' | 'error';

function MemoPad(props: { chat: ChatItem | null; onMemo(id: string, text: string): void }) {
  const timers = useRef(new Map<string, { timer: ReturnType<typeof setTimeout>; text: string }>());
  const [status, setStatus] = useState<Record<string, SaveState>>({});

  const save = (id: string, text: string) => {
    timers.current.delete(id);
    setStatus((s) => ({ ...s, [id]: 'saving' }));
    post(`/api/contacts/${seg(id)}/memo`, { text })
      .then(() => setStatus((s) => ({ ...s, [id]: 'saved' })))
      .catch((err) => {
        setStatus((s) => ({ ...s, [id]: 'error' }));
        notifyError(err);
      });
  };

  // Leaving the desk writes what is still waiting for its debounce.
  useEffect(
    () => () => {
      for (const [id, p] of timers.current) {
        clearTimeout(p.timer);
        save(id, p.text);
      }
    },
    [],
  );

  if (!props.chat) return <p class="muted">{t('memo_no_chat')}</p>;
  const c = props.chat.contact;
  const st = status[c.id];
  return (
    <div class="memo">
      <div class="memo-head">
        <strong>{citizenLabel(c)}</strong>
        <span class="muted small" data-testid="memo-status">
          {st === 'saving' ? t('saving') : st === 'saved' ? t('saved') : st === 'error' ? t('save_failed') : ''}
        </span>
      </div>
      <textarea
        class="memo-pad"
        value={props.chat.memo}
        placeholder={t('memo_placeholder')}
        data-testid="memo"
        onInput={(e) => {
          const text = e.currentTarget.value;
          props.onMemo(c.id, text);
          const old = timers.current.get(c.id);
          if (old) clearTimeout(old.timer);
          timers.current.set(c.id, { text, timer: setTimeout(() => save(c.id, text), 800) });
        }}
      />
    </div>
  );
}

function KnowledgeBase() {
  const [q, setQ] = useState('');
  const [hits, setHits] = useState<KBHit[] | null>(null);
  const [article, setArticle] = useState<KBArticle | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');

  async function search(e: Event) {
    e.preventDefault();
    if (!q.trim()) return;
    setBusy(true);
    setError('');
    setArticle(null);
    try {
      setHits((await get<KBHit[]>(`/api/kb/search?q=${encodeURIComponent(q.trim())}`)) ?? []);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  // fallback: an article published today that is not in force yet is not
  // in search; the changed-today list shows it from its record.
  async function open(id: string, fallback?: KBArticle) {
    setError('');
    try {
      setArticle(await get<KBArticle>(`/api/kb/articles/${seg(id)}`));
    } catch (err) {
      if (fallback) setArticle(fallback);
      else setError(errorText(err));
    }
  }

  return (
    <div class="kb">
      <form class="kb-search" onSubmit={search} role="search">
        <input
          type="search"
          value={q}
          placeholder={t('kb_placeholder')}
          aria-label={t('kb_placeholder')}
          onInput={(e) => setQ(e.currentTarget.value)}
          data-testid="kb-search"
        />
        <button type="submit" disabled={busy} data-testid="kb-search-submit">
          {t('search')}
        </button>
      </form>
      {error && <p class="error">{error}</p>}
      {article ? (
        <div class="kb-article" data-testid="kb-article">
          <button type="button" class="link" onClick={() => setArticle(null)}>
            ← {t('back_to_results')}
          </button>
          <h3>{article.title}</h3>
          <p class="muted small">{[article.category, article.department].filter(Boolean).join(' · ')}</p>
          <div class="article-text">{article.body ?? article.text ?? article.content ?? ''}</div>
        </div>
      ) : !hits ? (
        <ChangedToday onOpen={open} />
      ) : (
        hits && (
          <ul class="kb-hits">
            {hits.length === 0 && <li class="muted">{t('no_results')}</li>}
            {hits.map((h) => (
              <li key={h.id}>
                <button type="button" class="hit" onClick={() => open(h.id)} data-testid="kb-result">
                  <strong>
                    <Marked text={h.title} spans={h.title_highlights} />
                  </strong>
                  <span class="snippet">
                    <Marked text={h.snippet} spans={h.highlights} />
                  </span>
                  <span class="muted small">{[h.category, h.department].filter(Boolean).join(' · ')}</span>
                </button>
              </li>
            ))}
          </ul>
        )
      )}
    </div>
  );
}

// Counselors are briefed daily on new city matters: the articles published
// since midnight, newest first, above the search results.
function ChangedToday(props: { onOpen(id: string, fallback?: KBArticle): void }) {
  const lang = useLang();
  const [list, setList] = useState<KBRecord[] | null>(null);
  useEffect(() => {
    get<KBRecord[]>('/api/kb/articles?live=true&published_since=today&limit=20')
      .then((r) => setList(r ?? []))
      .catch(() => setList([]));
  }, []);
  if (!list) return null;
  return (
    <div class="kb-today" data-testid="kb-today">
      <h4>{t('kb_changed_today')}</h4>
      <ul class="kb-hits">
        {list.length === 0 && <li class="muted">{t('kb_changed_none')}</li>}
        {list.map((a) => (
          <li key={a.id}>
            <button
              type="button"
              class="hit"
              onClick={() => props.onOpen(a.id, a.current ? { ...a.current, id: a.id } : undefined)}
              data-testid="kb-today-item"
            >
              <strong>{a.current?.title ?? a.id}</strong>
              <span class="muted small">
                {[
                  a.current?.category,
                  a.current?.department,
                  timeOf(a.published_at, lang),
                  a.current?.valid_from && new Date(a.current.valid_from) > new Date()
                    ? t('kb_valid_from', { date: dateTime(a.current.valid_from, lang) })
                    : '',
                ]
                  .filter(Boolean)
                  .join(' · ')}
              </span>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

function timeOf(iso: string | undefined, lang: string): string {
  if (!iso) return '';
  return new Date(iso).toLocaleTimeString(lang === 'ko' ? 'ko-KR' : 'en-GB', { hour: '2-digit', minute: '2-digit' });
}

function History(props: { contact: Contact | null }) {
  const lang = useLang();
  const { ref, me } = useSession();
  // A counselor hears only the calls they took; supervisors hear all.
  const mayHear = (c: Contact) => c.agent_id === me.user.id || (me.user.roles ?? []).some((r) => r === 'supervisor' || r === 'admin');
  const nm = names(ref);
  const cache = useRef(new Map<string, Contact[]>());
  const [list, setList] = useState<Contact[] | null>(null);
  const [error, setError] = useState('');
  const id = props.contact?.id;

  useEffect(() => {
    setError('');
    if (!id) return setList(null);
    const hit = cache.current.get(id);
    setList(hit ?? null);
    if (hit) return;
    let live = true;
    get<(Contact | ContactWithMessages)[]>(`/api/contacts/${seg(id)}/history`)
      .then((r) => {
        const cs = (r ?? []).map((x) => ('contact' in x && x.contact ? x.contact : (x as Contact)));
        cache.current.set(id, cs);
        if (live) setList(cs);
      })
      .catch((err) => live && setError(errorText(err)));
    return () => {
      live = false;
    };
  }, [id]);

  if (!props.contact) return <p class="muted">{t('memo_no_chat')}</p>;
  return (
    <div class="history" data-testid="history">
      <h3>{t('history_title')}</h3>
      {error && <p class="error">{error}</p>}
      {list === null && !error && <p class="muted">{t('loading')}</p>}
      {list?.length === 0 && <p class="muted">{t('history_none')}</p>}
      <ul>
        {list?.map((c) => (
          <li key={c.id} class="history-item" data-testid="history-item">
            <div class="small muted">
              {dateTime(c.created_at, lang)} · {tv('channel', c.channel)}
              {c.category ? ` · ${c.category}` : ''}
              {c.resolution ? ` · ${tv('resolution', c.resolution)}` : ''}
              {c.department_id ? ` → ${nm.department(c.department_id)}` : ''}
            </div>
            <div class="summary">{c.summary || t('no_summary')}</div>
            {c.channel === 'voice' && mayHear(c) && <RecordingsToggle contactId={c.id} />}
          </li>
        ))}
      </ul>
    </div>
  );
}

function Notices(props: { notices: Notice[]; onRead(id: string): void }) {
  const lang = useLang();
  const { me } = useSession();
  const [busy, setBusy] = useState('');
  if (props.notices.length === 0) return <p class="muted">{t('no_notices')}</p>;
  return (
    <ul class="notices">
      {props.notices.map((n) => {
        const read = (n.read_by ?? []).includes(me.user.id);
        return (
          <li key={n.id} class={`notice${read ? ' read' : ' unread'}`} data-testid="notice" data-read={read}>
            <h4>{n.title}</h4>
            <div class="body">{n.body}</div>
            <div class="small muted">
              {t('until')} {dateTime(n.expires_at, lang)}
            </div>
            {read ? (
              <span class="small ok">✓ {t('notice_read_done')}</span>
            ) : (
              <button
                type="button"
                class="primary small"
                disabled={busy === n.id}
                data-testid="notice-read"
                onClick={async () => {
                  setBusy(n.id);
                  try {
                    await post(`/api/notices/${seg(n.id)}/read`);
                    props.onRead(n.id);
                  } catch (err) {
                    notifyError(err);
                  } finally {
                    setBusy('');
                  }
                }}
              >
                {t('notice_confirm')}
              </button>
            )}
          </li>
        );
      })}
    </ul>
  );
}
