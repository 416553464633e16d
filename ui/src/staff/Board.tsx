import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, get, post, seg } from '../lib/api';
import { t, tv, useLang } from '../lib/i18n';
import { noteServerTime } from '../lib/clock';
import { useLatest, useNow } from '../lib/hooks';
import { mergeMessages } from '../lib/messages';
import type { Board as BoardData, BoardHour, CoachMode, ContactWithMessages, DeskFrame, Message, Notice } from '../lib/types';
import { clock, dateTime, elapsed, timeOfDay, toLocalInput } from '../lib/util';
import { citizenLabel, isSendKey } from './ChatColumn';
import { errorText, notify, notifyError } from './notify';
import { SoftphoneToggle, useSoftphone, type Leg, type Softphone } from './Softphone';
import { Transcript } from './Transcript';
import { useSocket } from './useSocket';
import type { Chart } from 'chart.js';

type BoardFrame = { type: 'board'; board: BoardData } | { type: 'error'; message?: string };

const pct = (x: number | undefined) => Math.round((x ?? 0) * 100);

export function Board() {
  const lang = useLang();
  const [board, setBoard] = useState<BoardData | null>(null);
  const [monitored, setMonitored] = useState<Record<string, ContactWithMessages>>({});
  // Calls this supervisor is on by phone, and in which mode.
  const [coaching, setCoaching] = useState<Record<string, CoachMode>>({});
  const now = useNow(1000);

  const take = useCallback((b: BoardData) => {
    noteServerTime(b.at);
    setBoard(b);
  }, []);

  const load = useCallback(() => {
    get<BoardData>('/api/board').then(take).catch(notifyError);
  }, [take]);

  useEffect(load, [load]);

  const boardSock = useSocket<BoardFrame>(
    'ws/board',
    true,
    (f) => {
      if (f.type === 'board') take(f.board);
    },
    load,
  );

  // Messages of monitored contacts come over the desk socket, opened only
  // while something is monitored, coached, or the browser phone is on: its
  // registration lives as long as that socket.
  const [phoneOn, setPhoneOn] = useState(false);
  const watching = Object.keys(monitored).length > 0 || Object.keys(coaching).length > 0 || phoneOn;
  const monRef = useRef(monitored);
  monRef.current = monitored;
  const refetchMonitored = useCallback(() => {
    for (const id of Object.keys(monRef.current)) {
      get<ContactWithMessages>(`/api/contacts/${seg(id)}`)
        .then((cm) =>
          setMonitored((m) => (m[id] ? { ...m, [id]: { contact: cm.contact, messages: mergeMessages(m[id].messages ?? [], cm.messages ?? []) } } : m)),
        )
        .catch(() => undefined);
    }
  }, []);
  const deskSock = useSocket<DeskFrame>(
    'ws/desk',
    watching,
    (f) => {
      if (f.type === 'message') addMessage(f.message);
      else if (f.type === 'coach') setCoached(f.contact_id, f.mode);
      else if (f.type === 'softphone') phoneRef.current?.confirm(f.on);
      else if (f.type === 'contact')
        setMonitored((m) => (m[f.contact.id] ? { ...m, [f.contact.id]: { ...m[f.contact.id], contact: f.contact } } : m));
    },
    refetchMonitored,
  );
  // The desk's softphone answers the ring of each call coached from here:
  // the server rings it as it rings a counselor's (sip/coach.go).
  const phone = useSoftphone(deskSock.send, watching && deskSock.status === 'open', Object.keys(coaching));
  const phoneRef = useLatest<Softphone | null>(phone);
  useEffect(() => setPhoneOn(phone.on), [phone.on]);

  // Leaving the board ends the monitoring it started.
  useEffect(
    () => () => {
      for (const id of Object.keys(monRef.current)) {
        post(`/api/contacts/${seg(id)}/monitor`, { on: false }).catch(() => undefined);
      }
    },
    [],
  );

  function addMessage(msg: Message) {
    setMonitored((m) => {
      const cur = m[msg.contact_id];
      if (!cur) return m;
      return { ...m, [msg.contact_id]: { ...cur, messages: mergeMessages(cur.messages ?? [], [msg]) } };
    });
  }

  function setCoached(id: string, mode: CoachMode | '') {
    setCoaching((m) => {
      const n = { ...m };
      if (mode) n[id] = mode;
      else delete n[id];
      return n;
    });
  }

  // coach joins a call by phone in mode, or leaves it ('').
  async function coach(id: string, mode: CoachMode | '') {
    try {
      if (mode) {
        if (!coaching[id]) notify(t('coach_ringing'));
        await post(`/api/contacts/${seg(id)}/coach`, { mode });
      } else {
        await api('DELETE', `/api/contacts/${seg(id)}/coach`);
      }
      setCoached(id, mode);
    } catch (err) {
      notifyError(err);
    }
  }

  async function monitor(id: string, on: boolean) {
    try {
      const cm = await post<ContactWithMessages>(`/api/contacts/${seg(id)}/monitor`, { on });
      setMonitored((m) => {
        const n = { ...m };
        if (on) n[id] = { contact: cm.contact, messages: mergeMessages([], cm.messages ?? []) };
        else delete n[id];
        return n;
      });
    } catch (err) {
      if (!on) setMonitored((m) => {
        const n = { ...m };
        delete n[id];
        return n;
      });
      notifyError(err);
    }
  }

  const agentName = useMemo(() => {
    const m = new Map((board?.agents ?? []).map((a) => [a.id, a.name]));
    return (id?: string) => (id ? (m.get(id) ?? id) : '');
  }, [board?.agents]);
  const queueName = useMemo(() => {
    const m = new Map((board?.queues ?? []).map((q) => [q.id, q.name]));
    return (id?: string) => (id ? (m.get(id) ?? id) : '');
  }, [board?.queues]);

  if (!board) return <div class="loading">{t('loading')}</div>;
  const th = board.sl_threshold_secs;
  // Chats with the bot are counted apart: no counselor is needed for them yet.
  const withBot = (board.live ?? []).filter((l) => l.state === 'bot');
  const counselorLive = (board.live ?? []).filter((l) => l.state !== 'bot');
  // Not yet answered by a counselor (queued, or being offered), by channel:
  // callers on hold and chats waiting are staffed differently.
  const unanswered = counselorLive.filter((l) => l.state === 'queued' || l.state === 'offered');
  const waitingVoice = unanswered.filter((l) => l.channel === 'voice').length;
  const waitingChat = unanswered.filter((l) => l.channel === 'chat').length;
  const today = board.today ?? { offered: 0, answered: 0, abandoned: 0, answered_in_sl: 0, service_level: 0, answer_rate: 0 };

  return (
    <div class="board">
      {boardSock.status !== 'open' && (
        <div class="conn-lost banner" data-testid="board-disconnected">
          {t('reconnecting')}
        </div>
      )}
      <section class={`tiles${today.bot ? ' with-bot' : ''}`}>
        <Tile id="offered" label={t('tile_offered')} value={today.offered} />
        <Tile id="answered" label={t('tile_answered')} value={today.answered} />
        <Tile id="abandoned" label={t('tile_abandoned')} value={today.abandoned} warn={today.abandoned > 0} />
        <Tile
          id="service-level"
          label={t('tile_service_level', { s: th })}
          value={pct(today.service_level)}
          unit="%"
          sub={t('answered_in_sl', { n: today.answered_in_sl })}
        />
        <Tile id="answer-rate" label={t('tile_answer_rate')} value={pct(today.answer_rate)} unit="%" />
        {!!today.bot && (
          <Tile
            id="bot-resolved"
            label={t('tile_bot_resolved')}
            value={today.bot_resolved ?? 0}
            sub={t('tile_bot_sub', { p: pct(today.self_service_rate ?? 0), n: today.bot_handoffs ?? 0 })}
          />
        )}
      </section>

      {(board.alerts ?? []).length > 0 && (
        <section class="card protect-alerts" role="alert" data-testid="protect-alerts">
          <h2>{t('protect_alerts')}</h2>
          <ul>
            {(board.alerts ?? []).map((a) => (
              <li key={a.agent_id} data-testid="protect-alert" data-incident-id={a.incident_id}>
                {t('protect_alert_line', { name: a.name || a.agent_id, type: tv('itype', a.type), until: timeOfDay(a.until, lang) })}
              </li>
            ))}
          </ul>
        </section>
      )}
      <div class="board-grid">
        <section class="card">
          <h2>{t('queues')}</h2>
          <p class="waiting-split" data-testid="waiting-split">
            <span class="waiting-voice" data-testid="waiting-voice" data-count={waitingVoice}>
              <span aria-hidden="true">☎ </span>
              {t('board_waiting_voice')} <strong>{waitingVoice}</strong>
            </span>
            <span class="waiting-chat" data-testid="waiting-chat" data-count={waitingChat}>
              {t('board_waiting_chat')} <strong>{waitingChat}</strong>
            </span>
          </p>
          <table class="table" data-testid="queues-table">
            <thead>
              <tr>
                <th>{t('queue')}</th>
                <th class="num">{t('waiting')}</th>
                <th class="num">{t('longest_wait')}</th>
                <th class="num">{t('ready_agents')}</th>
              </tr>
            </thead>
            <tbody>
              {(board.queues ?? []).map((q) => (
                <tr key={q.id} data-testid="queue-row" data-queue-id={q.id}>
                  <td>{q.name}</td>
                  <td class="num" data-testid="queue-waiting">
                    {q.waiting}
                  </td>
                  <td class={`num${q.waiting > 0 && q.longest_wait_secs > th ? ' over' : ''}`} data-testid="queue-longest">
                    {q.waiting > 0 ? clock(q.longest_wait_secs) : '–'}
                  </td>
                  <td class="num">{q.ready_agents}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>

        <section class="card chart-card">
          <h2>{t('hourly_title')}</h2>
          <HourlyChart hourly={board.hourly ?? []} lang={lang} />
        </section>
      </div>

      <section class="card">
        <h2>{t('agents')}</h2>
        <div class="agents-grid">
          {(board.agents ?? []).map((a) => (
            <div
              key={a.id}
              class={`agent-tile s-${a.state}${a.connected ? '' : ' disconnected'}`}
              data-testid="agent-tile"
              data-agent-id={a.id}
              data-state={a.state}
            >
              <div class="name">
                <span class={`dot s-${a.state}`} aria-hidden="true" />
                {a.name}
              </div>
              <div class="state">
                {tv('state', a.state)}
                {a.state === 'break' && a.reason ? ` · ${tv('reason', a.reason)}` : ''}
                <span class="time"> {elapsed(a.since, now)}</span>
              </div>
              <div class="small muted">
                {t('contacts_now', { n: a.contacts })} · {t('handled_today', { n: a.handled })}
                {!a.connected && a.state !== 'offline' ? ` · ${t('not_connected')}` : ''}
              </div>
            </div>
          ))}
        </div>
      </section>

      <section class="card">
        <h2>{t('live_contacts')}</h2>
        <p class="small" data-testid="board-softphone">
          <SoftphoneToggle phone={phone} /> <span class="muted">{t('coach_softphone_hint')}</span>
        </p>
        <p class="muted small" data-testid="bot-live" data-count={withBot.length}>
          {t('bot_live')}: {withBot.length}
        </p>
        {counselorLive.length === 0 ? (
          <p class="muted">{t('no_live')}</p>
        ) : (
          <table class="table" data-testid="live-table">
            <thead>
              <tr>
                <th>{t('queue')}</th>
                <th>{t('agent')}</th>
                <th>{t('state')}</th>
                <th>{t('channel')}</th>
                <th class="num">{t('elapsed')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {counselorLive.map((l) => (
                <tr key={l.contact_id} data-testid="live-row" data-contact-id={l.contact_id}>
                  <td>{queueName(l.queue_id)}</td>
                  <td>{agentName(l.agent_id)}</td>
                  <td>{tv('cstate', l.state)}</td>
                  <td>
                    {tv('channel', l.channel)}
                    {l.interpreter && (
                      // Who interprets on the call, ringing (…) or joined.
                      <span class="chip" data-testid="live-interpreter" data-joined={l.interpreter.joined ? 'yes' : 'no'} title={t('board_interpreter')}>
                        {' '}
                        🗣 {l.interpreter.name} · {tv('calllang', l.interpreter.language)}
                        {l.interpreter.joined ? '' : '…'}
                      </span>
                    )}
                  </td>
                  <td class="num">{elapsed(l.since, now)}</td>
                  <td>
                    {l.state === 'active' &&
                      (monitored[l.contact_id] ? (
                        <button type="button" class="ghost small" onClick={() => monitor(l.contact_id, false)}>
                          {t('monitor_stop')}
                        </button>
                      ) : (
                        <button type="button" class="small" data-testid="monitor" onClick={() => monitor(l.contact_id, true)}>
                          {t('monitor')}
                        </button>
                      ))}
                    {l.state === 'active' && l.channel === 'voice' && (
                      <CoachButtons
                        mode={coaching[l.contact_id]}
                        leg={coaching[l.contact_id] ? phone.legs[l.contact_id] : undefined}
                        onMode={(m) => coach(l.contact_id, m)}
                      />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <div class="monitors">
          {Object.values(monitored).map((cm) => (
            <MonitorPanel key={cm.contact.id} cm={cm} agentName={agentName} onStop={() => monitor(cm.contact.id, false)} onWhisper={addMessage} />
          ))}
        </div>
      </section>

      <NoticesBoard notices={board.notices ?? []} onPosted={load} />
    </div>
  );
}

const coachModes: CoachMode[] = ['listen', 'whisper', 'barge'];

/** Listen, whisper, barge and leave on a live call: the supervisor's phone joins it. */
function CoachButtons(props: { mode?: CoachMode; leg?: Leg; onMode(mode: CoachMode | ''): void }) {
  const leg = props.leg;
  return (
    <span class="coach-buttons" role="group" data-testid="coach-buttons" data-mode={props.mode ?? ''}>
      {coachModes.map((m) => (
        <button
          key={m}
          type="button"
          class={`small${props.mode === m ? ' primary' : ' ghost'}`}
          aria-pressed={props.mode === m}
          title={t(`coach_${m}_hint`)}
          data-testid={`coach-${m}`}
          onClick={() => props.mode !== m && props.onMode(m)}
        >
          {t(`coach_${m}`)}
        </button>
      ))}
      {props.mode && (
        <button type="button" class="small ghost" data-testid="coach-leave" onClick={() => props.onMode('')}>
          {t('coach_leave')}
        </button>
      )}
      {leg && (
        <span class="small muted" data-testid="coach-softphone" data-state={leg.state} role="status">
          {leg.state === 'connecting' && t('sp_connecting')}
          {leg.state === 'connected' && t('coach_in_browser')}
          {leg.state === 'failed' && t('sp_failed', { e: leg.error ?? '' })}
          {leg.state === 'ended' && t('sp_ended')}
        </span>
      )}
    </span>
  );
}

function Tile(props: { id: string; label: string; value: number; unit?: string; sub?: string; warn?: boolean }) {
  return (
    <div class={`tile card${props.warn ? ' warn' : ''}`} data-testid={`tile-${props.id}`}>
      <div class="label">{props.label}</div>
      <div class="value">
        <span data-value>{props.value}</span>
        {props.unit && <span class="unit">{props.unit}</span>}
      </div>
      {props.sub && <div class="sub small muted">{props.sub}</div>}
    </div>
  );
}

function MonitorPanel(props: {
  cm: ContactWithMessages;
  agentName(id?: string): string;
  onStop(): void;
  onWhisper(m: Message): void;
}) {
  useLang();
  const c = props.cm.contact;
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  async function whisper() {
    const v = text.trim();
    if (!v) return;
    setBusy(true);
    try {
      props.onWhisper(await post<Message>(`/api/contacts/${seg(c.id)}/whisper`, { text: v }));
      setText('');
    } catch (err) {
      notifyError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <article class="monitor card" data-testid="monitor-panel" data-contact-id={c.id}>
      <header class="chat-head">
        <div class="who">
          <strong>{citizenLabel(c)}</strong>
          <div class="sub muted">
            {t('agent')}: {props.agentName(c.agent_id)} · {tv('cstate', c.state)} · {t('read_only')}
          </div>
        </div>
        <button type="button" class="ghost small" onClick={props.onStop}>
          {t('monitor_stop')}
        </button>
      </header>
      <Transcript messages={props.cm.messages ?? []} agentName={props.agentName} />
      <div class="composer whisper">
        <textarea
          rows={2}
          value={text}
          placeholder={t('whisper_placeholder')}
          aria-label={t('whisper_placeholder')}
          data-testid="whisper-input"
          onInput={(e) => setText(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (isSendKey(e)) {
              e.preventDefault();
              void whisper();
            }
          }}
        />
        <button type="button" class="primary" disabled={busy || !text.trim()} data-testid="whisper-send" onClick={whisper}>
          {t('whisper_send')}
        </button>
      </div>
    </article>
  );
}

function HourlyChart(props: { hourly: BoardHour[]; lang: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart<'bar'> | null>(null);
  const [failed, setFailed] = useState(false);

  const rows = useMemo(() => {
    const byHour = new Map(props.hourly.map((h) => [h.hour, h]));
    return Array.from({ length: 24 }, (_, h) => byHour.get(h) ?? { hour: h, offered: 0, answered: 0, abandoned: 0 });
  }, [props.hourly]);

  const data = useMemo(
    () => ({
      labels: rows.map((r) => String(r.hour).padStart(2, '0')),
      datasets: [
        { label: t('tile_offered'), data: rows.map((r) => r.offered), backgroundColor: '#9db4cc' },
        { label: t('tile_answered'), data: rows.map((r) => r.answered), backgroundColor: '#4f8a6e' },
        { label: t('tile_abandoned'), data: rows.map((r) => r.abandoned), backgroundColor: '#d08770' },
      ],
    }),
    [rows, props.lang],
  );

  // chart.js is loaded on first use, so only the board pays for it.
  useEffect(() => {
    let dead = false;
    void import('./chart')
      .then(({ makeBarChart }) => {
        if (dead || !canvas.current) return;
        chart.current = makeBarChart(canvas.current, data);
      })
      .catch(() => setFailed(true));
    return () => {
      dead = true;
      chart.current?.destroy();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    const c = chart.current;
    if (!c) return;
    c.data.labels = data.labels;
    data.datasets.forEach((d, i) => {
      const ds = c.data.datasets[i];
      if (ds) {
        ds.data = d.data;
        ds.label = d.label;
      }
    });
    c.update('none');
  }, [data]);

  return (
    <div class="chart-box">
      {failed ? (
        <p class="error">{t('chart_failed')}</p>
      ) : (
        <canvas ref={canvas} data-testid="hourly-chart" role="img" aria-label={t('hourly_title')} />
      )}
      <table class="sr" data-testid="hourly-table">
        <tbody>
          {rows.map((r) => (
            <tr key={r.hour}>
              <th>{r.hour}</th>
              <td>{r.offered}</td>
              <td>{r.answered}</td>
              <td>{r.abandoned}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function NoticesBoard(props: { notices: BoardData['notices']; onPosted(): void }) {
  const lang = useLang();
  const [title, setTitle] = useState('');
  const [body, setBody] = useState('');
  const [expires, setExpires] = useState(() => toLocalInput(new Date(Date.now() + 12 * 3600 * 1000)));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');

  async function submit(e: Event) {
    e.preventDefault();
    setError('');
    const exp = new Date(expires);
    if (!title.trim()) return setError(t('notice_need_title'));
    if (Number.isNaN(exp.getTime()) || exp.getTime() <= Date.now()) return setError(t('notice_need_future'));
    setBusy(true);
    try {
      await post<Notice>('/api/notices', { title: title.trim(), body: body.trim(), expires_at: exp.toISOString() });
      setTitle('');
      setBody('');
      notify(t('notice_posted'));
      props.onPosted();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="card notices-board">
      <h2>{t('notices')}</h2>
      <div class="board-grid">
        <form class="notice-form" onSubmit={submit} data-testid="notice-form">
          <label>
            {t('title')}
            <input value={title} onInput={(e) => setTitle(e.currentTarget.value)} data-testid="notice-title" />
          </label>
          <label>
            {t('body')}
            <textarea rows={4} value={body} onInput={(e) => setBody(e.currentTarget.value)} data-testid="notice-body" />
          </label>
          <label>
            {t('expires_at')}
            <input
              type="datetime-local"
              value={expires}
              onInput={(e) => setExpires(e.currentTarget.value)}
              data-testid="notice-expires"
            />
          </label>
          {error && (
            <p class="error" role="alert">
              {error}
            </p>
          )}
          <button type="submit" class="primary" disabled={busy} data-testid="notice-submit">
            {t('notice_post')}
          </button>
        </form>
        <ul class="notice-list">
          {(props.notices ?? []).length === 0 && <li class="muted">{t('no_notices')}</li>}
          {(props.notices ?? []).map((n) => (
            <li key={n.id} data-testid="board-notice">
              <strong>{n.title}</strong>
              <span class="small muted">
                {' '}
                · {t('until')} {dateTime(n.expires_at, lang)}
              </span>
              <div class="small">
                {(n.unread ?? []).length === 0 ? (
                  <span class="ok">✓ {t('all_read')}</span>
                ) : (
                  <span>
                    {t('not_read_by')}: {(n.unread ?? []).join(', ')}
                  </span>
                )}
              </div>
            </li>
          ))}
        </ul>
      </div>
    </section>
  );
}
