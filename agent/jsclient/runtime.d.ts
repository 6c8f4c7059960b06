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

/** Topics of the events socket. */
export type EventsTopic = 'calls' | 'presence' | 'chat' | 'callgroups' | 'hotel' | 'dialer';

/** One event of the events socket. */
export interface EventsEvent<T = any> {
  /** Sequence number: grows by one per event the server publishes (to anyone). */
  seq: number;
  /** When it was published (RFC 3339). */
  time: string;
  topic: EventsTopic;
  /** e.g. call_created, snapshot. */
  type: string;
  data: T;
}

/** Told when the server no longer holds the events missed: reload the state. */
export interface EventsResync {
  /** The sequence number resumed from. */
  since: number;
  /** The oldest the server still holds. */
  oldest: number;
  /** The stream goes on after this one. */
  seq: number;
}

/** The server's answer to subscribe or unsubscribe. */
export interface EventsAck {
  op: 'ack';
  of: 'subscribe' | 'unsubscribe' | 'resume';
  id?: string;
  /** Every topic now subscribed to. */
  topics: EventsTopic[];
  /** True when not connected: sent with the next connection. */
  queued?: boolean;
}

/** Options of events(). */
export interface EventsOptions {
  topics?: EventsTopic[];
  onEvent?: (event: EventsEvent) => void;
  onResync?: (resync: EventsResync) => void;
  onError?: (err: PbxAgentError | Error) => void;
  onState?: (state: 'connecting' | 'open' | 'closed') => void;
  /** A WebSocket implementation (default: globalThis.WebSocket). */
  WebSocket?: any;
  /** First wait before reconnecting (default 500 ms), doubled up to maxBackoffMs (default 30 s). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Resume after this sequence number (kept from an earlier page load). */
  since?: number;
}

/** The events socket: reconnects and resumes by itself until close(). */
export declare class PbxAgentEvents {
  /** The sequence number of the last event received (0: none yet). */
  readonly lastSeq: number;
  readonly topics: EventsTopic[];
  readonly state: 'connecting' | 'open' | 'closed';
  /** Subscribes to more topics; rejects with PbxAgentError naming the bad topic (details[0].field). */
  subscribe(topics: EventsTopic[]): Promise<EventsAck>;
  unsubscribe(topics: EventsTopic[]): Promise<EventsAck>;
  /** Closes the socket for good. */
  close(): void;
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
  /** Opens the events socket (GET /api/v1/events): subscribes, reconnects with backoff and resumes from the last sequence number. */
  events(options?: EventsOptions): PbxAgentEvents;
