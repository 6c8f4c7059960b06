// The hand-written part of the client: requests, errors, the session's
// CSRF token, and subscribe() for live streams.

/** An API error: the platform's envelope {"error":{code,message,details,request_id}}. */
export class PbxAgentError extends Error {
  constructor({ status = 0, code = '', message = '', details = [], requestId = '', body } = {}) {
    super(message || `HTTP ${status}`);
    this.name = 'PbxAgentError';
    /** HTTP status (0: the request did not reach the daemon). */
    this.status = status;
    /** Machine-readable code: invalid, not_found, conflict, forbidden... */
    this.code = code;
    /** Per field or line: [{field, message}]. */
    this.details = Array.isArray(details) ? details : [];
    /** The X-Request-Id of the request, to find it in the daemon's log. */
    this.requestId = requestId;
    /** The parsed response body, when it was JSON. */
    this.body = body;
  }
}

const JSONish = /[/+]json\b/;

function sameOrigin(base) {
  if (!base) return true;
  try {
    const here = globalThis.location && globalThis.location.origin;
    return !!here && new URL(base, here).origin === here;
  } catch {
    return false;
  }
}

function isRaw(body) {
  return typeof body === 'string' ||
    (typeof Blob !== 'undefined' && body instanceof Blob) ||
    (typeof FormData !== 'undefined' && body instanceof FormData) ||
    (typeof URLSearchParams !== 'undefined' && body instanceof URLSearchParams) ||
    (typeof ReadableStream !== 'undefined' && body instanceof ReadableStream) ||
    body instanceof ArrayBuffer || ArrayBuffer.isView(body);
}

function wait(ms, signal) {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
  });
}

function base64url(s) {
  let bin = '';
  for (const b of new TextEncoder().encode(s)) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Close codes of the events socket after which it is not opened again, and the error each is (4001: the session or token ended; 4003: the account was disabled or deleted). */
const eventsFinalCodes = new Map([
  [4001, { status: 401, code: 'unauthorized', message: 'the session ended; sign in again' }],
  [4003, { status: 403, code: 'forbidden', message: 'the account was disabled' }],
]);

/**
 * The events socket (GET /api/v1/events), made by PbxAgent.events(): it
 * connects, subscribes, reconnects with backoff and resumes from the last
 * sequence number it got, so that no event is missed or repeated across a
 * reconnect within the server's window; past it, onResync is called and the
 * app reloads its state.
 */
export class PbxAgentEvents {
  #url;
  #token;
  #WS;
  #topics;
  #on;
  #min;
  #max;
  #ws = null;
  #seq = 0;
  #tries = 0;
  #timer = null;
  #closed = false;
  #next = 0;
  #pending = new Map();

  constructor(url, token, { topics = [], onEvent, onResync, onError, onState, WebSocket: WS, minBackoffMs = 500, maxBackoffMs = 30000, since } = {}) {
    this.#url = url;
    this.#token = token;
    this.#WS = WS || globalThis.WebSocket;
    if (typeof this.#WS !== 'function') throw new TypeError('events: no WebSocket implementation (pass options.WebSocket)');
    this.#topics = new Set(topics);
    this.#on = { onEvent, onResync, onError, onState };
    this.#min = minBackoffMs;
    this.#max = maxBackoffMs;
    if (since) this.#seq = Number(since);
    this.#open();
  }

  /** The sequence number of the last event received (0: none yet). */
  get lastSeq() { return this.#seq; }

  /** The topics subscribed to. */
  get topics() { return [...this.#topics].sort(); }

  /** 'connecting', 'open' or 'closed'. */
  get state() { return this.#closed ? 'closed' : (this.#ws && this.#ws.readyState === 1 ? 'open' : 'connecting'); }

  /** Subscribes to more topics; resolves with the server's ack, rejects with PbxAgentError naming the bad topic. */
  subscribe(topics) { return this.#op('subscribe', topics); }

  /** Unsubscribes from topics. */
  unsubscribe(topics) { return this.#op('unsubscribe', topics); }

  /** Closes the socket for good. */
  close() {
    this.#closed = true;
    clearTimeout(this.#timer);
    if (this.#ws) this.#ws.close(1000, 'client closing');
    this.#fail(new PbxAgentError({ code: 'closed', message: 'the events socket was closed' }));
    this.#emit('onState', 'closed');
  }

  #op(op, topics) {
    const list = [...topics];
    const before = new Set(this.#topics);
    for (const t of list) op === 'subscribe' ? this.#topics.add(t) : this.#topics.delete(t);
    if (!this.#ws || this.#ws.readyState !== 1) return Promise.resolve({ op: 'ack', of: op, topics: this.topics, queued: true });
    const id = String(++this.#next);
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, before });
      this.#ws.send(JSON.stringify({ op, topics: list, id }));
    });
  }

  #emit(name, ...a) {
    const f = this.#on[name];
    if (f) try { f(...a); } catch (err) { if (name !== 'onError' && this.#on.onError) this.#on.onError(err); }
  }

  #fail(err) {
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
  }

  #open() {
    if (this.#closed) return;
    const u = new URL(this.#url);
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    if (this.#topics.size) u.searchParams.set('topics', this.topics.join(','));
    if (this.#seq) u.searchParams.set('since', String(this.#seq));
    // A WebSocket cannot send Authorization: a bearer token goes as a
    // second subprotocol (base64url); without one the session cookie is sent.
    const ws = this.#token ? new this.#WS(u.toString(), ['pbxagent.events', 'pbxagent.bearer.' + base64url(this.#token)]) : new this.#WS(u.toString());
    this.#ws = ws;
    this.#emit('onState', 'connecting');
    ws.onmessage = (e) => this.#message(e.data);
    ws.onclose = (e) => this.#lost(e.code, e.reason);
    ws.onerror = () => {};
  }

  #message(text) {
    let m;
    try { m = JSON.parse(typeof text === 'string' ? text : String(text)); } catch { return; }
    switch (m.op) {
      case 'welcome':
        this.#tries = 0;
        if (!this.#seq) this.#seq = m.seq;
        this.#emit('onState', 'open');
        break;
      case 'event':
        if (m.seq <= this.#seq) return; // never twice
        this.#seq = m.seq;
        this.#emit('onEvent', { seq: m.seq, time: m.time, topic: m.topic, type: m.type, data: m.data });
        break;
      case 'resync_required':
        this.#seq = m.seq;
        this.#emit('onResync', { since: m.since, oldest: m.oldest, seq: m.seq });
        break;
      case 'ack': {
        const p = this.#pending.get(m.id);
        if (p) { this.#pending.delete(m.id); p.resolve(m); }
        break;
      }
      case 'error': {
        const e = m.error || {};
        const err = new PbxAgentError({ code: e.code, message: e.message, details: e.details });
        const p = this.#pending.get(m.id);
        if (p) {
          this.#pending.delete(m.id);
          this.#topics = p.before;
          p.reject(err);
        } else this.#emit('onError', err);
        break;
      }
    }
  }

  #lost(code, reason) {
    this.#ws = null;
    this.#fail(new PbxAgentError({ code: 'network', message: `the events socket closed (${code}${reason ? ': ' + reason : ''})` }));
    if (this.#closed) return;
    const final = eventsFinalCodes.get(code);
    if (final) {
      this.#closed = true;
      this.#emit('onError', new PbxAgentError({ status: final.status, code: final.code, message: reason || final.message }));
      this.#emit('onState', 'closed');
      return;
    }
    if (code !== 1000 && code !== 1001) this.#emit('onError', new PbxAgentError({ code: 'network', message: `the events socket closed (${code}${reason ? ': ' + reason : ''}); reconnecting` }));
    const base = Math.min(this.#max, this.#min * 2 ** Math.min(this.#tries++, 16));
    this.#emit('onState', 'connecting');
    this.#timer = setTimeout(() => this.#open(), base / 2 + Math.random() * base / 2);
  }
}

/** The transfer states after which a transfer is over. */
const transferEnded = new Set(['completed', 'cancelled', 'abandoned']);

/** How many ended call ids a live view remembers, so that a late event does not bring one back. */
const endedMemory = 1000;

/**
 * An event of a live calls view (PbxAgentCallsLive): its type is the
 * events socket's (call_created, call_ended, transfer_answered,
 * recording_started...) or change, ready, resync, state, error.
 */
export class PbxAgentCallsEvent extends Event {
  constructor(type, { calls = [], call, transfer, seq, error, state } = {}) {
    super(type);
    /** Every live call after the change, oldest first. */
    this.calls = calls;
    /** The call the event is about (for call_ended: as it ended). */
    this.call = call;
    /** The transfer of a transfer_* event. */
    this.transfer = transfer;
    /** The sequence number of the socket event (0 for change, ready, resync...). */
    this.seq = seq || 0;
    /** The error of an error event. */
    this.error = error;
    /** The socket's state of a state event: connecting, open or closed. */
    this.state = state;
  }
}

/**
 * The list-and-events logic the live views share (PbxAgentCallsLive,
 * PbxAgentPresenceLive): one events socket on the view's topic; once its
 * welcome says the subscription holds, the list is requested (S: the
 * socket's last sequence number then) and the events that come meanwhile
 * are held; when the list arrives the view is rebuilt from it and the held
 * events after S are applied in order, then the live ones. A failed load
 * is retried after retryMs (not after 401 or 403); a resync_required
 * loads the list again. A view implements _fetch() (the list),
 * _rebuild(list, held) (its state from the list; answers the held events
 * to apply), _apply(e), _items() (what ready and reload resolve with) and
 * _event(type, init) (the Event it dispatches), and calls _start() at the
 * end of its constructor.
 */
class LiveView extends EventTarget {
  #topic;
  #retryMs;
  #events;
  #buffer = null; // events held while the list loads
  #loading = null;
  #reload = false;
  #timer = null;
  #closed = false;
  #loaded = false;
  #ready;
  #resolveReady;

  constructor(topic, retryMs = 3000) {
    super();
    this.#topic = topic;
    this.#retryMs = retryMs;
    this.#ready = new Promise((resolve) => { this.#resolveReady = resolve; });
  }

  /** Opens the events socket (after the view's own fields are set). */
  _start(api, { WebSocket, minBackoffMs, maxBackoffMs } = {}) {
    this.#events = api.events({
      topics: [this.#topic], WebSocket, minBackoffMs, maxBackoffMs,
      onEvent: (e) => this.#event(e),
      onResync: () => this.#load(),
      onError: (error) => this._emit('error', { error }),
      onState: (state) => {
        this._emit('state', { state });
        if (state === 'open' && !this.#loaded && !this.#loading) this.#load();
      },
    });
  }

  /** Resolves with the view's items once the list is first loaded. */
  get ready() { return this.#ready; }

  /** The events socket's state: connecting, open or closed. */
  get state() { return this.#events.state; }

  /** The events socket's last sequence number. */
  get lastSeq() { return this.#events.lastSeq; }

  /** Adds listener for type and returns a function that removes it. */
  on(type, listener) {
    this.addEventListener(type, listener);
    return () => this.removeEventListener(type, listener);
  }

  /** Loads the list again (as after resync_required); resolves with the items. */
  reload() { return this.#load(); }

  /** Stops the view: closes its events socket; no event is emitted after (but state closed). */
  close() {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#events.close();
  }

  _emit(type, init = {}) {
    if (this.#closed && type !== 'state') return;
    this.dispatchEvent(this._event(type, init));
  }

  #load() {
    if (this.#closed) return Promise.resolve(this._items());
    if (this.#loading) {
      this.#reload = true; // a resync during a load: load once more after it
      return this.#loading;
    }
    clearTimeout(this.#timer);
    this.#buffer = [];
    const since = this.#events.lastSeq;
    this.#loading = (async () => {
      let list;
      try {
        list = await this._fetch();
      } catch (error) {
        // The view stays as it was (events held, not applied) until a
        // later load succeeds: its list covers what is held now.
        this.#loading = null;
        this.#reload = false;
        if (this.#closed) return this._items();
        this.#buffer = [];
        this._emit('error', { error });
        if (!(error instanceof PbxAgentError && (error.status === 401 || error.status === 403))) {
          this.#timer = setTimeout(() => this.#load(), this.#retryMs);
        }
        return this._items();
      }
      this.#loading = null;
      if (this.#closed) return this._items();
      const held = (this.#buffer || []).filter((e) => e.seq > since);
      this.#buffer = null;
      const apply = this._rebuild(list, held);
      const first = !this.#loaded;
      this.#loaded = true;
      if (!first) this._emit('resync');
      this._emit('change');
      for (const e of apply) this._apply(e);
      if (first) {
        this._emit('ready');
        this.#resolveReady(this._items());
      }
      if (this.#reload) {
        this.#reload = false;
        return this.#load();
      }
      return this._items();
    })();
    return this.#loading;
  }

  #event(e) {
    if (e.topic !== this.#topic) return;
    if (this.#buffer) {
      // held while a load is on; after a failed load, dropped: the next
      // load's list covers them
      if (this.#loading) this.#buffer.push(e);
    } else if (this.#loaded) this._apply(e);
  }
}

/**
 * A live view of calls (PbxAgentCalls.live()): GET /api/v1/calls kept
 * current by the events socket's topic calls.
 *
 * Order, so that no event is missed and none older than the list undoes
 * it: the socket subscribes first; once the server's welcome says the
 * subscription holds, the list is requested (S: the socket's last
 * sequence number then) and the events that come meanwhile are held.
 * Every event up to S was published before the request, so the list
 * already holds its effect. When the list arrives, a call whose
 * call_ended is among the held events is left out of it (the list may
 * have been made before the end), and the held events after S are applied
 * in order, then the live ones; each carries the whole call, so the last
 * one of a call is its newest state. A call_ended is final: the view
 * remembers the last 1000 ended ids and no later event, list or transfer
 * brings one back. After resync_required (the server no longer holds what
 * was missed) the list is loaded again the same way.
 */
export class PbxAgentCallsLive extends LiveView {
  #api;
  #user;
  #calls = new Map();
  #transfers = new Map(); // call id -> its transfer in progress
  #ended = new Set(); // ids of ended calls, the last endedMemory

  constructor(api, { user, retryMs = 3000, ...socket } = {}) {
    super('calls', retryMs);
    this.#api = api;
    this.#user = user || '';
    this._start(api, socket);
  }

  /** Every live call, oldest first; a call with a transfer in progress has it as activeTransfer. */
  get calls() { return [...this.#calls.values()]; }

  /** The live call id, or undefined. */
  get(id) { return this.#calls.get(id); }

  _items() { return this.calls; }

  _event(type, init) { return new PbxAgentCallsEvent(type, { calls: this.calls, ...init }); }

  async _fetch() {
    const list = (await this.#api.listCalls(this.#user ? { user: this.#user } : {})).calls || [];
    const transfers = await Promise.all(list.filter((c) => c.transfer).map((c) =>
      this.#api.getTransfer({ id: c.transfer }).catch(() => undefined)));
    return { list, transfers };
  }

  _rebuild({ list, transfers }, held) {
    // A call whose call_ended is held ended after the list may have been
    // made: it is left out, and its held events before the end are not applied.
    const ending = new Set(held.filter((e) => e.type === 'call_ended' && e.data).map((e) => e.data.id));
    this.#calls = new Map();
    this.#transfers = new Map();
    for (const c of list) if (!this.#ended.has(c.id) && !ending.has(c.id) && this.#mine(c)) this.#calls.set(c.id, { ...c });
    for (const t of transfers) if (t && !transferEnded.has(t.state) && this.#calls.has(t.call_id)) this.#transfers.set(t.call_id, t);
    for (const [id, c] of this.#calls) this.#calls.set(id, this.#decorate(c));
    return held.filter((e) => {
      const id = e.data && (e.data.call_id || e.data.id);
      return e.type === 'call_ended' || !ending.has(id);
    });
  }

  #mine(c) { return !this.#user || c.user_id === this.#user; }

  #forget(id) {
    this.#ended.add(id);
    if (this.#ended.size > endedMemory) this.#ended.delete(this.#ended.values().next().value);
  }

  #decorate(c) {
    const t = this.#transfers.get(c.id);
    if (t) c.activeTransfer = t;
    else delete c.activeTransfer;
    return c;
  }

  _apply(e) {
    const d = e.data || {};
    if (e.type.startsWith('transfer_')) {
      if (!d.call_id || this.#ended.has(d.call_id) || (this.#user && d.user_id !== this.#user)) return;
      if (transferEnded.has(d.state)) this.#transfers.delete(d.call_id);
      else this.#transfers.set(d.call_id, d);
      const c = this.#calls.get(d.call_id);
      if (c) this.#calls.set(c.id, this.#decorate({ ...c, transfer: d.id }));
      this._emit(e.type, { call: this.#calls.get(d.call_id), transfer: d, seq: e.seq });
      this._emit('change', { seq: e.seq });
      return;
    }
    if (!d.id || this.#ended.has(d.id)) return;
    if (e.type === 'call_ended' || d.state === 'ended') {
      this.#forget(d.id);
      const was = this.#calls.has(d.id);
      this.#calls.delete(d.id);
      this.#transfers.delete(d.id);
      if (was || this.#mine(d)) {
        this._emit(e.type, { call: { ...d }, seq: e.seq });
        if (was) this._emit('change', { seq: e.seq });
      }
      return;
    }
    if (!this.#mine(d)) {
      // picked up by another user: the call leaves a one-user view
      if (this.#calls.delete(d.id)) {
        this.#transfers.delete(d.id);
        this._emit(e.type, { call: { ...d }, seq: e.seq });
        this._emit('change', { seq: e.seq });
      }
      return;
    }
    const c = this.#decorate({ ...d });
    this.#calls.set(d.id, c);
    this._emit(e.type, { call: c, seq: e.seq });
    this._emit('change', { seq: e.seq });
  }
}

/**
 * The calls module (PbxAgent.calls): call control for apps on top of the
 * generated methods, and live() for a view of the calls kept current by
 * the events socket. Every method answers as its operation does (a
 * status outside 2xx throws PbxAgentError).
 */
export class PbxAgentCalls {
  #api;

  constructor(api) { this.#api = api; }

  /** Click-to-call (placeCall): rings the user's device (device, or all of them), then dials to; resolves with the call (state dialing). */
  place(to, { device } = {}) { return this.#api.placeCall({}, { to, device }); }

  /** The user's live calls (listCalls); a supervisor passes user to keep one user's. */
  async list({ user } = {}) { return (await this.#api.listCalls(user ? { user } : {})).calls || []; }

  /** One call, live or ended a short while ago (getCall). */
  get(id) { return this.#api.getCall({ id }); }

  /** Hangs a call up, every leg (hangupCall); resolves with the ended call. */
  hangup(id) { return this.#api.hangupCall({ id }); }

  /** Answers a ringing call on the owner's desk phone (answerCall; phone: its MAC address, when they have several). */
  answer(id, { phone } = {}) { return this.#api.answerCall({ id }, phone ? { phone } : {}); }

  /** Puts a call on hold (holdCall). */
  hold(id) { return this.#api.holdCall({ id }); }

  /** Takes a call off hold (resumeCall). */
  resume(id) { return this.#api.resumeCall({ id }); }

  /** Mutes the user on a call (muteCall). */
  mute(id) { return this.#api.muteCall({ id }); }

  /** Unmutes the user on a call (unmuteCall). */
  unmute(id) { return this.#api.unmuteCall({ id }); }

  /** Sends DTMF digits to the destination (sendCallDigits). */
  dtmf(id, digits) { return this.#api.sendCallDigits({ id }, { digits }); }

  /** Starts, pauses, resumes or stops recording a call (recordCall; action start by default). */
  record(id, action = 'start') { return this.#api.recordCall({ id }, { action }); }

  /** Transfers a call's destination to to, blind (default) or attended (transferCall); resolves with the transfer. */
  transfer(id, to, mode = 'blind') { return this.#api.transferCall({ id }, { to, mode }); }

  /** One transfer (getTransfer). */
  getTransfer(tid) { return this.#api.getTransfer({ id: tid }); }

  /** Completes an attended transfer (completeTransfer). */
  completeTransfer(tid) { return this.#api.completeTransfer({ id: tid }); }

  /** Cancels an attended transfer (cancelTransfer). */
  cancelTransfer(tid) { return this.#api.cancelTransfer({ id: tid }); }

  /** Switches between the destination and the recipient of an answered attended transfer (swapTransfer). */
  swapTransfer(tid) { return this.#api.swapTransfer({ id: tid }); }

  /** Parks a call (parkCall). */
  park(id) { return this.#api.parkCall({ id }); }

  /** Picks a parked call up on the user's devices (pickupCall; device: one of them). */
  pickup(id, { device } = {}) { return this.#api.pickupCall({ id }, device ? { device } : {}); }

  /** A page of the call history, newest first (listCallHistory: user, since, until, direction, answered, q, limit, cursor). */
  history(params = {}) { return this.#api.listCallHistory(params); }

  /** The call history as CSV (exportCallHistory). */
  exportHistory(params = {}) { return this.#api.exportCallHistory(params); }

  /**
   * A live view of the calls: loads GET /api/v1/calls and follows the
   * events socket (topic calls); close() stops it.
   * @param {{user?: string, retryMs?: number, WebSocket?: any, minBackoffMs?: number, maxBackoffMs?: number}} [options]
   * @returns {PbxAgentCallsLive}
   */
  live(options = {}) { return new PbxAgentCallsLive(this.#api, options); }
}

/**
 * The chat module (PbxAgent.chat): short methods over the generated chat
 * operations (docs/chat.md) and listen(), the events socket's topic chat.
 */
export class PbxAgentChat {
  #api;

  constructor(api) { this.#api = api; }

  /** The users one may chat with (listChatUsers); resolves with the array. */
  async users() { return (await this.#api.listChatUsers()).users || []; }

  /** The user's rooms, the most recently active first, with unread counts (listChatRooms); resolves with the array. */
  async rooms() { return (await this.#api.listChatRooms()).rooms || []; }

  /** One room (getChatRoom). */
  room(id) { return this.#api.getChatRoom({ id }); }

  /** The direct room with userId, found or created (createChatRoom, kind direct). */
  open(userId) { return this.#api.createChatRoom({}, { kind: 'direct', members: [userId] }); }

  /** A new group room named name with members (createChatRoom, kind group); the caller is its admin. */
  createGroup(name, members) { return this.#api.createChatRoom({}, { kind: 'group', name, members }); }

  /** Renames a group and/or sets its members (updateChatRoom: {name, members}). */
  update(id, changes) { return this.#api.updateChatRoom({ id }, changes); }

  /** A page of a room's messages, oldest first (listChatMessages: before, after, limit, q). */
  messages(id, params = {}) { return this.#api.listChatMessages({ id, ...params }); }

  /**
   * Sends text to a room (sendChatMessage). clientId (made up when not
   * given) makes a retry idempotent: the same clientId answers the
   * message stored the first time.
   */
  send(id, text, { clientId } = {}) {
    const client_id = clientId || `js-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
    return this.#api.sendChatMessage({ id }, { text, client_id });
  }

  /** Edits one's own message (editChatMessage). */
  edit(id, mid, text) { return this.#api.editChatMessage({ id, mid }, { text }); }

  /** Deletes one's own message, leaving a tombstone (deleteChatMessage). */
  remove(id, mid) { return this.#api.deleteChatMessage({ id, mid }); }

  /** Read receipt: every message up to upTo is read (markChatRead). */
  read(id, upTo) { return this.#api.markChatRead({ id }, { up_to: upTo }); }

  /** Delivery receipt: the client has every message up to upTo (markChatDelivered). */
  delivered(id, upTo) { return this.#api.markChatDelivered({ id }, { up_to: upTo }); }

  /** Tells the room's members the user is typing (chatTyping). */
  typing(id) { return this.#api.chatTyping({ id }); }

  /**
   * The events socket on topic chat (events() with topics ['chat']):
   * onEvent gets message_received, message_updated, message_deleted,
   * message_delivered, message_read, typing and room_updated.
   */
  listen(options = {}) { return this.#api.events({ ...options, topics: ['chat'] }); }
}

/** An event of a presence live view (PbxAgentPresenceLive). */
export class PbxAgentPresenceEvent extends Event {
  constructor(type, { presence = [], user, seq, error, state } = {}) {
    super(type);
    /** Every user's presence in the view after the change, in the order loaded. */
    this.presence = presence;
    /** The presence the event is about (presence_updated). */
    this.user = user;
    /** The sequence number of the socket event (0 for change, ready, resync...). */
    this.seq = seq || 0;
    /** The error of an error event. */
    this.error = error;
    /** The socket's state of a state event: connecting, open or closed. */
    this.state = state;
  }
}

/**
 * A live view of presence (PbxAgentPresence.live()): GET /api/v1/presence
 * (the caller and their roster, or the users asked) kept current by the
 * events socket's topic presence.
 *
 * As the calls view: the socket subscribes first; once the server's
 * welcome says the subscription holds, the list is requested (S: the
 * socket's last sequence number then) and the presence_updated events
 * that come meanwhile are held; when the list arrives, the held events
 * after S are applied in order (each carries the user's whole presence,
 * so the last one wins), then the live ones. After resync_required the
 * list is loaded again.
 */
export class PbxAgentPresenceLive extends LiveView {
  #api;
  #users;
  #presence = new Map();

  constructor(api, { users, retryMs = 3000, ...socket } = {}) {
    super('presence', retryMs);
    this.#api = api;
    this.#users = Array.isArray(users) && users.length ? [...users] : null;
    this._start(api, socket);
  }

  /** Every user's presence in the view, in the order loaded (users who came by events after it last). */
  get presence() { return [...this.#presence.values()]; }

  /** One user's presence, or undefined. */
  get(userId) { return this.#presence.get(userId); }

  _items() { return this.presence; }

  _event(type, init) { return new PbxAgentPresenceEvent(type, { presence: this.presence, ...init }); }

  async _fetch() {
    return (await this.#api.getPresence(this.#users ? { users: this.#users.join(',') } : {})).items || [];
  }

  _rebuild(list, held) {
    this.#presence = new Map();
    for (const p of list) if (p && p.user_id) this.#presence.set(p.user_id, p);
    return held;
  }

  _apply(e) {
    const p = e.data;
    if (e.type !== 'presence_updated' || !p || !p.user_id) return;
    if (this.#users && !this.#users.includes(p.user_id)) return;
    this.#presence.set(p.user_id, p);
    this._emit('presence_updated', { user: p, seq: e.seq });
    this._emit('change', { seq: e.seq });
  }
}

/**
 * The presence module (PbxAgent.presence): short methods over the
 * generated presence operations (docs/presence.md) and live(), a view of
 * the roster's presence kept current by the events socket.
 */
export class PbxAgentPresence {
  #api;

  constructor(api) { this.#api = api; }

  /** Sets one's own state: available, away or dnd, with an optional message and until (a Date or RFC 3339) (setMyPresence). */
  set(state, { message, until } = {}) {
    return this.#api.setMyPresence({}, { state, message, until: until instanceof Date ? until.toISOString() : until });
  }

  /** Sets another user's state (setUserPresence; needs the ability change_presence). */
  setUser(userId, state, { message, until } = {}) {
    return this.#api.setUserPresence({ id: userId }, { state, message, until: until instanceof Date ? until.toISOString() : until });
  }

  /** The users' presence, in the order asked ('me' is the caller); without ids the caller and their roster (getPresence); resolves with the array. */
  async get(userIds) {
    const users = Array.isArray(userIds) ? userIds.join(',') : userIds;
    return (await this.#api.getPresence(users ? { users } : {})).items || [];
  }

  /** The ids of the users in one's roster (getMyRoster). */
  async roster() { return (await this.#api.getMyRoster()).users || []; }

  /** Sets one's roster: whose presence_updated events one gets (setMyRoster); resolves with the ids. */
  async setRoster(userIds) { return (await this.#api.setMyRoster({}, { users: userIds })).users || []; }

  /** One's location and whom it is shared with (getMyLocation): {location?, share_with}. */
  location() { return this.#api.getMyLocation(); }

  /** Sets one's location ({lat, lon, address}; null clears it) and the ids of the users who may see it (default: nobody) (setMyLocation). */
  setLocation(location, shareWith = []) { return this.#api.setMyLocation({}, { location, share_with: shareWith }); }

  /**
   * A live view of presence: loads GET /api/v1/presence (the caller and
   * their roster, or options.users) and follows presence_updated on the
   * events socket (topic presence); close() stops it.
   * @param {{users?: string[], retryMs?: number, WebSocket?: any, minBackoffMs?: number, maxBackoffMs?: number}} [options]
   * @returns {PbxAgentPresenceLive}
   */
  live(options = {}) { return new PbxAgentPresenceLive(this.#api, options); }
}

/**
 * An event of a call group live view (PbxAgentCallGroupLive): its type is
 * the events socket's (callgroup_call_waiting, callgroup_call_answered,
 * callgroup_call_abandoned, callgroup_call_left, callgroup_call_completed,
 * member_state, callgroup_updated, callgroup_deleted) or change, tick,
 * ready, resync, state, error.
 */
export class PbxAgentCallGroupEvent extends Event {
  constructor(type, { view, call, member, seq, error, state } = {}) {
    super(type);
    /** The view after the change: {group, members, waiting, active, deleted}. */
    this.view = view;
    /** The call a callgroup_call_* event is about (waiting or answered, as the event carried it). */
    this.call = call;
    /** The member a member_state event is about (removed: left the group). */
    this.member = member;
    /** The sequence number of the socket event (0 for change, tick, ready, resync...). */
    this.seq = seq || 0;
    /** The error of an error event. */
    this.error = error;
    /** The socket's state of a state event: connecting, open or closed. */
    this.state = state;
  }
}

/** The events after which a group's caller no longer waits. */
const callGroupLeft = new Set(['callgroup_call_answered', 'callgroup_call_abandoned', 'callgroup_call_left']);

/**
 * A live view of one call group (PbxAgentCallGroups.live(id)): GET
 * /api/v1/callgroups/{id} (the group, its members with their state, the
 * callers waiting, the answered calls) kept current by the events
 * socket's topic callgroups, as the other live views (the list after the
 * subscription holds, the events meanwhile held and applied after it; a
 * resync loads it again). Waits and talk times tick: every tickMs the
 * waiting callers' wait_seconds and the calls' talk_seconds are worked
 * out again from entered_at and answered_at on the server's clock (the
 * offset to it measured at each load) and a tick event is dispatched.
 */
export class PbxAgentCallGroupLive extends LiveView {
  #api;
  #id;
  #now;
  #offset = 0; // server clock − local clock, ms
  #group = null;
  #deleted = false;
  #members = new Map();
  #waiting = new Map();
  #active = new Map();
  #ended = new Set(); // ids of callers gone (answered calls ended, callers left), the last endedMemory
  #ticker = null;

  constructor(api, id, { tickMs = 1000, now, retryMs = 3000, ...socket } = {}) {
    super('callgroups', retryMs);
    if (!id) throw new TypeError('callgroups.live: a group id is required');
    this.#api = api;
    this.#id = String(id);
    this.#now = typeof now === 'function' ? now : () => Date.now();
    this._start(api, socket);
    if (tickMs > 0) this.#ticker = setInterval(() => this.tick(), tickMs);
  }

  /** The group's id. */
  get id() { return this.#id; }

  /** The group's configuration (null until loaded). */
  get group() { return this.#group; }

  /** Whether the group was deleted (callgroup_deleted). */
  get deleted() { return this.#deleted; }

  /** The members with their live state, in the group's order (those who joined later last). */
  get members() { return [...this.#members.values()]; }

  /** The callers waiting, first in line first, each with wait_seconds as of now. */
  get waiting() {
    const now = this.#serverNow();
    return [...this.#waiting.values()].sort((a, b) => a.position - b.position)
      .map((c) => ({ ...c, wait_seconds: since(c.entered_at, now) }));
  }

  /** The answered calls, each with talk_seconds as of now. */
  get active() {
    const now = this.#serverNow();
    return [...this.#active.values()].map((c) => ({ ...c, talk_seconds: since(c.answered_at, now) }));
  }

  /** The whole view: {group, members, waiting, active, deleted}. */
  get view() { return { group: this.#group, members: this.members, waiting: this.waiting, active: this.active, deleted: this.#deleted }; }

  /** One member by user id, or undefined. */
  member(userId) { return this.#members.get(userId); }

  /** How long a caller (or a call's entered_at) has waited, in seconds, as of now on the server's clock. */
  waitSeconds(call) { return since(call && call.entered_at, this.#serverNow()); }

  /** Works the waits out again and dispatches tick (the timer calls it every tickMs). */
  tick() {
    if (this.#group && (this.#waiting.size || this.#active.size)) this._emit('tick');
  }

  close() {
    clearInterval(this.#ticker);
    super.close();
  }

  #serverNow() { return this.#now() + this.#offset; }

  #forget(id) {
    this.#ended.add(id);
    if (this.#ended.size > endedMemory) this.#ended.delete(this.#ended.values().next().value);
  }

  #renumber() {
    [...this.#waiting.values()].sort((a, b) => a.position - b.position).forEach((c, i) => { c.position = i + 1; });
  }

  _items() { return this.view; }

  _event(type, init) { return new PbxAgentCallGroupEvent(type, { view: this.view, ...init }); }

  async _fetch() {
    const t0 = this.#now();
    const v = await this.#api.getCallGroup({ id: this.#id });
    return { v, local: (t0 + this.#now()) / 2 };
  }

  _rebuild({ v, local }, held) {
    const st = Date.parse(v.server_time);
    if (!Number.isNaN(st)) this.#offset = st - local;
    this.#group = v.group;
    this.#deleted = false;
    this.#members = new Map((v.members || []).map((m) => [m.user_id, { ...m }]));
    this.#waiting = new Map((v.waiting || []).filter((c) => !this.#ended.has(c.id)).map((c) => [c.id, { ...c }]));
    this.#active = new Map((v.active || []).filter((c) => !this.#ended.has(c.id)).map((c) => [c.id, { ...c }]));
    return held;
  }

  _apply(e) {
    const d = e.data || {};
    const seq = e.seq;
    switch (e.type) {
      case 'callgroup_updated':
        if (d.id !== this.#id) return;
        this.#group = d;
        this.#deleted = false;
        break;
      case 'callgroup_deleted':
        if (d.id !== this.#id) return;
        this.#deleted = true;
        this.#members.clear();
        this.#waiting.clear();
        this.#active.clear();
        break;
      case 'member_state': {
        if (d.group_id !== this.#id || !d.user_id) return;
        const { group_id: _g, removed, ...m } = d;
        if (removed) this.#members.delete(d.user_id);
        else this.#members.set(d.user_id, m);
        this._emit(e.type, { member: d, seq });
        this._emit('change', { seq });
        return;
      }
      case 'callgroup_call_waiting':
        if (d.group_id !== this.#id || !d.id || this.#ended.has(d.id)) return;
        this.#waiting.set(d.id, { ...d });
        break;
      case 'callgroup_call_answered':
      case 'callgroup_call_abandoned':
      case 'callgroup_call_left':
      case 'callgroup_call_completed':
        if (d.group_id !== this.#id || !d.id || this.#ended.has(d.id)) return;
        if (callGroupLeft.has(e.type)) {
          this.#waiting.delete(d.id);
          this.#renumber();
        }
        if (e.type === 'callgroup_call_answered') this.#active.set(d.id, { ...d });
        else {
          this.#active.delete(d.id);
          this.#forget(d.id);
        }
        break;
      default:
        return;
    }
    this._emit(e.type, { call: e.type.startsWith('callgroup_call_') ? d : undefined, seq });
    this._emit('change', { seq });
  }
}

/** Seconds from an RFC 3339 time to now (ms), never negative; 0 without a time. */
function since(t, now) {
  const at = Date.parse(t);
  if (Number.isNaN(at)) return 0;
  return Math.max(0, Math.round(now - at) / 1000);
}

/**
 * The call groups module (PbxAgent.callgroups): short methods over the
 * generated call groups operations (docs/callgroups.md) and live(id), a
 * view of one group kept current by the events socket. Without the
 * ability manage_callcenter a user joins, leaves and pauses only
 * themself ('me'); administrators create, change and delete groups.
 */
export class PbxAgentCallGroups {
  #api;

  constructor(api) { this.#api = api; }

  /** The groups the caller may see, with their counts and the caller's own membership (listCallGroups); resolves with the array. */
  async list() { return (await this.#api.listCallGroups()).groups || []; }

  /** One group: configuration, members, waiting and answered calls (getCallGroup). */
  get(id) { return this.#api.getCallGroup({ id }); }

  /** Creates a group (createCallGroup; administrators). */
  create(group) { return this.#api.createCallGroup({}, group); }

  /** Replaces a group's configuration and static members (updateCallGroup; administrators). */
  update(id, group) { return this.#api.updateCallGroup({ id }, group); }

  /** Deletes a group (deleteCallGroup; administrators). */
  remove(id) { return this.#api.deleteCallGroup({ id }); }

  /** A group's members with their live state (listCallGroupMembers); resolves with the array. */
  async members(id) { return (await this.#api.listCallGroupMembers({ id })).members || []; }

  /** Joins a group (user: another user, with manage_callcenter), optionally paused with a reason (addCallGroupMember). */
  join(id, { user, penalty, paused, reason } = {}) {
    return this.#api.addCallGroupMember({ id }, { user_id: user, penalty, paused, reason });
  }

  /** Leaves a group (user: another member, with manage_callcenter) (removeCallGroupMember). */
  leave(id, { user = 'me' } = {}) { return this.#api.removeCallGroupMember({ id, user }); }

  /** Pauses oneself (or user, with manage_callcenter) in a group, with an optional reason (pauseCallGroupMember). */
  pause(id, reason, { user = 'me' } = {}) { return this.#api.pauseCallGroupMember({ id, user }, { paused: true, reason: reason || undefined }); }

  /** Unpauses oneself (or user, with manage_callcenter) in a group (pauseCallGroupMember). */
  unpause(id, { user = 'me' } = {}) { return this.#api.pauseCallGroupMember({ id, user }, { paused: false }); }

  /** Pauses oneself in every group one is a member of (pauseMeInCallGroups); resolves with the memberships. */
  async pauseAll(reason) { return (await this.#api.pauseMeInCallGroups({}, { paused: true, reason: reason || undefined })).members || []; }

  /** Unpauses oneself in every group (pauseMeInCallGroups); resolves with the memberships. */
  async unpauseAll() { return (await this.#api.pauseMeInCallGroups({}, { paused: false })).members || []; }

  /** A group's waiting and answered calls (listCallGroupCalls). */
  calls(id) { return this.#api.listCallGroupCalls({ id }); }

  /** A group's statistics over one day (getCallGroupStats; day: YYYY-MM-DD, default today; ability manage_callcenter). */
  stats(id, { day } = {}) { return this.#api.getCallGroupStats({ id, day }); }

  /** Members' statistics over one day (getCallGroupAgentStats: day, group, user ('me')); resolves with the array. */
  async agentStats({ day, group, user } = {}) { return (await this.#api.getCallGroupAgentStats({ day, group, user })).items || []; }

  /**
   * A live view of group id: loads GET /api/v1/callgroups/{id} and follows
   * the events socket (topic callgroups); waits tick every tickMs
   * (default 1000; 0: only on tick()); close() stops it.
   * @param {string} id
   * @param {{tickMs?: number, now?: () => number, retryMs?: number, WebSocket?: any, minBackoffMs?: number, maxBackoffMs?: number}} [options]
   * @returns {PbxAgentCallGroupLive}
   */
  live(id, options = {}) { return new PbxAgentCallGroupLive(this.#api, id, options); }

  /** The events socket on topic callgroups (events() with topics ['callgroups']). */
  listen(options = {}) { return this.#api.events({ ...options, topics: ['callgroups'] }); }
}

/** A group's counters that are sums (a span's value is the difference of two reads). */
const wallboardGroupSums = ['received', 'answered', 'abandoned', 'short_abandoned', 'timed_out', 'left_empty', 'refused',
  'answered_in_sla', 'abandoned_in_sla', 'completed', 'wait_seconds', 'talk_seconds'];

/** An agent's counters that are sums. */
const wallboardAgentSums = ['calls', 'missed', 'talk_seconds', 'pause_seconds'];

/**
 * The SLA colour of a service level (percent) against target: 'green' at
 * or above it, 'amber' below it by at most margin points, 'red' further
 * below, 'none' with nothing answered (as the server's wallboard.Colour).
 */
export function wallboardColour(serviceLevel, target, margin, answered) {
  if (!(answered > 0)) return 'none';
  const e = 1e-9;
  if (serviceLevel + e >= target) return 'green';
  if (serviceLevel + e >= target - margin) return 'amber';
  return 'red';
}

/**
 * A group's counters since base was read ("since I connected"): the sums
 * minus base's (never below 0), the service levels and averages computed
 * again from those sums (service level = answered within the threshold ÷
 * answered; with abandons = (answered + abandoned within) ÷ (answered +
 * abandoned); average wait = wait ÷ answered; average talk = talk ÷
 * completed). The longest wait is the day's when it grew since base
 * (so it happened after), else the longest seen since (observedLongest,
 * from the events), else 0. A base of another day (midnight passed)
 * counts from midnight: cur as it is.
 */
export function wallboardGroupSince(cur, base, observedLongest = 0) {
  if (!base || base.day !== cur.day) return { ...cur };
  const s = { ...cur };
  for (const k of wallboardGroupSums) s[k] = Math.max(0, (cur[k] || 0) - (base[k] || 0));
  s.service_level = s.answered ? 100 * s.answered_in_sla / s.answered : 0;
  const n = s.answered + s.abandoned;
  s.service_level_abandons = n ? 100 * (s.answered_in_sla + s.abandoned_in_sla) / n : 0;
  s.average_wait_seconds = s.answered ? s.wait_seconds / s.answered : 0;
  s.average_talk_seconds = s.completed ? s.talk_seconds / s.completed : 0;
  const grown = (cur.longest_wait_seconds || 0) > (base.longest_wait_seconds || 0) ? cur.longest_wait_seconds : 0;
  s.longest_wait_seconds = Math.max(grown, observedLongest || 0);
  return s;
}

/** An agent's counters since base was read: the sums (and pause time by reason) minus base's, never below 0. */
export function wallboardAgentSince(cur, base) {
  if (!base) return { ...cur };
  const s = { ...cur };
  for (const k of wallboardAgentSums) s[k] = Math.max(0, (cur[k] || 0) - (base[k] || 0));
  const by = {};
  for (const [k, v] of Object.entries(cur.pause_seconds_by_reason || {})) {
    const d = v - ((base.pause_seconds_by_reason || {})[k] || 0);
    if (d > 0) by[k] = d;
  }
  s.pause_seconds_by_reason = by;
  return s;
}

/** An event of a wallboard live view (PbxAgentWallboardLive). */
export class PbxAgentWallboardEvent extends Event {
  constructor(type, { board, seq, error, state } = {}) {
    super(type);
    /** The board as last loaded with the events since applied (GET /api/v1/wallboards/{id}/data). */
    this.board = board;
    /** The sequence number of the socket event (0 for change, ready, resync...). */
    this.seq = seq || 0;
    /** The error of an error event. */
    this.error = error;
    /** The socket's state of a state event: connecting, open or closed. */
    this.state = state;
  }
}

/**
 * A live wallboard (PbxAgentWallboard.live()): GET
 * /api/v1/wallboards/{id}/data kept current by the events socket's topic
 * callgroups (a wallboard token gets only its groups' events). Waiting
 * callers, member states and active calls change at once with the events;
 * the counters are read again shortly after (debounceMs) each event that
 * changes them, and every refreshMs. view() gives what to draw at a time:
 * waits and times since ticking from the server's clock, and the counters
 * since midnight or, in mode 'connect', since the view first loaded
 * (wallboardGroupSince, wallboardAgentSince).
 */
export class PbxAgentWallboardLive extends LiveView {
  #api;
  #id;
  #board = null;
  #offset = 0; // server time − local time, ms
  #mode;
  #baseline = null; // {day, groups: Map, agents: Map}
  #longest = new Map(); // group id → longest wait seen in the events since the baseline
  #debounceMs;
  #soonTimer = null;
  #poll = null;

  constructor(api, id, { mode, retryMs = 3000, refreshMs = 30000, debounceMs = 250, ...socket } = {}) {
    super('callgroups', retryMs);
    if (!id) throw new TypeError('wallboard live: an id is required');
    this.#api = api;
    this.#id = id;
    this.#mode = mode || '';
    this.#debounceMs = debounceMs;
    if (refreshMs > 0) this.#poll = setInterval(() => { this.reload(); }, refreshMs);
    this._start(api, socket);
  }

  /** The board as last loaded, with the events since applied (null before the first load). */
  get board() { return this.#board; }

  /** 'midnight' or 'connect': what view()'s counters cover (default: the wallboard's counters_mode). */
  get mode() { return this.#mode || (this.#board && this.#board.wallboard.counters_mode) || 'midnight'; }
  set mode(m) {
    if (m !== 'midnight' && m !== 'connect') throw new TypeError(`wallboard live: mode ${JSON.stringify(m)} is neither midnight nor connect`);
    this.#mode = m;
    this._emit('change');
  }

  /** Resets "since I connected" to now: the counters read now become the baseline. */
  resetBaseline() {
    this.#baseline = null;
    this.#longest = new Map();
    if (this.#board) this.#setBaseline(this.#board);
    this._emit('change');
  }

  close() {
    clearInterval(this.#poll);
    clearTimeout(this.#soonTimer);
    super.close();
  }

  _items() { return this.#board; }

  _event(type, init) { return new PbxAgentWallboardEvent(type, { board: this.#board, ...init }); }

  async _fetch() {
    const before = Date.now();
    const b = await this.#api.getWallboardData({ id: this.#id });
    const after = Date.now();
    this.#offset = Date.parse(b.server_time) - (before + after) / 2;
    return b;
  }

  _rebuild(board, held) {
    this.#board = board;
    this.#setBaseline(board);
    return held;
  }

  #setBaseline(b) {
    if (!this.#baseline || this.#baseline.day !== b.day) {
      this.#baseline = { day: b.day, groups: new Map(), agents: new Map() };
      this.#longest = new Map();
    }
    // A group or agent first seen now (added to the board) counts from now.
    for (const g of b.groups) if (!this.#baseline.groups.has(g.id)) this.#baseline.groups.set(g.id, { ...g.stats });
    for (const a of b.agents) {
      if (!this.#baseline.agents.has(a.user_id)) this.#baseline.agents.set(a.user_id, { ...a, pause_seconds_by_reason: { ...(a.pause_seconds_by_reason || {}) } });
    }
  }

  #observe(gid, seconds) {
    if (seconds > (this.#longest.get(gid) || 0)) this.#longest.set(gid, seconds);
  }

  /** Reads the board again soon (the counters an event changed). */
  #soon() {
    clearTimeout(this.#soonTimer);
    this.#soonTimer = setTimeout(() => { this.reload(); }, this.#debounceMs);
  }

  _apply(e) {
    const b = this.#board;
    const d = e.data || {};
    if (!b) return;
    const gid = (e.type === 'callgroup_updated' || e.type === 'callgroup_deleted') ? d.id : d.group_id;
    const g = b.groups.find((x) => x.id === gid);
    if (!g) return; // another board's group
    // drop removes the caller from the waiting list; true when they were
    // in it (an event applied again over a board that already has its
    // effect changes nothing).
    const drop = () => {
      const n = g.waiting.length;
      g.waiting = g.waiting.filter((c) => c.id !== d.id);
      return g.waiting.length < n;
    };
    switch (e.type) {
      case 'callgroup_call_waiting': {
        const i = g.waiting.findIndex((c) => c.id === d.id);
        const c = { ...d, wait_seconds: 0, over_sla: false };
        if (i >= 0) g.waiting[i] = c; else g.waiting.push(c);
        g.waiting.sort((x, y) => (x.position || 0) - (y.position || 0));
        break;
      }
      case 'callgroup_call_answered':
        if (drop()) g.active += 1;
        if (d.answered_at && d.entered_at) this.#observe(gid, (Date.parse(d.answered_at) - Date.parse(d.entered_at)) / 1000);
        break;
      case 'callgroup_call_abandoned':
      case 'callgroup_call_left':
        drop();
        if (typeof d.wait_seconds === 'number') this.#observe(gid, d.wait_seconds);
        break;
      case 'callgroup_call_completed':
        break; // the count of active calls comes with the board, read again soon
      case 'member_state': {
        const i = g.members.findIndex((m) => m.user_id === d.user_id);
        const m = { ...d };
        delete m.group_id;
        delete m.removed;
        if (d.removed) { if (i >= 0) g.members.splice(i, 1); } else if (i >= 0) g.members[i] = m; else g.members.push(m);
        const a = b.agents.find((x) => x.user_id === d.user_id);
        if (a && !d.removed) Object.assign(a, { state: d.state, state_since: d.state_since, paused: d.paused, pause_reason: d.pause_reason, paused_at: d.paused_at, member: true });
        break;
      }
      case 'callgroup_updated':
        g.name = d.name || g.name;
        break;
      case 'callgroup_deleted':
        g.missing = true;
        g.waiting = [];
        break;
      default:
        return;
    }
    this._emit(e.type, { seq: e.seq });
    this._emit('change', { seq: e.seq });
    this.#soon();
  }

  /**
   * What to draw at now (ms, default Date.now()): the board with the
   * counters of the mode, each group's SLA colour judged on them, each
   * waiting caller's wait and over_sla, each agent's since_last_call_seconds,
   * state_seconds and pause_seconds (the pause in progress counted) at the
   * server's time now; null before the first load.
   */
  view(now = Date.now()) {
    const b = this.#board;
    if (!b) return null;
    const sn = now + this.#offset;
    const read = Date.parse(b.server_time);
    const connect = this.mode === 'connect';
    const secs = (t) => Math.max(0, (sn - Date.parse(t)) / 1000);
    const groups = b.groups.map((g) => {
      const stats = connect ? wallboardGroupSince(g.stats, this.#baseline.groups.get(g.id), this.#longest.get(g.id)) : g.stats;
      const waiting = g.waiting.map((c) => {
        const w = secs(c.entered_at);
        return { ...c, wait_seconds: w, over_sla: w > g.sla_threshold };
      });
      const colour = g.missing ? 'none' : wallboardColour(stats.service_level, g.sla_target, g.amber_margin, stats.answered);
      return { ...g, stats, waiting, sla_colour: colour };
    });
    const agents = b.agents.map((a) => {
      const x = connect ? wallboardAgentSince(a, this.#baseline.agents.get(a.user_id)) : { ...a };
      if (a.paused) x.pause_seconds += Math.max(0, (sn - Math.max(read, a.paused_at ? Date.parse(a.paused_at) : read)) / 1000);
      x.since_last_call_seconds = a.last_call_at ? secs(a.last_call_at) : null;
      x.state_seconds = a.state_since ? secs(a.state_since) : null;
      return x;
    });
    return { mode: this.mode, server_now: new Date(sn).toISOString(), day: b.day, wallboard: b.wallboard, groups, agents };
  }
}

/**
 * The wallboard module (PbxAgent.wallboard): short methods over the
 * generated wallboard operations (docs/callgroups.md, "Wallboard") and
 * live(), a board kept current by the events socket.
 */
export class PbxAgentWallboard {
  #api;

  constructor(api) { this.#api = api; }

  /** Every wallboard (listWallboards); resolves with the array. */
  async list() { return (await this.#api.listWallboards()).items || []; }

  /** One wallboard (getWallboard). */
  get(id) { return this.#api.getWallboard({ id }); }

  /** Creates a wallboard: {name, groups, monitored, sla_threshold, sla_target, amber_margin, counters_mode} (createWallboard). */
  create(settings) { return this.#api.createWallboard({}, settings); }

  /** Replaces a wallboard's settings (updateWallboard). */
  update(id, settings) { return this.#api.updateWallboard({ id }, settings); }

  /** Deletes a wallboard (deleteWallboard). */
  remove(id) { return this.#api.deleteWallboard({ id }); }

  /** Adds an agent to the board's agents table (addWallboardAgent). */
  monitor(id, userId) { return this.#api.addWallboardAgent({ id, user: userId }); }

  /** Removes an agent from the board's agents table (removeWallboardAgent). */
  unmonitor(id, userId) { return this.#api.removeWallboardAgent({ id, user: userId }); }

  /** Makes the wall TV's read-only token, shown once, replacing any earlier one (createWallboardToken): {token, path, ...}. */
  token(id) { return this.#api.createWallboardToken({ id }); }

  /** Revokes the wall TV's token (revokeWallboardToken). */
  revokeToken(id) { return this.#api.revokeWallboardToken({ id }); }

  /** Everything the board shows now (getWallboardData). */
  data(id) { return this.#api.getWallboardData({ id }); }

  /**
   * A live board: loads GET /api/v1/wallboards/{id}/data and follows the
   * events socket's topic callgroups; close() stops it.
   * @param {string} id
   * @param {{mode?: 'midnight'|'connect', refreshMs?: number, debounceMs?: number, retryMs?: number, WebSocket?: any, minBackoffMs?: number, maxBackoffMs?: number}} [options]
   * @returns {PbxAgentWallboardLive}
   */
  live(id, options = {}) { return new PbxAgentWallboardLive(this.#api, id, options); }
}

/**
 * The hotel operations the hotel module calls, by what they do: one
 * place names the generated methods (operationIds of docs/hotel.md).
 */
const hotelOps = {
  rooms: 'listHotelRooms', room: 'getHotelRoom', createRoom: 'createHotelRoom', updateRoom: 'putHotelRoom', removeRoom: 'deleteHotelRoom',
  checkIn: 'checkInHotelRoom', checkOut: 'checkOutHotelRoom', move: 'moveHotelGuest', housekeeping: 'setHotelHousekeeping', status: 'setHotelRoomStatus',
  bill: 'getHotelRoomBill', bills: 'listHotelBills', billById: 'getHotelBill',
  wakeups: 'listHotelWakeUps', setWakeUp: 'createHotelWakeUp', cancelWakeUp: 'cancelHotelWakeUp',
  rates: 'getHotelRates', putRates: 'putHotelRates',
  groups: 'listHotelGroups', group: 'getHotelGroup', putGroup: 'putHotelGroup', removeGroup: 'deleteHotelGroup',
  link: 'getHotelLink',
};

/** The list in an answer: the array itself, or its field key (or items). */
function listOf(v, key) {
  if (Array.isArray(v)) return v;
  if (v && Array.isArray(v[key])) return v[key];
  if (v && Array.isArray(v.items)) return v.items;
  return [];
}

const roomCollator = new Intl.Collator('en', { numeric: true });

/** Room numbers in the order people read them (2 before 10, 1A after 1). */
export function hotelRoomOrder(a, b) {
  return roomCollator.compare(String(a), String(b));
}

/**
 * An event of a hotel live view (PbxAgentHotelLive): its type is the
 * events socket's (room_updated, room_deleted, wakeup_updated,
 * wakeup_unanswered, call_charged, bill_closed, pms_link) or change,
 * ready, resync, state, error.
 */
export class PbxAgentHotelEvent extends Event {
  #view;

  constructor(type, { view, room, number, change, source, wakeup, charge, bill, link, seq, error, state } = {}) {
    super(type);
    this.#view = view;
    /** The room a room_updated event is about (as it is now). */
    this.room = room;
    /** The room number of a room_updated or room_deleted event. */
    this.number = number;
    /** What a room_updated changed (checkin, checkout, housekeeping...) and who changed it (api, pms, phone, system). */
    this.change = change;
    this.source = source;
    /** The wake-up of a wakeup_updated or wakeup_unanswered event. */
    this.wakeup = wakeup;
    /** The costed call of a call_charged event. */
    this.charge = charge;
    /** The closed bill of a bill_closed event. */
    this.bill = bill;
    /** The PMS link's state of a pms_link event. */
    this.link = link;
    /** The sequence number of the socket event (0 for change, ready, resync...). */
    this.seq = seq || 0;
    /** The error of an error event. */
    this.error = error;
    /** The socket's state of a state event: connecting, open or closed. */
    this.state = state;
  }

  /** The view after the change: {rooms, wakeups, link} (made when read: a burst of events does not copy 2000 rooms each). */
  get view() { return typeof this.#view === 'function' ? (this.#view = this.#view()) : this.#view; }
}

/**
 * A live view of the hotel (PbxAgentHotel.live()): the rooms (GET
 * /api/v1/hotel/rooms, keyed by number), the wake-ups (GET
 * /api/v1/hotel/wakeups) and the PMS link's state (GET
 * /api/v1/hotel/link) kept current by the events socket's topic hotel,
 * as the other live views: the list is requested once the subscription
 * holds, the events that come meanwhile are held and those after it
 * applied on top; each room_updated carries the whole room and each
 * wakeup_updated the whole wake-up, so the last one wins; after
 * resync_required everything is loaded again. A final wake-up (answered,
 * unanswered, canceled) stays in the view until the next load (the
 * server lists those of the last day).
 */
export class PbxAgentHotelLive extends LiveView {
  #api;
  #room;
  #withLink;
  #rooms = new Map();
  #wakeups = new Map();
  #link = null;
  #order = null; // the room numbers in order, sorted again when a room comes or goes
  #wakeList = null;

  constructor(api, { room, link = true, retryMs = 3000, ...socket } = {}) {
    super('hotel', retryMs);
    this.#api = api;
    this.#room = room ? String(room) : '';
    this.#withLink = link !== false;
    this._start(api, socket);
  }

  /** Every room, by number (2 before 10). */
  get rooms() {
    if (!this.#order) this.#order = [...this.#rooms.keys()].sort(hotelRoomOrder);
    return this.#order.map((n) => this.#rooms.get(n));
  }

  /** One room by number, or undefined. */
  room(number) { return this.#rooms.get(String(number)); }

  /** The wake-ups (live ones and the final ones seen), by time. */
  get wakeups() {
    if (!this.#wakeList) this.#wakeList = [...this.#wakeups.values()].sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || hotelRoomOrder(a.room, b.room));
    return [...this.#wakeList];
  }

  /** One wake-up by id, or undefined. */
  wakeup(id) { return this.#wakeups.get(id); }

  /** The PMS link's state ({connected, peer, queued, error}); null when not loaded or not readable. */
  get link() { return this.#link; }

  /** The whole view: {rooms, wakeups, link}. */
  get view() { return { rooms: this.rooms, wakeups: this.wakeups, link: this.#link }; }

  _items() { return this.view; }

  _event(type, init) { return new PbxAgentHotelEvent(type, { view: () => this.view, ...init }); }

  async _fetch() {
    const api = this.#api;
    const [rooms, wakeups, link] = await Promise.all([
      api[hotelOps.rooms](),
      api[hotelOps.wakeups](this.#room ? { room: this.#room } : {}),
      // the link's state is for administrators; without it the view has none
      this.#withLink ? api[hotelOps.link]().catch(() => null) : null,
    ]);
    return { rooms: listOf(rooms, 'rooms'), wakeups: listOf(wakeups, 'wakeups'), link };
  }

  _rebuild({ rooms, wakeups, link }, held) {
    this.#rooms = new Map(rooms.filter((r) => r && r.number).map((r) => [String(r.number), r]));
    this.#wakeups = new Map(wakeups.filter((w) => w && w.id).map((w) => [w.id, w]));
    this.#link = link || null;
    this.#order = null;
    this.#wakeList = null;
    return held;
  }

  _apply(e) {
    const d = e.data || {};
    const seq = e.seq;
    switch (e.type) {
      case 'room_updated': {
        if (!d.number) return;
        const { change, source, ...room } = d;
        if (!this.#rooms.has(String(room.number))) this.#order = null;
        this.#rooms.set(String(room.number), room);
        this._emit(e.type, { room, number: room.number, change, source, seq });
        break;
      }
      case 'room_deleted':
        if (!d.number) return;
        this.#rooms.delete(String(d.number));
        this.#order = null;
        this._emit(e.type, { number: d.number, seq });
        break;
      case 'wakeup_updated':
      case 'wakeup_unanswered':
        if (!d.id || (this.#room && d.room !== this.#room)) return;
        this.#wakeups.set(d.id, d);
        this.#wakeList = null;
        this._emit(e.type, { wakeup: d, number: d.room, seq });
        break;
      case 'pms_link':
        this.#link = d;
        this._emit(e.type, { link: d, seq });
        break;
      case 'call_charged':
        this._emit(e.type, { charge: d, number: d.room, seq });
        return; // nothing the view holds changed
      case 'bill_closed':
        this._emit(e.type, { bill: d, number: d.room, seq });
        return;
      default:
        return;
    }
    this._emit('change', { seq });
  }
}

/**
 * The hotel module (PbxAgent.hotel): short methods over the generated
 * hotel operations (docs/hotel.md) and live(), the rooms, wake-ups and
 * PMS link kept current by the events socket. Everything needs the scope
 * hotel; check-in, check-out, moves, wake-ups and room status need the
 * admin role or the ability hotel_admin; rooms, groups and rates
 * configuration need the admin role.
 */
export class PbxAgentHotel {
  #api;

  constructor(api) { this.#api = api; }

  #op(what, ...args) { return this.#api[hotelOps[what]](...args); }

  /** Every room, by number (listHotelRooms); resolves with the array. */
  async rooms() { return listOf(await this.#op('rooms'), 'rooms'); }

  /** One room (getHotelRoom). */
  room(number) { return this.#op('room', { number }); }

  /** Adds a room (createHotelRoom; administrators). */
  createRoom(room) { return this.#op('createRoom', {}, room); }

  /** Replaces a room's configuration; its state stays (putHotelRoom; administrators). */
  updateRoom(number, room) { return this.#op('updateRoom', { number }, room); }

  /** Deletes a vacant room (deleteHotelRoom; administrators). */
  removeRoom(number) { return this.#op('removeRoom', { number }); }

  /** Checks guest ({name, first_name, language, arrival, departure...}) in to a vacant room (checkInHotelRoom). */
  checkIn(number, guest) { return this.#op('checkIn', { number }, guest); }

  /** Checks a room out (checkOutHotelRoom): resolves with {room, bill}, the bill closed. */
  checkOut(number) { return this.#op('checkOut', { number }); }

  /** Moves the guest, the bill and the wake-ups of room from to the vacant room to (moveHotelGuest). */
  move(from, to) { return this.#op('move', { number: from }, { to }); }

  /** Sets a room's housekeeping state (setHotelHousekeeping): clean, makeup_requested, cleaning, inspected, out_of_order. */
  housekeeping(number, state) { return this.#op('housekeeping', { number }, { state }); }

  /** Changes some of {housekeeping, dnd, message_light, class} of a room (setHotelRoomStatus). */
  status(number, change) { return this.#op('status', { number }, change); }

  /** A room's open bill (getHotelRoomBill); format 'csv' resolves with the CSV text. */
  bill(number, { format } = {}) { return this.#op('bill', { number, format }); }

  /** Closed bills, newest first, of one room or all (listHotelBills); resolves with the array. */
  async bills({ room, limit } = {}) { return listOf(await this.#op('bills', { room, limit }), 'bills'); }

  /** One bill, open or closed (getHotelBill); format 'csv' resolves with the CSV text. */
  billById(id, { format } = {}) { return this.#op('billById', { id, format }); }

  /** The URL of a bill's CSV (id), or of a room's open bill ({room}), for a download link. */
  csvUrl({ id, room } = {}) {
    const path = id ? `/api/v1/hotel/bills/${encodeURIComponent(id)}` : `/api/v1/hotel/rooms/${encodeURIComponent(room)}/bill`;
    return this.#api.url(path, { format: 'csv' });
  }

  /** The live wake-ups and the final ones of the last day, of one room or all, by time (listHotelWakeUps); resolves with the array. */
  async wakeups({ room } = {}) { return listOf(await this.#op('wakeups', room ? { room } : {}), 'wakeups'); }

  /** Sets a wake-up for an occupied room at at (a Date, RFC 3339, or a local time read in the hotel's time zone) (createHotelWakeUp). */
  setWakeUp(room, at, { language } = {}) {
    return this.#op('setWakeUp', {}, { room, at: at instanceof Date ? at.toISOString() : at, language: language || undefined });
  }

  /** Cancels a live wake-up (cancelHotelWakeUp). */
  cancelWakeUp(id) { return this.#op('cancelWakeUp', { id }); }

  /** The rate tables (getHotelRates); resolves with the array. */
  async rates() { return listOf(await this.#op('rates'), 'tables'); }

  /** Replaces every rate table, checked whole first (putHotelRates; administrators). */
  putRates(tables) { return this.#op('putRates', {}, { tables }); }

  /** The room groups (listHotelGroups); resolves with the array. */
  async groups() { return listOf(await this.#op('groups'), 'groups'); }

  /** Creates or replaces a room group {id, name, class} (putHotelGroup; administrators). */
  putGroup(group) { return this.#op('putGroup', { id: group.id }, group); }

  /** Deletes a room group no room is in (deleteHotelGroup; administrators). */
  removeGroup(id) { return this.#op('removeGroup', { id }); }

  /** The PMS link's state: {connected, peer, queued, error} (getHotelLink). */
  link() { return this.#op('link'); }

  /**
   * A live view of the hotel: loads the rooms, the wake-ups (of
   * options.room, or all) and the PMS link's state (unless options.link
   * is false) and follows the events socket (topic hotel); close() stops it.
   * @param {{room?: string, link?: boolean, retryMs?: number, WebSocket?: any, minBackoffMs?: number, maxBackoffMs?: number}} [options]
   * @returns {PbxAgentHotelLive}
   */
  live(options = {}) { return new PbxAgentHotelLive(this.#api, options); }

  /** The events socket on topic hotel (events() with topics ['hotel']). */
  listen(options = {}) { return this.#api.events({ ...options, topics: ['hotel'] }); }
}

/** A client of the pbxagent API. */
export class PbxAgent {
  #base;
  #token;
  #fetch;
  #credentials;
  #csrf = '';
  #calls;
  #chat;
  #presence;
  #wallboard;
  #callgroups;
  #hotel;

  /**
   * @param {{baseUrl?: string, token?: string, fetch?: typeof fetch}} [options]
   *   baseUrl: the daemon ('' = this page's origin); token: a bearer token
   *   (admin token or OAuth2 access token; without it the session cookie of
   *   POST /api/v1/login is used); fetch: a fetch implementation.
   */
  constructor({ baseUrl = '', token, fetch } = {}) {
    this.#base = String(baseUrl).replace(/\/+$/, '');
    this.#token = token || '';
    this.#fetch = fetch || ((...a) => globalThis.fetch(...a));
    this.#credentials = sameOrigin(this.#base) ? 'same-origin' : 'include';
  }

  /** The session's CSRF token, kept from the login answer or getUsersMe and sent in X-CSRF-Token on every change. */
  get csrfToken() { return this.#csrf; }
  set csrfToken(v) { this.#csrf = v || ''; }

  /** The bearer token ('' when the session cookie is used). */
  get token() { return this.#token; }
  set token(v) { this.#token = v || ''; }

  /** The calls module: call control and live views (one per client). */
  get calls() { return this.#calls || (this.#calls = new PbxAgentCalls(this)); }

  /** The chat module: rooms, messages, receipts and the chat events (one per client). */
  get chat() { return this.#chat || (this.#chat = new PbxAgentChat(this)); }

  /** The presence module: one's state, the roster, the location and live views (one per client). */
  get presence() { return this.#presence || (this.#presence = new PbxAgentPresence(this)); }

  /** The wallboard module: wallboards, their wall-TV tokens and live boards (one per client). */
  get wallboard() { return this.#wallboard || (this.#wallboard = new PbxAgentWallboard(this)); }

  /** The call groups module: groups, joining, pausing and live views of a group (one per client). */
  get callgroups() { return this.#callgroups || (this.#callgroups = new PbxAgentCallGroups(this)); }

  /** The hotel module: rooms, guests, wake-ups, bills, rates and a live view of the hotel (one per client). */
  get hotel() { return this.#hotel || (this.#hotel = new PbxAgentHotel(this)); }

  /** The absolute URL of path with query (arrays repeat the key; undefined and null are left out). */
  url(path, query = {}) {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query || {})) {
      if (v === undefined || v === null) continue;
      for (const x of Array.isArray(v) ? v : [v]) qs.append(k, String(x));
    }
    const s = qs.toString();
    return this.#base + path + (s ? '?' + s : '');
  }

  /**
   * Sends one request and returns the Response; a status outside 2xx
   * throws PbxAgentError.
   * @param {string} method
   * @param {string} path
   * @param {{query?: object, headers?: object, body?: any, contentType?: string, init?: RequestInit}} [o]
   */
  async request(method, path, { query, headers = {}, body, contentType = 'application/json', init = {} } = {}) {
    const h = new Headers(init.headers || {});
    for (const [k, v] of Object.entries(headers)) if (v !== undefined && v !== null) h.set(k, String(v));
    if (this.#token && !h.has('Authorization')) h.set('Authorization', 'Bearer ' + this.#token);
    if (method !== 'GET' && method !== 'HEAD' && this.#csrf && !h.has('X-CSRF-Token')) h.set('X-CSRF-Token', this.#csrf);
    let payload;
    if (body !== undefined && body !== null) {
      if (isRaw(body)) {
        payload = body;
        const type = (typeof Blob !== 'undefined' && body instanceof Blob && body.type) || contentType;
        if (!h.has('Content-Type') && type && !(typeof FormData !== 'undefined' && body instanceof FormData)) h.set('Content-Type', type);
      } else {
        payload = JSON.stringify(body);
        if (!h.has('Content-Type')) h.set('Content-Type', JSONish.test(contentType) ? contentType : 'application/json');
      }
    }
    let res;
    try {
      res = await this.#fetch(this.url(path, query), { credentials: this.#credentials, ...init, method, headers: h, body: payload });
    } catch (err) {
      if (err && err.name === 'AbortError') throw err;
      throw new PbxAgentError({ status: 0, code: 'network', message: `cannot reach the server: ${err && err.message ? err.message : err}` });
    }
    if (!res.ok) throw await PbxAgent.#error(res);
    return res;
  }

  static async #error(res) {
    const requestId = res.headers.get('X-Request-Id') || '';
    let body;
    try {
      const text = await res.text();
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    const e = (body && typeof body === 'object' && body.error) || {};
    return new PbxAgentError({ status: res.status, code: e.code || 'http_' + res.status, message: e.message || res.statusText || `HTTP ${res.status}`,
      details: e.details || [], requestId: e.request_id || requestId, body });
  }

  /** Parses a response: JSON, text (CSV, XML, HTML), undefined for 204, else a Blob. */
  static async parse(res, method) {
    if (res.status === 204 || res.status === 205 || method === 'HEAD') return undefined;
    const type = res.headers.get('Content-Type') || '';
    if (JSONish.test(type)) {
      const text = await res.text();
      return text ? JSON.parse(text) : undefined;
    }
    if (type.startsWith('text/') || type.includes('xml') || type.includes('javascript')) return res.text();
    return res.blob();
  }

  /** What every generated method calls: spec names its path (p), query (q) and header (h) parameters, and its body's content type (ct). */
  async call(name, method, path, spec, params = {}, body, init) {
    const query = {};
    const headers = {};
    const known = new Set([...(spec.p || []), ...(spec.q || []), ...(spec.h || [])]);
    for (const k of Object.keys(params || {})) {
      if (!known.has(k)) throw new TypeError(`${name}: unknown parameter ${JSON.stringify(k)}`);
    }
    const url = path.replace(/\{([^}]+)\}/g, (_, k) => {
      const v = params[k];
      if (v === undefined || v === null || v === '') throw new TypeError(`${name}: parameter ${JSON.stringify(k)} is required`);
      return encodeURIComponent(String(v));
    });
    for (const k of spec.q || []) if (params[k] !== undefined) query[k] = params[k];
    for (const k of spec.h || []) if (params[k] !== undefined) headers[k] = params[k];
    for (const k of spec.r || []) {
      if (params[k] === undefined || params[k] === null) throw new TypeError(`${name}: parameter ${JSON.stringify(k)} is required`);
    }
    const res = await this.request(method, url, { query, headers, body, contentType: spec.ct, init });
    const out = await PbxAgent.parse(res, method);
    if (out && typeof out === 'object' && typeof out.csrf_token === 'string' && out.csrf_token) this.#csrf = out.csrf_token;
    if (method === 'POST' && path === '/api/v1/logout') this.#csrf = '';
    return out;
  }

  /**
   * Follows a live stream (server-sent events, e.g. /api/v1/dialer/stream):
   * onEvent({type, data, id}) for each event, data parsed as JSON when it
   * is. The stream is opened again after retryMs when it ends or fails
   * (onError is told), except after a 401 or 403. Returns unsubscribe.
   * @param {string} path
   * @param {(event: {type: string, data: any, id?: string}) => void} onEvent
   * @param {{query?: object, onError?: (err: Error) => void, retryMs?: number}} [options]
   * @returns {() => void}
   */
  subscribe(path, onEvent, { query, onError, retryMs = 3000 } = {}) {
    const ctl = new AbortController();
    const dispatch = (block) => {
      let type = 'message';
      let id;
      const data = [];
      for (const line of block.split('\n')) {
        if (line === '' || line.startsWith(':')) continue;
        const i = line.indexOf(':');
        const field = i < 0 ? line : line.slice(0, i);
        const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
        if (field === 'event') type = value;
        else if (field === 'data') data.push(value);
        else if (field === 'id') id = value;
      }
      if (!data.length) return;
      let parsed = data.join('\n');
      try { parsed = JSON.parse(parsed); } catch { /* text */ }
      onEvent({ type, data: parsed, id });
    };
    const run = async () => {
      while (!ctl.signal.aborted) {
        try {
          const res = await this.request('GET', path, { query, headers: { Accept: 'text/event-stream' }, init: { signal: ctl.signal } });
          const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
          let buf = '';
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            buf = (buf + value).replace(/\r\n?/g, '\n');
            let i;
            while ((i = buf.indexOf('\n\n')) >= 0) {
              dispatch(buf.slice(0, i));
              buf = buf.slice(i + 2);
            }
          }
        } catch (err) {
          if (ctl.signal.aborted) return;
          if (onError) onError(err);
          if (err instanceof PbxAgentError && (err.status === 401 || err.status === 403)) return;
        }
        await wait(retryMs, ctl.signal);
      }
    };
    run();
    return () => ctl.abort();
  }

  /**
   * Opens the events socket (GET /api/v1/events, docs/events.md):
   * subscribes to options.topics, calls onEvent({seq, time, topic, type,
   * data}) for each event, reconnects with backoff (minBackoffMs doubling
   * up to maxBackoffMs) and resumes from the last sequence number; onResync
   * is called when the server no longer holds what was missed (reload the
   * state). The client's bearer token, if any, is sent as a subprotocol
   * (pbxagent.bearer.<base64url>); without one the session cookie is used.
   * @param {{topics?: string[], onEvent?: Function, onResync?: Function, onError?: Function, onState?: Function, WebSocket?: any, minBackoffMs?: number, maxBackoffMs?: number, since?: number}} [options]
   * @returns {PbxAgentEvents}
   */
  events(options = {}) {
    const here = (globalThis.location && globalThis.location.href) || undefined;
    return new PbxAgentEvents(new URL(this.#base + '/api/v1/events', here).toString(), this.#token, options);
  }
