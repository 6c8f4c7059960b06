// My calls: place a call from one of my phones (click-to-call: the phone
// rings first, the number is dialled when it answers) and control my live
// calls: answer (through my desk phone's remote control) or decline an
// incoming call, hang up, hold / resume, send digits from a keypad
// dialog, record (pause, resume, stop), transfer (blind or attended, with
// complete / cancel / swap), park / pick up. The
// list is live from the events socket (GET /api/v1/events, topic calls)
// and is also polled every 2 s, so that it stays right while the socket
// is down or the daemon does not publish call events on it. Changes the
// user did not make themselves (a call arriving or going away, the
// recipient of a transfer answering) are announced in a polite live
// region. For every signed-in user (the calls scope comes with each role).

import { historySection } from './calls-history.js';

const POLL_MS = 2000;
const TICK_MS = 1000;

/** The button that takes an action's place once it is done (Hold → Resume, Record → Pause recording…). */
const SUCCESSOR = {
  hold: 'resume', resume: 'hold', record: 'record-pause', 'record-pause': 'record-resume', 'record-resume': 'record-pause',
  'record-stop': 'record', transfer: 'complete', 'cancel-transfer': 'transfer', park: 'pickup', pickup: 'hold',
};

/** Whether a transfer in state st is over. */
const over = (st) => st === 'completed' || st === 'cancelled' || st === 'abandoned';

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
    const phones = (me.devices && me.devices.phones) || [];
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
    // What happened to the calls without the user doing it: announced
    // politely, and left on the page until the next change.
    const news = h('p', { id: 'calls-news', role: 'status', 'aria-live': 'polite' });
    const list = h('div', { id: 'calls-list' });
    const listHeading = h('h2', { id: 'calls-list-h', tabindex: '-1' }, s.listTitle);
    root.append(h('section', { 'aria-labelledby': 'calls-list-h' }, listHeading, live, news, list));

    // ---- the history (calls-history.js), refreshed on call_ended ----
    const history = historySection(ctx);
    root.append(history.el);

    const durCells = new Map(); // call id → {el, call}
    const transfers = new Map(); // call id → its latest transfer
    const ended = new Map(); // call id → the call as call_ended gave it
    const ending = new Set(); // calls the user hung up or declined here (announced already)
    const rowErrors = new Map(); // call id → the error of the last action on it
    let errSeq = 0;
    let shape = null;
    let loaded = false;

    function announce(text) {
      news.textContent = text;
    }

    /** The other party as people read it: "Anna Muster (555)", or the number alone. */
    function party(c) {
      const inbound = c.direction === 'inbound';
      const num = (inbound ? c.from : c.to) || '';
      const name = (inbound ? c.from_name : c.to_name) || '';
      if (name && num) return ui.fmt(s.partyNamed, { name, number: num });
      return name || num || s.unknownParty;
    }

    /** The call's transfer in progress (not over), or null. */
    function runningTransfer(c) {
      const t = transfers.get(c.id);
      return t && c.transfer === t.id && !over(t.state) ? t : null;
    }

    /**
     * The call's attended transfer in progress, or null: the one the
     * row's Complete / Cancel / Swap act on. (A blind transfer started
     * from the phone keeps the call until the recipient answers; it
     * cannot be completed or taken back.)
     */
    function activeTransfer(c) {
      const t = runningTransfer(c);
      return t && t.mode === 'attended' ? t : null;
    }

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

    function transferText(c, t) {
      const vars = { to: party(c), recipient: t.to };
      if (t.state !== 'answered') return ui.fmt(s.transferRinging, vars);
      return ui.fmt(t.talking === 'transferee' ? s.transferTalkingParty : s.transferTalkingRecipient, vars);
    }

    function stateCell(c) {
      const t = activeTransfer(c);
      const blind = t ? null : runningTransfer(c);
      return h('div', {},
        h('span', { dataset: { live: 'state' } }, s.states[c.state] || c.state),
        blind ? h('div', { class: 'hint', dataset: { live: 'transfer', transfer: blind.state } }, ui.fmt(s.transferBlindRunning, { to: party(c), recipient: blind.to })) : null,
        c.recording === 'recording' || c.recording === 'paused'
          ? h('div', { class: 'hint', dataset: { live: 'recording' } }, c.recording === 'paused' ? s.recordingPausedNow : s.recordingNow) : null,
        t ? h('div', { class: 'hint', dataset: { live: 'transfer', transfer: t.state } }, transferText(c, t)) : null);
    }

    function render() {
      // Re-rendered only when a call comes, goes or changes state (or its
      // transfer does), so that the focus stays put; the durations tick
      // in place.
      const next = calls.map((c) => {
        const t = runningTransfer(c);
        return `${c.id}:${c.state}:${c.device || ''}:${c.recording || ''}:${party(c)}:${t ? `${t.state}/${t.talking || ''}` : ''}:${rowErrors.has(c.id) ? rowErrors.get(c.id).seq : ''}`;
      }).join(',');
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
      const focusCall = focused && focused.dataset.call;
      const focusAction = focused && focused.dataset.action;
      durCells.clear();
      list.replaceChildren(ui.table({
        caption: s.listCaption,
        empty: s.none,
        rows: calls,
        rowAttrs: (c) => ({ dataset: { call: c.id, state: c.state, direction: c.direction || 'outbound', transfer: (activeTransfer(c) || {}).state || '' } }),
        columns: [
          { key: 'to', label: s.colTo, render: (c) => h('span', { dataset: { live: 'to' } }, party(c)) },
          { key: 'direction', label: s.colDirection, render: (c) => h('span', { dataset: { live: 'direction' } },
            h('span', { 'aria-hidden': 'true' }, c.direction === 'inbound' ? '↙ ' : '↗ '),
            c.direction === 'inbound' ? s.inbound : s.outbound) },
          { key: 'state', label: s.colState, render: stateCell },
          { key: 'device', label: s.colDevice, render: (c) => c.device || (c.devices || []).join(', ') },
          { key: 'duration', label: s.colDuration, render: (c) => {
            const el = h('span', { dataset: { live: 'duration' } }, duration(c));
            durCells.set(c.id, { el, call: c });
            return el;
          } },
          { key: 'actions', label: common.actions, render: (c) => actions(c) },
        ],
      }));
      if (focusCall) refocus(focusCall, focusAction);
    }

    /**
     * Puts the focus back on the call's button for action, else on the
     * call's first button (its buttons changed), else on the list's
     * heading (the call is gone) rather than losing it.
     */
    function refocus(id, action) {
      const btns = [...list.querySelectorAll('button[data-action]')].filter((b) => b.dataset.call === id);
      const find = (a) => btns.find((b) => b.dataset.action === a);
      const again = find(action) || find(SUCCESSOR[action]) || btns[0];
      if (again) again.focus();
      else listHeading.focus();
    }

    function actions(c) {
      const name = { to: party(c) };
      const btn = (action, label, aria, fn, kind = '') => ui.button(label, fn, { kind, 'aria-label': ui.fmt(aria, name), dataset: { call: c.id, action },
        'aria-describedby': rowErrors.has(c.id) ? `calls-err-${c.id}` : undefined });
      const talking = c.state === 'up' || c.state === 'held';
      const incoming = c.direction === 'inbound' && c.state === 'ringing';
      const t = activeTransfer(c);
      let buttons;
      if (incoming) {
        buttons = [
          btn('answer', s.answer, s.answerOne, () => answer(c), 'primary'),
          btn('decline', s.decline, s.declineOne, () => hangup(c, s.declined), 'danger'),
        ];
      } else if (t) {
        const tv = { to: party(c), recipient: t.to };
        const tbtn = (action, label, aria, fn, kind = '') => ui.button(label, fn, { kind, 'aria-label': ui.fmt(aria, tv), dataset: { call: c.id, action },
          'aria-describedby': rowErrors.has(c.id) ? `calls-err-${c.id}` : undefined });
        buttons = [
          tbtn('complete', s.complete, s.completeOne, () => act(c, () => client.completeTransfer({ id: t.id })), 'primary'),
          t.state === 'answered' ? tbtn('swap', s.swap, s.swapOne, () => act(c, () => client.swapTransfer({ id: t.id }))) : null,
          tbtn('cancel-transfer', s.cancelTransfer, s.cancelTransferOne, () => act(c, () => client.cancelTransfer({ id: t.id }))),
          btn('hangup', s.hangup, s.hangupOne, () => hangup(c, s.hungUp), 'danger'),
        ];
      } else if (runningTransfer(c)) {
        // A blind transfer from the phone, waiting for its recipient.
        buttons = [btn('hangup', s.hangup, s.hangupOne, () => hangup(c, s.hungUp), 'danger')];
      } else {
        buttons = [
          c.state === 'held'
            ? btn('resume', s.resume, s.resumeOne, () => act(c, () => client.resumeCall({ id: c.id }), s.resumed))
            : (talking ? btn('hold', s.hold, s.holdOne, () => act(c, () => client.holdCall({ id: c.id }), s.held)) : null),
          talking ? btn('digits', s.digits, s.digitsOne, () => keypad(c)) : null,
          ...(talking ? recordButtons(c, btn) : []),
          talking ? btn('transfer', s.transfer, s.transferOne, () => transfer(c)) : null,
          talking ? btn('park', s.park, s.parkOne, () => act(c, () => client.parkCall({ id: c.id }), s.parked)) : null,
          c.state === 'parked' ? btn('pickup', s.pickup, s.pickupOne, () => act(c, () => client.pickupCall({ id: c.id }, {}), s.pickingUp)) : null,
          btn('hangup', s.hangup, s.hangupOne, () => hangup(c, s.hungUp), 'danger'),
        ];
      }
      const e = rowErrors.get(c.id);
      return h('div', {},
        h('div', { class: 'row-actions wrap' }, buttons),
        e ? h('div', { id: `calls-err-${c.id}`, class: 'row-error', dataset: { live: 'error' } }, ui.errorView(e.err, common)) : null);
    }

    /**
     * Record / Pause / Resume recording / Stop recording, by the call's
     * recording state (POST /api/v1/calls/{id}/record); none when the
     * daemon has no recording (the call has no recording field).
     */
    function recordButtons(c, btn) {
      if (!c.recording || typeof client.recordCall !== 'function') return [];
      const rec = (action, done) => () => act(c, () => client.recordCall({ id: c.id }, { action }), done);
      if (c.recording === 'recording') {
        return [btn('record-pause', s.recordPause, s.recordPauseOne, rec('pause', s.recordPaused)),
          btn('record-stop', s.recordStop, s.recordStopOne, rec('stop', s.recordStopped))];
      }
      if (c.recording === 'paused') {
        return [btn('record-resume', s.recordResume, s.recordResumeOne, rec('resume', s.recordResumed)),
          btn('record-stop', s.recordStop, s.recordStopOne, rec('stop', s.recordStopped))];
      }
      return [btn('record', s.record, s.recordOne, rec('start', s.recordStarted))];
    }

    /** Shows err in the call's row (and in the page's alert region). */
    function rowError(c, err) {
      errSeq += 1;
      rowErrors.set(c.id, { err, seq: errSeq });
      ctx.error(err);
      render();
    }

    function clearRowError(c) {
      if (rowErrors.delete(c.id)) render();
    }

    /**
     * Runs fn on call c: done (a string) is announced on success; a
     * transfer answered by fn is taken in (its change announced); an
     * error is shown in the row.
     */
    async function act(c, fn, done) {
      try {
        const res = await fn();
        clearRowError(c);
        if (done) ctx.notify(ui.fmt(done, { to: party(c) }));
        if (res && res.call_id) setTransfer(res, true);
      } catch (err) {
        rowError(c, err);
      }
      await reload().catch(ctx.error);
    }

    async function hangup(c, done) {
      ending.add(c.id);
      try {
        await client.hangupCall({ id: c.id });
        clearRowError(c);
        ctx.notify(ui.fmt(done, { to: party(c) }));
      } catch (err) {
        ending.delete(c.id);
        rowError(c, err);
      }
      await reload().catch(ctx.error);
    }

    /**
     * Answers a ringing call on the user's desk phone (its own remote
     * control): pbxagent picks the phone (the only one, or the one whose
     * line rings); when it cannot tell, the user picks one in a dialog.
     */
    async function answer(c) {
      if (phones.length > 1) {
        // pbxagent picks the phone whose line rings when the phones say
        // which lines they register; else (400 on phone) the user picks.
        try {
          await client.answerCall({ id: c.id }, {});
          clearRowError(c);
          ctx.notify(ui.fmt(s.answered, { to: party(c) }));
          await reload().catch(ctx.error);
          return;
        } catch (err) {
          const field = Array.isArray(err && err.details) && err.details[0] && err.details[0].field;
          if (!(err && err.status === 400 && field === 'phone')) {
            rowError(c, err);
            return;
          }
        }
      } else {
        await act(c, () => client.answerCall({ id: c.id }, {}), s.answered);
        return;
      }
      const errBox = h('div', { id: 'calls-answer-error', role: 'alert' });
      const radios = phones.map((p, i) => {
        const rid = `calls-answer-phone-${i}`;
        const input = h('input', { type: 'radio', name: 'phone', id: rid, value: p, checked: i === 0 });
        return { input, el: h('div', { class: 'field check' }, input, h('label', { for: rid }, p)) };
      });
      const group = h('fieldset', { id: 'calls-answer-phones' }, h('legend', {}, s.answerPhone), radios.map((r) => r.el));
      await ui.modal({
        title: ui.fmt(s.answerTitle, { to: party(c) }),
        content: h('div', {}, group, h('p', { class: 'hint' }, s.answerHint), errBox),
        buttons: [
          { label: s.dialogCancel, value: 'cancel' },
          { label: s.answer, value: 'answer', kind: 'primary', submit: true },
        ],
        onSubmit: async (_form, value) => {
          if (value !== 'answer') return true;
          const chosen = radios.find((r) => r.input.checked);
          try {
            await client.answerCall({ id: c.id }, { phone: chosen ? chosen.input.value : undefined });
          } catch (err) {
            errBox.replaceChildren(ui.errorView(err, common));
            if (chosen) chosen.input.focus();
            return false;
          }
          clearRowError(c);
          ctx.notify(ui.fmt(s.answered, { to: party(c) }));
          return true;
        },
      });
      afterDialog(c, 'answer');
      await reload().catch(ctx.error);
    }

    /** After a dialog on call c closed: the focus goes back into the call's row (its buttons may have changed) or to the list's heading. */
    function afterDialog(c, action) {
      const a = document.activeElement;
      if (!a || a === document.body || !a.isConnected) refocus(c.id, action);
    }

    /** The Transfer dialog: the recipient's number and the mode (blind or attended). */
    async function transfer(c) {
      const to = ui.field({ label: s.transferTo, name: 'to', type: 'tel', required: true, requiredText: common.required, hint: s.transferToHint, id: 'calls-transfer-to', autocomplete: 'off' });
      const modes = ['blind', 'attended'].map((m) => {
        const rid = `calls-transfer-${m}`;
        const input = h('input', { type: 'radio', name: 'mode', id: rid, value: m, checked: m === 'blind', 'aria-describedby': `${rid}-hint` });
        return { input, el: h('div', { class: 'field check' }, input, h('label', { for: rid }, s.modes[m]),
          h('p', { id: `${rid}-hint`, class: 'hint' }, s.modeHints[m])) };
      });
      const group = h('fieldset', { id: 'calls-transfer-mode' }, h('legend', {}, s.transferMode), modes.map((m) => m.el));
      const errBox = h('div', { id: 'calls-transfer-error', role: 'alert' });
      let started = null;
      await ui.modal({
        title: ui.fmt(s.transferTitle, { to: party(c) }),
        content: h('div', {}, to.el, group, errBox),
        buttons: [
          { label: s.dialogCancel, value: 'cancel' },
          { label: s.transferStart, value: 'start', kind: 'primary', submit: true },
        ],
        onSubmit: async (_form, value) => {
          if (value !== 'start') return true;
          const mode = (modes.find((m) => m.input.checked) || modes[0]).input.value;
          try {
            started = await client.transferCall({ id: c.id }, { to: to.input.value.trim(), mode });
          } catch (err) {
            errBox.replaceChildren(ui.errorView(err, common));
            const field = Array.isArray(err && err.details) && err.details[0] && err.details[0].field;
            if (field === 'mode') modes[0].input.focus();
            else to.input.focus();
            return false;
          }
          return true;
        },
      });
      if (started) {
        clearRowError(c);
        setTransfer(started, false);
        if (started.mode === 'attended') ctx.notify(ui.fmt(s.transferStarted, { to: party(c), recipient: started.to }));
      }
      await reload().catch(ctx.error);
      afterDialog(c, 'complete');
    }

    async function keypad(c) {
      const digits = ui.field({ label: s.keypadDigits, name: 'digits', hint: s.keypadHint, id: 'calls-digits', autocomplete: 'off', inputmode: 'tel', maxlength: '64' });
      const keys = h('div', { class: 'keypad', role: 'group', 'aria-label': s.keypadLabel },
        ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'].map((k) => ui.button(k, () => {
          digits.input.value += k;
        }, { dataset: { key: k } })));
      const errBox = h('div', { id: 'calls-digits-error', role: 'alert' });
      await ui.modal({
        title: ui.fmt(s.keypadTitle, { to: party(c) }),
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

    /**
     * Takes in a transfer (from an event, an action's answer or a read)
     * and announces what changed for the user. mine: the user's own
     * action, which needs no announcement of the change it asked for
     * except what the other parties did.
     */
    function setTransfer(t, mine) {
      if (!t || !t.call_id) return;
      const prev = transfers.get(t.call_id);
      if (prev && prev.id === t.id && prev.state === t.state && prev.talking === t.talking) return;
      transfers.set(t.call_id, t);
      const c = calls.find((x) => x.id === t.call_id);
      if (!c || t.mode !== 'attended' || !prev || prev.id !== t.id) return;
      const vars = { to: party(c), recipient: t.to, cause: t.cause_text || '' };
      if (t.state === 'answered' && prev.state !== 'answered') announce(ui.fmt(s.newsTransferAnswered, vars));
      else if (t.state === 'answered' && prev.talking !== t.talking) {
        announce(ui.fmt(t.talking === 'transferee' ? s.newsTalkingParty : s.newsTalkingRecipient, vars));
      } else if (t.state === 'cancelled') announce(ui.fmt(s.newsTransferCancelled, vars));
      else if (t.state === 'abandoned') announce(ui.fmt(t.cause_text ? s.newsTransferFailedCause : s.newsTransferFailed, vars));
      else if (mine && t.state === 'completed') announce(ui.fmt(s.newsTransferred, vars));
    }

    /** A call left the list: says why, unless the user ended it here. */
    async function gone(c) {
      rowErrors.delete(c.id);
      const t = transfers.get(c.id);
      transfers.delete(c.id);
      let info = ended.get(c.id);
      ended.delete(c.id);
      if (ending.delete(c.id)) return;
      if (!info) info = await client.getCall({ id: c.id }).catch(() => null);
      const vars = { to: party(c), recipient: t ? t.to : '', cause: (info && info.cause_text) || '' };
      if (info && info.ended_by === 'transfer') announce(ui.fmt(t ? s.newsTransferred : s.newsTransferredSomewhere, vars));
      else if (c.direction === 'inbound' && c.state === 'ringing' && !(info && info.answered_at)) announce(ui.fmt(s.newsMissed, vars));
      else announce(ui.fmt(vars.cause ? s.newsEndedCause : s.newsEnded, vars));
    }

    let loading = null;
    let again = false;
    function reload() {
      if (loading) {
        // An event came during a read: read once more after it, so the
        // list is never older than the latest event.
        again = true;
        return loading;
      }
      loading = (async () => {
        try {
          do {
            again = false;
            // My calls only: a supervisor's list would hold everyone's.
            const res = await client.listCalls(me.id ? { user: me.id } : {});
            const next = (res.calls || []).filter((c) => c.state !== 'ended');
            // The transfers of the calls that have one in progress (or a
            // newer one than known).
            await Promise.all(next.filter((c) => c.transfer).map(async (c) => {
              const t = transfers.get(c.id);
              if (t && t.id === c.transfer && over(t.state)) return;
              const got = await client.getTransfer({ id: c.transfer }).catch(() => null);
              if (got) setTransfer(got, false);
            }));
            const ids = new Set(next.map((c) => c.id));
            const before = new Set(calls.map((c) => c.id));
            const left = calls.filter((c) => !ids.has(c.id));
            const arrived = next.filter((c) => !before.has(c.id));
            for (const c of next) {
              const was = calls.find((x) => x.id === c.id);
              if (was && was.state !== c.state) rowErrors.delete(c.id);
            }
            calls = next;
            render();
            if (loaded) {
              for (const c of arrived) {
                if (c.direction === 'inbound' && c.state === 'ringing') announce(ui.fmt(s.newsIncoming, { to: party(c) }));
              }
              for (const c of left) gone(c);
            }
            // call_ended of calls never listed here (ended before a read).
            for (const id of ended.keys()) if (!ids.has(id)) ended.delete(id);
            loaded = true;
          } while (again);
        } finally {
          loading = null;
        }
      })();
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
          const d = ev && ev.data;
          // A supervisor gets everyone's call events: only the user's
          // own change the live list (the history shows everyone's).
          const mine = !(d && me.id && d.user_id && d.user_id !== me.id);
          if (mine && ev && typeof ev.type === 'string' && ev.type.startsWith('transfer_') && d) {
            setTransfer(d, false);
            render();
          }
          if (mine && ev && ev.type === 'call_ended' && d && d.id) ended.set(d.id, d);
          if (mine) reload().catch(ctx.error);
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
