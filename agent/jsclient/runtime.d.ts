/** Options of new PbxAgent(). */
export interface PbxAgentOptions {
  /** The daemon's URL ('' = this page's origin). */
  baseUrl?: string;
  /** A bearer token (admin token or OAuth2 access token); without it the session cookie is used. */
  token?: string;
  /** A fetch implementation (default: globalThis.fetch). */
  fetch?: typeof fetch;
}

/** One line of an error's details. */
export interface PbxAgentErrorDetail {
  field: string;
  message: string;
}

/** An API error (the platform's error envelope). */
export declare class PbxAgentError extends Error {
  constructor(init?: { status?: number; code?: string; message?: string; details?: PbxAgentErrorDetail[]; requestId?: string; body?: unknown });
  /** HTTP status (0: the request did not reach the daemon). */
  status: number;
  /** Machine-readable code: invalid, not_found, conflict, forbidden... */
  code: string;
  /** Per field or line. */
  details: PbxAgentErrorDetail[];
  /** The X-Request-Id of the request. */
  requestId: string;
  /** The parsed response body, when it was JSON. */
  body?: unknown;
}

/** One server-sent event. */
export interface PbxAgentEvent {
  type: string;
  data: any;
  id?: string;
}

/** Options of subscribe(). */
export interface SubscribeOptions {
  query?: Record<string, unknown>;
  onError?: (err: Error) => void;
  /** Wait before opening the stream again (default 3000 ms). */
  retryMs?: number;
}

/** Options of request(). */
export interface RequestOptions {
  query?: Record<string, unknown>;
  headers?: Record<string, string>;
  body?: unknown;
  contentType?: string;
  init?: RequestInit;
}

/** A client of the pbxagent API. */
export declare class PbxAgent {
  constructor(options?: PbxAgentOptions);
  /** The session's CSRF token, sent in X-CSRF-Token on every change. */
  csrfToken: string;
  /** The bearer token ('' when the session cookie is used). */
  token: string;
  /** The absolute URL of path with query. */
  url(path: string, query?: Record<string, unknown>): string;
  /** Sends one request; a status outside 2xx throws PbxAgentError. */
  request(method: string, path: string, options?: RequestOptions): Promise<Response>;
  /** Follows a live stream (server-sent events); returns unsubscribe. */
  subscribe(path: string, onEvent: (event: PbxAgentEvent) => void, options?: SubscribeOptions): () => void;
