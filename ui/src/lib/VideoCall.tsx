import { useEffect, useRef, useState } from 'preact/hooks';
import '../styles/video.css';
import { t, useLang } from './i18n';
import { iceGathered } from './ice';

/** The camera and microphone a video contact asks for. */
export const MEDIA: MediaStreamConstraints = { audio: true, video: { width: { ideal: 640 }, height: { ideal: 480 } } };

type State = 'preview' | 'connecting' | 'connected' | 'failed';

/**
 * One side of a sign-language video call through the server: the other
 * side's picture large, one's own small, mute and camera switches. While
 * not `active` it shows only one's own preview. The offer is sent whole,
 * with every candidate (no trickle), and `offer` returns the server's answer.
 */
export function VideoCall(props: {
  stream?: MediaStream | null; // already granted (the citizen page asks before queueing)
  active: boolean;
  remoteLabel: string;
  offer(sdp: string): Promise<string>;
  onEnd?(): void;
  endLabel?: string;
}) {
  useLang();
  const remote = useRef<HTMLVideoElement>(null);
  const self = useRef<HTMLVideoElement>(null);
  const [stream, setStream] = useState<MediaStream | null>(props.stream ?? null);
  const [state, setState] = useState<State>('preview');
  const [error, setError] = useState('');
  const [muted, setMuted] = useState(false);
  const [camOff, setCamOff] = useState(false);
  const [attempt, setAttempt] = useState(0);
  const offerRef = useRef(props.offer);
  offerRef.current = props.offer;

  // The desk asks for the camera itself; what it asked for it stops.
  useEffect(() => {
    if (props.stream) return;
    let mine: MediaStream | null = null;
    let gone = false;
    navigator.mediaDevices
      ?.getUserMedia(MEDIA)
      .then((s) => {
        if (gone) return s.getTracks().forEach((tr) => tr.stop());
        mine = s;
        setStream(s);
      })
      .catch(() => setError(t('video_denied')));
    return () => {
      gone = true;
      mine?.getTracks().forEach((tr) => tr.stop());
    };
  }, [props.stream]);

  useEffect(() => {
    if (self.current && stream) self.current.srcObject = stream;
  }, [stream]);

  useEffect(() => {
    if (!props.active || !stream) return;
    const pc = new RTCPeerConnection();
    let closed = false;
    setState('connecting');
    for (const tr of stream.getTracks()) pc.addTrack(tr, stream);
    pc.ontrack = (e) => {
      const v = remote.current;
      if (!v) return;
      v.srcObject = e.streams[0] ?? new MediaStream([e.track]);
      v.play().catch(() => undefined);
    };
    pc.onconnectionstatechange = () => {
      if (closed) return;
      if (pc.connectionState === 'connected') setState('connected');
      if (pc.connectionState === 'failed') setState('failed');
    };
    (async () => {
      await pc.setLocalDescription(await pc.createOffer());
      await iceGathered(pc, 5000);
      const answer = await offerRef.current(pc.localDescription!.sdp);
      if (!closed) await pc.setRemoteDescription({ type: 'answer', sdp: answer });
    })().catch(() => {
      if (!closed) setState('failed');
    });
    return () => {
      closed = true;
      pc.close();
      setState('preview');
    };
  }, [props.active, stream, attempt]);

  function toggle(kind: 'audio' | 'video') {
    for (const tr of stream?.getTracks() ?? []) {
      if (tr.kind === kind) tr.enabled = !tr.enabled;
    }
    if (kind === 'audio') setMuted((m) => !m);
    else setCamOff((c) => !c);
  }

  return (
    <section class="video-call" data-testid="video-call" data-state={state}>
      {props.active && (
        <div class="video-remote">
          <video ref={remote} autoplay playsInline data-testid="video-remote" aria-label={props.remoteLabel} />
          <span class="video-status" data-testid="video-state">
            {state === 'connected' ? t('video_connected') : state === 'failed' ? t('video_failed') : t('video_connecting')}
          </span>
        </div>
      )}
      <video ref={self} autoplay muted playsInline class={props.active ? 'video-self' : 'video-preview'} data-testid="video-self" aria-label={t('video_self')} />
      {error && (
        <p class="video-error" role="alert">
          {error}
        </p>
      )}
      <div class="video-controls">
        <button type="button" class="ghost" data-testid="video-mute" aria-pressed={muted} disabled={!stream} onClick={() => toggle('audio')}>
          {muted ? t('video_unmute') : t('video_mute')}
        </button>
        <button type="button" class="ghost" data-testid="video-camera" aria-pressed={camOff} disabled={!stream} onClick={() => toggle('video')}>
          {camOff ? t('video_cam_on') : t('video_cam_off')}
        </button>
        {state === 'failed' && (
          <button type="button" class="ghost" data-testid="video-retry" onClick={() => setAttempt((n) => n + 1)}>
            {t('video_retry')}
          </button>
        )}
        {props.onEnd && props.active && (
          <button type="button" class="danger" data-testid="video-end" onClick={props.onEnd}>
            {props.endLabel ?? t('video_end')}
          </button>
        )}
      </div>
    </section>
  );
}

/** Sends the citizen page's offer for its contact, bound by the chat's resume token. */
export async function citizenOffer(base: string, resume: string, sdp: string): Promise<string> {
  const res = await fetch(`${base}api/video/offer`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ resume, sdp }),
    credentials: 'same-origin',
    cache: 'no-store',
  });
  const body = (await res.json()) as { sdp?: string; error?: { message?: string } };
  if (!res.ok || !body.sdp) throw new Error(body.error?.message || `${res.status}`);
  return body.sdp;
}

