import { useEffect, useState } from 'preact/hooks';
import { get, seg } from '../lib/api';
import { t, tv, useLang } from '../lib/i18n';
import type { KBArticle, KBHit } from '../lib/types';
import type { ChatItem } from './Desk';
import { notifyError } from './notify';
import { Marked } from '../lib/Marked';

/** How many articles the assist panel shows for the latest messages. */
const ASSIST_HITS = 3;

/**
 * Agent assist: the articles the bot suggested when it handed the chat over,
 * and the articles that match the citizen's latest lines, searched again each
 * time a citizen line arrives (pushed over the desk socket; no polling). A
 * click puts an article's short answer into the reply box for the counselor
 * to edit before sending.
 */
export function Assist(props: { chat: ChatItem | null; onInsert(id: string, text: string): void }) {
  useLang();
  const chat = props.chat;
  const id = chat?.contact.id;
  const citizenLines = (chat?.messages ?? []).filter((m) => m.from === 'citizen');
  const last = citizenLines[citizenLines.length - 1];
  // The last two lines: a citizen often splits one question over two.
  const query = citizenLines
    .slice(-2)
    .map((m) => m.text)
    .join(' ')
    .slice(0, 400);
  const [hits, setHits] = useState<{ for: string; hits: KBHit[] } | null>(null);

  useEffect(() => {
    if (!id || !query.trim()) return setHits(null);
    let live = true;
    get<KBHit[]>(`/api/kb/search?q=${encodeURIComponent(query)}`)
      .then((list) => live && setHits({ for: id, hits: (list ?? []).slice(0, ASSIST_HITS) }))
      .catch(() => live && setHits({ for: id, hits: [] }));
    return () => {
      live = false;
    };
  }, [id, last?.id]);

  async function insert(articleId: string) {
    if (!id) return;
    try {
      // The server cuts the short answer the way the bot does, for the
      // citizen's latest line.
      const a = await get<KBArticle>(`/api/kb/articles/${seg(articleId)}?q=${encodeURIComponent(last?.text ?? '')}`);
      props.onInsert(id, a.short || a.title);
    } catch (err) {
      notifyError(err);
    }
  }

  if (!chat) {
    return (
      <section class="assist" data-testid="assist">
        <h3>{t('assist_title')}</h3>
        <p class="muted small">{t('assist_no_chat')}</p>
      </section>
    );
  }
  const canInsert = chat.contact.state === 'active';
  const botSug = chat.bot?.suggestions ?? [];
  const liveHits = hits && hits.for === id ? hits.hits : [];
  const item = (key: string, articleId: string, title: string, snippet: string | undefined, testid: string, hit?: KBHit) => (
    <li key={key} data-testid={testid} data-article-id={articleId}>
      <strong>
        <Marked text={title} spans={hit?.title_highlights} />
      </strong>
      {snippet && (
        <span class="snippet">
          <Marked text={snippet} spans={hit?.highlights} />
        </span>
      )}
      <button type="button" class="ghost small" disabled={!canInsert} data-testid="assist-insert" onClick={() => insert(articleId)}>
        {t('assist_insert')}
      </button>
    </li>
  );
  return (
    <section class="assist" data-testid="assist">
      <h3>{t('assist_title')}</h3>
      {chat.bot && (
        <div class="assist-bot" data-testid="assist-bot" data-reason={chat.bot.reason}>
          <p class="muted small">
            {t('assist_bot')} · {tv('bot_reason', chat.bot.reason)}
          </p>
          <ul class="assist-list">{botSug.map((s) => item(`b-${s.article_id}`, s.article_id, s.title, s.snippet, 'assist-bot-item'))}</ul>
        </div>
      )}
      {query && (
        <div class="assist-live">
          <p class="muted small">{t('assist_live')}</p>
          {liveHits.length === 0 ? (
            <p class="muted small">{t('assist_none')}</p>
          ) : (
            <ul class="assist-list">{liveHits.map((h) => item(`l-${h.id}`, h.id, h.title, h.snippet, 'assist-item', h))}</ul>
          )}
        </div>
      )}
    </section>
  );
}
