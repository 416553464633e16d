import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError, get, post, setCsrf, setUnauthorizedHandler } from '../lib/api';
import { setLang, t, useLang, type Lang } from '../lib/i18n';
import type { Me, Reference } from '../lib/types';
import { Admin } from './Admin';
import { Board } from './Board';
import { Desk } from './Desk';
import { Handoffs } from './Handoffs';
import { IVR } from './IVR';
import { KB } from './KB';
import { Login } from './Login';
import { PolicyEditor } from './PolicyEditor';
import { Protect } from './Protect';
import { notifyError, subscribeToasts, type Toast } from './notify';
import { SessionContext, go, home, pagesOf, type Page } from './session';

const emptyRef: Reference = {
  tenants: [],
  queues: [],
  departments: [],
  categories: [],
  break_reasons: [],
  agents: [],
};

function parseHash(): { page: string; rest: string[] } {
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  return { page: parts[0] ?? '', rest: parts.slice(1) };
}

export function App() {
  const lang = useLang();
  const [me, setMe] = useState<Me | null | undefined>(undefined); // undefined: still asking
  const [ref, setRef] = useState<Reference>(emptyRef);
  const [route, setRoute] = useState(parseHash);

  useEffect(() => {
    const f = () => setRoute(parseHash());
    addEventListener('hashchange', f);
    return () => removeEventListener('hashchange', f);
  }, []);

  useEffect(() => {
    setUnauthorizedHandler(() => {
      setMe(null);
      setCsrf('');
      go('#/login');
    });
    get<Me>('/api/me')
      .then((m) => {
        setCsrf(m.csrf);
        setMe(m);
      })
      .catch((err) => {
        setMe(null);
        if (!(err instanceof ApiError && err.status === 401)) notifyError(err);
      });
  }, []);

  const reloadRef = useCallback(() => {
    get<Reference>('/api/reference')
      .then((r) => setRef({ ...emptyRef, ...r }))
      .catch(notifyError);
  }, []);

  useEffect(() => {
    if (me) reloadRef();
  }, [me?.user.id]);

  const loggedIn = useCallback((m: Me) => {
    setCsrf(m.csrf);
    setMe(m);
    go(`#/${home(m.user)}`);
  }, []);

  const logout = useCallback(async () => {
    try {
      await post('/api/logout');
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) notifyError(err);
    }
    setCsrf('');
    setMe(null);
    go('#/login');
  }, []);

  let body;
  if (me === undefined) {
    body = <div class="loading">{t('loading')}</div>;
  } else if (me === null) {
    if (route.page !== 'login') go('#/login');
    body = <Login onLogin={loggedIn} />;
  } else {
    const pages = pagesOf(me.user);
    let page = route.page as Page;
    if (!pages.includes(page)) {
      page = pages.includes(home(me.user)) ? home(me.user) : (pages[0] ?? 'desk');
      go(`#/${page}`);
    }
    body = (
      <SessionContext.Provider value={{ me, ref, reloadRef }}>
        <TopBar me={me} pages={pages} page={page} lang={lang} onLogout={logout} />
        <main class={`page page-${page}`}>
          {page === 'desk' && <Desk />}
          {page === 'board' && <Board />}
          {page === 'admin' && <Admin tab={route.rest[0]} />}
          {page === 'handoffs' && <Handoffs openId={route.rest[0]} />}
          {page === 'kb' && <KB tab={route.rest[0]} id={route.rest[1]} />}
          {page === 'protect' && <Protect id={route.rest[0]} />}
          {page === 'policy' && <PolicyEditor />}
          {page === 'ivr' && <IVR />}
        </main>
      </SessionContext.Provider>
    );
  }
  return (
    <>
      {body}
      <Toasts />
    </>
  );
}

function TopBar(props: { me: Me; pages: Page[]; page: Page; lang: Lang; onLogout(): void }) {
  const { me, pages, page, lang } = props;
  return (
    <header class="topbar" data-testid="topbar">
      <span class="brand">{t('brand')}</span>
      <nav class="nav">
        {pages.map((p) => (
          <a href={`#/${p}`} class={p === page ? 'active' : ''} data-testid={`nav-${p}`} key={p}>
            {t(`page_${p}`)}
          </a>
        ))}
      </nav>
      <span class="spacer" />
      <span class="user" data-testid="user-name">
        {me.user.name}
      </span>
      <span class="lang" role="group" aria-label={t('language')}>
        <button
          type="button"
          class={lang === 'ko' ? 'on' : ''}
          aria-pressed={lang === 'ko'}
          data-testid="lang-ko"
          onClick={() => setLang('ko')}
        >
          한국어
        </button>
        <button
          type="button"
          class={lang === 'en' ? 'on' : ''}
          aria-pressed={lang === 'en'}
          data-testid="lang-en"
          onClick={() => setLang('en')}
        >
          English
        </button>
      </span>
      <button type="button" class="ghost" data-testid="logout" onClick={props.onLogout}>
        {t('logout')}
      </button>
    </header>
  );
}

function Toasts() {
  const [list, setList] = useState<Toast[]>([]);
  useEffect(() => subscribeToasts(setList), []);
  return (
    <div class="toasts" aria-live="polite">
      {list.map((x) => (
        <div class={`toast ${x.kind}`} key={x.id} data-testid={`toast-${x.kind}`} role={x.kind === 'error' ? 'alert' : 'status'}>
          {x.text}
        </div>
      ))}
    </div>
  );
}
