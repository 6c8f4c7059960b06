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

const HOUSEKEEPING = ['clean', 'makeup_requested', 'cleaning', 'inspected', 'out_of_order'];
const CLASSES = ['emergency', 'internal', 'local', 'national', 'international'];
const STATUSES = ['free', 'occupied', 'makeup', 'cleaning', 'inspected', 'out_of_order'];
// A shape per card status and per housekeeping state (aria-hidden: the word says it).
const SHAPES = { free: '○', occupied: '●', makeup: '⚑', cleaning: '↻', inspected: '★', out_of_order: '⊘' };
const HK_SHAPES = { clean: '✓', makeup_requested: '⚑', cleaning: '↻', inspected: '★', out_of_order: '⊘' };
const WAKE_SHAPES = { pending: '◷', calling: '☏', snoozed: '◔', answered: '✓', unanswered: '⚠', canceled: '✕' };
const LIVE_WAKE = new Set(['pending', 'calling', 'snoozed']);
const BILLS_LIMIT = 50;
const ANNOUNCE_MS = 1000;

/**
 * The card status of a room, for its colour: out of order, then to clean
 * (make-up requested), then occupied, then the housekeeping state of a
 * vacant room (cleaning, inspected, else free).
 */
export function roomStatus(r) {
  if (r.housekeeping === 'out_of_order') return 'out_of_order';
  if (r.housekeeping === 'makeup_requested') return 'makeup';
  if (r.occupancy === 'occupied') return 'occupied';
  if (r.housekeeping === 'cleaning' || r.housekeeping === 'inspected') return r.housekeeping;
  return 'free';
}

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
    let dialogRoom = null; // the room dialog's updater while it is open
    let billsTimer = null;
    let adminTimer = null;

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
    const linkWrap = h('div', { id: 'ht-link' });
    const roomsWrap = h('div', { id: 'ht-rooms-config' });
    const groupsWrap = h('div', { id: 'ht-groups' });
    const ratesWrap = h('div', { id: 'ht-rates' });
    let groups = [];
    let rates = [];
    if (admin) {
      root.append(
        h('section', { 'aria-labelledby': 'ht-link-h' }, h('h2', { id: 'ht-link-h' }, s.linkTitle), linkWrap),
        h('section', { 'aria-labelledby': 'ht-rooms-h' }, h('h2', { id: 'ht-rooms-h', tabindex: '-1' }, s.roomsTitle),
          h('div', { class: 'toolbar' }, ui.button(s.addRoom, () => editRoom(null), { kind: 'primary', id: 'ht-add-room' })), roomsWrap),
        h('section', { 'aria-labelledby': 'ht-groups-h' }, h('h2', { id: 'ht-groups-h', tabindex: '-1' }, s.groupsTitle),
          h('div', { class: 'toolbar' }, ui.button(s.addGroup, () => editGroup(null), { id: 'ht-add-group' })), groupsWrap),
        h('section', { 'aria-labelledby': 'ht-rates-h' }, h('h2', { id: 'ht-rates-h', tabindex: '-1' }, s.ratesTitle),
          h('p', { class: 'muted' }, s.ratesIntro),
          h('div', { class: 'toolbar' }, ui.button(s.addTable, () => editTable(null), { id: 'ht-add-table' })), ratesWrap));
    }

    // ---- helpers ----
    const when = (t) => (t ? new Date(t).toLocaleString() : '');
    const money = (v, cur) => `${Number(v || 0).toFixed(2)}${cur ? ` ${cur}` : ''}`;
    const today = () => {
      const d = new Date();
      return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
    };
    const guestName = (g) => (g ? [g.first_name, g.name].filter(Boolean).join(' ') : '');
    /** A datetime-local value (YYYY-MM-DDTHH:MM): the API reads it in the hotel's time zone. */
    const localTime = (v) => v;

    /** Replaces el's children unless the new content equals what is shown; keeps the focus on the control of the same id. */
    function keep(el, ...children) {
      if (children.length === 1 && el.childNodes.length === 1 && el.firstChild.isEqualNode(children[0])) return;
      const fid = el.contains(document.activeElement) ? document.activeElement.id : '';
      el.replaceChildren(...children);
      if (fid) {
        const again = document.getElementById(fid);
        if (again) again.focus();
      }
    }

    function badge(kind, key, label, shape) {
      return h('span', { class: `ht-badge ht-${kind}-${key}`, dataset: { [kind]: key } },
        h('span', { class: 'ht-shape', 'aria-hidden': 'true' }, shape || ''), ' ', label);
    }

    // ---- the live view ----
    const live = hotel.live({ link: admin });
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
      if (admin && e.change === 'config') scheduleAdmin();
    });
    live.on('room_deleted', () => { if (admin) scheduleAdmin(); });
    live.on('wakeup_unanswered', (e) => say(ui.fmt(s.wkUnansweredSay, { room: e.number })));
    live.on('bill_closed', () => scheduleBills());
    live.on('call_charged', (e) => { if (dialogRoom) dialogRoom.charged(e.number); });

    function renderAll() {
      renderSummary();
      renderGrid();
      renderWakeUps();
      renderWakeRooms();
      if (admin) {
        renderLink();
        renderRoomsConfig();
      }
      if (dialogRoom) dialogRoom.update();
    }

    function renderSummary() {
      const rooms = live.rooms;
      const count = (f) => rooms.filter(f).length;
      const items = [
        ['total', rooms.length],
        ['vacant', count((r) => r.occupancy !== 'occupied')],
        ['occupied', count((r) => r.occupancy === 'occupied')],
        ...HOUSEKEEPING.map((k) => [k, count((r) => r.housekeeping === k)]),
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
        const btn = h('button', { type: 'button', class: 'ht-card-btn', id: `ht-room-${r.number}`, onclick: () => openRoom(r.number) });
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
    function billLines(b) {
      return ui.table({
        caption: ui.fmt(s.billCaption, { room: b.room, guest: b.guest || '' }), rows: b.lines || [], empty: s.billEmpty,
        columns: [
          { key: 'start', label: s.colStart, render: (c) => when(c.start) },
          { key: 'number', label: s.colNumber, render: (c) => c.number },
          { key: 'class', label: s.colClass, render: (c) => s.classes[c.class] || c.class || '' },
          { key: 'rate', label: s.colRate, render: (c) => c.rate_name || c.prefix || '' },
          { key: 'seconds', label: s.colSeconds, render: (c) => String(c.billed_seconds ?? c.seconds ?? 0) },
          { key: 'cost', label: s.colCost, render: (c) => money(c.cost, c.currency || b.currency) },
        ],
      });
    }

    function billView(b, idPrefix) {
      return h('div', { class: 'ht-bill', id: `${idPrefix}`, dataset: { bill: b.id, lines: String((b.lines || []).length), total: String(b.total ?? 0) } },
        billLines(b),
        h('p', { class: 'ht-total' }, h('strong', {}, s.billTotal, ': '), h('span', { class: 'ht-total-value' }, money(b.total, b.currency))),
        h('p', {}, h('a', { href: hotel.csvUrl({ id: b.id }), download: `bill-${b.id}.csv`, id: `${idPrefix}-csv` }, ui.fmt(s.billCsv, { id: b.id }))));
    }

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

    // ---- the room dialog ----
    /** The newer of two states of a room (an answer of the API may come before its event). */
    const newer = (a, b) => (!a ? b : !b ? a : Date.parse(b.updated_at) >= Date.parse(a.updated_at) ? b : a);

    async function openRoom(number, given) {
      const r0 = newer(live.room(number), given);
      if (!r0) return;
      const info = h('div', { id: 'ht-dlg-info' });
      const errors = h('div', { role: 'alert', class: 'dialog-errors', id: 'ht-dlg-errors' });
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
          ctx.notify(ui.fmt(s.checkedIn, { room: number, guest: guestName(r.guest) }));
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
          ctx.notify(ui.fmt(s.moved, { from: number, to: dest }));
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
          ctx.notify(ui.fmt(s.wkSetDone, { room: w.room, at: when(w.at) }));
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
          ctx.notify(ui.fmt(s.checkedOut, { room: number }));
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
            ctx.notify(s.noChange);
            return;
          }
          const nr = ch.housekeeping && Object.keys(ch).length === 1 ? await hotel.housekeeping(number, ch.housekeeping) : await hotel.status(number, ch);
          dirty.clear();
          ctx.notify(ui.fmt(s.statusSaved, { room: number }));
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
        content: h('div', { id: 'ht-dlg', dataset: { room: number } }, errors, info, closedBill, actions, status.el, openBill),
        buttons: [{ label: common.close, value: 'close' }],
        onSubmit: () => false, // the actions are buttons of their own; Enter never closes the dialog
        onOpen: ({ close }) => { closeDialog = close; },
      });
      if (dialogRoom === mine) dialogRoom = null;
    }

    /** Enter in one of fields runs fn (the dialog's form is not submitted). */
    function onEnter(fields, fn) {
      for (const f of fields) {
        f.input.addEventListener('keydown', (e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            fn();
          }
        });
      }
    }

    // ---- administrators: the link, rooms, groups, rates ----
    function renderLink() {
      const l = live.link;
      if (!l) {
        keep(linkWrap, h('p', { class: 'muted' }, s.linkUnknown));
        return;
      }
      keep(linkWrap, h('dl', { class: 'facts', dataset: { connected: String(!!l.connected) } },
        h('dt', {}, s.linkState), h('dd', {}, badge('link', l.connected ? 'up' : 'down', l.connected ? s.linkUp : s.linkDown, l.connected ? '●' : '○')),
        l.peer ? [h('dt', {}, s.linkPeer), h('dd', {}, l.peer)] : null,
        h('dt', {}, s.linkQueued), h('dd', {}, String(l.queued || 0)),
        l.error ? [h('dt', {}, s.linkError), h('dd', {}, l.error)] : null));
    }

    let roomsConfigSig = null;
    function renderRoomsConfig() {
      const rooms = live.rooms;
      const sig = JSON.stringify(rooms.map((r) => [r.number, r.floor, r.type, r.group, r.class, r.extensions, r.devices]));
      if (sig === roomsConfigSig) return;
      roomsConfigSig = sig;
      keep(roomsWrap, ui.table({
        caption: s.roomsCaption, rows: rooms, empty: s.noRoomsAdmin,
        rowAttrs: (r) => ({ dataset: { room: r.number } }),
        columns: [
          { key: 'number', label: s.colRoom, render: (r) => r.number },
          { key: 'floor', label: s.fFloor, render: (r) => r.floor || '' },
          { key: 'type', label: s.fType, render: (r) => r.type || '' },
          { key: 'group', label: s.fGroup, render: (r) => r.group || '' },
          { key: 'class', label: s.fRoomClass, render: (r) => (r.class ? s.classes[r.class] || r.class : s.classDefault) },
          { key: 'extensions', label: s.fExtensions, render: (r) => (r.extensions || []).join(', ') },
          { key: 'devices', label: s.fDevices, render: (r) => (r.devices || []).join(', ') },
          { key: 'actions', label: common.actions, render: (r) => h('div', { class: 'row-actions' },
            ui.button(common.edit, () => editRoom(r.number), { kind: 'link', id: `ht-room-edit-${r.number}`, 'aria-label': ui.fmt(s.editRoomOne, { room: r.number }) }),
            ui.button(common.delete, () => deleteRoom(r.number), { kind: 'link', id: `ht-room-del-${r.number}`, 'aria-label': ui.fmt(s.deleteRoomOne, { room: r.number }) })) },
        ],
      }));
    }

    async function loadAdmin() {
      [groups, rates] = await Promise.all([hotel.groups(), hotel.rates()]);
      keep(groupsWrap, ui.table({
        caption: s.groupsCaption, rows: groups, empty: s.noGroups,
        rowAttrs: (g) => ({ dataset: { group: g.id } }),
        columns: [
          { key: 'id', label: s.fGroupId, render: (g) => g.id },
          { key: 'name', label: s.fGroupName, render: (g) => g.name || '' },
          { key: 'class', label: s.fClass, render: (g) => s.classes[g.class] || g.class },
          { key: 'actions', label: common.actions, render: (g) => h('div', { class: 'row-actions' },
            ui.button(common.edit, () => editGroup(g), { kind: 'link', id: `ht-group-edit-${g.id}`, 'aria-label': ui.fmt(s.editGroupOne, { group: g.id }) }),
            ui.button(common.delete, () => deleteGroup(g.id), { kind: 'link', id: `ht-group-del-${g.id}`, 'aria-label': ui.fmt(s.deleteGroupOne, { group: g.id }) })) },
        ],
      }));
      keep(ratesWrap, ui.table({
        caption: s.ratesCaption, rows: rates, empty: s.noRates,
        rowAttrs: (t) => ({ dataset: { table: t.id } }),
        columns: [
          { key: 'id', label: s.fTableId, render: (t) => t.id },
          { key: 'name', label: s.fTableName, render: (t) => t.name || '' },
          { key: 'trunk', label: s.fTrunk, render: (t) => t.trunk || s.any },
          { key: 'class', label: s.fClass, render: (t) => (t.class ? s.classes[t.class] || t.class : s.any) },
          { key: 'currency', label: s.fCurrency, render: (t) => t.currency },
          { key: 'rates', label: s.colRates, render: (t) => String((t.rates || []).length) },
          { key: 'actions', label: common.actions, render: (t) => h('div', { class: 'row-actions' },
            ui.button(common.edit, () => editTable(t), { kind: 'link', id: `ht-table-edit-${t.id}`, 'aria-label': ui.fmt(s.editTableOne, { table: t.id }) }),
            ui.button(common.delete, () => deleteTable(t.id), { kind: 'link', id: `ht-table-del-${t.id}`, 'aria-label': ui.fmt(s.deleteTableOne, { table: t.id }) })) },
        ],
      }));
    }

    function scheduleAdmin() {
      clearTimeout(adminTimer);
      adminTimer = setTimeout(() => { loadAdmin().catch(ctx.error); }, 300);
    }

    /** A dialog with a form: fields built by build(), saved by save(value) (errors shown inside). */
    async function formDialog({ title, id, build, save }) {
      const f = build();
      const errors = h('div', { role: 'alert', class: 'dialog-errors', id: `${id}-errors` });
      let saved = null;
      const v = await ui.modal({
        title, content: h('div', { id }, errors, f.el),
        buttons: [{ label: common.cancel, value: 'cancel' }, { label: common.save, value: 'save', kind: 'primary', submit: true }],
        onSubmit: async () => {
          errors.replaceChildren();
          try {
            saved = await save(f.value());
            return true;
          } catch (err) {
            errors.replaceChildren(ui.errorView(err, common));
            return false;
          }
        },
      });
      return v === 'save' ? saved : null;
    }

    const list = (v) => v.split(',').map((x) => x.trim()).filter(Boolean);

    async function editRoom(number) {
      const r = number ? live.room(number) : null;
      const saved = await formDialog({
        title: r ? ui.fmt(s.editRoomTitle, { room: r.number }) : s.addRoomTitle, id: 'ht-room-form',
        build: () => {
          const num = r ? null : ui.field({ label: s.fNumber, name: 'number', id: 'ht-rf-number', hint: s.fNumberHint, required: true, requiredText: common.required, autocomplete: 'off', maxlength: 8 });
          const floor = ui.field({ label: s.fFloor, name: 'floor', id: 'ht-rf-floor', value: r ? r.floor || '' : '', autocomplete: 'off' });
          const type = ui.field({ label: s.fType, name: 'type', id: 'ht-rf-type', value: r ? r.type || '' : '', autocomplete: 'off' });
          const group = ui.field({ label: s.fGroup, name: 'group', type: 'select', id: 'ht-rf-group', value: r ? r.group || '' : '',
            options: [{ value: '', label: s.noGroup }, ...groups.map((g) => ({ value: g.id, label: g.name ? `${g.name} (${g.id})` : g.id }))] });
          const cls = ui.field({ label: s.fRoomClass, name: 'class', type: 'select', id: 'ht-rf-class', value: r ? r.class || '' : '', hint: s.fRoomClassHint,
            options: [{ value: '', label: s.classDefault }, ...CLASSES.map((v) => ({ value: v, label: s.classes[v] }))] });
          const ext = ui.field({ label: s.fExtensions, name: 'extensions', id: 'ht-rf-extensions', hint: s.fExtensionsHint, value: r ? (r.extensions || []).join(', ') : '', autocomplete: 'off' });
          const dev = ui.field({ label: s.fDevices, name: 'devices', id: 'ht-rf-devices', hint: s.fDevicesHint, value: r ? (r.devices || []).join(', ') : '', autocomplete: 'off' });
          return {
            el: h('div', { class: 'grid' }, num ? num.el : null, floor.el, type.el, group.el, cls.el, ext.el, dev.el),
            value: () => ({
              number: r ? r.number : num.input.value.trim(), floor: floor.input.value.trim() || undefined, type: type.input.value.trim() || undefined,
              group: group.input.value || undefined, class: cls.input.value || undefined, extensions: list(ext.input.value).length ? list(ext.input.value) : undefined, devices: list(dev.input.value),
            }),
          };
        },
        save: (v) => (r ? hotel.updateRoom(r.number, v) : hotel.createRoom(v)),
      });
      if (!saved) return;
      ctx.notify(ui.fmt(r ? s.roomSaved : s.roomAdded, { room: saved.number }));
    }

    async function deleteRoom(number) {
      const ok = await ui.confirm({ title: s.deleteRoomTitle, message: ui.fmt(s.deleteRoomConfirm, { room: number }),
        confirmLabel: common.delete, cancelLabel: common.cancel, danger: true });
      if (!ok) return;
      try {
        await hotel.removeRoom(number);
        ctx.notify(ui.fmt(s.roomDeleted, { room: number }));
        document.getElementById('ht-rooms-h').focus();
      } catch (err) {
        ctx.error(err);
      }
    }

    async function editGroup(g) {
      const saved = await formDialog({
        title: g ? ui.fmt(s.editGroupTitle, { group: g.id }) : s.addGroupTitle, id: 'ht-group-form',
        build: () => {
          const gid = g ? null : ui.field({ label: s.fGroupId, name: 'id', id: 'ht-gf-id', hint: s.fIdHint, required: true, requiredText: common.required, autocomplete: 'off', maxlength: 32 });
          const name = ui.field({ label: s.fGroupName, name: 'name', id: 'ht-gf-name', value: g ? g.name || '' : '', autocomplete: 'off' });
          const cls = ui.field({ label: s.fClass, name: 'class', type: 'select', id: 'ht-gf-class', value: g ? g.class : 'national',
            options: CLASSES.map((v) => ({ value: v, label: s.classes[v] })) });
          return {
            el: h('div', { class: 'grid' }, gid ? gid.el : null, name.el, cls.el),
            value: () => ({ id: g ? g.id : gid.input.value.trim(), name: name.input.value.trim() || undefined, class: cls.input.value }),
          };
        },
        save: (v) => hotel.putGroup(v),
      });
      if (!saved) return;
      ctx.notify(ui.fmt(s.groupSaved, { group: saved.id || (g && g.id) }));
      await loadAdmin();
    }

    async function deleteGroup(id) {
      const ok = await ui.confirm({ title: s.deleteGroupTitle, message: ui.fmt(s.deleteGroupConfirm, { group: id }),
        confirmLabel: common.delete, cancelLabel: common.cancel, danger: true });
      if (!ok) return;
      try {
        await hotel.removeGroup(id);
        ctx.notify(ui.fmt(s.groupDeleted, { group: id }));
        await loadAdmin();
        document.getElementById('ht-groups-h').focus();
      } catch (err) {
        ctx.error(err);
      }
    }

    const RATE_FIELDS = ['prefix', 'name', 'per_minute', 'increment', 'minimum', 'no_charge', 'surcharge', 'weight'];

    /** The rates as rows of text (prefix,name,per_minute,increment,minimum,no_charge,surcharge,weight). */
    function ratesText(rs) {
      return (rs || []).map((r) => RATE_FIELDS.map((k) => (r[k] === undefined || r[k] === null ? '' : String(r[k]).replace(/,/g, ' '))).join(',')).join('\n');
    }

    /** Reads the rows back; a bad one throws naming its line and field. */
    function parseRates(text) {
      const out = [];
      text.split('\n').forEach((line, i) => {
        if (!line.trim() || line.trim().startsWith('#')) return;
        const cells = line.split(',').map((c) => c.trim());
        if (cells.length > RATE_FIELDS.length) throw new Error(ui.fmt(s.rateTooMany, { line: i + 1, n: RATE_FIELDS.length }));
        const r = {};
        RATE_FIELDS.forEach((k, j) => {
          const v = cells[j];
          if (v === undefined || v === '') return;
          if (k === 'prefix' || k === 'name') r[k] = v;
          else if (k === 'per_minute' || k === 'surcharge') {
            if (!/^\d+(\.\d{1,4})?$/.test(v)) throw new Error(ui.fmt(s.rateBad, { line: i + 1, field: k, value: v }));
            r[k] = Number(v);
          } else {
            if (!/^\d+$/.test(v)) throw new Error(ui.fmt(s.rateBad, { line: i + 1, field: k, value: v }));
            r[k] = Number(v);
          }
        });
        if (!r.prefix) throw new Error(ui.fmt(s.rateBad, { line: i + 1, field: 'prefix', value: '' }));
        if (r.per_minute === undefined) r.per_minute = 0;
        out.push(r);
      });
      return out;
    }

    async function editTable(t) {
      const saved = await formDialog({
        title: t ? ui.fmt(s.editTableTitle, { table: t.id }) : s.addTableTitle, id: 'ht-table-form',
        build: () => {
          const tid = t ? null : ui.field({ label: s.fTableId, name: 'id', id: 'ht-tf-id', hint: s.fIdHint, required: true, requiredText: common.required, autocomplete: 'off', maxlength: 32 });
          const name = ui.field({ label: s.fTableName, name: 'name', id: 'ht-tf-name', value: t ? t.name || '' : '', autocomplete: 'off' });
          const trunk = ui.field({ label: s.fTrunk, name: 'trunk', id: 'ht-tf-trunk', hint: s.fTrunkHint, value: t ? t.trunk || '' : '', autocomplete: 'off' });
          const cls = ui.field({ label: s.fClass, name: 'class', type: 'select', id: 'ht-tf-class', value: t ? t.class || '' : '',
            options: [{ value: '', label: s.any }, ...CLASSES.map((v) => ({ value: v, label: s.classes[v] }))] });
          const cur = ui.field({ label: s.fCurrency, name: 'currency', id: 'ht-tf-currency', hint: s.fCurrencyHint, value: t ? t.currency : 'EUR', required: true, requiredText: common.required, autocomplete: 'off', maxlength: 3 });
          const rows = ui.field({ label: s.fRates, name: 'rates', type: 'textarea', id: 'ht-tf-rates', hint: s.fRatesHint, value: t ? ratesText(t.rates) : '', rows: 8, spellcheck: 'false' });
          return {
            el: h('div', {}, h('div', { class: 'grid' }, tid ? tid.el : null, name.el, trunk.el, cls.el, cur.el), rows.el),
            value: () => ({
              id: t ? t.id : tid.input.value.trim(), name: name.input.value.trim() || undefined, trunk: trunk.input.value.trim() || undefined,
              class: cls.input.value || undefined, currency: cur.input.value.trim().toUpperCase(), rates: parseRates(rows.input.value),
            }),
          };
        },
        save: async (v) => {
          const all = rates.filter((x) => x.id !== (t ? t.id : v.id));
          const i = t ? rates.findIndex((x) => x.id === t.id) : all.length;
          all.splice(i < 0 ? all.length : i, 0, v);
          await hotel.putRates(all);
          return v;
        },
      });
      if (!saved) return;
      ctx.notify(ui.fmt(s.tableSaved, { table: saved.id }));
      await loadAdmin();
    }

    async function deleteTable(id) {
      const ok = await ui.confirm({ title: s.deleteTableTitle, message: ui.fmt(s.deleteTableConfirm, { table: id }),
        confirmLabel: common.delete, cancelLabel: common.cancel, danger: true });
      if (!ok) return;
      try {
        await hotel.putRates(rates.filter((x) => x.id !== id));
        ctx.notify(ui.fmt(s.tableDeleted, { table: id }));
        await loadAdmin();
        document.getElementById('ht-rates-h').focus();
      } catch (err) {
        ctx.error(err);
      }
    }

    renderAll();
    loadBills().catch(ctx.error);
    if (admin) loadAdmin().catch(ctx.error);
    return () => {
      clearTimeout(billsTimer);
      clearTimeout(adminTimer);
      clearTimeout(announceTimer);
      live.close();
    };
  },
};
