import { useEffect, useRef, useState } from 'preact/hooks';
import { serverNow } from './clock';

/** Current time on the server's clock (ms), refreshed every `ms` milliseconds. */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(serverNow);
  useEffect(() => {
    const id = setInterval(() => setNow(serverNow()), ms);
    return () => clearInterval(id);
  }, [ms]);
  return now;
}

/** Runs fn at most once per `ms`, dropping calls in between. reset() lets
 * the next call through at once (after a message is sent, say). */
export function useThrottle(fn: () => void, ms: number): { call(): void; reset(): void } {
  const last = useRef(0);
  const f = useRef(fn);
  f.current = fn;
  const api = useRef({
    call() {
      const now = Date.now();
      if (now - last.current < ms) return;
      last.current = now;
      f.current();
    },
    reset() {
      last.current = 0;
    },
  });
  return api.current;
}

/** Latest value of v, readable from callbacks created once. */
export function useLatest<T>(v: T): { readonly current: T } {
  const r = useRef(v);
  r.current = v;
  return r;
}
