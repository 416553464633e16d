import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { get, post, seg } from '../lib/api';
import { t, tv, useLang } from '../lib/i18n';
import { mergeMessages } from '../lib/messages';
import type { Contact, Handoff, HandoffState, Message } from '../lib/types';
import { dateTime } from '../lib/util';
import { citizenLabel } from './ChatColumn';
import { Dialer } from './Dialer';
import { errorText, notify } from './notify';
import { go, names, useSession } from './session';
import { Transcript } from './Transcript';

const states: HandoffState[] = ['open', 'accepted', 'done'];

/** The department officer's inbox of matters handed over by counselors. */
export function Handoffs(props: { openId?: string }) {
  const lang = useLang();
  const [filter, setFilter] = useState<HandoffState>('open');
  const [list, setList] = useState<Handoff[] | null>(null);
  const [error, setError] = useState('');

  const load = useCallback(() => {
    setError('');
    get<Handoff[]>(`/api/handoffs?state=${filter}`)
      .then((r) => setList(r ?? []))
      .catch((err) => setError(errorText(err)));
  }, [filter]);

  useEffect(load, [load]);
  // A quiet refresh so new hand-offs show without a reload.
  useEffect(() => {
    const id = setInterval(load, 30_000);
    return () => clearInterval(id);
  }, [load]);

  return (
    <div class="handoffs">
      <section class="card list">
        <Dialer />
        <div class="tabs" role="tablist">
          {states.map((s) => (
            <button
              type="button"
              role="tab"
              key={s}
              aria-selected={filter === s}
              class={filter === s ? 'on' : ''}
              data-testid={`handoffs-${s}`}
              onClick={() => setFilter(s)}
            >
              {tv('hstate', s)}
            </button>
          ))}
        </div>
        {error && <p class="error">{error}</p>}
        {list === null && !error && <p class="muted">{t('loading')}</p>}
        {list?.length === 0 && <p class="muted">{t('no_handoffs')}</p>}
        <ul class="handoff-list">
          {list?.map((h) => (
            <li key={h.id}>
              <a
                href={`#/handoffs/${encodeURIComponent(h.id)}`}
                class={`handoff-row${props.openId === h.id ? ' selected' : ''}`}
                data-testid="handoff-row"
                data-id={h.id}
                data-state={h.state}
              >
                <span class="small muted">
                  {dateTime(h.created_at, lang)} · {tv('hstate', h.state)}
                  {h.contact?.category ? ` · ${h.contact.category}` : ''}
                </span>
                <span class="summary">{h.summary}</span>
              </a>
            </li>
          ))}
        </ul>
      </section>
      {props.openId ? (
        <HandoffDetail id={props.openId} onChanged={load} key={props.openId} />
      ) : (
        <section class="card detail muted">{t('handoff_pick')}</section>
      )}
    </div>
  );
}

function HandoffDetail(props: { id: string; onChanged(): void }) {
  const lang = useLang();
  const { ref } = useSession();
  const nm = useMemo(() => names(ref), [ref]);
  const [data, setData] = useState<{ handoff: Handoff; contact: Contact; messages: Message[] } | null>(null);
  const [reply, setReply] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');

  useEffect(() => {
    get<{ handoff: Handoff; contact: Contact; messages: Message[] | null }>(`/api/handoffs/${seg(props.id)}`)
      .then((d) => {
        setData({ ...d, messages: mergeMessages([], d.messages ?? []) });
        setReply(d.handoff.reply ?? '');
      })
      .catch((err) => setError(errorText(err)));
  }, [props.id]);

  async function update(state: HandoffState) {
    if (state === 'done' && !reply.trim()) return setError(t('handoff_need_reply'));
    setBusy(true);
    setError('');
    try {
      const body: { state: HandoffState; reply?: string } = { state };
      if (reply.trim()) body.reply = reply.trim();
      const h = await post<Handoff>(`/api/handoffs/${seg(props.id)}`, body);
      setData((d) => (d ? { ...d, handoff: h } : d));
      notify(t('saved'));
      props.onChanged();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  if (!data)
    return <section class="card detail">{error ? <p class="error">{error}</p> : <p class="muted">{t('loading')}</p>}</section>;
  const { handoff: h, contact: c } = data;
  return (
    <section class="card detail" data-testid="handoff-detail" data-state={h.state}>
      <header class="detail-head">
        <h2>{c ? citizenLabel(c) : h.contact_id}</h2>
        <button type="button" class="ghost small" onClick={() => go('#/handoffs')}>
          {t('close')}
        </button>
      </header>
      <dl class="facts">
        <dt>{t('state')}</dt>
        <dd>{tv('hstate', h.state)}</dd>
        <dt>{t('received')}</dt>
        <dd>{dateTime(h.created_at, lang)}</dd>
        <dt>{t('from_counselor')}</dt>
        <dd>{nm.agent(h.created_by)}</dd>
        {c?.category && (
          <>
            <dt>{t('category')}</dt>
            <dd>{c.category}</dd>
          </>
        )}
        <dt>{t('channel')}</dt>
        <dd>{c ? tv('channel', c.channel) : ''}</dd>
      </dl>
      <h3>{t('summary')}</h3>
      <div class="prose" data-testid="handoff-summary">
        {h.summary}
      </div>
      {h.note && (
        <>
          <h3>{t('counselor_note')}</h3>
          <div class="prose" data-testid="handoff-note">
            {h.note}
          </div>
        </>
      )}
      <h3>{t('transcript')}</h3>
      <Transcript messages={data.messages} agentName={nm.agent} />
      <h3>{t('reply')}</h3>
      <textarea
        rows={4}
        value={reply}
        disabled={h.state === 'done'}
        onInput={(e) => setReply(e.currentTarget.value)}
        placeholder={t('reply_placeholder')}
        data-testid="handoff-reply"
      />
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="actions">
        {h.state === 'open' && (
          <button type="button" disabled={busy} onClick={() => update('accepted')} data-testid="handoff-accept">
            {t('handoff_accept')}
          </button>
        )}
        {h.state !== 'done' && (
          <button type="button" class="primary" disabled={busy} onClick={() => update('done')} data-testid="handoff-done">
            {t('handoff_done')}
          </button>
        )}
      </div>
    </section>
  );
}
