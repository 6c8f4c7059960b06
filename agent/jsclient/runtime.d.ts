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

/** A call of a live view: the call as GET /api/v1/calls/{id} shows it, with its transfer in progress. */
export interface LiveCall extends Call {
  /** The call's transfer while it is in progress (starting, ringback, answered); absent otherwise. */
  activeTransfer?: Transfer;
}

/** The types of a live view's events: the events socket's call_*, transfer_* and recording_* events, and the view's own. */
export type CallsLiveEventType =
  | 'change' | 'ready' | 'resync' | 'state' | 'error'
  | 'call_created' | 'call_updated' | 'call_answered' | 'call_held' | 'call_resumed' | 'call_parked' | 'call_picked_up' | 'call_ended'
  | 'transfer_created' | 'transfer_updated' | 'transfer_answered' | 'transfer_completed' | 'transfer_cancelled' | 'transfer_abandoned'
  | 'recording_started' | 'recording_paused' | 'recording_resumed' | 'recording_stopped' | 'recording_failed';

/** An event of a live view. */
export declare class PbxAgentCallsEvent extends Event {
  /** Every live call after the change, oldest first. */
  readonly calls: LiveCall[];
  /** The call the event is about (for call_ended: as it ended). */
  readonly call?: LiveCall;
  /** The transfer of a transfer_* event. */
  readonly transfer?: Transfer;
  /** The sequence number of the socket event (0 for the view's own events). */
  readonly seq: number;
  /** The error of an error event (the list could not be loaded, the socket failed). */
  readonly error?: PbxAgentError | Error;
  /** The socket's state of a state event. */
  readonly state?: 'connecting' | 'open' | 'closed';
}

/** Options of PbxAgentCalls.live(). */
export interface CallsLiveOptions {
  /** A supervisor's view of one user's calls (their id); default: every call the caller sees. */
  user?: string;
  /** Wait before loading the list again after a failure (default 3000 ms). */
  retryMs?: number;
  /** A WebSocket implementation (default: globalThis.WebSocket). */
  WebSocket?: any;
  /** The socket's reconnect backoff (as events()). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/** A live view of calls: GET /api/v1/calls kept current by the events socket (topic calls) until close(). */
export declare class PbxAgentCallsLive extends EventTarget {
  /** Resolves with the calls once the list is first loaded. */
  readonly ready: Promise<LiveCall[]>;
  /** Every live call, oldest first. */
  readonly calls: LiveCall[];
  /** The events socket's state. */
  readonly state: 'connecting' | 'open' | 'closed';
  /** The events socket's last sequence number. */
  readonly lastSeq: number;
  /** A live call by id. */
  get(id: string): LiveCall | undefined;
  /** Adds a listener; returns a function that removes it. */
  on(type: CallsLiveEventType, listener: (event: PbxAgentCallsEvent) => void): () => void;
  addEventListener(type: CallsLiveEventType, listener: (event: PbxAgentCallsEvent) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
  removeEventListener(type: CallsLiveEventType, listener: (event: PbxAgentCallsEvent) => void, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void;
  /** Loads the list again; resolves with the calls. */
  reload(): Promise<LiveCall[]>;
  /** Stops the view and closes its socket. */
  close(): void;
}

/** The calls module (PbxAgent.calls): call control on the generated methods, and live views. */
export declare class PbxAgentCalls {
  /** Click-to-call: rings the user's device (or all of them), then dials to (placeCall). */
  place(to: string, options?: { device?: string }): Promise<Call>;
  /** The live calls (listCalls). */
  list(options?: { user?: string }): Promise<Call[]>;
  /** One call (getCall). */
  get(id: string): Promise<Call>;
  /** Hangs a call up (hangupCall). */
  hangup(id: string): Promise<Call>;
  /** Answers a ringing call on the owner's desk phone (answerCall). */
  answer(id: string, options?: { phone?: string }): Promise<Call>;
  hold(id: string): Promise<Call>;
  resume(id: string): Promise<Call>;
  mute(id: string): Promise<Call>;
  unmute(id: string): Promise<Call>;
  /** Sends DTMF digits (sendCallDigits). */
  dtmf(id: string, digits: string): Promise<void>;
  /** Records a call (recordCall; default start). */
  record(id: string, action?: 'start' | 'pause' | 'resume' | 'stop'): Promise<Call>;
  /** Transfers a call (transferCall; default blind). */
  transfer(id: string, to: string, mode?: 'blind' | 'attended'): Promise<Transfer>;
  getTransfer(tid: string): Promise<Transfer>;
  completeTransfer(tid: string): Promise<Transfer>;
  cancelTransfer(tid: string): Promise<Transfer>;
  swapTransfer(tid: string): Promise<Transfer>;
  park(id: string): Promise<Call>;
  /** Picks a parked call up (pickupCall). */
  pickup(id: string, options?: { device?: string }): Promise<Call>;
  /** A page of the call history (listCallHistory). */
  history(params?: Parameters<PbxAgent['listCallHistory']>[0]): Promise<CallhistoryPage>;
  /** The call history as CSV (exportCallHistory). */
  exportHistory(params?: Parameters<PbxAgent['exportCallHistory']>[0]): Promise<string>;
  /** A live view of the calls. */
  live(options?: CallsLiveOptions): PbxAgentCallsLive;
}

/** The chat module (PbxAgent.chat): rooms, messages, receipts and the chat events. */
export declare class PbxAgentChat {
  /** The users one may chat with (listChatUsers). */
  users(): Promise<ChatContact[]>;
  /** The user's rooms with unread counts (listChatRooms). */
  rooms(): Promise<RoomView[]>;
  /** One room (getChatRoom). */
  room(id: string): Promise<RoomView>;
  /** The direct room with a user, found or created (createChatRoom). */
  open(userId: string): Promise<RoomView>;
  /** A new group room (createChatRoom); the caller is its admin. */
  createGroup(name: string, members: string[]): Promise<RoomView>;
  /** Renames a group and/or sets its members (updateChatRoom). */
  update(id: string, changes: { name?: string; members?: string[] }): Promise<RoomView>;
  /** A page of messages, oldest first (listChatMessages). */
  messages(id: string, params?: { before?: string; after?: string; limit?: number; q?: string }): Promise<MessagePage>;
  /** Sends a message (sendChatMessage); clientId makes retries idempotent (made up when not given). */
  send(id: string, text: string, options?: { clientId?: string }): Promise<Message>;
  /** Edits one's own message (editChatMessage). */
  edit(id: string, mid: string, text: string): Promise<Message>;
  /** Deletes one's own message (deleteChatMessage). */
  remove(id: string, mid: string): Promise<Message>;
  /** Read receipt (markChatRead). */
  read(id: string, upTo: string): Promise<RoomView>;
  /** Delivery receipt (markChatDelivered). */
  delivered(id: string, upTo: string): Promise<RoomView>;
  /** The user is typing (chatTyping). */
  typing(id: string): Promise<void>;
  /** The events socket on topic chat. */
  listen(options?: Omit<EventsOptions, 'topics'>): PbxAgentEvents;
}

/** The types of a presence live view's events. */
export type PresenceLiveEventType = 'change' | 'ready' | 'resync' | 'state' | 'error' | 'presence_updated';

/** An event of a presence live view. */
export declare class PbxAgentPresenceEvent extends Event {
  /** Every user's presence in the view after the change. */
  readonly presence: Presence[];
  /** The presence a presence_updated event is about. */
  readonly user?: Presence;
  /** The sequence number of the socket event (0 for the view's own events). */
  readonly seq: number;
  /** The error of an error event (the list could not be loaded, the socket failed). */
  readonly error?: PbxAgentError | Error;
  /** The socket's state of a state event. */
  readonly state?: 'connecting' | 'open' | 'closed';
}

/** Options of PbxAgentPresence.live(). */
export interface PresenceLiveOptions {
  /** The users to follow (ids, 'me'); default: the caller and their roster. Only users whose presence_updated the caller gets (themselves, their roster) change live. */
  users?: string[];
  /** Wait before loading the list again after a failure (default 3000 ms). */
  retryMs?: number;
  /** A WebSocket implementation (default: globalThis.WebSocket). */
  WebSocket?: any;
  /** The socket's reconnect backoff (as events()). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/** A live view of presence: GET /api/v1/presence kept current by the events socket (topic presence) until close(). */
export declare class PbxAgentPresenceLive extends EventTarget {
  /** Resolves with the presence list once it is first loaded. */
  readonly ready: Promise<Presence[]>;
  /** Every user's presence in the view. */
  readonly presence: Presence[];
  /** The events socket's state. */
  readonly state: 'connecting' | 'open' | 'closed';
  /** The events socket's last sequence number. */
  readonly lastSeq: number;
  /** One user's presence by id. */
  get(userId: string): Presence | undefined;
  /** Adds a listener; returns a function that removes it. */
  on(type: PresenceLiveEventType, listener: (event: PbxAgentPresenceEvent) => void): () => void;
  addEventListener(type: PresenceLiveEventType, listener: (event: PbxAgentPresenceEvent) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
  removeEventListener(type: PresenceLiveEventType, listener: (event: PbxAgentPresenceEvent) => void, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void;
  /** Loads the list again (e.g. after the roster changed). */
  reload(): Promise<Presence[]>;
  /** Stops the view and closes its socket. */
  close(): void;
}

/** The presence module (PbxAgent.presence): one's state, the roster, the location and live views. */
export declare class PbxAgentPresence {
  /** Sets one's own state (setMyPresence); until returns it to available. */
  set(state: 'available' | 'away' | 'dnd', options?: { message?: string; until?: string | Date }): Promise<Presence>;
  /** Sets another user's state (setUserPresence; ability change_presence). */
  setUser(userId: string, state: 'available' | 'away' | 'dnd', options?: { message?: string; until?: string | Date }): Promise<Presence>;
  /** The users' presence in the order asked ('me': the caller); without ids the caller and their roster (getPresence). */
  get(userIds?: string[] | string): Promise<Presence[]>;
  /** The ids in one's roster (getMyRoster). */
  roster(): Promise<string[]>;
  /** Sets one's roster (setMyRoster). */
  setRoster(userIds: string[]): Promise<string[]>;
  /** One's location and whom it is shared with (getMyLocation). */
  location(): Promise<LocationView>;
  /** Sets (null: clears) one's location and whom it is shared with (default nobody) (setMyLocation). */
  setLocation(location: LocationInput | null, shareWith?: string[]): Promise<LocationView>;
  /** A live view of presence. */
  live(options?: PresenceLiveOptions): PbxAgentPresenceLive;
}

/** The types of a call group live view's events. */
export type CallGroupLiveEventType = 'change' | 'tick' | 'ready' | 'resync' | 'state' | 'error' | 'callgroup_call_waiting' | 'callgroup_call_answered'
  | 'callgroup_call_abandoned' | 'callgroup_call_left' | 'callgroup_call_completed' | 'member_state' | 'callgroup_updated' | 'callgroup_deleted';

/** What a call group live view holds. */
export interface CallGroupLiveView {
  /** The group's configuration (null until loaded). */
  group: Group | null;
  /** The members with their live state. */
  members: MemberView[];
  /** The callers waiting, first in line first, wait_seconds as of now. */
  waiting: WaitingView[];
  /** The answered calls, talk_seconds as of now. */
  active: ActiveView[];
  /** The group was deleted. */
  deleted: boolean;
}

/** The call a callgroup_call_* event carries: a waiting caller (waiting, abandoned, left: with wait_seconds and exit) or an answered call (answered, completed: with user_id, call_id, answered_at). */
export interface CallGroupCallData {
  id: string;
  group_id: string;
  caller_number: string;
  caller_name?: string;
  entered_at: string;
  position?: number;
  ringing?: string[];
  wait_seconds?: number;
  exit?: 'TIMEOUT' | 'FULL' | 'JOINEMPTY' | 'LEAVEEMPTY' | 'FAILED';
  user_id?: string;
  call_id?: string;
  answered_at?: string;
}

/** An event of a call group live view. */
export declare class PbxAgentCallGroupEvent extends Event {
  /** The view after the change. */
  readonly view: CallGroupLiveView;
  /** The call a callgroup_call_* event is about. */
  readonly call?: CallGroupCallData;
  /** The member a member_state event is about (removed: they left the group). */
  readonly member?: MemberView & { group_id: string; removed?: boolean };
  /** The sequence number of the socket event (0 for the view's own events). */
  readonly seq: number;
  /** The error of an error event (the group could not be loaded, the socket failed). */
  readonly error?: PbxAgentError | Error;
  /** The socket's state of a state event. */
  readonly state?: 'connecting' | 'open' | 'closed';
}

/** Options of PbxAgentCallGroups.live(). */
export interface CallGroupLiveOptions {
  /** How often waits tick (tick events), in ms (default 1000; 0: only when tick() is called). */
  tickMs?: number;
  /** The local clock in ms (default Date.now). */
  now?: () => number;
  /** Wait before loading the group again after a failure (default 3000 ms). */
  retryMs?: number;
  /** A WebSocket implementation (default: globalThis.WebSocket). */
  WebSocket?: any;
  /** The socket's reconnect backoff (as events()). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/** A live view of one call group: GET /api/v1/callgroups/{id} kept current by the events socket (topic callgroups) until close(). */
export declare class PbxAgentCallGroupLive extends EventTarget {
  /** The group's id. */
  readonly id: string;
  /** Resolves with the view once it is first loaded. */
  readonly ready: Promise<CallGroupLiveView>;
  /** The group's configuration (null until loaded). */
  readonly group: Group | null;
  /** Whether the group was deleted. */
  readonly deleted: boolean;
  /** The members with their live state. */
  readonly members: MemberView[];
  /** The callers waiting, first in line first, wait_seconds as of now. */
  readonly waiting: WaitingView[];
  /** The answered calls, talk_seconds as of now. */
  readonly active: ActiveView[];
  /** The whole view. */
  readonly view: CallGroupLiveView;
  /** The events socket's state. */
  readonly state: 'connecting' | 'open' | 'closed';
  /** The events socket's last sequence number. */
  readonly lastSeq: number;
  /** One member by user id. */
  member(userId: string): MemberView | undefined;
  /** How long a caller has waited, in seconds, as of now on the server's clock. */
  waitSeconds(call: { entered_at: string }): number;
  /** Dispatches tick when calls wait or talk (the timer calls it every tickMs). */
  tick(): void;
  /** Adds a listener; returns a function that removes it. */
  on(type: CallGroupLiveEventType, listener: (event: PbxAgentCallGroupEvent) => void): () => void;
  addEventListener(type: CallGroupLiveEventType, listener: (event: PbxAgentCallGroupEvent) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
  removeEventListener(type: CallGroupLiveEventType, listener: (event: PbxAgentCallGroupEvent) => void, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void;
  /** Loads the group again. */
  reload(): Promise<CallGroupLiveView>;
  /** Stops the view, its ticking and its socket. */
  close(): void;
}

/** The call groups module (PbxAgent.callgroups): groups, joining, pausing and live views of a group. */
export declare class PbxAgentCallGroups {
  /** The groups the caller may see (listCallGroups). */
  list(): Promise<GroupSummary[]>;
  /** One group with members and calls (getCallGroup). */
  get(id: string): Promise<GroupView>;
  /** Creates a group (createCallGroup; administrators). */
  create(group: GroupInput): Promise<Group>;
  /** Replaces a group's configuration and static members (updateCallGroup; administrators). */
  update(id: string, group: GroupInput): Promise<Group>;
  /** Deletes a group (deleteCallGroup; administrators). */
  remove(id: string): Promise<void>;
  /** A group's members (listCallGroupMembers). */
  members(id: string): Promise<MemberView[]>;
  /** Joins a group, or adds user (manage_callcenter) (addCallGroupMember). */
  join(id: string, options?: { user?: string; penalty?: number; paused?: boolean; reason?: string }): Promise<MemberView>;
  /** Leaves a group, or removes user (manage_callcenter) (removeCallGroupMember). */
  leave(id: string, options?: { user?: string }): Promise<void>;
  /** Pauses oneself, or user (manage_callcenter), in a group (pauseCallGroupMember). */
  pause(id: string, reason?: string, options?: { user?: string }): Promise<MemberView>;
  /** Unpauses oneself, or user (manage_callcenter), in a group (pauseCallGroupMember). */
  unpause(id: string, options?: { user?: string }): Promise<MemberView>;
  /** Pauses oneself in every group (pauseMeInCallGroups). */
  pauseAll(reason?: string): Promise<MemberView[]>;
  /** Unpauses oneself in every group (pauseMeInCallGroups). */
  unpauseAll(): Promise<MemberView[]>;
  /** A group's waiting and answered calls (listCallGroupCalls). */
  calls(id: string): Promise<CallList>;
  /** A group's statistics over one day (getCallGroupStats; manage_callcenter). */
  stats(id: string, options?: { day?: string }): Promise<GroupStats>;
  /** Members' statistics over one day (getCallGroupAgentStats). */
  agentStats(options?: { day?: string; group?: string; user?: string }): Promise<AgentStats[]>;
  /** A live view of group id. */
  live(id: string, options?: CallGroupLiveOptions): PbxAgentCallGroupLive;
  /** The events socket on topic callgroups. */
  listen(options?: Omit<EventsOptions, 'topics'>): PbxAgentEvents;
}

/** Room numbers in the order people read them (2 before 10). */
export declare function hotelRoomOrder(a: string, b: string): number;

/** The hotel live view's data. */
export interface HotelLiveView {
  /** Every room, by number. */
  rooms: Room[];
  /** The wake-ups, by time. */
  wakeups: WakeUp[];
  /** The PMS link's state (null when not readable). */
  link: LinkState | null;
}

/** The events of a hotel live view. */
export type HotelLiveEventType = 'change' | 'ready' | 'resync' | 'state' | 'error' | 'room_updated' | 'room_deleted'
  | 'wakeup_updated' | 'wakeup_unanswered' | 'call_charged' | 'bill_closed' | 'pms_link';

/** An event of a hotel live view. */
export declare class PbxAgentHotelEvent extends Event {
  /** The view after the change (made when first read: read it in the listener). */
  readonly view: HotelLiveView;
  /** The room of a room_updated event, as it is now. */
  readonly room?: Room;
  /** The room number the event is about. */
  readonly number?: string;
  /** What a room_updated changed. */
  readonly change?: 'config' | 'checkin' | 'checkout' | 'guest' | 'move_out' | 'move_in' | 'housekeeping' | 'dnd' | 'message_light' | 'class';
  /** Who made the change. */
  readonly source?: 'api' | 'pms' | 'phone' | 'system';
  /** The wake-up of a wakeup_updated or wakeup_unanswered event. */
  readonly wakeup?: WakeUp;
  /** The costed call of a call_charged event. */
  readonly charge?: Charge;
  /** The closed bill of a bill_closed event. */
  readonly bill?: Bill;
  /** The PMS link's state of a pms_link event. */
  readonly link?: LinkState;
  /** The sequence number of the socket event (0 for the view's own events). */
  readonly seq: number;
  /** The error of an error event. */
  readonly error?: PbxAgentError | Error;
  /** The socket's state of a state event. */
  readonly state?: 'connecting' | 'open' | 'closed';
}

/** Options of PbxAgentHotel.live(). */
export interface HotelLiveOptions {
  /** Only this room's wake-ups (rooms: all of them). */
  room?: string;
  /** Load the PMS link's state (default true). */
  link?: boolean;
  /** Wait before loading again after a failure (default 3000 ms). */
  retryMs?: number;
  /** A WebSocket implementation (default: globalThis.WebSocket). */
  WebSocket?: any;
  /** The socket's reconnect backoff (as events()). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/** A live view of the hotel: rooms, wake-ups and the PMS link kept current by the events socket (topic hotel) until close(). */
export declare class PbxAgentHotelLive extends EventTarget {
  /** Resolves with the view once it is first loaded. */
  readonly ready: Promise<HotelLiveView>;
  /** Every room, by number. */
  readonly rooms: Room[];
  /** The wake-ups, by time. */
  readonly wakeups: WakeUp[];
  /** The PMS link's state. */
  readonly link: LinkState | null;
  /** The whole view. */
  readonly view: HotelLiveView;
  /** The events socket's state. */
  readonly state: 'connecting' | 'open' | 'closed';
  /** The events socket's last sequence number. */
  readonly lastSeq: number;
  /** One room by number. */
  room(number: string): Room | undefined;
  /** One wake-up by id. */
  wakeup(id: string): WakeUp | undefined;
  /** Adds a listener; returns a function that removes it. */
  on(type: HotelLiveEventType, listener: (event: PbxAgentHotelEvent) => void): () => void;
  addEventListener(type: HotelLiveEventType, listener: (event: PbxAgentHotelEvent) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
  removeEventListener(type: HotelLiveEventType, listener: (event: PbxAgentHotelEvent) => void, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void;
  /** Loads everything again. */
  reload(): Promise<HotelLiveView>;
  /** Stops the view and its socket. */
  close(): void;
}

/** The hotel module (PbxAgent.hotel): rooms, guests, wake-ups, bills, rates and a live view. */
export declare class PbxAgentHotel {
  rooms(): Promise<Room[]>;
  room(number: string): Promise<Room>;
  createRoom(room: RoomInput): Promise<Room>;
  updateRoom(number: string, room: RoomInput): Promise<Room>;
  removeRoom(number: string): Promise<void>;
  checkIn(number: string, guest: GuestInput): Promise<Room>;
  checkOut(number: string): Promise<{ room: Room; bill: Bill }>;
  move(from: string, to: string): Promise<Room>;
  housekeeping(number: string, state: 'clean' | 'makeup_requested' | 'cleaning' | 'inspected' | 'out_of_order'): Promise<Room>;
  status(number: string, change: StatusChangeInput): Promise<Room>;
  bill(number: string, options?: { format?: 'json' | 'csv' }): Promise<Bill | string>;
  bills(options?: { room?: string; limit?: number }): Promise<Bill[]>;
  billById(id: string, options?: { format?: 'json' | 'csv' }): Promise<Bill | string>;
  /** The URL of a bill's CSV (id) or of a room's open bill (room), for a download link. */
  csvUrl(which: { id?: string; room?: string }): string;
  wakeups(options?: { room?: string }): Promise<WakeUp[]>;
  /** at: a Date, RFC 3339, or a local time (YYYY-MM-DDTHH:MM) read in the hotel's time zone. */
  setWakeUp(room: string, at: Date | string, options?: { language?: string }): Promise<WakeUp>;
  cancelWakeUp(id: string): Promise<void>;
  rates(): Promise<RateTable[]>;
  putRates(tables: RateTableInput[]): Promise<unknown>;
  groups(): Promise<RoomGroup[]>;
  putGroup(group: RoomGroupInput): Promise<RoomGroup>;
  removeGroup(id: string): Promise<void>;
  link(): Promise<LinkState>;
  live(options?: HotelLiveOptions): PbxAgentHotelLive;
  listen(options?: Omit<EventsOptions, 'topics'>): PbxAgentEvents;
}

/** The SLA colour of a service level against a target: green at or above, amber within margin points below, red further below, none with nothing answered. */
export declare function wallboardColour(serviceLevel: number, target: number, margin: number, answered: number): 'green' | 'amber' | 'red' | 'none';
/** A group's counters since base was read: sums minus base's, service levels and averages recomputed from the sums. */
export declare function wallboardGroupSince(cur: GroupStats, base?: GroupStats, observedLongest?: number): GroupStats;
/** An agent's counters since base was read: sums and pause time by reason minus base's. */
export declare function wallboardAgentSince(cur: BoardAgent, base?: BoardAgent): BoardAgent;

/** The types of a wallboard live view's events. */
export type WallboardLiveEventType = 'change' | 'ready' | 'resync' | 'state' | 'error' | 'callgroup_call_waiting' | 'callgroup_call_answered' |
  'callgroup_call_abandoned' | 'callgroup_call_left' | 'callgroup_call_completed' | 'member_state' | 'callgroup_updated' | 'callgroup_deleted';

/** An event of a wallboard live view. */
export declare class PbxAgentWallboardEvent extends Event {
  /** The board as last loaded with the events since applied. */
  readonly board: Board | null;
  /** The sequence number of the socket event (0 for the view's own events). */
  readonly seq: number;
  /** The error of an error event. */
  readonly error?: PbxAgentError | Error;
  /** The socket's state of a state event. */
  readonly state?: 'connecting' | 'open' | 'closed';
}

/** Options of PbxAgentWallboard.live(). */
export interface WallboardLiveOptions {
  /** What view()'s counters cover (default: the wallboard's counters_mode). */
  mode?: 'midnight' | 'connect';
  /** Read the board again every so often (default 30000 ms; 0: only after events). */
  refreshMs?: number;
  /** Read the counters again this long after an event that changes them (default 250 ms). */
  debounceMs?: number;
  /** Wait before loading again after a failure (default 3000 ms). */
  retryMs?: number;
  /** A WebSocket implementation (default: globalThis.WebSocket). */
  WebSocket?: any;
  /** The socket's reconnect backoff (as events()). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/** What a board shows at a time (PbxAgentWallboardLive.view()). */
export interface WallboardView {
  mode: 'midnight' | 'connect';
  /** The server's time the view is of. */
  server_now: string;
  day: string;
  wallboard: Wallboard;
  groups: BoardGroup[];
  agents: (BoardAgent & { state_seconds: number | null; since_last_call_seconds: number | null })[];
}

/** A live wallboard: GET /api/v1/wallboards/{id}/data kept current by the events socket (topic callgroups) until close(). */
export declare class PbxAgentWallboardLive extends EventTarget {
  /** Resolves with the board once it is first loaded. */
  readonly ready: Promise<Board>;
  /** The board as last loaded with the events since applied (null before). */
  readonly board: Board | null;
  /** What view()'s counters cover. */
  mode: 'midnight' | 'connect';
  /** The events socket's state. */
  readonly state: 'connecting' | 'open' | 'closed';
  /** The events socket's last sequence number. */
  readonly lastSeq: number;
  /** What to draw at now (ms; default Date.now()), null before the first load. */
  view(now?: number): WallboardView | null;
  /** Makes the counters read now the baseline of "since I connected". */
  resetBaseline(): void;
  /** Adds a listener; returns a function that removes it. */
  on(type: WallboardLiveEventType, listener: (event: PbxAgentWallboardEvent) => void): () => void;
  addEventListener(type: WallboardLiveEventType, listener: (event: PbxAgentWallboardEvent) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
  removeEventListener(type: WallboardLiveEventType, listener: (event: PbxAgentWallboardEvent) => void, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void;
  /** Loads the board again. */
  reload(): Promise<Board>;
  /** Stops the view and closes its socket. */
  close(): void;
}

/** The wallboard module (PbxAgent.wallboard): wallboards, their wall-TV tokens and live boards. */
export declare class PbxAgentWallboard {
  /** Every wallboard (listWallboards). */
  list(): Promise<Wallboard[]>;
  /** One wallboard (getWallboard). */
  get(id: string): Promise<Wallboard>;
  /** Creates a wallboard (createWallboard). */
  create(settings: BoardSettingsInput): Promise<Wallboard>;
  /** Replaces a wallboard's settings (updateWallboard). */
  update(id: string, settings: BoardSettingsInput): Promise<Wallboard>;
  /** Deletes a wallboard (deleteWallboard). */
  remove(id: string): Promise<void>;
  /** Adds an agent to the agents table (addWallboardAgent). */
  monitor(id: string, userId: string): Promise<Wallboard>;
  /** Removes an agent from the agents table (removeWallboardAgent). */
  unmonitor(id: string, userId: string): Promise<Wallboard>;
  /** Makes the wall TV's read-only token, shown once (createWallboardToken). */
  token(id: string): Promise<BoardToken>;
  /** Revokes the wall TV's token (revokeWallboardToken). */
  revokeToken(id: string): Promise<void>;
  /** Everything the board shows now (getWallboardData). */
  data(id: string): Promise<Board>;
  /** A live board. */
  live(id: string, options?: WallboardLiveOptions): PbxAgentWallboardLive;
}

/** A client of the pbxagent API. */
export declare class PbxAgent {
  constructor(options?: PbxAgentOptions);
  /** The session's CSRF token, sent in X-CSRF-Token on every change. */
  csrfToken: string;
  /** The bearer token ('' when the session cookie is used). */
  token: string;
  /** The calls module: call control and live views (one per client). */
  readonly calls: PbxAgentCalls;
  /** The chat module: rooms, messages, receipts and the chat events (one per client). */
  readonly chat: PbxAgentChat;
  /** The presence module: one's state, the roster, the location and live views (one per client). */
  readonly presence: PbxAgentPresence;
  /** The wallboard module: wallboards, their wall-TV tokens and live boards (one per client). */
  readonly wallboard: PbxAgentWallboard;
  /** The call groups module: groups, joining, pausing and live views of a group (one per client). */
  readonly callgroups: PbxAgentCallGroups;
  /** The hotel module: rooms, guests, wake-ups, bills, rates and a live view of the hotel (one per client). */
  readonly hotel: PbxAgentHotel;
  /** The absolute URL of path with query. */
  url(path: string, query?: Record<string, unknown>): string;
  /** Sends one request; a status outside 2xx throws PbxAgentError. */
  request(method: string, path: string, options?: RequestOptions): Promise<Response>;
  /** Follows a live stream (server-sent events); returns unsubscribe. */
  subscribe(path: string, onEvent: (event: PbxAgentEvent) => void, options?: SubscribeOptions): () => void;
  /** Opens the events socket (GET /api/v1/events): subscribes, reconnects with backoff and resumes from the last sequence number. */
  events(options?: EventsOptions): PbxAgentEvents;
