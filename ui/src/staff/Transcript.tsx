import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { post, seg } from '../lib/api';
import { t, useLang } from '../lib/i18n';
import type { Pending } from '../lib/messages';
import type { Message } from '../lib/types';
import { timeOfDay } from '../lib/util';

/** A contact's conversation as staff see it: whispers included and marked. */
export function Transcript(props: {
  messages: Message[];
  pending?: Pending[];
  agentName?: (id?: string) => string;
  onRetry?: (p: Pending) => void;
  typing?: boolean;
}) {
  const lang = useLang();
  const box = useRef<HTMLDivElement>(null);
  const stick = useRef(true);

  // Keep the newest line in view unless the reader scrolled up.
  useLayoutEffect(() => {
    const el = box.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [props.messages.length, props.pending?.length, props.typing]);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const f = () => {
      stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    };
    el.addEventListener('scroll', f, { passive: true });
    return () => el.removeEventListener('scroll', f);
  }, []);

  return (
    <div class="transcript" ref={box} data-testid="transcript" aria-live="polite">
      {props.messages.length === 0 && !props.pending?.length && <p class="muted center">{t('no_messages')}</p>}
      {props.messages.map((m) => (
        <div
          class={`msg from-${m.from}`}
          key={m.id}
          data-testid="msg"
          data-from={m.from}
          data-seq={m.seq}
          data-id={m.id}
        >
          {m.from === 'whisper' && <span class="whisper-label">{t('whisper_label')}</span>}
          {m.from === 'bot' && <span class="who">{t('from_bot')}</span>}
          {m.from === 'agent' && props.agentName && m.author_id && (
            <span class="who">{props.agentName(m.author_id)}</span>
          )}
          {m.masked ? <MaskedText m={m} /> : <div class="text">{m.text}</div>}
          <time class="at">{timeOfDay(m.at, lang)}</time>
        </div>
      ))}
      {props.pending?.map((p) => (
        <div
          class={`msg from-agent pending${p.failed ? ' failed' : ''}`}
          key={p.client_id}
          data-testid="msg"
          data-from="agent"
          data-pending="true"
        >
          <div class="text">{p.text}</div>
          <span class="at">
            {p.failed ? (
              <button type="button" class="link" onClick={() => props.onRetry?.(p)}>
                {t('send_failed_retry')}
              </button>
            ) : (
              t('sending')
            )}
          </span>
        </div>
      ))}
    </div>
  );
}

/** A line the protection engine masked: the counselor sees ●●● and may
 * reveal the original with one click, which the server records. */
function MaskedText(props: { m: Message }) {
  const [orig, setOrig] = useState<string | null>(null);
  const [err, setErr] = useState(false);
  const reveal = async () => {
    try {
      const r = await post<{ text: string }>(`/api/messages/${seg(props.m.id)}/reveal`);
      setOrig(r.text);
      setErr(false);
    } catch {
      setErr(true);
    }
  };
  return (
    <div class="text masked" data-testid="masked">
      {orig === null ? (
        <>
          <span class="masked-label">{t('masked_label')}</span> <span data-testid="masked-text">{props.m.text}</span>{' '}
          <button type="button" class="link" data-testid="reveal" onClick={reveal}>
            {t('reveal')}
          </button>
          {err && <span class="error"> {t('reveal_failed')}</span>}
        </>
      ) : (
        <span data-testid="revealed">{orig}</span>
      )}
    </div>
  );
}
