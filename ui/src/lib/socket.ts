// A WebSocket that reconnects with exponential backoff and jitter.

export type SocketStatus = 'connecting' | 'open' | 'closed';

export interface SocketHandlers<F> {
  onFrame(frame: F): void;
  onOpen?(): void;
  /** Called after every close; `willRetry` is false once stop() was called,
   * `wasOpen` false when the handshake itself failed (an HTTP error, say). */
  onClose?(ev: CloseEvent, willRetry: boolean, wasOpen: boolean): void;
  onStatus?(s: SocketStatus): void;
}

const MIN_DELAY = 500;
const MAX_DELAY = 30_000;

export class ReconnectingSocket<F = unknown> {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private openedAt = 0;

  /** url is called before every attempt, so it may change (resume tokens). */
  constructor(
    private readonly url: () => string,
    private readonly h: SocketHandlers<F>,
  ) {}

  start(): void {
    this.stopped = false;
    if (!this.ws && !this.timer) this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onopen = null;
      ws.onmessage = null;
      ws.onerror = null;
      ws.onclose = null;
      try {
        ws.close(1000);
      } catch {
        /* already closed */
      }
    }
    this.h.onStatus?.('closed');
  }

  /** Reconnect now (after a network change, say), skipping the backoff wait. */
  kick(): void {
    if (this.stopped) return;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
      this.connect();
    }
  }

  get open(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /** Sends a JSON frame; false when not connected. */
  send(frame: unknown): boolean {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    try {
      this.ws.send(JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  }

  private connect(): void {
    this.timer = null;
    if (this.stopped) return;
    this.h.onStatus?.('connecting');
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.url());
    } catch {
      this.schedule();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      this.openedAt = Date.now();
      this.h.onStatus?.('open');
      this.h.onOpen?.();
    };
    ws.onmessage = (ev) => {
      if (typeof ev.data !== 'string') return;
      let frame: F;
      try {
        frame = JSON.parse(ev.data) as F;
      } catch {
        return;
      }
      this.h.onFrame(frame);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      const wasOpen = this.openedAt !== 0;
      // A connection that stayed up a while starts the backoff afresh.
      if (this.openedAt && Date.now() - this.openedAt > 10_000) this.attempt = 0;
      this.openedAt = 0;
      this.h.onStatus?.('closed');
      this.h.onClose?.(ev, !this.stopped, wasOpen);
      this.schedule();
    };
  }

  private schedule(): void {
    if (this.stopped || this.timer) return;
    const base = Math.min(MAX_DELAY, MIN_DELAY * 2 ** this.attempt);
    this.attempt++;
    const delay = base / 2 + Math.random() * (base / 2);
    this.timer = setTimeout(() => this.connect(), delay);
  }
}

/** ws(s)://host/<base>path for a path relative to the app's base directory. */
export function wsURL(basePath: string, rel: string): string {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${location.host}${basePath}${rel}`;
}
