import type { ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { setLang, t, useLang } from '../lib/i18n';
import { serverNow } from '../lib/clock';
import { useLatest, useNow, useThrottle } from '../lib/hooks';
import { mergeMessages, settlePending, type Pending } from '../lib/messages';
import { ReconnectingSocket, wsURL, type SocketStatus } from '../lib/socket';
import type { ChatFrame, Message, Suggestion } from '../lib/types';
import { loadItem, saveItem, timeOfDay, uuid } from '../lib/util';
import { citizenOffer, VideoCall } from '../lib/VideoCall';

export const MAX_CHARS = 1000;

/** Where the page was opened: /chat/{entry} (or chat.html?entry=…) below
 * `base`; /video/{entry} is the sign-language video mode. */
export function locate(loc: Location): { entry: string; base: string; video: boolean } {
  const q = new URLSearchParams(loc.search).get('entry');
  const m = loc.pathname.match(/^(.*\/)(chat|video)\/([^/]+)\/?$/);
  if (m) return { entry: q || decodeURIComponent(m[3]), base: m[1], video: m[2] === 'video' };
  return { entry: q ?? '', base: loc.pathname.replace(/[^/]*$/, '') || '/', video: false };
}

/** What survives a reload in sessionStorage: the resume token, the last seq
 * seen, and the transcript so far (the server sends only what came after). */
interface Saved {
  resume: string;
  after: number;
  contact_id: string;
  messages?: Message[];
  agent?: boolean;
  ended?: boolean;
}

const KEEP_MESSAGES = 300;

type Phase = 'connecting' | 'bot' | 'queued' | 'talking' | 'ended' | 'rated';

/** What the bot's last line offers: the choices of a clarifying question, or
 * whether to ask "도움이 되었나요?". */
interface BotPrompt {
  kind: string;
  reply_to: number;
  options: Suggestion[];
  feedback: boolean;
}

/** What the buttons send: the bot reads Korean, whatever the page's language. */
const BOT_YES = '예';
const BOT_NO = '아니요';
const BOT_HUMAN = '상담원 연결';

const storageKey = (entry: string, video: boolean) => `minwon.${video ? 'video' : 'chat'}.${entry}`;

function loadSaved(key: string): Saved | null {
  const raw = loadItem('session', key);
  if (!raw) return null;
  try {
    const s = JSON.parse(raw) as Saved;
    return typeof s.resume === 'string' && s.resume ? s : null;
  } catch {
    return null;
  }
}

/** The citizen's conversation; with `video` (the granted camera) it is a
 * sign-language video contact, with the chat alongside. */
export function CitizenChat(props: { entry: string; base: string; video?: MediaStream }) {
  const lang = useLang();
  const { entry, base } = props;
  const key = storageKey(entry, !!props.video);
  const saved = useRef<Saved | null>(loadSaved(key));
  const [phase, setPhase] = useState<Phase>(saved.current?.ended ? 'ended' : 'connecting');
  const [status, setStatus] = useState<SocketStatus>('connecting');
  const [welcomed, setWelcomed] = useState(false);
  const [tenant, setTenant] = useState('');
  const [messages, setMessages] = useState<Message[]>(() => saved.current?.messages ?? []);
  const [pending, setPending] = useState<Pending[]>([]);
  const [queue, setQueue] = useState<{ position: number; wait_secs: number } | null>(null);
  const [agentJoined, setAgentJoined] = useState(!!saved.current?.agent);
  const [typingUntil, setTypingUntil] = useState(0);
  const [error, setError] = useState('');
  const [text, setText] = useState('');
  const [confirmLeave, setConfirmLeave] = useState(false);
  const [transferred, setTransferred] = useState(false);
  const [prompt, setPrompt] = useState<BotPrompt | null>(null);
  const [botDone, setBotDone] = useState(false);
  // Ended by the center under its counselor-protection policy: no survey.
  const [closedByCenter, setClosedByCenter] = useState(false);
  const sock = useRef<ReconnectingSocket<ChatFrame> | null>(null);
  const pendingRef = useLatest(pending);
  const phaseRef = useLatest(phase);
  const gotWelcome = useRef(false);
  const now = useNow(1000);

  function persist(patch: Partial<Saved>) {
    const cur = saved.current ?? { resume: '', after: 0, contact_id: '' };
    const next = { ...cur, ...patch };
    saved.current = next;
    saveItem('session', key, JSON.stringify(next));
  }

  function takeMessages(ms: (Message | null | undefined)[]) {
    const visible = ms.filter((m): m is Message => !!m && m.from !== 'whisper');
    if (visible.length === 0) return;
    setMessages((old) => {
      const next = mergeMessages(old, visible);
      const top = Math.max(saved.current?.after ?? 0, ...visible.map((m) => m.seq || 0));
      if (next !== old) persist({ after: top, messages: next.slice(-KEEP_MESSAGES) });
      return next;
    });
    setPending((p) => settlePending(p, visible));
    if (visible.some((m) => m.from === 'agent')) setTypingUntil(0);
  }

  function onFrame(f: ChatFrame) {
    switch (f.type) {
      case 'welcome': {
        gotWelcome.current = true;
        setWelcomed(true);
        setTransferred(false);
        let ph = phaseRef.current;
        if (saved.current?.contact_id && saved.current.contact_id !== f.contact_id) {
          // A different conversation than the one we kept: start the view afresh.
          setMessages([]);
          setAgentJoined(false);
          ph = 'connecting';
          persist({ after: 0, messages: [], agent: false, ended: false });
        }
        persist({ resume: f.resume, contact_id: f.contact_id });
        if (f.tenant_name) setTenant(f.tenant_name);
        takeMessages(f.messages ?? []);
        if (f.state === 'bot') setPhase('bot');
        else if (ph === 'connecting' || ph === 'bot') setPhase('queued');
        if (f.state !== 'bot') setPrompt(null);
        setError('');
        // Anything typed while offline goes now; the server drops repeats by client_id.
        for (const p of pendingRef.current) sock.current?.send({ type: 'message', client_id: p.client_id, text: p.text });
        if (pendingRef.current.some((p) => p.failed)) setPending((list) => list.map((p) => ({ ...p, failed: false })));
        break;
      }
      case 'queue':
        setQueue({ position: f.position, wait_secs: f.wait_secs });
        if (phaseRef.current === 'connecting' || phaseRef.current === 'bot') setPhase('queued');
        break;
      case 'bot':
        setPrompt({ kind: f.kind, reply_to: f.reply_to, options: f.options ?? [], feedback: f.feedback });
        break;
      case 'queued':
        setPrompt(null);
        setPhase('queued');
        break;
      case 'agent':
        setAgentJoined(true);
        persist({ agent: true });
        setQueue(null);
        if (phaseRef.current === 'connecting' || phaseRef.current === 'queued' || phaseRef.current === 'bot') setPhase('talking');
        setPrompt(null);
        break;
      case 'message':
        takeMessages([f.message]);
        if (f.message.from === 'agent' && (phaseRef.current === 'queued' || phaseRef.current === 'connecting')) {
          setAgentJoined(true);
          persist({ agent: true });
          setQueue(null);
          setPhase('talking');
        }
        break;
      case 'typing':
        setTypingUntil(serverNow() + 5000);
        break;
      case 'ended':
        setQueue(null);
        setTypingUntil(0);
        setPrompt(null);
        if (f.by_bot) {
          // Nobody to rate: the bot served the citizen alone.
          finish(true);
          break;
        }
        if (f.survey === false) {
          finish(false, true);
          break;
        }
        if (phaseRef.current !== 'rated') {
          setPhase('ended');
          persist({ ended: true });
        }
        break;
      case 'rated':
        finish();
        break;
      case 'transferred':
        setAgentJoined(false);
        persist({ agent: false });
        setTransferred(true);
        setPhase('queued');
        break;
      case 'error':
        setError(f.message || t('c_error_generic'));
        if (f.client_id) setPending((list) => list.map((p) => (p.client_id === f.client_id ? { ...p, failed: true } : p)));
        break;
      case 'pong':
        break;
    }
  }
  const onFrameRef = useLatest(onFrame);

  /**
   * The handshake failed while resuming. The server answers a resume token it
   * no longer knows with an HTTP error before any WebSocket exists, which a
   * browser cannot see; asking the same URL with a plain GET shows it. A
   * 4xx error means the conversation is gone: the next attempt starts anew
   * (the old transcript is cleared when a different contact is welcomed).
   * A network failure keeps the token: the server may just be restarting.
   */
  async function checkResume() {
    const sv = saved.current;
    if (!sv?.resume) return;
    const u = `${base}ws/chat?entry=${encodeURIComponent(entry)}&resume=${encodeURIComponent(sv.resume)}&after=${sv.after || 0}`;
    let res: Response;
    try {
      res = await fetch(u, { cache: 'no-store', credentials: 'same-origin' });
    } catch {
      return;
    }
    if (res.status < 400 || res.status >= 500 || res.status === 426 || res.status === 429) return;
    let code = '';
    try {
      code = ((await res.json()) as { error?: { code?: string } }).error?.code ?? '';
    } catch {
      return;
    }
    if (code === 'not_found' || code === 'invalid' || code === 'unauthorized' || code === 'forbidden') {
      if (saved.current?.resume === sv.resume) persist({ resume: '' });
      sock.current?.kick();
    }
  }

  function finish(byBot = false, closed = false) {
    setBotDone(byBot);
    setClosedByCenter(closed);
    setPhase('rated');
    sock.current?.stop();
    saved.current = null;
    saveItem('session', key, null);
    props.video?.getTracks().forEach((tr) => tr.stop());
  }

  useEffect(() => {
    if (!entry) return;
    const s = new ReconnectingSocket<ChatFrame>(
      () => {
        let u = wsURL(base, `ws/chat?entry=${encodeURIComponent(entry)}&visitor=${encodeURIComponent(visitorKey())}${props.video ? '&video=1' : ''}`);
        const sv = saved.current;
        if (sv?.resume) u += `&resume=${encodeURIComponent(sv.resume)}&after=${sv.after || 0}`;
        return u;
      },
      {
        onFrame: (f) => onFrameRef.current(f),
        onOpen: () => {
          gotWelcome.current = false;
        },
        onStatus: setStatus,
        onClose: (_ev, willRetry, wasOpen) => {
          if (willRetry && !wasOpen && saved.current?.resume) void checkResume();
        },
      },
    );
    sock.current = s;
    s.start();
    const online = () => s.kick();
    addEventListener('online', online);
    return () => {
      removeEventListener('online', online);
      s.stop();
    };
  }, [entry, base]);

  const sendTyping = useThrottle(() => sock.current?.send({ type: 'typing' }), 2000);

  function send() {
    const v = text.trim();
    if (!v) return;
    say(v);
    sendTyping.reset();
    setText('');
  }

  /** Sends one line as the citizen: typed, or a button's. */
  function say(v: string) {
    if (phase === 'ended' || phase === 'rated') return;
    const p: Pending = { client_id: uuid(), text: v, at: Date.now() };
    setPending((list) => [...list, p]);
    setPrompt(null); // the bot's next line brings the next buttons
    sock.current?.send({ type: 'message', client_id: p.client_id, text: v });
  }

  function retry(p: Pending) {
    setPending((list) => list.map((x) => (x.client_id === p.client_id ? { ...x, failed: false } : x)));
    if (!sock.current?.send({ type: 'message', client_id: p.client_id, text: p.text })) setError(t('c_offline'));
  }

  function leave() {
    setConfirmLeave(false);
    if (!sock.current?.send({ type: 'leave' })) setError(t('c_offline'));
  }

  if (!entry) {
    return (
      <div class="c-app">
        <main class="c-main">
          <p class="c-error" role="alert">
            {t('c_no_entry')}
          </p>
        </main>
      </div>
    );
  }

  const typing = typingUntil > now && phase === 'talking';
  const ended = phase === 'ended' || phase === 'rated';
  const coarse = typeof matchMedia === 'function' && matchMedia('(pointer: coarse)').matches;

  return (
    <div class="c-app" data-phase={phase}>
      <header class="c-head">
        <div class="c-title">
          <strong>{tenant || t('c_title')}</strong>
          <span class="c-sub">{props.video ? t('video_title') : t('c_subtitle')}</span>
        </div>
        <button
          type="button"
          class="c-lang"
          data-testid="lang-switch"
          onClick={() => setLang(lang === 'ko' ? 'en' : 'ko')}
          aria-label={t('language')}
        >
          {lang === 'ko' ? 'English' : '한국어'}
        </button>
        {!ended &&
          (confirmLeave ? (
            <span class="c-confirm">
              <button type="button" class="c-leave yes" onClick={leave} data-testid="leave-confirm">
                {t('c_leave_yes')}
              </button>
              <button type="button" class="c-leave" onClick={() => setConfirmLeave(false)}>
                {t('cancel')}
              </button>
            </span>
          ) : (
            <button type="button" class="c-leave" onClick={() => setConfirmLeave(true)} data-testid="leave" disabled={!welcomed}>
              {t('c_leave')}
            </button>
          ))}
      </header>

      {status !== 'open' && phase !== 'rated' && (
        <div class="c-banner" role="status" data-testid="conn-status">
          {welcomed ? t('c_reconnecting') : t('c_connecting')}
        </div>
      )}
      {error && (
        <div class="c-banner c-err" role="alert" data-testid="chat-error" onClick={() => setError('')}>
          {error}
        </div>
      )}

      {props.video && !ended && (
        <VideoCall
          stream={props.video}
          active={phase === 'talking'}
          remoteLabel={t('video_of_agent')}
          offer={(sdp) => citizenOffer(base, saved.current?.resume ?? '', sdp)}
          onEnd={() => setConfirmLeave(true)}
        />
      )}
      {props.video && phase === 'queued' && <p class="c-hint">{t('video_waiting')}</p>}
      <Conversation
        messages={messages}
        pending={pending}
        typing={typing}
        lang={lang}
        onRetry={retry}
        after={phase === 'bot' && <BotButtons prompt={prompt} disabled={status !== 'open'} onSay={say} />}
      >
        <p class="c-hint">{t('c_privacy')}</p>
        {(phase === 'bot' || messages.some((m) => m.from === 'bot')) && (
          <div class="c-sys" data-testid="bot-intro">
            {t('c_bot_intro')}
          </div>
        )}
        {phase === 'queued' && queue && (
          <div class="c-queue" data-testid="queue-info" data-position={queue.position} data-wait-secs={queue.wait_secs}>
            {t('c_queue', { n: queue.position, m: Math.max(1, Math.ceil(queue.wait_secs / 60)) })}
          </div>
        )}
        {phase === 'queued' && !queue && <div class="c-queue">{t('c_waiting')}</div>}
        {agentJoined && (
          <div class="c-sys" data-testid="agent-joined">
            {t('c_agent_joined')}
          </div>
        )}
        {transferred && !agentJoined && (
          <div class="c-sys" data-testid="transferred">
            {t('c_transferred')}
          </div>
        )}
      </Conversation>

      {phase === 'ended' && <Survey onSend={(r) => sock.current?.send(r) ?? false} onSkip={finish} />}
      {phase === 'rated' && (
        <div class="c-done" data-testid="chat-finished">
          <p>{botDone ? t('c_bot_done') : closedByCenter ? t('c_closed_by_center') : t('c_thanks')}</p>
          <button type="button" class="c-primary" onClick={() => location.reload()} data-testid="new-chat">
            {t('c_new_chat')}
          </button>
        </div>
      )}
      {!ended && (
        <footer class="c-input">
          <div class="c-field">
            <textarea
              rows={1}
              maxLength={MAX_CHARS}
              value={text}
              placeholder={t('c_placeholder')}
              aria-label={t('c_placeholder')}
              data-testid="citizen-input"
              onInput={(e) => {
                setText(e.currentTarget.value.slice(0, MAX_CHARS));
                if (welcomed) sendTyping.call();
              }}
              onKeyDown={(e) => {
                if (!coarse && e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
                  e.preventDefault();
                  send();
                }
              }}
            />
            <span class={`c-count${text.length >= MAX_CHARS ? ' full' : ''}`} data-testid="citizen-counter">
              {text.length}/{MAX_CHARS}
            </span>
          </div>
          <button type="button" class="c-send" disabled={!text.trim()} onClick={send} data-testid="citizen-send">
            {t('send')}
          </button>
        </footer>
      )}
    </div>
  );
}

function Conversation(props: {
  messages: Message[];
  pending: Pending[];
  typing: boolean;
  lang: string;
  onRetry(p: Pending): void;
  children?: ComponentChildren;
  after?: ComponentChildren;
}) {
  const box = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    const el = box.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [props.messages.length, props.pending.length, props.typing, !!props.after]);
  const who = useMemo(() => ({ agent: t('c_agent'), bot: t('from_bot') }), [props.lang]);
  return (
    <main class="c-main" ref={box} aria-live="polite">
      {props.children}
      {props.messages.map((m) => (
        <div class={`c-msg c-${m.from}`} key={m.id} data-testid="msg" data-from={m.from} data-seq={m.seq} data-id={m.id}>
          {(m.from === 'agent' || m.from === 'bot') && <span class="c-who">{who[m.from]}</span>}
          <div class="c-bubble">{m.text}</div>
          <time class="c-at">{timeOfDay(m.at, props.lang)}</time>
        </div>
      ))}
      {props.pending.map((p) => (
        <div
          class={`c-msg c-citizen c-pending${p.failed ? ' c-failed' : ''}`}
          key={p.client_id}
          data-testid="msg"
          data-from="citizen"
          data-pending="true"
        >
          <div class="c-bubble">{p.text}</div>
          {p.failed ? (
            <button type="button" class="c-link c-at" onClick={() => props.onRetry(p)} data-testid="msg-retry">
              {t('c_retry')}
            </button>
          ) : (
            <span class="c-at">{t('sending')}</span>
          )}
        </div>
      ))}
      {props.typing && (
        <div class="c-typing" data-testid="typing">
          {t('c_agent_typing')}
        </div>
      )}
      {props.after}
    </main>
  );
}

/** The bot's buttons under its last line: the matters to choose from, 예/아니요
 * after an answer, and a way to a counselor at any time. */
function BotButtons(props: { prompt: BotPrompt | null; disabled: boolean; onSay(text: string): void }) {
  useLang();
  const p = props.prompt;
  return (
    <div class="c-botbar" data-testid="bot-buttons">
      {p && p.options.length > 0 && (
        <div class="c-bot-options" role="group" aria-label={t('c_bot_pick')}>
          <p class="c-q">{t('c_bot_pick')}</p>
          {p.options.map((o) => (
            <button
              type="button"
              class="c-chip"
              key={o.article_id}
              disabled={props.disabled}
              data-testid="bot-option"
              onClick={() => props.onSay(o.title)}
            >
              {o.title}
            </button>
          ))}
        </div>
      )}
      {p?.feedback && (
        <div class="c-bot-feedback" role="group" aria-label={t('c_bot_helpful')} data-testid="bot-feedback">
          <p class="c-q">{t('c_bot_helpful')}</p>
          <button type="button" class="c-chip" disabled={props.disabled} data-testid="bot-yes" onClick={() => props.onSay(BOT_YES)}>
            {t('c_bot_yes')}
          </button>
          <button type="button" class="c-chip" disabled={props.disabled} data-testid="bot-no" onClick={() => props.onSay(BOT_NO)}>
            {t('c_bot_no')}
          </button>
        </div>
      )}
      <button type="button" class="c-chip c-human" disabled={props.disabled} data-testid="bot-human" onClick={() => props.onSay(BOT_HUMAN)}>
        {t('c_bot_human')}
      </button>
    </div>
  );
}

function Survey(props: { onSend(frame: unknown): boolean; onSkip(): void }) {
  useLang();
  const [rating, setRating] = useState(0);
  const [comment, setComment] = useState('');
  const [sent, setSent] = useState(false);
  const [error, setError] = useState('');
  const labels = [t('c_r1'), t('c_r2'), t('c_r3'), t('c_r4'), t('c_r5')];

  function submit(e: Event) {
    e.preventDefault();
    if (!rating) return setError(t('c_rating_pick'));
    const frame: { type: 'rating'; rating: number; comment?: string } = { type: 'rating', rating };
    if (comment.trim()) frame.comment = comment.trim();
    if (!props.onSend(frame)) return setError(t('c_offline'));
    setError('');
    setSent(true);
  }

  return (
    <form class="c-survey" onSubmit={submit} data-testid="survey">
      <p class="c-ended">{t('c_ended')}</p>
      <p class="c-q">{t('c_rating_question')}</p>
      <div class="c-stars" role="radiogroup" aria-label={t('c_rating_question')}>
        {labels.map((label, i) => (
          <button
            type="button"
            role="radio"
            aria-checked={rating === i + 1}
            class={rating === i + 1 ? 'on' : ''}
            key={i}
            data-testid={`rating-${i + 1}`}
            onClick={() => setRating(i + 1)}
          >
            <span class="c-n">{i + 1}</span>
            <span class="c-l">{label}</span>
          </button>
        ))}
      </div>
      <textarea
        rows={2}
        maxLength={MAX_CHARS}
        value={comment}
        placeholder={t('c_rating_comment')}
        aria-label={t('c_rating_comment')}
        onInput={(e) => setComment(e.currentTarget.value)}
        data-testid="rating-comment"
      />
      {error && (
        <p class="c-error" role="alert">
          {error}
        </p>
      )}
      <div class="c-row">
        <button type="button" class="c-link" onClick={props.onSkip} data-testid="rating-skip">
          {t('c_skip')}
        </button>
        <button type="submit" class="c-primary" disabled={sent} data-testid="rating-submit">
          {sent ? t('sending') : t('c_rating_send')}
        </button>
      </div>
    </form>
  );
}

// visitorKey is this browser's own random key, kept across visits, so the
// counselor sees the citizen's earlier conversations. The server stores only
// a salted hash of it.
function visitorKey(): string {
  const k = 'minwon.visitor';
  try {
    let v = localStorage.getItem(k);
    if (!v) {
      v = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
      localStorage.setItem(k, v);
    }
    return v;
  } catch {
    return '';
  }
}
