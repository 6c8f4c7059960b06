// Presence: set my status (available, away, do not disturb — DND is
// honoured by the PBX: calls are not rung, BLF lamps show busy), with a
// message and an optional end; and my roster, the colleagues whose
// presence I follow (state, message, online, phone registered, call
// state), live from the events socket (topic presence) and polled every
// 5 s while the socket is down. For every signed-in user (the presence
// scope comes with each role).

const POLL_MS = 5000;

export default {
  id: 'presence',
  titleKey: 'presence.title',
  adminOnly: false,
  allowed: (u) => ['admin', 'supervisor', 'user'].includes(u.role),
  async render(root, ctx) {
    const { ui, s, common, client } = ctx;
    const { h } = ui;
    const me = await client.getUsersMe();
    root.append(h('p', { class: 'muted' }, s.intro));

    // ---- my status ----
    const current = h('p', { id: 'presence-current', 'aria-live': 'polite' });
    const state = ui.field({ label: s.state, name: 'state', type: 'select', id: 'presence-state',
      options: ['available', 'away', 'dnd'].map((v) => ({ value: v, label: s.states[v] })), value: 'available' });
    const message = ui.field({ label: s.message, name: 'message', id: 'presence-message', hint: s.messageHint, autocomplete: 'off', maxlength: 200 });
    const until = ui.field({ label: s.until, name: 'until', type: 'datetime-local', id: 'presence-until', hint: s.untilHint });
    const form = h('form', { id: 'presence-form', novalidate: true }, state.el, message.el, until.el,
      ui.button(s.save, undefined, { kind: 'primary', type: 'submit', id: 'presence-save' }));
    root.append(h('section', { 'aria-labelledby': 'presence-me-h' }, h('h2', { id: 'presence-me-h' }, s.meTitle), current, form));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const body = { state: state.input.value };
      if (message.input.value.trim()) body.message = message.input.value.trim();
      if (until.input.value) body.until = new Date(until.input.value).toISOString();
      try {
        const p = await client.setMyPresence({}, body);
        ctx.notify(ui.fmt(s.saved, { state: s.states[p.state] || p.state }));
        showMine(p);
      } catch (err) {
        ctx.error(err);
      }
    });

    function showMine(p) {
      current.dataset.state = p.state;
      current.textContent = ui.fmt(p.message ? s.currentWithMessage : s.current,
        { state: s.states[p.state] || p.state, message: p.message || '' });
    }

    // ---- my roster ----
    const add = ui.field({ label: s.addUser, name: 'user', id: 'presence-add-user', hint: s.addUserHint, autocomplete: 'off' });
    const addForm = h('form', { id: 'presence-add-form', class: 'toolbar', 'aria-label': s.add, novalidate: true }, add.el,
      ui.button(s.add, undefined, { type: 'submit', id: 'presence-add' }));
    const live = h('p', { id: 'presence-live', class: 'muted', 'aria-live': 'polite' }, s.livePolling);
    const list = h('div', { id: 'presence-roster' });
    root.append(h('section', { 'aria-labelledby': 'presence-roster-h' }, h('h2', { id: 'presence-roster-h' }, s.rosterTitle), live, addForm, list));
    let roster = [];
    addForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      const id = add.input.value.trim();
      if (!id) return;
      try {
        const r = await client.setMyRoster({}, { users: [...roster, id] });
        roster = r.users || [];
        add.input.value = '';
        ctx.notify(s.added);
        await reload();
      } catch (err) {
        ctx.error(err);
      }
    });

    async function remove(id) {
      try {
        const r = await client.setMyRoster({}, { users: roster.filter((x) => x !== id) });
        roster = r.users || [];
        ctx.notify(s.removed);
        await reload();
        add.input.focus();
      } catch (err) {
        ctx.error(err);
      }
    }

    async function reload() {
      const r = await client.getMyRoster();
      roster = r.users || [];
      const res = await client.getPresence({ users: ['me', ...roster].join(',') });
      const items = res.items || [];
      const mine = items.find((p) => p.user_id === me.id);
      if (mine) showMine(mine);
      const others = items.filter((p) => p.user_id !== me.id);
      list.replaceChildren(ui.table({
        caption: s.rosterCaption, rows: others, empty: s.none,
        rowAttrs: (p) => ({ dataset: { user: p.user_id, state: p.state } }),
        columns: [
          { key: 'user', label: s.colUser, render: (p) => h('code', {}, p.user_id) },
          { key: 'state', label: s.colState, render: (p) => h('span', { dataset: { live: 'state' } }, s.states[p.state] || p.state) },
          { key: 'message', label: s.colMessage, render: (p) => p.message || '' },
          { key: 'online', label: s.colOnline, render: (p) => (p.online ? common.yes : common.no) },
          { key: 'registered', label: s.colPhone, render: (p) => (p.registered ? s.registered : s.notRegistered) },
          { key: 'call', label: s.colCall, render: (p) => s.calls[p.call] || p.call },
          { key: 'actions', label: common.actions, render: (p) => ui.button(s.remove, () => remove(p.user_id),
            { kind: 'link', 'aria-label': ui.fmt(s.removeOne, { user: p.user_id }) }) },
        ],
      }));
      list.dataset.count = String(others.length);
    }

    await reload().catch(ctx.error);
    ctx.live(reload, POLL_MS);
    let sock = null;
    if (typeof client.events === 'function') {
      sock = client.events({
        topics: ['presence'],
        onEvent: () => { reload().catch(ctx.error); },
        onResync: () => { reload().catch(ctx.error); },
        onState: (st) => {
          live.dataset.socket = st;
          live.textContent = st === 'open' ? s.liveEvents : s.livePolling;
        },
        onError: () => {},
      });
    }
    return () => { if (sock) sock.close(); };
  },
};
