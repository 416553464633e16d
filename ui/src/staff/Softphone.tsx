import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { post, seg } from '../lib/api';
import { t, useLang } from '../lib/i18n';
import { loadItem, saveItem } from '../lib/util';
import { errorText, notify, notifyError } from './notify';
import { iceGathered } from '../lib/ice';

/**
 * The browser softphone: while it is on, the desk tells the server over its
 * socket, and every call the counselor accepts gets its own peer connection
 * to the server (G.711 only, all ICE candidates in the offer). The server
 * copies the caller's audio to it as it came; hold, mute, keys and hang-up
 * are asked of the server, which holds the call.
 */

export type LegState = 'connecting' | 'connected' | 'failed' | 'ended';

export interface Leg {
  state: LegState;
  held: boolean;
  muted: boolean;
  error?: string;
  keys: string;
}

interface Live {
  pc: RTCPeerConnection;
  audio: HTMLAudioElement;
}

export type SoftphoneAction = 'hold' | 'resume' | 'mute' | 'unmute' | 'dtmf' | 'hangup';

export interface Softphone {
  /** The counselor wants calls in this browser (saved per browser). */
  on: boolean;
  /** The server has the softphone as on for this desk. */
  registered: boolean;
  setOn(on: boolean): void;
  /** The server's softphone frame: whether it has this desk's softphone on. */
  confirm(on: boolean): void;
  legs: Record<string, Leg>;
  control(contactId: string, action: SoftphoneAction, digits?: string): void;
}

// Only what the server passes through: the caller's G.711. Chromium offers
// Opus first otherwise, which the server would have to refuse.
function preferG711(pc: RTCPeerConnection) {
  const caps = RTCRtpReceiver.getCapabilities?.('audio');
  const g711 = caps?.codecs.filter((c) => /^audio\/(PCMU|PCMA)$/i.test(c.mimeType)) ?? [];
  for (const tr of pc.getTransceivers()) {
    if (g711.length && tr.setCodecPreferences) tr.setCodecPreferences(g711);
  }
}


/**
 * useSoftphone keeps the microphone, the registration and one peer per
 * accepted call. send is the desk socket's; open says it is connected;
 * calls are the contact IDs of the counselor's live voice calls.
 */
export function useSoftphone(send: (frame: unknown) => boolean, open: boolean, calls: string[]): Softphone {
  const [on, setOnState] = useState(loadItem('local', 'minwon.softphone') === 'on');
  const [registered, setRegistered] = useState(false);
  const [legs, setLegs] = useState<Record<string, Leg>>({});
  const mic = useRef<MediaStream | null>(null);
  const live = useRef<Record<string, Live>>({});

  const patch = (id: string, p: Partial<Leg>) =>
    setLegs((all) => ({ ...all, [id]: { ...(all[id] ?? { state: 'connecting', held: false, muted: false, keys: '' }), ...p } }));

  function drop(id: string) {
    const l = live.current[id];
    if (!l) return;
    delete live.current[id];
    l.pc.close();
    l.audio.srcObject = null;
  }

  async function microphone(): Promise<MediaStream | null> {
    if (mic.current) return mic.current;
    if (!navigator.mediaDevices?.getUserMedia) {
      notify(t('sp_needs_https'), 'error');
      return null;
    }
    try {
      mic.current = await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
      return mic.current;
    } catch (err) {
      notify(t('sp_no_mic', { e: err instanceof Error ? err.message : String(err) }), 'error');
      return null;
    }
  }

  function setOn(want: boolean) {
    void (async () => {
      if (want && !(await microphone())) want = false;
      if (!want) {
        mic.current?.getTracks().forEach((tr) => tr.stop());
        mic.current = null;
      }
      setOnState(want);
      saveItem('local', 'minwon.softphone', want ? 'on' : 'off');
      send({ type: 'softphone', on: want });
    })();
  }

  // Tell the server again on every (re)connection of the desk socket: the
  // registration lives as long as the socket.
  useEffect(() => {
    if (!open) {
      setRegistered(false);
      return;
    }
    if (!on) return;
    void microphone().then((m) => {
      if (m) send({ type: 'softphone', on: true });
      else setOnState(false);
    });
  }, [open, on]);

  async function connect(id: string) {
    const m = await microphone();
    if (!m || live.current[id]) return;
    const pc = new RTCPeerConnection({ iceServers: [] });
    const audio = new Audio();
    audio.autoplay = true;
    live.current[id] = { pc, audio };
    patch(id, { state: 'connecting', error: undefined });
    for (const tr of m.getAudioTracks()) pc.addTrack(tr, m);
    preferG711(pc);
    pc.ontrack = (e) => {
      audio.srcObject = e.streams[0] ?? new MediaStream([e.track]);
      void audio.play().catch(() => undefined);
    };
    pc.onconnectionstatechange = () => {
      if (live.current[id]?.pc !== pc) return;
      if (pc.connectionState === 'connected') patch(id, { state: 'connected' });
      if (pc.connectionState === 'failed') patch(id, { state: 'failed', error: pc.connectionState });
    };
    try {
      await pc.setLocalDescription(await pc.createOffer());
      await iceGathered(pc, 3000);
      const ans = await post<{ sdp: string }>(`/api/contacts/${seg(id)}/softphone`, { sdp: pc.localDescription?.sdp ?? '' });
      if (live.current[id]?.pc !== pc) return;
      await pc.setRemoteDescription({ type: 'answer', sdp: ans.sdp });
    } catch (err) {
      drop(id);
      patch(id, { state: 'failed', error: errorText(err) });
    }
  }

  // A call of ours that is live gets a peer; one that is not loses it.
  const key = calls.join(',');
  useEffect(() => {
    if (on && registered) for (const id of calls) if (!live.current[id] && !legs[id]) void connect(id);
    for (const id of Object.keys(live.current)) if (!calls.includes(id)) drop(id);
    // A call that has left forgets its leg, so one that comes back (the
    // supervisor coaching it again, a transfer offered again) rings anew.
    setLegs((all) => {
      const gone = Object.keys(all).filter((id) => !calls.includes(id));
      if (!gone.length) return all;
      const n = { ...all };
      for (const id of gone) delete n[id];
      return n;
    });
  }, [key, on, registered]);

  useEffect(() => () => Object.keys(live.current).forEach(drop), []);

  function control(id: string, action: SoftphoneAction, digits?: string) {
    void (async () => {
      try {
        const st = await post<{ held: boolean; muted: boolean }>(`/api/contacts/${seg(id)}/softphone/control`, { action, digits });
        // The server silences a muted counselor; the browser stops sending too.
        for (const tr of mic.current?.getAudioTracks() ?? []) tr.enabled = !st.muted;
        patch(id, { held: st.held, muted: st.muted });
        if (action === 'dtmf' && digits) setLegs((all) => ({ ...all, [id]: { ...all[id], keys: (all[id]?.keys ?? '') + digits } }));
        if (action === 'hangup') {
          drop(id);
          patch(id, { state: 'ended' });
        }
      } catch (err) {
        notifyError(err);
      }
    })();
  }

  return useMemo(() => ({ on, registered, setOn, confirm: setRegistered, legs, control }), [on, registered, legs]);
}

/** The desk's switch: calls in this browser, or on the registered phone. */
export function SoftphoneToggle(props: { phone: Softphone }) {
  useLang();
  const p = props.phone;
  return (
    <label class="softphone-toggle" title={t('sp_hint')}>
      <input
        type="checkbox"
        data-testid="softphone-toggle"
        data-registered={p.registered ? 'yes' : 'no'}
        checked={p.on}
        onChange={(e) => p.setOn(e.currentTarget.checked)}
      />
      {t('softphone')}
    </label>
  );
}

const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];

/**
 * SoftphoneControls sit in a call's panel: hold, mute, keypad (in-band
 * DTMF, sent by the server), hang-up, and transfer when the desk offers it.
 */
export function SoftphoneControls(props: {
  contactId: string;
  leg: Leg;
  onControl(action: SoftphoneAction, digits?: string): void;
  /** Transfer is built elsewhere; the button shows only when given. */
  onTransfer?: () => void;
}) {
  useLang();
  const { leg } = props;
  const [pad, setPad] = useState(false);
  const up = leg.state === 'connected';
  return (
    <div class="softphone" data-testid="softphone" data-state={leg.state} data-held={leg.held ? 'yes' : 'no'} data-muted={leg.muted ? 'yes' : 'no'}>
      <p class="softphone-line" data-testid="softphone-status" role="status">
        {leg.state === 'connecting' && t('sp_connecting')}
        {leg.state === 'connected' && (leg.held ? t('sp_held') : leg.muted ? t('sp_muted') : '') /* the call panel's heading says it is in this browser */}
        {leg.state === 'failed' && t('sp_failed', { e: leg.error ?? '' })}
        {leg.state === 'ended' && t('sp_ended')}
      </p>
      {up && (
        <div class="softphone-buttons">
          <button type="button" data-testid="sp-hold" aria-pressed={leg.held} onClick={() => props.onControl(leg.held ? 'resume' : 'hold')}>
            {leg.held ? t('sp_resume') : t('sp_hold')}
          </button>
          <button type="button" data-testid="sp-mute" aria-pressed={leg.muted} onClick={() => props.onControl(leg.muted ? 'unmute' : 'mute')}>
            {leg.muted ? t('sp_unmute') : t('sp_mute')}
          </button>
          <button type="button" data-testid="sp-keypad" aria-expanded={pad} onClick={() => setPad(!pad)}>
            {t('sp_keypad')}
          </button>
          {props.onTransfer && (
            <button type="button" data-testid="sp-transfer" onClick={props.onTransfer}>
              {t('sp_transfer')}
            </button>
          )}
          <button type="button" class="danger" data-testid="sp-hangup" onClick={() => props.onControl('hangup')}>
            {t('sp_hangup')}
          </button>
        </div>
      )}
      {up && pad && (
        <div class="softphone-pad" role="group" aria-label={t('sp_keypad')}>
          {KEYS.map((k) => (
            <button type="button" key={k} data-testid={`sp-key-${k === '*' ? 'star' : k === '#' ? 'hash' : k}`} onClick={() => props.onControl('dtmf', k)}>
              {k}
            </button>
          ))}
          {leg.keys && (
            <span class="muted small" data-testid="sp-keys">
              {t('sp_keys_sent', { k: leg.keys })}
            </span>
          )}
        </div>
      )}
    </div>
  );
}
