import { useState } from 'preact/hooks';
import { ApiError, get, post, setCsrf } from '../lib/api';
import { setLang, t, useLang } from '../lib/i18n';
import type { Me, User } from '../lib/types';
import { unlockAudio } from '../lib/util';
import { errorText } from './notify';

export function Login(props: { onLogin(m: Me): void }) {
  const lang = useLang();
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');

  async function submit(e: Event) {
    e.preventDefault();
    unlockAudio(); // a user gesture: lets the desk beep for offers later
    setBusy(true);
    setError('');
    try {
      const r = await post<{ user: User; csrf: string }>('/api/login', { login, password });
      setCsrf(r.csrf);
      let me: Me = { user: r.user, csrf: r.csrf };
      try {
        me = await get<Me>('/api/me');
      } catch {
        /* the login answer is enough to go on */
      }
      props.onLogin(me);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) setError(t('login_wrong'));
      else if (err instanceof ApiError && err.status === 429) setError(err.message || t('login_too_many'));
      else setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="login-wrap">
      <form class="login card" onSubmit={submit} data-testid="login-form">
        <h1>{t('brand')}</h1>
        <p class="muted">{t('login_intro')}</p>
        <label>
          {t('login_id')}
          <input
            name="login"
            autocomplete="username"
            required
            value={login}
            onInput={(e) => setLogin(e.currentTarget.value)}
            data-testid="login-login"
          />
        </label>
        <label>
          {t('password')}
          <input
            name="password"
            type="password"
            autocomplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
            data-testid="login-password"
          />
        </label>
        {error && (
          <p class="error" role="alert" data-testid="login-error">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy} data-testid="login-submit">
          {busy ? t('logging_in') : t('login')}
        </button>
        <div class="lang small">
          <button type="button" class={lang === 'ko' ? 'on' : ''} onClick={() => setLang('ko')} data-testid="lang-ko">
            한국어
          </button>
          <button type="button" class={lang === 'en' ? 'on' : ''} onClick={() => setLang('en')} data-testid="lang-en">
            English
          </button>
        </div>
      </form>
    </div>
  );
}
