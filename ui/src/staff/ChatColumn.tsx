import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { post, seg } from '../lib/api';
import { t, tv, useLang } from '../lib/i18n';
import { useNow, useThrottle } from '../lib/hooks';
import type { Pending } from '../lib/messages';
import type { Conference, Contact, Handoff, Resolution } from '../lib/types';
import { clock, elapsed, since, timeOfDay } from '../lib/util';
import { CallbackPanel } from './CallbackPanel';
import { VideoCall } from '../lib/VideoCall';
import type { ChatItem } from './Desk';
import { Modal } from './Modal';
import { errorText, notify, notifyError } from './notify';
import { CallTransfer } from './CallTransfer';
import { InterpreterControl } from './Interpreter';
import { ProtectBar } from './ProtectBar';
import { SoftphoneControls, type Leg, type SoftphoneAction } from './Softphone';
import { names, useSession } from './session';
import { Transcript } from './Transcript';
import { FormActions } from './FormActions';
import { SelectField } from './SelectField';

export const MAX_STAFF_MESSAGE = 2000;

/** The citizen as counselors see them: a name if known, else a short tag. */
export function citizenLabel(c: Contact): string {
  if (c.citizen_name) return c.citizen_name;
  const tag = (c.citizen_id || c.id).slice(-4);
  return `${t('citizen')} #${tag}`;
}

export function ChatColumn(props: {
  chat: ChatItem;
  focused: boolean;
  memo: string;
  onFocus(): void;
  onSend(text: string): void;
  onRetry(p: Pending): void;
  onTyping(): void;
  onContact(c: Contact): void;
  /** The answer to 통역 연결: the interpreter being rung. */
  onInterpreter?(conf: Conference): void;
  onClosed(): void;
  /** The browser softphone's leg of this call, when it rings here. */
  softphone?: Leg;
  onSoftphone?(action: SoftphoneAction, digits?: string): void;
}) {
  useLang();
  const { ref } = useSession();
  const nm = useMemo(() => names(ref), [ref]);
  const now = useNow(1000);
  const c = props.chat.contact;
  const [transfer, setTransfer] = useState(false);
  const [ending, setEnding] = useState(false);
  const typing = props.chat.typingUntil > now;
  const started = c.answered_at ?? c.created_at;
  // A call is spoken on the counselor's registered desk phone: no message
  // box, a call panel instead; memo, wrap-up and end work as for a chat.
  const voice = c.channel === 'voice';

  const [confirmEnd, setConfirmEnd] = useState(false);

  async function end() {
    setConfirmEnd(false);
    setEnding(true);
    try {
      props.onContact(await post<Contact>(`/api/contacts/${seg(c.id)}/end`));
    } catch (err) {
      notifyError(err);
    } finally {
      setEnding(false);
    }
  }

  return (
    <article
      class={`chat-col card${props.focused ? ' focused' : ''} cs-${c.state}${voice ? ' voice-col' : ''}`}
      data-testid="chat"
      data-channel={c.channel}
      data-contact-id={c.id}
      data-state={c.state}
      onMouseDown={props.onFocus}
      onFocusCapture={props.onFocus}
    >
      <header class="chat-head">
        <div class="who">
          <strong>{citizenLabel(c)}</strong>
          {props.chat.unread > 0 && <span class="badge">{props.chat.unread}</span>}
          <div class="sub muted">
            {voice && <span aria-hidden="true">☎ </span>}
            {tv('channel', c.channel)} · {nm.queue(c.queue_id)}
            {voice && c.entry_point ? ` · ${t('voice_dialled')} ${c.entry_point}` : ''}
            {c.language && c.language !== 'ko' ? ` · ${voice ? tv('calllang', c.language) : c.language}` : ''} · {elapsed(started, now)}
          </div>
        </div>
        <span class={`chip cs cs-${c.state}`}>{tv('cstate', c.state)}</span>
        {c.state === 'active' && (
          <div class="head-actions">
            {!voice && (
              <button type="button" class="ghost" data-testid="transfer-open" onClick={() => setTransfer(true)}>
                {t('transfer')}
              </button>
            )}
            {confirmEnd ? (
              <span class="confirm-end" role="group" aria-label={t(voice ? 'voice_end_confirm' : 'end_chat_confirm')}>
                <span>{t(voice ? 'voice_end_confirm' : 'end_chat_confirm')}</span>
                <button type="button" class="danger" data-testid="end-chat-confirm" disabled={ending} onClick={end}>
                  {t(voice ? 'voice_end' : 'end_chat')}
                </button>
                <button type="button" class="ghost" onClick={() => setConfirmEnd(false)}>
                  {t('cancel')}
                </button>
              </span>
            ) : (
              <button type="button" class="danger" data-testid="end-chat" disabled={ending} onClick={() => setConfirmEnd(true)}>
                {t(voice ? 'voice_end' : 'end_chat')}
              </button>
            )}
          </div>
        )}
      </header>
      {props.chat.banner && (
        <div class="protect-banner" role="alert" data-testid="protect-banner">
          <strong>{t('protect_banner')}</strong> {props.chat.banner}
        </div>
      )}
      {props.chat.callback?.status === 'waiting' && c.state === 'active' && (
        <CallbackPanel contact={c} callback={props.chat.callback} onContact={props.onContact} />
      )}
      {c.state === 'active' && (
        // An agitation can open an incident, and an outbound call's answer arms
        // the buttons: they follow both as they follow lines.
        <ProtectBar contactId={c.id} refresh={`${props.chat.messages.length}/${props.chat.agitation?.n ?? 0}/${props.chat.connectedAt ?? ''}`} />
      )}
      {c.channel === 'video' && c.state === 'active' && (
        <VideoCall
          active
          remoteLabel={t('video_of_citizen')}
          offer={async (sdp) => (await post<{ sdp: string }>(`/api/contacts/${seg(c.id)}/video`, { sdp })).sdp}
          onEnd={() => setConfirmEnd(true)}
        />
      )}
      {voice ? (
        <CallPanel contact={c} now={now} agitation={props.chat.agitation} coach={props.chat.coach} interpreter={props.chat.interpreter} onInterpreter={props.onInterpreter} softphone={props.softphone} onSoftphone={props.onSoftphone} />
      ) : (
        <>
          <Transcript
            messages={props.chat.messages}
            pending={props.chat.pending}
            agentName={nm.agent}
            onRetry={props.onRetry}
            typing={typing}
          />
          <div class="typing-line" data-testid="typing" hidden={!typing}>
            {t('citizen_typing')}
          </div>
        </>
      )}
      {c.state === 'active' && !voice && <Composer onSend={props.onSend} onTyping={props.onTyping} insert={props.chat.insert} />}
      {c.state === 'wrapup' && <WrapUp contact={c} memo={props.memo} onDone={props.onClosed} />}
      {transfer && (
        <TransferDialog
          contact={c}
          onClose={() => setTransfer(false)}
          onDone={(nc) => {
            setTransfer(false);
            props.onContact(nc);
          }}
        />
      )}
    </article>
  );
}

/**
 * CallPanel stands in for the transcript and message box of a call: the
 * time since the counselor answered, and where the audio is (the browser
 * softphone with its controls, or the desk phone registered with the
 * counselor's SIP password).
 */
function CallPanel(props: {
  contact: Contact;
  now: number;
  agitation?: ChatItem['agitation'];
  coach?: ChatItem['coach'];
  interpreter?: ChatItem['interpreter'];
  onInterpreter?(conf: Conference): void;
  softphone?: Leg;
  onSoftphone?(action: SoftphoneAction, digits?: string): void;
}) {
  const lang = useLang();
  const c = props.contact;
  const ag = props.agitation;
  const answered = c.answered_at ?? c.created_at;
  const end = c.ended_at ? Date.parse(c.ended_at) : props.now;
  const secs = Math.max(0, since(answered, end));
  const live = c.state === 'active';
  // A connected softphone carries the transfer button among its controls.
  const [transferring, setTransferring] = useState(false);
  const spUp = live && props.softphone?.state === 'connected' && !!props.onSoftphone;
  return (
    <div class={`call-panel${live ? ' live' : ' ended'}`} data-testid="call-panel" data-state={c.state}>
      <div class="call-status">
        <span class="call-icon" aria-hidden="true">
          ☎
        </span>
        <strong data-testid="call-status">{live ? t(props.softphone ? 'sp_in_call' : 'voice_in_call') : t('voice_call_ended')}</strong>
        {ag && (
          <span
            class="chip agitation"
            role="status"
            data-testid="call-agitation"
            data-count={ag.n}
            title={t('voice_agitated_hint', { score: Math.round(ag.score * 100) })}
          >
            {t('voice_agitated', { time: timeOfDay(ag.at, lang) })}
          </span>
        )}
        {live && props.coach && (
          // A 120 center tells its counselors when a supervisor is on the line.
          <span class="chip coach" role="status" data-testid="call-coach" data-mode={props.coach.mode} title={t('coach_on_hint')}>
            {tv('coach_on', props.coach.mode)}
          </span>
        )}
      </div>
      <div class="call-timer">
        <span class="muted">{t('voice_call_time')}</span>{' '}
        <span class="call-clock" data-testid="call-timer" aria-live="off">
          {clock(secs)}
        </span>
      </div>
      {live && props.softphone && props.onSoftphone && (
        <SoftphoneControls contactId={c.id} leg={props.softphone} onControl={props.onSoftphone} onTransfer={() => setTransferring(true)} />
      )}
      {live && <p class="muted small">{t('voice_no_message_box')}</p>}
      {live && (spUp ? <CallTransfer contact={c} open={transferring} onOpen={setTransferring} /> : <CallTransfer contact={c} />)}
      {live && props.onInterpreter && <InterpreterControl contact={c} state={props.interpreter} onAsked={props.onInterpreter} />}
    </div>
  );
}

/** Enter sends, Shift+Enter breaks the line; never while an IME is composing. */
export function isSendKey(e: KeyboardEvent): boolean {
  return e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229;
}

function Composer(props: { onSend(text: string): void; onTyping(): void; insert?: { text: string; n: number } }) {
  const [text, setText] = useState('');
  const typing = useThrottle(props.onTyping, 2000);
  const area = useRef<HTMLTextAreaElement>(null);

  // An answer from the assist sidebar joins the draft, for the counselor to
  // edit before sending; nothing is sent on its own.
  const inserted = useRef(props.insert?.n ?? 0);
  useEffect(() => {
    const ins = props.insert;
    if (!ins || ins.n === inserted.current) return;
    inserted.current = ins.n;
    setText((old) => (old.trim() ? `${old.trimEnd()}\n${ins.text}` : ins.text).slice(0, MAX_STAFF_MESSAGE));
    area.current?.focus();
  }, [props.insert?.n]);

  function send() {
    const v = text.trim();
    if (!v) return;
    props.onSend(v);
    typing.reset();
    setText('');
    area.current?.focus();
  }

  return (
    <div class="composer">
      <textarea
        ref={area}
        rows={2}
        maxLength={MAX_STAFF_MESSAGE}
        value={text}
        placeholder={t('compose_placeholder')}
        aria-label={t('compose_placeholder')}
        data-testid="chat-input"
        onInput={(e) => {
          setText(e.currentTarget.value);
          typing.call();
        }}
        onKeyDown={(e) => {
          if (isSendKey(e)) {
            e.preventDefault();
            send();
          }
        }}
      />
      <button type="button" class="primary" data-testid="chat-send" disabled={!text.trim()} onClick={send}>
        {t('send')}
      </button>
    </div>
  );
}

const defaultCategories = ['교통', '주차', '환경', '세무', '복지', '보건', '민원서류', '주택건축', '안전', '상하수도', '문화체육', '생활', '기타'];

function WrapUp(props: { contact: Contact; memo: string; onDone(): void }) {
  useLang();
  const { ref } = useSession();
  const c = props.contact;
  const categories = ref.categories?.length ? ref.categories : defaultCategories;
  const departments = (ref.departments ?? []).filter((d) => !c.tenant_id || !d.tenant_id || d.tenant_id === c.tenant_id);
  const depts = departments.length ? departments : (ref.departments ?? []);
  const [category, setCategory] = useState(c.category ?? '');
  const [resolution, setResolution] = useState<Resolution>(c.resolution ?? 'resolved');
  const [dept, setDept] = useState(c.department_id ?? '');
  const [summary, setSummary] = useState(c.summary || props.memo || '');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  // A hand-off already made survives a failed wrap-up, so a retry never makes two.
  const handoffDone = useRef<string | null>(null);

  async function submit(e: Event) {
    e.preventDefault();
    setError('');
    if (!category) return setError(t('wrapup_need_category'));
    if (!summary.trim()) return setError(t('wrapup_need_summary'));
    if (resolution === 'handoff' && !dept) return setError(t('wrapup_need_department'));
    setBusy(true);
    try {
      if (resolution === 'handoff' && handoffDone.current !== dept) {
        const body: { department_id: string; summary: string; note?: string } = {
          department_id: dept,
          summary: summary.trim(),
        };
        if (note.trim()) body.note = note.trim();
        await post<Handoff>(`/api/contacts/${seg(c.id)}/handoff`, body);
        handoffDone.current = dept;
      }
      const body: { category: string; resolution: Resolution; department_id?: string; summary: string } = {
        category,
        resolution,
        summary: summary.trim(),
      };
      if (resolution === 'handoff') body.department_id = dept;
      await post<Contact>(`/api/contacts/${seg(c.id)}/wrapup`, body);
      notify(t('wrapup_saved'));
      props.onDone();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="wrapup" onSubmit={submit} data-testid="wrapup-form">
      <h3>{t('wrapup')}</h3>
      <label>
        {t('category')}
        <select value={category} onChange={(e) => setCategory(e.currentTarget.value)} data-testid="wrapup-category">
          <option value="">{t('choose')}</option>
          {categories.map((x) => (
            <option value={x} key={x}>
              {x}
            </option>
          ))}
        </select>
      </label>
      <fieldset class="radios">
        <legend>{t('resolution')}</legend>
        <label>
          <input
            type="radio"
            name={`res-${c.id}`}
            value="resolved"
            checked={resolution === 'resolved'}
            onChange={() => setResolution('resolved')}
            data-testid="wrapup-resolved"
          />
          {t('resolved')}
        </label>
        <label>
          <input
            type="radio"
            name={`res-${c.id}`}
            value="handoff"
            checked={resolution === 'handoff'}
            onChange={() => setResolution('handoff')}
            data-testid="wrapup-handoff"
          />
          {t('handoff')}
        </label>
      </fieldset>
      {resolution === 'handoff' && (
        <>
          <label>
            {t('department')}
            <select value={dept} onChange={(e) => setDept(e.currentTarget.value)} data-testid="wrapup-department">
              <option value="">{t('choose')}</option>
              {depts.map((d) => (
                <option value={d.id} key={d.id}>
                  {d.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('handoff_note')}
            <textarea rows={2} value={note} onInput={(e) => setNote(e.currentTarget.value)} data-testid="wrapup-note" />
          </label>
        </>
      )}
      <label>
        {t('summary')}
        <textarea
          rows={4}
          value={summary}
          onInput={(e) => setSummary(e.currentTarget.value)}
          data-testid="wrapup-summary"
        />
      </label>
      {error && (
        <p class="error" role="alert" data-testid="wrapup-error">
          {error}
        </p>
      )}
      <button type="submit" class="primary" disabled={busy} data-testid="wrapup-submit">
        {t('wrapup_submit')}
      </button>
    </form>
  );
}

function TransferDialog(props: { contact: Contact; onClose(): void; onDone(c: Contact): void }) {
  useLang();
  const { ref, me } = useSession();
  const [to, setTo] = useState<'queue' | 'agent'>('queue');
  const queues = (ref.queues ?? []).filter((q) => q.id !== props.contact.queue_id);
  const agents = (ref.agents ?? []).filter((a) => a.id !== me.user.id);
  const [queueId, setQueueId] = useState(queues[0]?.id ?? '');
  const [agentId, setAgentId] = useState(agents[0]?.id ?? '');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');

  useEffect(() => {
    if (!queueId && queues[0]) setQueueId(queues[0].id);
    if (!agentId && agents[0]) setAgentId(agents[0].id);
  }, [queues.length, agents.length]);

  async function submit(e: Event) {
    e.preventDefault();
    const body: { queue_id?: string; agent_id?: string; note?: string } = {};
    if (to === 'queue') body.queue_id = queueId;
    else body.agent_id = agentId;
    if (!body.queue_id && !body.agent_id) return setError(t('transfer_need_target'));
    if (note.trim()) body.note = note.trim();
    setBusy(true);
    setError('');
    try {
      const c = await post<Contact>(`/api/contacts/${seg(props.contact.id)}/transfer`, body);
      notify(t('transferred'));
      props.onDone(c);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal title={t('transfer')} onClose={props.onClose}>
      <form class="transfer" onSubmit={submit} data-testid="transfer-form">
        <fieldset class="radios">
          <label>
            <input type="radio" name="to" checked={to === 'queue'} onChange={() => setTo('queue')} data-testid="transfer-to-queue" />
            {t('to_queue')}
          </label>
          <label>
            <input type="radio" name="to" checked={to === 'agent'} onChange={() => setTo('agent')} data-testid="transfer-to-agent" />
            {t('to_agent')}
          </label>
        </fieldset>
        {to === 'queue' ? (
          <SelectField label={t('queue')} value={queueId} options={queues} testId="transfer-queue" onChange={setQueueId} />
        ) : (
          <SelectField label={t('agent')} value={agentId} options={agents} testId="transfer-agent" onChange={setAgentId} />
        )}
        <label>
          {t('transfer_note')}
          <textarea rows={3} value={note} onInput={(e) => setNote(e.currentTarget.value)} data-testid="transfer-note" />
        </label>
        <FormActions error={error} busy={busy} label={t('transfer_submit')} testId="transfer-submit" onCancel={props.onClose} />
      </form>
    </Modal>
  );
}
