// Chat: the signed-in user's conversations (GET /api/v1/chat/rooms, with
// unread counts), a picker to open the conversation with another user
// (POST /api/v1/chat/rooms), and the open conversation: its messages
// (GET …/messages), a form to send one, who is typing. Live from the
// events socket (topic chat: message_received, typing, room_updated…),
// and the room list is polled every 5 s so that it stays right while the
// socket is down. Messages shown are acknowledged (…/delivered) and, the
// conversation being open, read (…/read). Each direct conversation shows
// the partner's presence as text (Available, Away, Do not disturb, with
// their message): live from the presence module's view of one's roster
// (client.presence.live(): the events socket's presence_updated), and
// for partners outside the roster loaded with the room list (every 5 s).
// For every signed-in user.

const POLL_MS = 5000;
const TYPING_SHOW_MS = 5000;
const TYPING_SEND_MS = 3000;

export default {
  id: 'chat',
  titleKey: 'chat.title',
  adminOnly: false,
  allowed: (u) => ['admin', 'supervisor', 'user'].includes(u.role),
  async render(root, ctx) {
    const { ui, s, client, strings } = ctx;
    const stateNames = (strings.presence && strings.presence.states) || {};
    const { h } = ui;
    const me = await client.getUsersMe();
    const contacts = (await client.listChatUsers()).users || [];
    const names = new Map(contacts.map((c) => [c.id, c.name || c.username]));
    names.set(me.id, me.display_name || me.username);
    let rooms = [];
    let open = null; // the open room's id
    let typingTimer = null;
    let lastTypingSent = 0;

    root.append(h('p', { class: 'muted' }, s.intro));

    // ---- open a conversation ----
    const withField = ui.field({ label: s.with, name: 'with', type: 'select', id: 'chat-with',
      options: contacts.map((c) => ({ value: c.id, label: c.name || c.username })) });
    const startForm = h('form', { id: 'chat-start', class: 'toolbar', 'aria-label': s.start },
      withField.el, ui.button(s.open, undefined, { type: 'submit', id: 'chat-open' }));
    startForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (!withField.input.value) return;
      try {
        const r = await client.createChatRoom({}, { kind: 'direct', members: [withField.input.value] });
        await loadRooms();
        await show(r.id);
      } catch (err) {
        ctx.error(err);
      }
    });

    // ---- the conversations ----
    const list = h('ul', { id: 'chat-rooms', class: 'plain-list' });
    const listSec = h('section', { 'aria-labelledby': 'chat-rooms-h' }, h('h2', { id: 'chat-rooms-h' }, s.rooms), startForm, list);

    // ---- the open conversation ----
    const convHeading = h('h2', { id: 'chat-conv-h', tabindex: '-1' }, s.none);
    const log = h('ol', { id: 'chat-messages', class: 'plain-list' });
    const logBox = h('div', { role: 'log', 'aria-live': 'polite', 'aria-labelledby': 'chat-conv-h' }, log);
    const typing = h('p', { id: 'chat-typing', class: 'muted', 'aria-live': 'polite' });
    const text = ui.field({ label: s.message, name: 'text', type: 'textarea', id: 'chat-text', rows: '2', maxlength: '4096' });
    const sendForm = h('form', { id: 'chat-send-form', 'aria-label': s.send, hidden: true },
      text.el, ui.button(s.send, undefined, { type: 'submit', kind: 'primary', id: 'chat-send' }));
    const convPresence = h('p', { id: 'chat-partner-presence', 'aria-live': 'polite' });
    const convSec = h('section', { 'aria-labelledby': 'chat-conv-h', id: 'chat-conversation' }, convHeading, convPresence, logBox, typing, sendForm);
    root.append(listSec, convSec);

    function title(r) {
      if (r.kind === 'group') return r.name;
      const other = (r.members || []).find((m) => m !== me.id);
      return names.get(other) || other || s.none;
    }

    function partner(r) {
      return r && r.kind !== 'group' ? (r.members || []).find((m) => m !== me.id) : undefined;
    }

    // ---- the partners' presence ----
    const presence = new Map(); // user id -> presence
    let followed = new Set(); // the users the live view follows (me and my roster)

    function presenceText(p) {
      const state = stateNames[p.state] || p.state;
      return p.message ? ui.fmt(s.presenceWithMessage, { state, message: p.message }) : state;
    }

    function renderPresence() {
      for (const el of list.querySelectorAll('[data-partner]')) {
        const p = presence.get(el.dataset.partner);
        el.textContent = p ? ui.fmt(s.presenceInList, { presence: presenceText(p) }) : '';
        el.dataset.state = p ? p.state : '';
      }
      const p = presence.get(partner(rooms.find((x) => x.id === open)));
      convPresence.textContent = p ? ui.fmt(s.partnerPresence, { name: names.get(p.user_id) || p.user_id, presence: presenceText(p) }) : '';
      convPresence.dataset.state = p ? p.state : '';
    }

    // Partners outside the roster get no presence_updated: loaded with the room list.
    async function loadOthersPresence() {
      if (!client.presence) return;
      const missing = [...new Set(rooms.map(partner).filter((id) => id && !followed.has(id)))];
      if (!missing.length) return;
      try {
        for (const p of await client.presence.get(missing)) if (!followed.has(p.user_id)) presence.set(p.user_id, p);
      } catch {
        return; // presence is extra: the chat works without it
      }
      renderPresence();
    }

    function renderRooms() {
      list.replaceChildren(...(rooms.length ? rooms.map((r) => {
        const label = r.unread ? ui.fmt(s.roomUnread, { name: title(r), n: r.unread }) : title(r);
        const other = partner(r);
        return h('li', { dataset: { room: r.id, unread: String(r.unread || 0) } },
          ui.button(label, () => show(r.id), { kind: 'link', 'aria-current': r.id === open ? 'true' : undefined }),
          other ? h('span', { class: 'muted chat-presence', dataset: { partner: other } }) : '');
      }) : [h('li', { class: 'muted' }, s.noRooms)]));
      list.dataset.count = String(rooms.length);
      renderPresence();
    }

    async function loadRooms() {
      const res = await client.listChatRooms();
      rooms = res.rooms || [];
      renderRooms();
      await loadOthersPresence();
    }

    function line(m) {
      const who = names.get(m.sender) || m.sender;
      const body = m.deleted ? h('em', {}, s.deleted) : m.text;
      return h('li', { dataset: { id: m.id, sender: m.sender } }, h('strong', {}, `${who}: `), body);
    }

    function append(m) {
      const old = log.querySelector(`li[data-id="${m.id}"]`);
      if (old) old.replaceWith(line(m));
      else log.append(line(m));
    }

    async function acknowledge(id) {
      if (!open || !id) return;
      await client.markChatDelivered({ id: open }, { up_to: id });
      await client.markChatRead({ id: open }, { up_to: id });
    }

    async function show(id) {
      open = id;
      const r = rooms.find((x) => x.id === id);
      convHeading.textContent = r ? ui.fmt(s.conversationWith, { name: title(r) }) : s.none;
      renderPresence();
      sendForm.hidden = false;
      typing.textContent = '';
      const page = await client.listChatMessages({ id, limit: 50 });
      if (open !== id) return;
      const ms = page.messages || [];
      log.replaceChildren(...ms.map(line));
      log.dataset.room = id;
      renderRooms();
      if (ms.length) await acknowledge(ms[ms.length - 1].id);
      await loadRooms();
      text.input.focus();
    }

    sendForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      const v = text.input.value;
      if (!open || !v.trim()) return;
      try {
        const m = await client.sendChatMessage({ id: open }, { text: v, client_id: `c-${Date.now()}-${Math.random().toString(36).slice(2)}` });
        text.input.value = '';
        lastTypingSent = 0; // the next message's typing is news
        append(m);
      } catch (err) {
        ctx.error(err);
      }
    });
    text.input.addEventListener('input', () => {
      const now = Date.now();
      if (!open || now - lastTypingSent < TYPING_SEND_MS) return;
      lastTypingSent = now;
      client.chatTyping({ id: open }).catch(() => {});
    });
    text.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey) {
        e.preventDefault();
        sendForm.requestSubmit();
      }
    });

    function onEvent(ev) {
      const d = ev.data || {};
      switch (ev.type) {
        case 'message_received':
        case 'message_updated':
        case 'message_deleted':
          if (d.room_id === open) {
            append(d.message);
            if (ev.type === 'message_received' && d.message.sender !== me.id) {
              typing.textContent = '';
              acknowledge(d.message.id).then(loadRooms).catch(ctx.error);
              return;
            }
          }
          loadRooms().catch(ctx.error);
          return;
        case 'typing':
          if (d.room_id === open && d.user_id !== me.id) {
            typing.textContent = ui.fmt(s.typing, { name: names.get(d.user_id) || d.user_id });
            clearTimeout(typingTimer);
            typingTimer = setTimeout(() => { typing.textContent = ''; }, TYPING_SHOW_MS);
          }
          return;
        case 'room_updated':
          loadRooms().catch(ctx.error);
          return;
        default:
      }
    }

    let plive = null;
    if (client.presence && typeof client.events === 'function') {
      plive = client.presence.live();
      plive.on('change', (e) => {
        followed = new Set(e.presence.map((p) => p.user_id));
        for (const p of e.presence) presence.set(p.user_id, p);
        renderPresence();
      });
      plive.on('state', (e) => { root.dataset.presenceSocket = e.state; });
      plive.on('error', () => {});
    }
    await loadRooms();
    ctx.live(loadRooms, POLL_MS);
    let sock = null;
    if (typeof client.events === 'function') {
      sock = client.events({
        topics: ['chat'],
        onEvent,
        onResync: () => {
          loadRooms().catch(ctx.error);
          if (open) show(open).catch(ctx.error);
        },
        onState: (st) => { root.dataset.socket = st; },
        onError: () => {},
      });
    }
    return () => {
      clearTimeout(typingTimer);
      if (sock) sock.close();
      if (plive) plive.close();
    };
  },
};
