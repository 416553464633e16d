import type { JSX } from 'preact';

/** Span is a highlight: [start, end) in UTF-16 code units, as the search API sends them. */
export type Span = { start: number; end: number };

/**
 * Marked shows text with the search's matches in <mark>. It slices the
 * text and lets Preact render each piece as a text node, so an article
 * holding HTML is still shown as the characters it is.
 */
export function Marked({ text, spans }: { text: string; spans?: Span[] | null }): JSX.Element {
  if (!spans || spans.length === 0) return <>{text}</>;
  const parts: (string | JSX.Element)[] = [];
  let at = 0;
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  sorted.forEach((s, i) => {
    const start = Math.max(at, Math.min(s.start, text.length));
    const end = Math.max(start, Math.min(s.end, text.length));
    if (start > at) parts.push(text.slice(at, start));
    if (end > start) parts.push(<mark key={i}>{text.slice(start, end)}</mark>);
    at = end;
  });
  if (at < text.length) parts.push(text.slice(at));
  return <>{parts}</>;
}
