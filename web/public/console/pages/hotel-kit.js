// The Hotel page's shared kit (pages/hotel.js, hotel-room.js,
// hotel-admin.js): the states and their shapes, the card status of a
// room, and helpers bound to the page's context (dates, money, redraws
// that keep the focus, badges, a bill's view).

export const HOUSEKEEPING = ['clean', 'makeup_requested', 'cleaning', 'inspected', 'out_of_order'];
export const CLASSES = ['emergency', 'internal', 'local', 'national', 'international'];
export const STATUSES = ['free', 'occupied', 'makeup', 'cleaning', 'inspected', 'out_of_order'];
// A shape per card status and per housekeeping state (aria-hidden: the word says it).
export const SHAPES = { free: '○', occupied: '●', makeup: '⚑', cleaning: '↻', inspected: '★', out_of_order: '⊘' };
export const HK_SHAPES = { clean: '✓', makeup_requested: '⚑', cleaning: '↻', inspected: '★', out_of_order: '⊘' };
export const WAKE_SHAPES = { pending: '◷', calling: '☏', snoozed: '◔', answered: '✓', unanswered: '⚠', canceled: '✕' };
export const LIVE_WAKE = new Set(['pending', 'calling', 'snoozed']);

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

/** The helpers of the page whose context is ctx. */
export function kit(ctx) {
  const { ui, s } = ctx;
  const { h } = ui;
  const hotel = ctx.client.hotel;
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

  /** The newer of two states of a room (an answer of the API may come before its event). */
  const newer = (a, b) => (!a ? b : !b ? a : Date.parse(b.updated_at) >= Date.parse(a.updated_at) ? b : a);

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

  return { when, money, today, guestName, localTime, keep, badge, billView, newer, onEnter };
}
