import { useEffect, useRef, useState } from 'preact/hooks';
import { basePath, get } from '../lib/api';
import { ReconnectingSocket, wsURL, type SocketStatus } from '../lib/socket';

/**
 * Keeps a staff WebSocket (/ws/desk or /ws/board) open while `enabled`,
 * reconnecting with backoff. After a close it asks /api/me, so an expired
 * session leads to the login page (the API wrapper handles the 401).
 */
export function useSocket<F>(
  path: 'ws/desk' | 'ws/board',
  enabled: boolean,
  onFrame: (f: F) => void,
  onOpen?: () => void,
): { status: SocketStatus; send(frame: unknown): boolean } {
  const [status, setStatus] = useState<SocketStatus>('connecting');
  const handlers = useRef({ onFrame, onOpen });
  handlers.current = { onFrame, onOpen };
  const sock = useRef<ReconnectingSocket<F> | null>(null);

  useEffect(() => {
    if (!enabled) return;
    let lastCheck = 0;
    const s = new ReconnectingSocket<F>(() => wsURL(basePath, path), {
      onFrame: (f) => handlers.current.onFrame(f),
      onOpen: () => handlers.current.onOpen?.(),
      onStatus: setStatus,
      onClose: (_ev, willRetry) => {
        if (!willRetry || Date.now() - lastCheck < 5000) return;
        lastCheck = Date.now();
        get('/api/me').catch(() => undefined);
      },
    });
    sock.current = s;
    s.start();
    const online = () => s.kick();
    addEventListener('online', online);
    return () => {
      removeEventListener('online', online);
      s.stop();
      sock.current = null;
    };
  }, [path, enabled]);

  return { status, send: (frame) => sock.current?.send(frame) ?? false };
}
