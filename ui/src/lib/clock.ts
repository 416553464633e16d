// The server's clock as seen from here. Office PCs drift; times in state,
// waits and offer countdowns are computed against the server's "since" and
// "expires_at", so the difference is estimated from what the server says.

let skew = 0; // server minus local, ms

/** Current time on the server's clock (ms epoch), best estimate. */
export function serverNow(): number {
  return Date.now() + skew;
}

/** From a precise server timestamp (the board's "at"). */
export function noteServerTime(iso: string | undefined): void {
  const t = iso ? Date.parse(iso) : NaN;
  if (!Number.isNaN(t)) skew = t - Date.now();
}

/** From an HTTP Date header: whole seconds, so only a clear drift counts. */
export function noteDateHeader(h: string | null): void {
  const t = h ? Date.parse(h) : NaN;
  if (Number.isNaN(t)) return;
  const d = t - Date.now();
  if (Math.abs(d - skew) > 2000) skew = d;
}
