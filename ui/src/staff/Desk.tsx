import { useCallback, useEffect, useMemo, useReducer, useState } from 'preact/hooks';
import { get, post, seg } from '../lib/api';
import { t, tv, useLang } from '../lib/i18n';
import { mergeMessages, settlePending, type Pending } from '../lib/messages';
import type {
  AgentState,
  Conference,
  AgentStatus,
  BotHandoff,
  Callback,
  Coach,
  Contact,
  ContactWithMessages,
  DeskFrame,
  Message,
  Notice,
} from '../lib/types';
import { serverNow } from '../lib/clock';
import { useLatest, useNow } from '../lib/hooks';
import { beep, clock, elapsed, loadItem, saveItem, since, uuid } from '../lib/util';
import { ChatColumn } from './ChatColumn';
import { Dialer } from './Dialer';
import { conferenceAsked, conferenceNote, conferenceStep, conferenceViewed, InterpretingCalls, type InterpreterState } from './Interpreter';
import { Sidebar } from './Sidebar';
import { notify, notifyError } from './notify';
import { names, useSession } from './session';
import { SoftphoneToggle, useSoftphone, type Softphone } from './Softphone';
import { useSocket } from './useSocket';

export interface ChatItem {
  contact: Contact;
  messages: Message[];
  pending: Pending[];
  typingUntil: number;
  memo: string;
  unread: number;
  /** Why the bot handed the chat over and the articles it suggested. */
  bot?: BotHandoff;
  /** Counselor protection: the flagged-caller banner. */
  banner?: string;
  /** The caller asked to be called back instead of holding. */
  callback?: Callback;
  /** Counselor protection on calls: the last sustained shouting heard; n counts them. */
  agitation?: { at: string; score: number; n: number };
  /** When an outbound call's citizen answered (call.connected). */
  connectedAt?: string;
  /** A supervisor listening, whispering or barging on the call. */
  coach?: Coach;
  /** The interpreter on the call, followed from its conference.* frames. */
  interpreter?: InterpreterState;
  /** Text the assist sidebar puts into the reply box; n counts insertions. */
  insert?: { text: string; n: number };
}

interface Offer {
  contact: Contact;
  expires_at?: string;
  /** The offered call is a callback: no caller on the line. */
  callback?: Callback;
  // received is when the offer frame arrived (ms), so a sync answered
  // before it does not wipe it.
  received?: number;
}

interface DeskState {
  chats: Record<string, ChatItem>;
  order: string[];
  offers: Record<string, Offer>;
  focus: string | null;
}

type Action =
  | { t: 'sync'; list: ContactWithMessages[]; me: string; started: number }
  | { t: 'offer'; contact: Contact; expires_at?: string; callback?: Callback }
  | { t: 'contact'; contact: Contact; me: string }
  | { t: 'open'; cm: ContactWithMessages }
  | { t: 'messages'; id: string; messages: (Message | null | undefined)[] }
  | { t: 'typing'; id: string }
  | { t: 'agitation'; id: string; at: string; score: number }
  | { t: 'connected'; id: string; at: string }
  | { t: 'coach'; id: string; coach?: Coach }
  | { t: 'conference'; id: string; frame: Extract<DeskFrame, { type: 'conference' }>; at: number }
  | { t: 'interpreterAsked'; id: string; conf: Conference; at: number }
  | { t: 'pending'; id: string; p: Pending }
  | { t: 'pendingFailed'; id: string; client_id: string }
  | { t: 'memo'; id: string; text: string }
  | { t: 'remove'; id: string }
  | { t: 'dropOffer'; id: string }
  | { t: 'focus'; id: string }
  | { t: 'bot'; id: string; bot: BotHandoff }
  | { t: 'insert'; id: string; text: string };

// How far a contact has got; an answer that lands after a newer frame must
// not take it back (a call can end while the accept answer is being read).
const progress: Partial<Record<Contact['state'], number>> = { offered: 0, active: 1, wrapup: 2, closed: 3 };
const behind = (c: Contact, than?: Contact) => !!than && (progress[c.state] ?? 0) < (progress[than.state] ?? 0);

const mine = (c: Contact, me: string) => c.agent_id === me && (c.state === 'active' || c.state === 'wrapup');

// asked is when the view was asked for (ms): frames since then are newer.
function newChat(cm: ContactWithMessages, old?: ChatItem, asked = 0): ChatItem {
  const msgs = mergeMessages(old?.messages ?? [], cm.messages ?? []);
  return {
    contact: cm.contact,
    messages: msgs,
    pending: settlePending(old?.pending ?? [], msgs),
    typingUntil: old?.typingUntil ?? 0,
    memo: old ? old.memo : (cm.contact.memo ?? ''),
    unread: old?.unread ?? 0,
    bot: cm.bot ?? old?.bot,
    banner: cm.banner ?? old?.banner,
    callback: cm.callback ?? old?.callback,
    coach: cm.coach ?? old?.coach,
    interpreter: conferenceViewed(old?.interpreter, cm.interpreter, asked),
    insert: old?.insert,
  };
}

function withFocus(s: DeskState): DeskState {
  if (s.focus && s.chats[s.focus]) return s;
  return { ...s, focus: s.order[0] ?? null };
}

function reducer(s: DeskState, a: Action): DeskState {
  switch (a.t) {
    case 'sync': {
      const chats: Record<string, ChatItem> = {};
      const offers: Record<string, Offer> = {};
      for (const cm of a.list) {
        const c = cm.contact;
        if (c.state === 'offered') offers[c.id] = { contact: c, expires_at: s.offers[c.id]?.expires_at, callback: cm.callback ?? s.offers[c.id]?.callback };
        else if (mine(c, a.me)) chats[c.id] = newChat(cm, s.chats[c.id], a.started);
      }
      // An offer pushed over the socket after the server answered this sync
      // is newer than the answer: keep it.
      for (const [id, o] of Object.entries(s.offers)) {
        if (!offers[id] && !chats[id] && (o.received ?? 0) >= a.started) offers[id] = o;
      }
      const order = [...s.order.filter((id) => chats[id]), ...Object.keys(chats).filter((id) => !s.order.includes(id))];
      return withFocus({ ...s, chats, offers, order });
    }
    case 'offer':
      return {
        ...s,
        offers: {
          ...s.offers,
          [a.contact.id]: { contact: a.contact, expires_at: a.expires_at ?? s.offers[a.contact.id]?.expires_at, callback: a.callback, received: Date.now() },
        },
      };
    case 'contact': {
      const c = a.contact;
      let offers = s.offers;
      if (c.state === 'offered' && c.agent_id === a.me) {
        offers = { ...offers, [c.id]: { contact: c, expires_at: offers[c.id]?.expires_at, callback: offers[c.id]?.callback } };
      } else if (offers[c.id]) {
        offers = { ...offers };
        delete offers[c.id];
      }
      let { chats, order } = s;
      if (mine(c, a.me)) {
        chats = { ...chats, [c.id]: chats[c.id] ? { ...chats[c.id], contact: c } : newChat({ contact: c, messages: [] }) };
        if (!order.includes(c.id)) order = [...order, c.id];
      } else if (chats[c.id]) {
        chats = { ...chats };
        delete chats[c.id];
        order = order.filter((x) => x !== c.id);
      }
      return withFocus({ ...s, offers, chats, order });
    }
    case 'open': {
      const c = a.cm.contact;
      const offers = { ...s.offers };
      delete offers[c.id];
      const old = s.chats[c.id];
      const cm = behind(c, old?.contact) ? { ...a.cm, contact: old.contact } : a.cm;
      const chats = { ...s.chats, [c.id]: newChat(cm, old) };
      const order = s.order.includes(c.id) ? s.order : [...s.order, c.id];
      return { ...s, offers, chats, order, focus: c.id };
    }
    case 'messages': {
      const ch = s.chats[a.id];
      if (!ch) return s;
      const messages = mergeMessages(ch.messages, a.messages);
      if (messages === ch.messages) return s;
      const fromCitizen = messages.length > ch.messages.length && a.messages.some((m) => m?.from === 'citizen');
      return {
        ...s,
        chats: {
          ...s.chats,
          [a.id]: {
            ...ch,
            messages,
            pending: settlePending(ch.pending, a.messages),
            typingUntil: fromCitizen ? 0 : ch.typingUntil,
            unread: ch.unread + (fromCitizen && s.focus !== a.id ? 1 : 0),
          },
        },
      };
    }
    case 'typing': {
      const ch = s.chats[a.id];
      if (!ch) return s;
      return { ...s, chats: { ...s.chats, [a.id]: { ...ch, typingUntil: serverNow() + 5000 } } };
    }
    case 'agitation': {
      const ch = s.chats[a.id];
      if (!ch) return s;
      const agitation = { at: a.at, score: a.score, n: (ch.agitation?.n ?? 0) + 1 };
      return { ...s, chats: { ...s.chats, [a.id]: { ...ch, agitation } } };
    }
    case 'connected': {
      const ch = s.chats[a.id];
      if (!ch) return s;
      return { ...s, chats: { ...s.chats, [a.id]: { ...ch, connectedAt: a.at } } };
    }
    case 'coach': {
      const ch = s.chats[a.id];
      if (!ch) return s;
      return { ...s, chats: { ...s.chats, [a.id]: { ...ch, coach: a.coach } } };
    }
    case 'conference': {
      const ch = s.chats[a.id];
      if (!ch) return s;
      const interpreter = conferenceStep(ch.interpreter, a.frame.event, a.frame.data, a.at);
      return { ...s, chats: { ...s.chats, [a.id]: { ...ch, interpreter } } };
    }
    case 'interpreterAsked': {
      const ch = s.chats[a.id];
      if (!ch) return s;
      return { ...s, chats: { ...s.chats, [a.id]: { ...ch, interpreter: conferenceAsked(ch.interpreter, a.conf, a.at) } } };
    }
    case 'pending': {
      const ch = s.chats[a.id];
      if (!ch) return s;
      const rest = ch.pending.filter((p) => p.client_id !== a.p.client_id);
      return { ...s, chats: { ...s.chats, [a.id]: { ...ch, pending: [...rest, a.p] } } };
    }
    case 'pendingFailed': {
      const ch = s.chats[a.id];
      if (!ch) return s;
      const pending = ch.pending.map((p) => (p.client_id === a.client_id ? { ...p, failed: true } : p));
      return { ...s, chats: { ...s.chats, [a.id]: { ...ch, pending } } };
    }
    case 'memo': {
      const ch = s.chats[a.id];
      if (!ch) return s;
      return { ...s, chats: { ...s.chats, [a.id]: { ...ch, memo: a.text } } };
    }
    case 'remove': {
      if (!s.chats[a.id]) return s;
      const chats = { ...s.chats };
      delete chats[a.id];
      return withFocus({ ...s, chats, order: s.order.filter((x) => x !== a.id) });
    }
    case 'dropOffer': {
      if (!s.offers[a.id]) return s;
      const offers = { ...s.offers };
      delete offers[a.id];
      return { ...s, offers };
    }
    case 'bot': {
      const ch = s.chats[a.id];
      if (!ch) return s;
      return { ...s, chats: { ...s.chats, [a.id]: { ...ch, bot: a.bot } } };
    }
    case 'insert': {
      const ch = s.chats[a.id];
      if (!ch) return s;
      return { ...s, chats: { ...s.chats, [a.id]: { ...ch, insert: { text: a.text, n: (ch.insert?.n ?? 0) + 1 } } } };
    }
    case 'focus': {
      const ch = s.chats[a.id];
      if (!ch) return s;
      return { ...s, focus: a.id, chats: { ...s.chats, [a.id]: { ...ch, unread: 0 } } };
    }
  }
}

export function Desk() {
  const { me, ref } = useSession();
  const myId = me.user.id;
  const [st, dispatch] = useReducer(reducer, { chats: {}, order: [], offers: {}, focus: null });
  const [agent, setAgent] = useState<AgentStatus>(
    me.agent ?? { state: 'offline', since: new Date().toISOString() },
  );
  const [notices, setNotices] = useState<Notice[]>([]);
  const [transferRings, setTransferRings] = useState<string[]>([]); // calls ringing my softphone in a transfer
  const [interpreting, setInterpreting] = useState<Record<string, string>>({}); // calls I interpret → their language
  const [sound, setSound] = useState(loadItem('local', 'minwon.sound') !== 'off');
  const soundRef = useLatest(sound);
  const stRef = useLatest(st);

  const sync = useCallback(() => {
    const started = Date.now();
    get<ContactWithMessages[]>('/api/agent/contacts')
      .then((list) => dispatch({ t: 'sync', list: list ?? [], me: myId, started }))
      .catch(notifyError);
    get<{ agent?: AgentStatus }>('/api/me')
      .then((m) => m.agent && setAgent(m.agent))
      .catch(() => undefined);
    get<Notice[]>('/api/notices')
      .then((n) => setNotices(n ?? []))
      .catch(() => undefined);
  }, [myId]);

  const fetchContact = useCallback((id: string) => {
    get<ContactWithMessages>(`/api/contacts/${seg(id)}`)
      .then((cm) => {
        if (cm.contact.agent_id !== myId) return;
        dispatch({ t: 'messages', id, messages: cm.messages ?? [] });
        if (cm.bot) dispatch({ t: 'bot', id, bot: cm.bot });
      })
      .catch(() => undefined);
  }, [myId]);

  const onFrame = useCallback(
    (f: DeskFrame) => {
      switch (f.type) {
        case 'state':
          setAgent({ state: f.state, reason: f.reason, since: f.since, acw_until: f.acw_until });
          break;
        case 'offer_withdrawn':
          dispatch({ t: 'dropOffer', id: f.contact_id });
          break;
        case 'offer':
          if (!stRef.current.offers[f.contact.id] && soundRef.current) beep();
          dispatch({ t: 'offer', contact: f.contact, expires_at: f.expires_at, callback: f.callback });
          break;
        case 'contact': {
          const c = f.contact;
          const had = stRef.current.chats[c.id];
          dispatch({ t: 'contact', contact: c, me: myId });
          if (!had && mine(c, myId)) fetchContact(c.id);
          if (had && !mine(c, myId) && c.state !== 'closed') notify(t('contact_moved_away'));
          break;
        }
        case 'message':
          dispatch({ t: 'messages', id: f.message.contact_id, messages: [f.message] });
          break;
        case 'typing':
          dispatch({ t: 'typing', id: f.contact_id });
          break;
        case 'agitation':
          dispatch({ t: 'agitation', id: f.contact_id, at: f.at, score: f.score });
          break;
        case 'call_connected':
          dispatch({ t: 'connected', id: f.contact_id, at: f.at });
          break;
        case 'coach':
          dispatch({ t: 'coach', id: f.contact_id, coach: f.mode ? { supervisor: f.supervisor, mode: f.mode } : undefined });
          break;
        case 'interpreter_ring':
          // Another counselor's call rings me as its interpreter.
          setInterpreting((all) => {
            const n = { ...all };
            if (f.ringing) n[f.contact_id] = f.language;
            else delete n[f.contact_id];
            return n;
          });
          break;
        case 'conference': {
          dispatch({ t: 'conference', id: f.contact_id, frame: f, at: Date.now() });
          const note = stRef.current.chats[f.contact_id] ? conferenceNote(f.event, f.data.reason) : '';
          if (note) notify(note);
          break;
        }
        case 'notice':
          setNotices((list) => [f.notice, ...list.filter((n) => n.id !== f.notice.id)]);
          if (soundRef.current) beep();
          break;
        case 'softphone':
          phoneRef.current?.confirm(f.on);
          break;
        case 'transfer_ring':
          // A call transferred to me rings my softphone before it is mine.
          setTransferRings((ids) => (f.ringing ? [...ids.filter((id) => id !== f.contact_id), f.contact_id] : ids.filter((id) => id !== f.contact_id)));
          break;
        case 'error':
          if (f.message) notify(f.message, 'error');
          break;
      }
    },
    [myId, fetchContact],
  );

  const sock = useSocket<DeskFrame>('ws/desk', true, onFrame, sync);
  // Calls of mine that are live ring the browser softphone when it is on.
  const liveCalls = st.order.filter((id) => st.chats[id]?.contact.channel === 'voice' && st.chats[id]?.contact.state === 'active');
  // So do calls transferred to me while they ring, and after: a completed
  // transfer's call becomes mine with its softphone already connected.
  for (const id of transferRings) {
    const c = st.chats[id]?.contact;
    if (!liveCalls.includes(id) && (!c || c.state === 'active')) liveCalls.push(id);
  }
  for (const id of Object.keys(interpreting)) if (!liveCalls.includes(id)) liveCalls.push(id);
  const phone = useSoftphone(sock.send, sock.status === 'open', liveCalls);
  const phoneRef = useLatest<Softphone | null>(phone);

  // The reference data first arrives after the desk mounted.
  useEffect(() => {
    sync();
  }, [sync]);

  // The window title shows waiting offers, for a desk in a background tab.
  const offerCount = Object.keys(st.offers).length;
  useEffect(() => {
    const base = t('brand');
    const calls = Object.values(st.offers).some((o) => o.contact.channel === 'voice');
    document.title = offerCount > 0 ? `(${offerCount}) ${t(calls ? 'voice_offer_title' : 'offer_title')} · ${base}` : base;
    return () => {
      document.title = base;
    };
  }, [offerCount, st.offers]);

  const accept = useCallback(async (id: string) => {
    try {
      const cm = await post<ContactWithMessages>(`/api/contacts/${seg(id)}/accept`);
      dispatch({ t: 'open', cm });
    } catch (err) {
      dispatch({ t: 'dropOffer', id });
      notifyError(err);
    }
  }, []);

  const send = useCallback(async (id: string, text: string, clientId?: string) => {
    const p: Pending = { client_id: clientId ?? uuid(), text, at: Date.now() };
    dispatch({ t: 'pending', id, p });
    try {
      const m = await post<Message>(`/api/contacts/${seg(id)}/messages`, { text, client_id: p.client_id });
      dispatch({ t: 'messages', id, messages: [m] });
    } catch (err) {
      dispatch({ t: 'pendingFailed', id, client_id: p.client_id });
      notifyError(err);
    }
  }, []);

  const onContact = useCallback(
    (c: Contact) => {
      dispatch({ t: 'contact', contact: c, me: myId });
    },
    [myId],
  );

  const unreadNotices = notices.filter((n) => !(n.read_by ?? []).includes(myId)).length;
  const focus = st.focus ? st.chats[st.focus] : null;
  const nm = useMemo(() => names(ref), [ref]);

  return (
    <div class="desk">
      <StateBar
        agent={agent}
        onAgent={setAgent}
        sound={sound}
        onSound={(on) => {
          setSound(on);
          saveItem('local', 'minwon.sound', on ? 'on' : 'off');
          if (on) beep();
        }}
        connected={sock.status === 'open'}
        unreadNotices={unreadNotices}
        phone={phone}
      />
      <Dialer onCall={onContact} />
      <InterpretingCalls calls={interpreting} legs={phone.legs} onHangup={(id) => phone.control(id, 'hangup')} />
      {offerCount > 0 && (
        <section class="offers" aria-label={t('offers')}>
          {Object.values(st.offers).map((o) => (
            <OfferCard
              key={o.contact.id}
              offer={o}
              queueName={nm.queue(o.contact.queue_id)}
              tenantName={nm.tenant(o.contact.tenant_id)}
              onAccept={accept}
            />
          ))}
        </section>
      )}
      <div class="desk-main">
        <section class="chats" data-count={st.order.length}>
          {st.order.length === 0 && (
            <div class="empty card">
              <p>{agent.state === 'available' ? t('waiting_for_offers') : t('no_chats_set_available')}</p>
            </div>
          )}
          {st.order.map((id) => {
            const ch = st.chats[id];
            return (
              <ChatColumn
                key={id}
                chat={ch}
                focused={st.focus === id}
                onFocus={() => dispatch({ t: 'focus', id })}
                onSend={(text) => send(id, text)}
                onRetry={(p) => send(id, p.text, p.client_id)}
                onTyping={() => sock.send({ type: 'typing', contact_id: id })}
                onContact={onContact}
                onInterpreter={(conf) => dispatch({ t: 'interpreterAsked', id, conf, at: Date.now() })}
                onClosed={() => dispatch({ t: 'remove', id })}
                memo={ch.memo}
                softphone={phone.legs[id]}
                onSoftphone={(action, digits) => phone.control(id, action, digits)}
              />
            );
          })}
        </section>
        <Sidebar
          chat={focus}
          onMemo={(id, text) => dispatch({ t: 'memo', id, text })}
          onInsert={(id, text) => dispatch({ t: 'insert', id, text })}
          notices={notices}
          onNoticeRead={(id) =>
            setNotices((list) =>
              list.map((n) => (n.id === id ? { ...n, read_by: [...(n.read_by ?? []), myId] } : n)),
            )
          }
          unreadNotices={unreadNotices}
        />
      </div>
    </div>
  );
}

const settable: AgentState[] = ['available', 'break', 'away', 'offline'];
const defaultReasons = ['meal', 'rest', 'training', 'meeting', 'coaching', 'protective'];

function StateBar(props: {
  agent: AgentStatus;
  onAgent(a: AgentStatus): void;
  sound: boolean;
  onSound(on: boolean): void;
  connected: boolean;
  unreadNotices: number;
  phone: Softphone;
}) {
  useLang();
  const { ref } = useSession();
  const now = useNow(1000);
  const { agent } = props;
  const reasons = ref.break_reasons?.length ? ref.break_reasons : defaultReasons;
  const [reason, setReason] = useState(agent.state === 'break' && agent.reason ? agent.reason : reasons[0]);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (agent.state === 'break' && agent.reason) setReason(agent.reason);
  }, [agent.state, agent.reason]);

  async function change(state: AgentState, r?: string) {
    setBusy(true);
    try {
      const body: { state: AgentState; reason?: string } = { state };
      if (state === 'break') body.reason = r ?? reason;
      const a = await post<AgentStatus>('/api/agent/state', body);
      props.onAgent(a);
    } catch (err) {
      notifyError(err);
    } finally {
      setBusy(false);
    }
  }

  const secs = since(agent.since, now);
  return (
    <div class={`statebar state-${agent.state}`}>
      <label class="state-select">
        <span class={`dot s-${agent.state}`} aria-hidden="true" />
        <span class="sr">{t('my_state')}</span>
        <select
          value={agent.state}
          disabled={busy}
          data-testid="agent-state"
          data-state={agent.state}
          onChange={(e) => void change(e.currentTarget.value as AgentState)}
        >
          {!settable.includes(agent.state) && (
            <option value={agent.state} disabled>
              {tv('state', agent.state)}
            </option>
          )}
          {settable.map((s) => (
            <option value={s} key={s}>
              {tv('state', s)}
            </option>
          ))}
        </select>
      </label>
      <label class={`reason-select${agent.state === 'break' ? '' : ' idle'}`}>
        <span>{t('break_reason')}</span>
        <select
          value={reason}
          disabled={busy}
          data-testid="break-reason"
          onChange={(e) => {
            const r = e.currentTarget.value;
            setReason(r);
            if (agent.state === 'break') void change('break', r);
          }}
        >
          {reasons.map((r) => (
            <option value={r} key={r}>
              {tv('reason', r)}
            </option>
          ))}
        </select>
      </label>
      <span class="in-state" data-testid="state-time">
        {tv('state', agent.state)}
        {agent.state === 'break' && agent.reason ? ` (${tv('reason', agent.reason)})` : ''} · {elapsed(agent.since, now)}
      </span>
      {agent.state === 'acw' && (
        <span class="acw" data-testid="acw-timer">
          {t('acw')} {clock(secs)}
          {agent.acw_until ? ` · ${t('acw_left', { t: clock((Date.parse(agent.acw_until) - now) / 1000) })}` : ''}
        </span>
      )}
      <span class="spacer" />
      {!props.connected && (
        <span class="conn-lost" data-testid="desk-disconnected">
          {t('reconnecting')}
        </span>
      )}
      {props.unreadNotices > 0 && (
        <span class="badge notice-badge" data-testid="notices-unread">
          {t('notices')} {props.unreadNotices}
        </span>
      )}
      <SoftphoneToggle phone={props.phone} />
      <label class="sound">
        <input type="checkbox" checked={props.sound} onChange={(e) => props.onSound(e.currentTarget.checked)} />
        {t('sound_alert')}
      </label>
    </div>
  );
}

function OfferCard(props: { offer: Offer; queueName: string; tenantName: string; onAccept(id: string): Promise<void> }) {
  const lang = useLang();
  const now = useNow(500);
  const [busy, setBusy] = useState(false);
  const c = props.offer.contact;
  const voice = c.channel === 'voice';
  const left = props.offer.expires_at ? Math.max(0, (Date.parse(props.offer.expires_at) - now) / 1000) : null;
  // No auto-focus: a counselor typing in another chat must not accept by pressing Enter.
  return (
    <div
      class={`offer card${voice ? ' offer-voice' : ''}`}
      data-testid="offer-card"
      data-contact-id={c.id}
      data-channel={c.channel}
      role="alert"
    >
      <div class="offer-head">
        {voice && (
          <span class="call-icon" aria-hidden="true">
            ☎
          </span>
        )}
        <strong data-testid="offer-title">{voice ? t('voice_offer_title') : t('offer_title')}</strong>
        <span class="chip">{tv('channel', c.channel)}</span>
        {props.offer.callback && (
          <span class="chip callback-chip" data-testid="offer-callback">
            {t('callback_task')}
          </span>
        )}
        {c.channel === 'video' && (
          <span class="chip sign-chip" data-testid="offer-sign">
            {t('video_sign')}
          </span>
        )}
        {props.queueName && <span class="chip">{props.queueName}</span>}
        {!voice && c.language && c.language !== lang && c.language !== 'ko' && <span class="chip lang-chip">{c.language}</span>}
      </div>
      {voice ? (
        <div class="offer-body">
          <span class="call-entry" data-testid="offer-entry">
            {t('voice_dialled')} <strong>{c.entry_point}</strong>
            {props.tenantName ? ` (${props.tenantName})` : ''}
          </span>
          <span class={`call-lang${c.language && c.language !== 'ko' ? ' lang-chip' : ''}`} data-testid="offer-language">
            {t('voice_language')} {tv('calllang', c.language) || c.language}
          </span>
          {left !== null && (
            <span class={`countdown${left < 5 ? ' urgent' : ''}`} data-testid="offer-countdown">
              {t('offer_expires_in', { s: Math.ceil(left) })}
            </span>
          )}
        </div>
      ) : (
        <div class="offer-body">
          {c.citizen_name || t('citizen')} · {c.entry_point}
          {left !== null && (
            <span class={`countdown${left < 5 ? ' urgent' : ''}`} data-testid="offer-countdown">
              {t('offer_expires_in', { s: Math.ceil(left) })}
            </span>
          )}
        </div>
      )}
      <button
        type="button"
        class="primary big"
        disabled={busy}
        data-testid="offer-accept"
        onClick={async () => {
          setBusy(true);
          await props.onAccept(c.id);
          setBusy(false);
        }}
      >
        {t('accept')}
      </button>
    </div>
  );
}
