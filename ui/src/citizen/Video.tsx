import { useState } from 'preact/hooks';
import { setLang, t, useLang } from '../lib/i18n';
import { MEDIA } from '../lib/VideoCall';
import { CitizenChat } from './Chat';

/**
 * The sign-language video page: it says what the camera is for and that the
 * call is not recorded, asks for the camera, and only then queues the
 * contact, so no counselor is offered a citizen without a picture.
 */
export function CitizenVideo(props: { entry: string; base: string }) {
  const lang = useLang();
  const [stream, setStream] = useState<MediaStream | null>(null);
  const [error, setError] = useState('');
  const [asking, setAsking] = useState(false);

  async function start() {
    setAsking(true);
    setError('');
    try {
      setStream(await navigator.mediaDevices.getUserMedia(MEDIA));
    } catch {
      setError(t('video_denied'));
    } finally {
      setAsking(false);
    }
  }

  if (stream) return <CitizenChat entry={props.entry} base={props.base} video={stream} />;
  return (
    <div class="c-app">
      <header class="c-head">
        <div class="c-title">
          <strong>{t('video_title')}</strong>
        </div>
        <button type="button" class="c-lang" data-testid="lang-switch" onClick={() => setLang(lang === 'ko' ? 'en' : 'ko')} aria-label={t('language')}>
          {lang === 'ko' ? 'English' : '한국어'}
        </button>
      </header>
      <main class="v-intro" data-testid="video-intro">
        <p>{t('video_intro')}</p>
        <p>{t('video_privacy')}</p>
        {error && (
          <p class="c-error" role="alert" data-testid="video-denied">
            {error}
          </p>
        )}
        <button type="button" class="c-primary" disabled={asking} onClick={start} data-testid="video-start">
          {t('video_start')}
        </button>
      </main>
    </div>
  );
}
