// My calls: place a call from one of my phones (click-to-call: the phone
// rings first, the number is dialled when it answers) and control my live
// calls (hang up, hold / resume, send digits from a keypad dialog, record
// / stop recording). The
// list is live from the events socket (GET /api/v1/events, topic calls)
// and is also polled every 2 s, so that it stays right while the socket
// is down or the daemon does not publish call events on it. For every
// signed-in user (the calls scope comes with each role).

import { historySection } from './calls-history.js';

const POLL_MS = 2000;
const TICK_MS = 1000;

export default {
  id: 'calls',
  titleKey: 'calls.title',
  adminOnly: false,
  // Every role holds the calls scope (platform.RoleScopes); an app token
  // never opens the console.
  allowed: (u) => ['admin', 'supervisor', 'user'].includes(u.role),
  async render(root, ctx) {
    const { ui, s, common, client } = ctx;
    const { h } = ui;
    const me = await client.getUsersMe();
    const devices = (me.devices && me.devices.endpoints) || [];
    let calls = [];

    root.append(h('p', { class: 'muted' }, s.intro));

    // ---- the Call form ----
    const formSec = h('section', { 'aria-labelledby': 'calls-form-h' }, h('h2', { id: 'calls-form-h' }, s.formTitle));
    root.append(formSec);
    if (!devices.length) {
      formSec.append(h('p', { class: 'notice', id: 'calls-no-devices' }, s.noDevices));
    } else {
      const to = ui.field({ label: s.to, name: 'to', type: 'tel', required: true, requiredText: common.required, hint: s.toHint, id: 'calls-to', autocomplete: 'off' });
      const dev = devices.length > 1
        ? ui.field({ label: s.device, name: 'device', type: 'select', id: 'calls-device',
          options: [{ value: '', label: s.allDevices }, ...devices.map((d) => ({ value: d, label: d }))], value: '' })
        : null;
      const form = h('form', { id: 'calls-form' }, to.el, dev ? dev.el : null,
        ui.button(s.place, undefined, { kind: 'primary', type: 'submit', id: 'calls-place' }));
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        const body = { to: to.input.value.trim() };
        if (dev && dev.input.value) body.device = dev.input.value;
        try {
          const c = await client.placeCall({}, body);
          ctx.notify(ui.fmt(s.placed, { to: c.to || body.to }));
          to.input.value = '';
          await reload();
        } catch (err) {
          ctx.error(err);
        }
      });
      formSec.append(form);
    }

    // ---- the live calls ----
    const live = h('p', { id: 'calls-live', class: 'muted', 'aria-live': 'polite' }, s.livePolling);
    const list = h('div', { id: 'calls-list' });
    const listHeading = h('h2', { id: 'calls-list-h', tabindex: '-1' }, s.listTitle);
    root.append(h('section', { 'aria-labelledby': 'calls-list-h' }, listHeading, live, list));

    // ---- the history (calls-history.js), refreshed on call_ended ----
    const history = historySection(ctx);
    root.append(history.el);

    const durCells = new Map(); // call id → {el, call}
    let shape = null;

    function duration(c) {
      const from = Date.parse(c.answered_at || c.created_at);
      const secs = Number.isNaN(from) ? 0 : Math.max(0, Math.floor((Date.now() - from) / 1000));
      const m = Math.floor(secs / 60);
      const sec = String(secs % 60).padStart(2, '0');
      return m >= 60 ? `${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
    }

    function tick() {
      for (const { el, call } of durCells.values()) {
        const v = duration(call);
        if (el.textContent !== v) el.textContent = v;
      }
    }

    function render() {
      // Re-rendered only when a call comes, goes or changes state, so that
      // the focus stays put; the durations tick in place.
      const next = calls.map((c) => `${c.id}:${c.state}:${c.device || ''}:${c.recording || ''}`).join(',');
      if (next === shape) {
        for (const c of calls) {
          const d = durCells.get(c.id);
          if (d) d.call = c;
        }
        tick();
        return;
      }
      shape = next;
      const focused = document.activeElement && list.contains(document.activeElement) ? document.activeElement : null;
      const focusKey = focused && focused.dataset.action ? `${focused.dataset.call}/${focused.dataset.action}` : '';
      durCells.clear();
      list.replaceChildren(ui.table({
        caption: s.listCaption,
        empty: s.none,
        rows: calls,
        rowAttrs: (c) => ({ dataset: { call: c.id, state: c.state } }),
        columns: [
          { key: 'to', label: s.colTo, render: (c) => h('span', { dataset: { live: 'to' } }, c.to) },
          { key: 'state', label: s.colState, render: (c) => h('span', { dataset: { live: 'state' } }, s.states[c.state] || c.state) },
          { key: 'device', label: s.colDevice, render: (c) => c.device || (c.devices || []).join(', ') },
          { key: 'duration', label: s.colDuration, render: (c) => {
            const el = h('span', { dataset: { live: 'duration' } }, duration(c));
            durCells.set(c.id, { el, call: c });
            return el;
          } },
          { key: 'actions', label: common.actions, render: (c) => actions(c) },
        ],
      }));
      if (focusKey) {
        const [id, action] = focusKey.split('/');
        const again = [...list.querySelectorAll('button[data-action]')].find((b) => b.dataset.call === id && b.dataset.action === action);
        // The call is gone (hung up): the focus goes to the list's heading
        // rather than being lost.
        if (again) again.focus();
        else listHeading.focus();
      }
    }

    function actions(c) {
      const name = { to: c.to };
      const btn = (action, label, aria, fn, kind = '') => ui.button(label, fn, { kind, 'aria-label': ui.fmt(aria, name), dataset: { call: c.id, action } });
      const talking = c.state === 'up' || c.state === 'held';
      return h('div', { class: 'row-actions' },
        c.state === 'held'
          ? btn('resume', s.resume, s.resumeOne, () => act(c, () => client.resumeCall({ id: c.id }), s.resumed))
          : (talking ? btn('hold', s.hold, s.holdOne, () => act(c, () => client.holdCall({ id: c.id }), s.held)) : null),
        talking ? btn('digits', s.digits, s.digitsOne, () => keypad(c)) : null,
        talking ? (c.recording === 'recording' || c.recording === 'paused'
          ? btn('record-stop', s.recordStop, s.recordStopOne, () => act(c, () => client.recordCall({ id: c.id }, { action: 'stop' }), s.recordStopped))
          : btn('record', s.record, s.recordOne, () => act(c, () => client.recordCall({ id: c.id }, { action: 'start' }), s.recordStarted))) : null,
        talking ? btn('park', s.park, s.parkOne, () => act(c, () => client.parkCall({ id: c.id }), s.parked)) : null,
        c.state === 'parked' ? btn('pickup', s.pickup, s.pickupOne, () => act(c, () => client.pickupCall({ id: c.id }, {}), s.pickingUp)) : null,
        btn('hangup', s.hangup, s.hangupOne, () => act(c, () => client.hangupCall({ id: c.id }), s.hungUp), 'danger'));
    }

    async function act(c, fn, done) {
      try {
        await fn();
        ctx.notify(ui.fmt(done, { to: c.to }));
      } catch (err) {
        ctx.error(err);
      }
      await reload().catch(ctx.error);
    }

    async function keypad(c) {
      const digits = ui.field({ label: s.keypadDigits, name: 'digits', hint: s.keypadHint, id: 'calls-digits', autocomplete: 'off', inputmode: 'tel', maxlength: '64' });
      const keys = h('div', { class: 'keypad', role: 'group', 'aria-label': s.keypadLabel },
        ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'].map((k) => ui.button(k, () => {
          digits.input.value += k;
        }, { dataset: { key: k } })));
      const errBox = h('div', { id: 'calls-digits-error', role: 'alert' });
      await ui.modal({
        title: ui.fmt(s.keypadTitle, { to: c.to }),
        content: h('div', {}, digits.el, keys, errBox),
        buttons: [
          { label: s.keypadCancel, value: 'cancel' },
          { label: s.keypadSend, value: 'send', kind: 'primary', submit: true },
        ],
        onSubmit: async (_form, value) => {
          if (value !== 'send') return true;
          try {
            await client.sendCallDigits({ id: c.id }, { digits: digits.input.value.trim() });
          } catch (err) {
            errBox.replaceChildren(ui.errorView(err, common));
            digits.input.focus();
            return false;
          }
          ctx.notify(ui.fmt(s.sent, { digits: digits.input.value.trim() }));
          return true;
        },
      });
    }

    let loading = null;
    function reload() {
      if (!loading) {
        loading = (async () => {
          try {
            const res = await client.listCalls();
            calls = (res.calls || []).filter((c) => c.state !== 'ended');
            render();
          } finally {
            loading = null;
          }
        })();
      }
      return loading;
    }

    // The polling fallback (stopped by the app when the page is left) and
    // the events socket (closed by the cleanup below).
    ctx.live(reload, POLL_MS);
    const ticker = setInterval(tick, TICK_MS);
    let sock = null;
    if (typeof client.events === 'function') {
      sock = client.events({
        topics: ['calls'],
        onEvent: (ev) => {
          reload().catch(ctx.error);
          if (ev && ev.type === 'call_ended') history.refresh();
        },
        onResync: () => { reload().catch(ctx.error); },
        onState: (st) => {
          live.dataset.socket = st;
          live.textContent = st === 'open' ? s.liveEvents : s.livePolling;
        },
        // The poll keeps the list right while the socket is down: its
        // errors are not the user's concern.
        onError: () => {},
      });
    }
    return () => {
      clearInterval(ticker);
      history.stop();
      if (sock) sock.close();
    };
  },
};
