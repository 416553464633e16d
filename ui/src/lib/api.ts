// fetch wrapper for the staff app: same-origin credentials, the CSRF header
// on every mutating request, errors as ApiError with the server's message.

import { noteDateHeader } from './clock';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The input at fault, as a JSON path ("types.abuse.end_at"), when the server names one. */
    readonly field = '',
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Directory the app is served from, e.g. "/" (or "/minwon/" behind a prefix). */
export const basePath: string = location.pathname.replace(/[^/]*$/, '') || '/';

let csrf = '';
let onUnauthorized: () => void = () => undefined;

export function setCsrf(token: string): void {
  csrf = token;
}

/** The CSRF token, for requests made without api() (uploads with progress). */
export function getCsrf(): string {
  return csrf;
}

/** Called on any 401 outside the login request itself. */
export function setUnauthorizedHandler(fn: () => void): void {
  onUnauthorized = fn;
}

/** onHeaders, when given, sees the response headers of a successful call (X-Total-Count, say). */
export async function api<T = unknown>(method: string, path: string, body?: unknown, onHeaders?: (h: Headers) => void): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = csrf;
  let res: Response;
  try {
    res = await fetch(basePath + path.replace(/^\//, ''), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, 'network', '');
  }
  noteDateHeader(res.headers.get('Date'));
  if (res.status === 401 && path !== '/api/login') onUnauthorized();
  if (!res.ok) {
    let code = '';
    let message = '';
    let field = '';
    try {
      const j = (await res.json()) as { error?: { code?: string; message?: string; field?: string } };
      code = j.error?.code ?? '';
      message = j.error?.message ?? '';
      field = j.error?.field ?? '';
    } catch {
      /* not JSON */
    }
    throw new ApiError(res.status, code, message || `${res.status} ${res.statusText}`, field);
  }
  onHeaders?.(res.headers);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const get = <T>(path: string) => api<T>('GET', path);
export const post = <T>(path: string, body?: unknown) => api<T>('POST', path, body ?? {});
export const put = <T>(path: string, body: unknown) => api<T>('PUT', path, body);

/** Path segment escaping for IDs put into URLs. */
export const seg = (id: string) => encodeURIComponent(id);
