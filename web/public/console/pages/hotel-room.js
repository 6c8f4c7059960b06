// The Hotel page's room dialog (pages/hotel.js): a room's state, check
// in, check out (the closed bill shown), move (the dialog follows the
// guest), wake-ups, the open bill and the status (housekeeping, class,
// DND, message light), kept live without redrawing a form being filled.

import { HOUSEKEEPING, CLASSES, LIVE_WAKE } from './hotel-kit.js';

/**
 * The room dialogs of the page: open(number, given) shows one (given: the
 * room as an answer of the API had it); update() and charged(number) keep
 * the one open current (the page calls them on the view's changes and on
 * call_charged).
 */
export function roomDialogs(ctx, k, live, { scheduleBills }) {
  const { ui, s, common } = ctx;
  const { h } = ui;
  const hotel = ctx.client.hotel;
  const { when, guestName, localTime, keep, billView, newer, onEnter, today } = k;
  let dialogRoom = null; // the open dialog's updater

  async function openRoom(number, given) {
    const r0 = newer(live.room(number), given);
    if (!r0) return;
    const info = h('div', { id: 'ht-dlg-info' });
    const errors = h('div', { role: 'alert', class: 'dialog-errors', id: 'ht-dlg-errors' });
    // The page's status region is inert behind the modal: what an action did is said here too.
    const note = h('p', { role: 'status', class: 'muted', id: 'ht-dlg-status' });
    const notify = (text) => {
      note.textContent = text;
      ctx.notify(text);
    };
    const closedBill = h('div', { id: 'ht-dlg-closed' });
    const actions = h('div', { id: 'ht-dlg-actions' });
    const openBill = h('div', { id: 'ht-dlg-bill' });
    const status = statusForm(r0);
    let occupancy = '';
    let billSig = '';

    const fail = (err) => {
      errors.replaceChildren(ui.errorView(err, common));
      errors.scrollIntoView?.({ block: 'nearest' });
    };
    const run = async (fn) => {
      errors.replaceChildren();
      note.textContent = '';
      try {
        await fn();
      } catch (err) {
        fail(err);
      }
    };

    function renderInfo(r) {
      const g = r.guest;
      const rows = [
        [s.fOccupancy, s.occupancy[r.occupancy] || r.occupancy],
        [s.fHousekeeping, s.housekeeping[r.housekeeping] || r.housekeeping],
        [s.fGuest, g ? guestName(g) : s.noGuest],
        g && g.language ? [s.fLanguage, g.language] : null,
        g && (g.arrival || g.departure) ? [s.fStay, `${g.arrival || '?'} – ${g.departure || '?'}`] : null,
        [s.fClass, s.classes[r.effective_class] || r.effective_class || ''],
        [s.fDND, r.dnd ? common.yes : common.no],
        [s.fMessageLight, r.message_light ? common.yes : common.no],
        [s.fExtensions, (r.extensions || []).join(', ')],
      ].filter(Boolean);
      keep(info, h('dl', { class: 'facts' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])));
      info.dataset.occupancy = r.occupancy;
      info.dataset.housekeeping = r.housekeeping;
    }

    function checkInForm() {
      const name = ui.field({ label: s.fName, name: 'name', id: 'ht-ci-name', required: true, requiredText: common.required, autocomplete: 'off', maxlength: 64 });
      const first = ui.field({ label: s.fFirstName, name: 'first_name', id: 'ht-ci-first', autocomplete: 'off', maxlength: 64 });
      const lang = ui.field({ label: s.fLanguage, name: 'language', id: 'ht-ci-language', hint: s.fLanguageHint, autocomplete: 'off', maxlength: 8 });
      const arr = ui.field({ label: s.fArrival, name: 'arrival', type: 'date', id: 'ht-ci-arrival', value: today() });
      const dep = ui.field({ label: s.fDeparture, name: 'departure', type: 'date', id: 'ht-ci-departure' });
      const go = async () => run(async () => {
        if (!name.input.value.trim()) {
          name.input.focus();
          throw new Error(s.nameNeeded);
        }
        const r = await hotel.checkIn(number, {
          name: name.input.value.trim(), first_name: first.input.value.trim() || undefined, language: lang.input.value.trim() || undefined,
          arrival: arr.input.value || undefined, departure: dep.input.value || undefined,
        });
        notify(ui.fmt(s.checkedIn, { room: number, guest: guestName(r.guest) }));
        update(r);
      });
      const btn = ui.button(s.checkIn, go, { kind: 'primary', id: 'ht-ci-go' });
      onEnter([name, first, lang, arr, dep], go);
      return h('fieldset', { id: 'ht-ci' }, h('legend', {}, s.checkInTitle), h('div', { class: 'grid' }, name.el, first.el, lang.el, arr.el, dep.el), btn);
    }

    function occupiedActions(r) {
      const out = ui.button(s.checkOut, () => checkOut(), { kind: 'danger', id: 'ht-co-go' });
      const vacant = live.rooms.filter((x) => x.occupancy !== 'occupied' && x.number !== number && x.housekeeping !== 'out_of_order');
      const to = ui.field({ label: s.moveTo, name: 'to', type: 'select', id: 'ht-mv-to',
        options: [{ value: '', label: vacant.length ? s.chooseRoom : s.noVacant }, ...vacant.map((x) => ({ value: x.number, label: x.number }))] });
      const mv = ui.button(s.move, () => run(async () => {
        if (!to.input.value) {
          to.input.focus();
          return;
        }
        const dest = to.input.value;
        const moved = await hotel.move(number, dest);
        notify(ui.fmt(s.moved, { from: number, to: dest }));
        closeDialog();
        openRoom(dest, moved);
      }), { id: 'ht-mv-go' });
      const at = ui.field({ label: s.wkAt, name: 'at', type: 'datetime-local', id: 'ht-dlg-wk-at', hint: s.wkAtHint });
      const setWk = async () => run(async () => {
        if (!at.input.value) {
          at.input.focus();
          return;
        }
        const w = await hotel.setWakeUp(number, localTime(at.input.value));
        at.input.value = '';
        notify(ui.fmt(s.wkSetDone, { room: w.room, at: when(w.at) }));
      });
      onEnter([at], setWk);
      const wkList = h('div', { id: 'ht-dlg-wakeups' });
      return {
        el: h('div', {},
          h('fieldset', { id: 'ht-dlg-stay' }, h('legend', {}, s.stayTitle), h('div', { class: 'toolbar' }, out, to.el, mv)),
          h('fieldset', { id: 'ht-dlg-wk' }, h('legend', {}, s.wkTitle), h('div', { class: 'toolbar' }, at.el, ui.button(s.wkSet, setWk, { id: 'ht-dlg-wk-set' })), wkList)),
        wakeups: () => {
          const ws = live.wakeups.filter((w) => w.room === number && LIVE_WAKE.has(w.status));
          keep(wkList, h('ul', { class: 'plain-list' }, ws.length ? ws.map((w) => h('li', { dataset: { wakeup: w.id, status: w.status } },
            when(w.at), ' · ', s.wkStatus[w.status] || w.status, ' ',
            ui.button(s.wkCancel, () => run(async () => { await hotel.cancelWakeUp(w.id); }), { kind: 'link', id: `ht-dlg-wk-cancel-${w.id}`,
              'aria-label': ui.fmt(s.wkCancelOne, { room: number, at: when(w.at) }) }))) : h('li', { class: 'muted' }, s.wkNoneRoom)));
        },
        r,
      };
    }

    let occ = null;
    function renderActions(r) {
      if (r.occupancy === occupancy) {
        if (occ) occ.wakeups();
        return;
      }
      occupancy = r.occupancy;
      const fid = actions.contains(document.activeElement) ? document.activeElement.id : '';
      if (r.occupancy === 'occupied') {
        occ = occupiedActions(r);
        actions.replaceChildren(occ.el);
        occ.wakeups();
        loadOpenBill();
      } else {
        occ = null;
        actions.replaceChildren(checkInForm());
        openBill.replaceChildren();
        billSig = '';
      }
      const again = fid && document.getElementById(fid);
      if (again) again.focus();
      else if (fid) actions.querySelector('input, select, button')?.focus();
    }

    async function loadOpenBill() {
      try {
        const b = await hotel.bill(number);
        const sig = JSON.stringify([b.id, (b.lines || []).length, b.total]);
        if (sig === billSig) return;
        billSig = sig;
        keep(openBill, h('section', { 'aria-labelledby': 'ht-dlg-bill-h' }, h('h3', { id: 'ht-dlg-bill-h' }, s.openBillTitle), billView(b, 'ht-dlg-open-bill')));
      } catch (err) {
        if (err && err.status === 404) openBill.replaceChildren();
        else fail(err);
      }
    }

    async function checkOut() {
      const ok = await ui.confirm({ title: ui.fmt(s.checkOutTitle, { room: number }), message: ui.fmt(s.checkOutConfirm, { room: number }),
        confirmLabel: s.checkOut, cancelLabel: common.cancel, danger: true });
      if (!ok) return;
      await run(async () => {
        const res = await hotel.checkOut(number);
        const b = res.bill;
        notify(ui.fmt(s.checkedOut, { room: number }));
        if (b) {
          closedBill.replaceChildren(h('section', { 'aria-labelledby': 'ht-dlg-closed-h' },
            h('h3', { id: 'ht-dlg-closed-h', tabindex: '-1' }, ui.fmt(s.closedBillTitle, { guest: b.guest || '' })), billView(b, 'ht-dlg-closed-bill')));
        }
        update(res.room);
        const hd = document.getElementById('ht-dlg-closed-h');
        if (hd) hd.focus();
        scheduleBills();
      });
    }

    function statusForm(r) {
      const hk = ui.field({ label: s.fHousekeeping, name: 'housekeeping', type: 'select', id: 'ht-st-hk', value: r.housekeeping,
        options: HOUSEKEEPING.map((v) => ({ value: v, label: s.housekeeping[v] })) });
      const dnd = ui.field({ label: s.fDND, name: 'dnd', type: 'checkbox', id: 'ht-st-dnd', value: r.dnd });
      const ml = ui.field({ label: s.fMessageLight, name: 'message_light', type: 'checkbox', id: 'ht-st-ml', value: r.message_light });
      const cls = ui.field({ label: s.fRoomClass, name: 'class', type: 'select', id: 'ht-st-class', value: r.class || '', hint: s.fRoomClassHint,
        options: [{ value: '', label: s.classDefault }, ...CLASSES.map((v) => ({ value: v, label: s.classes[v] }))] });
      // A control the user changed keeps their choice; the others follow the room live.
      const dirty = new Set();
      for (const f of [hk, dnd, ml, cls]) f.input.addEventListener('change', () => dirty.add(f));
      const apply = ui.button(s.applyStatus, () => run(async () => {
        const cur = live.room(number) || r;
        const ch = {};
        if (hk.input.value !== cur.housekeeping) ch.housekeeping = hk.input.value;
        if (dnd.input.checked !== !!cur.dnd) ch.dnd = dnd.input.checked;
        if (ml.input.checked !== !!cur.message_light) ch.message_light = ml.input.checked;
        if (cls.input.value !== (cur.class || '')) ch.class = cls.input.value;
        if (!Object.keys(ch).length) {
          notify(s.noChange);
          return;
        }
        const nr = ch.housekeeping && Object.keys(ch).length === 1 ? await hotel.housekeeping(number, ch.housekeeping) : await hotel.status(number, ch);
        dirty.clear();
        notify(ui.fmt(s.statusSaved, { room: number }));
        update(nr);
      }), { id: 'ht-st-go' });
      return {
        el: h('fieldset', { id: 'ht-st' }, h('legend', {}, s.statusTitle), h('div', { class: 'grid' }, hk.el, cls.el), dnd.el, ml.el, apply),
        follow: (cur) => {
          if (!dirty.has(hk)) hk.input.value = cur.housekeeping;
          if (!dirty.has(dnd)) dnd.input.checked = !!cur.dnd;
          if (!dirty.has(ml)) ml.input.checked = !!cur.message_light;
          if (!dirty.has(cls)) cls.input.value = cur.class || '';
        },
      };
    }

    let closeDialog = () => {};
    let known = r0;
    function update(r) {
      const fresh = live.room(number);
      const cur = fresh ? newer(newer(known, r), fresh) : r;
      known = cur;
      if (!cur) {
        closeDialog();
        return;
      }
      renderInfo(cur);
      renderActions(cur);
      status.follow(cur);
    }
    const mine = {
      update: () => update(),
      charged: (n) => { if (n === number && occupancy === 'occupied') loadOpenBill(); },
    };
    dialogRoom = mine;
    update(r0);
    await ui.modal({
      title: ui.fmt(s.roomTitle, { room: number }), labelledBy: 'ht-dlg-title',
      content: h('div', { id: 'ht-dlg', dataset: { room: number } }, errors, note, info, closedBill, actions, status.el, openBill),
      buttons: [{ label: common.close, value: 'close' }],
      onSubmit: () => false, // the actions are buttons of their own; Enter never closes the dialog
      onOpen: ({ close }) => { closeDialog = close; },
    });
    if (dialogRoom === mine) dialogRoom = null;
  }

  return {
    open: openRoom,
    update: () => { if (dialogRoom) dialogRoom.update(); },
    charged: (n) => { if (dialogRoom) dialogRoom.charged(n); },
  };
}
