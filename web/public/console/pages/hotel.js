// Hotel (docs/hotel.md, docs/console.md#hotel): the room grid by floor,
// coloured for occupancy and housekeeping (NethHotel's convention: green
// free, red occupied, yellow to clean; blue cleaning, purple inspected,
// grey stripes out of order), never by colour alone (a word and a shape
// on every card, a legend); filters and counters; each room's actions in
// a dialog (check in, check out with the closed bill, move, housekeeping,
// DND, message light, class, wake-ups, the open bill); the wake-up list;
// the closed bills with their CSV; for administrators the rooms, groups,
// rate tables and the PMS link. Live from the events socket
// (client.hotel.live): a card, a row or the dialog is redrawn only when
// what it shows changed, and a form being filled in is never redrawn.
// The room dialog is hotel-room.js, the administration hotel-admin.js,
// what they share hotel-kit.js.

import { HOUSEKEEPING, STATUSES, SHAPES, HK_SHAPES, WAKE_SHAPES, LIVE_WAKE, roomStatus, kit } from './hotel-kit.js';
import { roomDialogs } from './hotel-room.js';
import { administration } from './hotel-admin.js';

export { roomStatus };

const BILLS_LIMIT = 50;
const ANNOUNCE_MS = 1000;

export default {
  id: 'hotel',
  titleKey: 'hotel.title',
  adminOnly: false,
  allowed: (u) => u.role === 'admin' || (u.abilities || []).includes('hotel_admin'),
  async render(root, ctx) {
    const { ui, s, common, client, user } = ctx;
    const { h } = ui;
    const admin = user.role === 'admin';
    const hotel = client.hotel;
    const filter = { floor: '', occupancy: '', housekeeping: '' };
    const cards = new Map(); // number → {li, btn, sig}
    let layout = '';
    let billsTimer = null;
    const k = kit(ctx);
    const { when, money, guestName, localTime, keep, badge, billView } = k;

    root.append(h('p', { class: 'muted' }, s.intro));
    const liveNote = h('p', { id: 'ht-live', class: 'muted' }, s.connecting);
    const announce = h('div', { id: 'ht-announce', class: 'visually-hidden', 'aria-live': 'polite', 'aria-atomic': 'true' });
    root.append(liveNote, announce);

    // ---- announcements: polite, at most one every ANNOUNCE_MS, many changes summed up ----
    let pending = [];
    let announceTimer = null;
    function say(text) {
      pending.push(text);
      if (announceTimer) return;
      announceTimer = setTimeout(() => {
        announceTimer = null;
        announce.textContent = pending.length > 3 ? ui.fmt(s.manyChanges, { n: pending.length }) : pending.join(' ');
        pending = [];
      }, ANNOUNCE_MS);
    }

    // ---- summary ----
    const summary = h('div', { id: 'ht-summary' });
    root.append(h('section', { 'aria-labelledby': 'ht-summary-h' }, h('h2', { id: 'ht-summary-h' }, s.summaryTitle), summary));

    // ---- the grid ----
    const floorSel = ui.field({ label: s.filterFloor, name: 'floor', type: 'select', id: 'ht-f-floor', options: [{ value: '', label: s.all }] });
    const occSel = ui.field({ label: s.filterOccupancy, name: 'occupancy', type: 'select', id: 'ht-f-occupancy',
      options: [{ value: '', label: s.all }, ...['vacant', 'occupied'].map((v) => ({ value: v, label: s.occupancy[v] }))] });
    const hkSel = ui.field({ label: s.filterHousekeeping, name: 'housekeeping', type: 'select', id: 'ht-f-housekeeping',
      options: [{ value: '', label: s.all }, ...HOUSEKEEPING.map((v) => ({ value: v, label: s.housekeeping[v] }))] });
    for (const [sel, key] of [[floorSel, 'floor'], [occSel, 'occupancy'], [hkSel, 'housekeeping']]) {
      sel.input.addEventListener('change', () => { filter[key] = sel.input.value; renderGrid(); });
    }
    const shown = h('p', { id: 'ht-shown', class: 'muted' });
    const legend = h('ul', { class: 'ht-legend', id: 'ht-legend', 'aria-label': s.legendTitle },
      STATUSES.map((st) => h('li', { class: `ht-chip ht-s-${st}` }, h('span', { class: 'ht-shape', 'aria-hidden': 'true' }, SHAPES[st]), ' ', s.statuses[st])));
    const grid = h('div', { id: 'ht-grid' });
    root.append(h('section', { 'aria-labelledby': 'ht-grid-h' }, h('h2', { id: 'ht-grid-h', tabindex: '-1' }, s.gridTitle),
      h('div', { class: 'toolbar', role: 'group', 'aria-label': s.filtersLabel }, floorSel.el, occSel.el, hkSel.el),
      h('p', { class: 'ht-legend-title' }, s.legendTitle), legend, shown, grid));

    // ---- wake-ups ----
    const wkRoom = ui.field({ label: s.wkRoom, name: 'room', type: 'select', id: 'ht-wk-room', options: [] });
    const wkAt = ui.field({ label: s.wkAt, name: 'at', type: 'datetime-local', id: 'ht-wk-at', hint: s.wkAtHint, required: true, requiredText: common.required });
    const wkErrors = h('div', { role: 'alert', class: 'dialog-errors', id: 'ht-wk-errors' });
    const wkForm = h('form', { id: 'ht-wk-form', novalidate: true }, h('div', { class: 'toolbar' }, wkRoom.el, wkAt.el,
      ui.button(s.wkSet, undefined, { type: 'submit', kind: 'primary', id: 'ht-wk-set' })), wkErrors);
    wkForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      wkErrors.replaceChildren();
      if (!wkRoom.input.value || !wkAt.input.value) {
        (wkRoom.input.value ? wkAt.input : wkRoom.input).focus();
        return;
      }
      try {
        const w = await hotel.setWakeUp(wkRoom.input.value, localTime(wkAt.input.value));
        ctx.notify(ui.fmt(s.wkSetDone, { room: w.room, at: when(w.at) }));
        wkAt.input.value = '';
      } catch (err) {
        wkErrors.replaceChildren(ui.errorView(err, common));
      }
    });
    const wkWrap = h('div', { id: 'ht-wakeups' });
    root.append(h('section', { 'aria-labelledby': 'ht-wk-h' }, h('h2', { id: 'ht-wk-h', tabindex: '-1' }, s.wkTitle),
      h('p', { class: 'muted' }, s.wkIntro), wkForm, wkWrap));

    // ---- closed bills ----
    const billRoom = ui.field({ label: s.billsRoom, name: 'room', id: 'ht-bills-room', hint: s.billsRoomHint, autocomplete: 'off', maxlength: 8 });
    const billsForm = h('form', { id: 'ht-bills-form', class: 'toolbar', novalidate: true }, billRoom.el, ui.button(s.billsShow, undefined, { type: 'submit', id: 'ht-bills-show' }));
    billsForm.addEventListener('submit', (e) => { e.preventDefault(); loadBills().catch(ctx.error); });
    const billsWrap = h('div', { id: 'ht-bills' });
    root.append(h('section', { 'aria-labelledby': 'ht-bills-h' }, h('h2', { id: 'ht-bills-h' }, s.billsTitle), billsForm, billsWrap));

    // ---- administrators ----
    const live = hotel.live({ link: admin });
    const adm = admin ? administration(ctx, k, live) : null;
    const dialogs = roomDialogs(ctx, k, live, { scheduleBills });
    if (adm) root.append(...adm.el);

    // ---- the live view ----
    live.on('state', (e) => {
      liveNote.dataset.socket = e.state;
      liveNote.textContent = e.state === 'open' ? s.live : s.connecting;
    });
    live.on('error', (e) => ctx.error(e.error));
    let loaded = false;
    live.on('ready', () => { loaded = true; });
    // Events come in bursts (a resync, a PMS database swap): one redraw per frame.
    let renderQueued = false;
    live.on('change', () => {
      if (renderQueued) return;
      renderQueued = true;
      requestAnimationFrame(() => {
        renderQueued = false;
        renderAll();
      });
    });
    live.on('room_updated', (e) => {
      if (e.source !== 'api' || e.change === 'housekeeping' || e.change === 'dnd' || e.change === 'message_light') {
        say(ui.fmt(s.changes[e.change] || s.changes.other, { room: e.number, guest: guestName(e.room.guest), state: s.housekeeping[e.room.housekeeping] || '' }));
      }
      if (adm && e.change === 'config') adm.schedule();
    });
    live.on('room_deleted', () => { if (adm) adm.schedule(); });
    live.on('wakeup_unanswered', (e) => say(ui.fmt(s.wkUnansweredSay, { room: e.number })));
    live.on('bill_closed', () => scheduleBills());
    live.on('call_charged', (e) => dialogs.charged(e.number));

    function renderAll() {
      renderSummary();
      renderGrid();
      renderWakeUps();
      renderWakeRooms();
      if (adm) adm.render();
      dialogs.update();
    }

    function renderSummary() {
      const rooms = live.rooms;
      const count = (f) => rooms.filter(f).length;
      const items = [
        ['total', rooms.length],
        ['vacant', count((r) => r.occupancy !== 'occupied')],
        ['occupied', count((r) => r.occupancy === 'occupied')],
        ...HOUSEKEEPING.map((hk) => [hk, count((r) => r.housekeeping === hk)]),
        ['dnd', count((r) => r.dnd)],
        ['wakeups', live.wakeups.filter((w) => LIVE_WAKE.has(w.status)).length],
      ];
      keep(summary, h('dl', { class: 'ht-counters' }, items.map(([k, n]) => h('div', { class: 'ht-counter', dataset: { key: k, n: String(n) } },
        h('dt', {}, s.counters[k]), h('dd', {}, String(n))))));
    }

    function visible(r) {
      return (!filter.floor || (r.floor || '') === filter.floor)
        && (!filter.occupancy || r.occupancy === filter.occupancy)
        && (!filter.housekeeping || r.housekeeping === filter.housekeeping);
    }

    function renderFloors(rooms) {
      const floors = [...new Set(rooms.map((r) => r.floor || ''))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
      const want = ['', ...floors].join('\u0000');
      const have = [...floorSel.input.options].map((o) => o.value).join('\u0000');
      if (want === have) return;
      const cur = floorSel.input.value;
      floorSel.input.replaceChildren(h('option', { value: '' }, s.all),
        ...floors.map((f) => h('option', { value: f, selected: f === cur }, f ? ui.fmt(s.floor, { floor: f }) : s.noFloor)));
      if (!floors.includes(cur)) filter.floor = '';
    }

    function cardContent(r, wakes) {
      const st = roomStatus(r);
      const g = r.guest;
      return [
        h('span', { class: 'ht-card-top' }, h('span', { class: 'ht-num' }, r.number), r.type ? h('span', { class: 'ht-type' }, r.type) : null),
        h('span', { class: 'ht-line ht-status' }, h('span', { class: 'ht-shape', 'aria-hidden': 'true' }, SHAPES[st]), ' ', s.statuses[st]),
        h('span', { class: 'ht-line' }, s.occupancy[r.occupancy] || r.occupancy, ' · ', h('span', { 'aria-hidden': 'true' }, HK_SHAPES[r.housekeeping] || ''), ' ', s.housekeeping[r.housekeeping] || r.housekeeping),
        g ? h('span', { class: 'ht-line ht-guest' }, guestName(g)) : null,
        (r.dnd || r.message_light || wakes) ? h('span', { class: 'ht-line ht-flags' },
          r.dnd ? h('span', { class: 'ht-flag' }, h('span', { 'aria-hidden': 'true' }, '⊘ '), s.dnd) : null,
          r.message_light ? h('span', { class: 'ht-flag' }, h('span', { 'aria-hidden': 'true' }, '✉ '), s.messageLight) : null,
          wakes ? h('span', { class: 'ht-flag' }, h('span', { 'aria-hidden': 'true' }, '◷ '), ui.fmt(s.wakeCount, { n: wakes })) : null) : null,
      ];
    }

    function card(r, wakes) {
      const sig = JSON.stringify([r.number, r.type, r.occupancy, r.housekeeping, r.dnd, r.message_light, r.guest && guestName(r.guest), wakes]);
      let c = cards.get(r.number);
      if (!c) {
        const btn = h('button', { type: 'button', class: 'ht-card-btn', id: `ht-room-${r.number}`, onclick: () => dialogs.open(r.number) });
        const li = h('li', { class: 'ht-card' }, btn);
        c = { li, btn, sig: '' };
        cards.set(r.number, c);
      }
      if (c.sig !== sig) {
        c.sig = sig;
        const st = roomStatus(r);
        c.li.className = `ht-card ht-s-${st}`;
        Object.assign(c.li.dataset, { room: r.number, status: st, occupancy: r.occupancy, housekeeping: r.housekeeping, dnd: String(!!r.dnd) });
        c.btn.replaceChildren(...cardContent(r, wakes).filter(Boolean)); // the same button: the focus stays on it
      }
      return c.li;
    }

    function renderGrid() {
      const all = live.rooms;
      renderFloors(all);
      const rooms = all.filter(visible);
      const wakes = new Map();
      for (const w of live.wakeups) if (LIVE_WAKE.has(w.status)) wakes.set(w.room, (wakes.get(w.room) || 0) + 1);
      const numbers = new Set(all.map((r) => r.number));
      for (const n of [...cards.keys()]) if (!numbers.has(n)) cards.delete(n);
      const byFloor = new Map();
      for (const r of rooms) {
        const f = r.floor || '';
        if (!byFloor.has(f)) byFloor.set(f, []);
        byFloor.get(f).push(r);
      }
      const floors = [...byFloor.keys()].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
      const lis = rooms.map((r) => card(r, wakes.get(r.number) || 0)); // updates cards in place
      const shape = floors.map((f) => `${f}:${byFloor.get(f).map((r) => r.number).join(',')}`).join('|');
      grid.dataset.count = String(rooms.length);
      shown.textContent = ui.fmt(s.shownCount, { n: rooms.length, total: all.length });
      if (shape === layout && lis.length) return;
      layout = shape;
      const fid = grid.contains(document.activeElement) ? document.activeElement.id : '';
      if (!loaded) {
        grid.replaceChildren(h('p', { class: 'muted' }, s.loading));
        layout = '';
        return;
      }
      if (!all.length) {
        grid.replaceChildren(h('p', { class: 'muted', id: 'ht-no-rooms' }, admin ? s.noRoomsAdmin : s.noRooms));
        return;
      }
      if (!rooms.length) {
        grid.replaceChildren(h('p', { class: 'muted' }, s.noMatch));
        return;
      }
      grid.replaceChildren(...floors.map((f) => {
        const hid = `ht-floor-${f || 'none'}`;
        return h('section', { class: 'ht-floor', 'aria-labelledby': hid, dataset: { floor: f } },
          h('h3', { id: hid }, f ? ui.fmt(s.floor, { floor: f }) : s.noFloor),
          h('ul', { class: 'ht-cards' }, byFloor.get(f).map((r) => cards.get(r.number).li)));
      }));
      if (fid) {
        const again = document.getElementById(fid);
        if (again) again.focus();
      }
    }

    function renderWakeRooms() {
      const occ = live.rooms.filter((r) => r.occupancy === 'occupied');
      const want = occ.map((r) => r.number).join(',');
      if (wkRoom.input.dataset.rooms === want) return;
      wkRoom.input.dataset.rooms = want;
      const cur = wkRoom.input.value;
      wkRoom.input.replaceChildren(h('option', { value: '' }, occ.length ? s.chooseRoom : s.noOccupied),
        ...occ.map((r) => h('option', { value: r.number, selected: r.number === cur }, r.guest ? `${r.number} – ${guestName(r.guest)}` : r.number)));
    }

    const wakeRow = (w) => ({ w, attrs: { dataset: { wakeup: w.id, room: w.room, status: w.status }, class: `ht-wk-${w.status}` } });

    function renderWakeUps() {
      const rows = live.wakeups.map(wakeRow);
      keep(wkWrap, ui.table({
        caption: s.wkCaption, rows, empty: s.wkNone,
        rowAttrs: (r) => r.attrs,
        columns: [
          { key: 'room', label: s.colRoom, render: ({ w }) => w.room },
          { key: 'at', label: s.colAt, render: ({ w }) => when(w.at) },
          { key: 'status', label: s.colStatus, render: ({ w }) => badge('wk', w.status, s.wkStatus[w.status] || w.status, WAKE_SHAPES[w.status]) },
          { key: 'attempts', label: s.colAttempts, render: ({ w }) => String(w.attempts || 0) },
          { key: 'next', label: s.colNext, render: ({ w }) => (w.next && LIVE_WAKE.has(w.status) ? when(w.next) : '') },
          { key: 'source', label: s.colSource, render: ({ w }) => s.sources[w.source] || w.source || '' },
          { key: 'actions', label: common.actions, render: ({ w }) => (LIVE_WAKE.has(w.status)
            ? ui.button(s.wkCancel, () => cancelWakeUp(w), { kind: 'link', id: `ht-wk-cancel-${w.id}`, 'aria-label': ui.fmt(s.wkCancelOne, { room: w.room, at: when(w.at) }) })
            : '') },
        ],
      }));
      wkWrap.dataset.count = String(rows.length);
    }

    async function cancelWakeUp(w) {
      try {
        await hotel.cancelWakeUp(w.id);
        ctx.notify(ui.fmt(s.wkCanceled, { room: w.room, at: when(w.at) }));
      } catch (err) {
        ctx.error(err);
      }
    }

    // ---- bills ----
    async function loadBills() {
      const room = billRoom.input.value.trim();
      const bills = await hotel.bills({ room: room || undefined, limit: BILLS_LIMIT });
      keep(billsWrap, ui.table({
        caption: room ? ui.fmt(s.billsCaptionRoom, { room }) : s.billsCaption, rows: bills, empty: s.billsNone,
        rowAttrs: (b) => ({ dataset: { bill: b.id, room: b.room } }),
        columns: [
          { key: 'room', label: s.colRoom, render: (b) => b.room },
          { key: 'guest', label: s.colGuest, render: (b) => b.guest || '' },
          { key: 'opened', label: s.colOpened, render: (b) => when(b.opened_at) },
          { key: 'closed', label: s.colClosed, render: (b) => when(b.closed_at) },
          { key: 'lines', label: s.colCalls, render: (b) => String((b.lines || []).length) },
          { key: 'total', label: s.colTotal, render: (b) => money(b.total, b.currency) },
          { key: 'actions', label: common.actions, render: (b) => h('div', { class: 'row-actions' },
            ui.button(s.billView, () => showBill(b), { kind: 'link', id: `ht-bill-view-${b.id}`, 'aria-label': ui.fmt(s.billViewOne, { room: b.room, guest: b.guest || '' }) }),
            h('a', { href: hotel.csvUrl({ id: b.id }), download: `bill-${b.id}.csv`, 'aria-label': ui.fmt(s.billCsvOne, { room: b.room, guest: b.guest || '' }) }, s.csv)) },
        ],
      }));
      billsWrap.dataset.count = String(bills.length);
    }

    function scheduleBills() {
      clearTimeout(billsTimer);
      billsTimer = setTimeout(() => { loadBills().catch(ctx.error); }, 300);
    }

    function showBill(b) {
      return ui.modal({ title: ui.fmt(s.billTitle, { room: b.room, guest: b.guest || '' }), content: billView(b, 'ht-bill-dlg'),
        buttons: [{ label: common.close, value: 'close' }] });
    }

    renderAll();
    loadBills().catch(ctx.error);
    if (adm) adm.load().catch(ctx.error);
    return () => {
      clearTimeout(billsTimer);
      if (adm) adm.stop();
      clearTimeout(announceTimer);
      live.close();
    };
  },
};
