// The one way the app talks to the gateway: same-origin /api, the CSRF token on state-changing calls, and the
// platform's {"error": {"code", "message"}} bodies turned into sentences a merchant can act on.
import type { Me } from './types';

export class ApiProblem extends Error {
  constructor(
    public readonly status: number,
    public readonly code: string,
    message: string,
    public readonly retryAfter: number | null = null,
  ) {
    super(message);
    this.name = 'ApiProblem';
  }
}

let csrfToken: string | null = null;
let mePromise: Promise<Me> | null = null;

export function loadMe(): Promise<Me> {
  mePromise ??= request<Me>('GET', '/api/me').then((me) => {
    csrfToken = me.csrf_token;
    return me;
  });
  mePromise.catch(() => {
    mePromise = null;
  });
  return mePromise;
}

export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}

// The API's messages often end without a full stop; one is added before the app's own next sentence.
function sentence(text: string): string {
  const trimmed = text.trim();
  return trimmed && !/[.!?]$/.test(trimmed) ? `${trimmed}.` : trimmed;
}

export function readableMessage(status: number, code: string, message: string, retryAfter: number | null): string {
  switch (status) {
    case 401:
      return 'Your session has ended. Open Cartio again from your BigCommerce control panel (Apps > My Apps).';
    case 403:
      return code === 'csrf_failed' ? 'This page is out of date. Reload it and try again.' : message ||
        'You are not allowed to do this.';
    case 409:
      return `${sentence(message) || 'This changed in the meantime.'} Reload to see the latest state, then try again.`;
    case 429: {
      const wait = retryAfter !== null ? ` Try again in ${retryAfter} second${retryAfter === 1 ? '' : 's'}.`
        : ' Try again shortly.';
      return `${sentence(message) || 'Too many requests.'}${/try again/i.test(message) ? '' : wait}`;
    }
    case 502:
    case 503:
    case 504:
      return `${sentence(message) || 'The store is not reachable right now.'}${/try again/i.test(message) ? '' :
        ' Try again in a moment.'}`;
    default:
      return message || `The request failed (HTTP ${status}).`;
  }
}

function retryAfterSeconds(response: Response, body: unknown): number | null {
  const header = response.headers.get('Retry-After');
  if (header && /^\d+$/.test(header.trim())) return Number(header.trim());
  const error = (body as { error?: { retry_after?: unknown } } | null)?.error;
  if (typeof error?.retry_after === 'number') return Math.ceil(error.retry_after);
  return null;
}

export async function problemFrom(response: Response): Promise<ApiProblem> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  const code = typeof error?.code === 'string' ? error.code : `http_${response.status}`;
  const raw = typeof error?.message === 'string' ? error.message : '';
  const retryAfter = retryAfterSeconds(response, body);
  return new ApiProblem(response.status, code, readableMessage(response.status, code, raw, retryAfter), retryAfter);
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | null | undefined>;
  idempotencyKey?: string;
  signal?: AbortSignal;
}

export function withQuery(path: string, query?: RequestOptions['query']): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== null && value !== undefined && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (method !== 'GET' && method !== 'HEAD') {
    if (!csrfToken && path !== '/api/me') await loadMe();
    if (csrfToken) headers['X-CSRF-Token'] = csrfToken;
  }
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (options.idempotencyKey) headers['Idempotency-Key'] = options.idempotencyKey;
  let response: Response;
  try {
    response = await fetch(withQuery(path, options.query), {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: 'same-origin',
      signal: options.signal,
    });
  } catch (exc) {
    if ((exc as Error).name === 'AbortError') throw exc;
    throw new ApiProblem(0, 'network', 'Cartio could not be reached. Check your connection and try again.');
  }
  if (!response.ok) throw await problemFrom(response);
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const api = {
  get: <T>(path: string, query?: RequestOptions['query'], signal?: AbortSignal) =>
    request<T>('GET', path, { query, signal }),
  post: <T>(path: string, body?: unknown, idempotencyKey?: string) =>
    request<T>('POST', path, { body: body ?? {}, idempotencyKey }),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, { body }),
  del: <T>(path: string) => request<T>('DELETE', path),
};

export function describe(exc: unknown): string {
  if (exc instanceof ApiProblem) return exc.message;
  if (exc instanceof Error) return exc.message;
  return String(exc);
}
