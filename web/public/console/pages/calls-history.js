// My calls, History section: the user's ended calls newest first from
// GET /api/v1/calls/history (time, direction, the other party with their
// name from the phone book, duration, result with the hangup cause),
// filtered by direction and start date, paged by the API's cursor
// (newer / older), with a link to the same list as CSV
// (GET /api/v1/calls/history/export). The My calls page refreshes it
// when a call_ended event arrives. Not a page of its own: calls.js
// places it.

const PAGE_SIZE = 10;

/**
 * Builds the History section. Returns {el, refresh(), stop()}: el to
 * place, refresh() reloads the page shown (a call ended), stop() when the
 * page is left.
 */
export function historySection(ctx) {
  const { ui, client } = ctx;
  const s = ctx.strings.calls.history;
  const { h } = ui;

  const dir = ui.field({ label: s.direction, name: 'direction', type: 'select', id: 'calls-history-direction', value: '',
    options: [{ value: '', label: s.anyDirection }, { value: 'outbound', label: s.outbound }, { value: 'inbound', label: s.inbound }] });
  const since = ui.field({ label: s.since, name: 'since', type: 'date', id: 'calls-history-since', hint: s.sinceHint });
  const download = h('a', { class: 'btn', id: 'calls-history-csv', download: 'call-history.csv', href: client.url('/api/v1/calls/history/export') }, s.download);
  const form = h('form', { id: 'calls-history-filters', class: 'toolbar', 'aria-label': s.filters }, dir.el, since.el,
    ui.button(s.apply, undefined, { type: 'submit', id: 'calls-history-apply' }), download);
  const summary = h('p', { id: 'calls-history-summary', class: 'muted', 'aria-live': 'polite' });
  const results = h('div', { id: 'calls-history-list' });
  const pager = h('nav', { class: 'toolbar', 'aria-label': s.pager });
  const heading = h('h2', { id: 'calls-history-h', tabindex: '-1' }, s.title);
  const el = h('section', { 'aria-labelledby': 'calls-history-h' }, heading, form, summary, results, pager);

  // cursors[i] is the cursor of page i (page 0: none); next is the following page's.
  let cursors = [undefined];
  let next;
  let seq = 0;
  let stopped = false;

  function filters() {
    const f = {};
    if (dir.input.value) f.direction = dir.input.value;
    if (since.input.value) {
      const d = new Date(`${since.input.value}T00:00:00`); // the browser's local midnight
      if (!Number.isNaN(d.getTime())) f.since = d.toISOString();
    }
    return f;
  }

  async function load() {
    const mine = ++seq;
    results.setAttribute('aria-busy', 'true');
    try {
      const page = await client.listCallHistory({ ...filters(), limit: PAGE_SIZE, cursor: cursors[cursors.length - 1] });
      if (mine !== seq || stopped) return; // a newer load superseded this one
      next = page.next_cursor;
      show(page.calls || []);
    } finally {
      if (mine === seq) {
        results.removeAttribute('aria-busy');
        results.dataset.loads = String(Number(results.dataset.loads || 0) + 1); // tests wait for a reload
      }
    }
  }

  const safeLoad = () => load().catch((err) => {
    if (err && err.status === 404) { // no ari.url: the calls feature and its routes are not there
      summary.textContent = '';
      pager.replaceChildren();
      results.replaceChildren(h('p', { class: 'notice', id: 'calls-history-off' }, s.off));
      return;
    }
    ctx.error(err);
  });

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    cursors = [undefined];
    download.href = client.url('/api/v1/calls/history/export', filters());
    safeLoad();
  });

  const when = (t) => new Date(t).toLocaleString();
  function duration(secs) {
    const m = Math.floor(secs / 60);
    const sec = String(secs % 60).padStart(2, '0');
    return m >= 60 ? `${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
  }
  function party(c) {
    const [num, name] = c.direction === 'inbound' ? [c.from, c.from_name] : [c.to, c.to_name];
    return name ? h('span', {}, name, ' ', h('span', { class: 'muted' }, `(${num})`)) : num;
  }
  function result(c) {
    if (c.answered_at) return s.answered;
    return ui.fmt(s.notAnswered, { cause: c.cause_text || s.unknownCause, code: c.cause || 0 });
  }

  function show(list) {
    const n = cursors.length;
    const pagerFocus = pager.contains(document.activeElement) ? document.activeElement.id : null;
    summary.textContent = ui.fmt(s.pageInfo, { n, count: list.length });
    results.replaceChildren(ui.table({
      caption: s.caption,
      empty: s.none,
      rows: list,
      rowAttrs: (c) => ({ dataset: { call: c.id, direction: c.direction, answered: c.answered_at ? 'true' : 'false' } }),
      columns: [
        { key: 'time', label: s.colTime, render: (c) => h('time', { datetime: c.created_at }, when(c.created_at)) },
        { key: 'direction', label: s.colDirection, render: (c) => (c.direction === 'inbound' ? s.inbound : s.outbound) },
        { key: 'party', label: s.colParty, render: (c) => h('span', { dataset: { history: 'party' } }, party(c)) },
        { key: 'duration', label: s.colDuration, render: (c) => h('span', { dataset: { history: 'duration' } }, duration(c.duration || 0)) },
        { key: 'result', label: s.colResult, render: (c) => h('span', { dataset: { history: 'result' } }, result(c)) },
      ],
    }));
    pager.replaceChildren(
      n > 1 ? ui.button(s.newer, () => { cursors.pop(); safeLoad(); }, { id: 'calls-history-newer' }) : '',
      next ? ui.button(s.older, () => { cursors.push(next); safeLoad(); }, { id: 'calls-history-older' }) : '');
    if (pagerFocus) {
      // The button used may be gone (first or last page): keep the focus in the section.
      const again = document.getElementById(pagerFocus);
      (again || heading).focus();
    }
  }

  safeLoad();
  return {
    el,
    refresh: () => { if (!stopped) safeLoad(); },
    stop: () => { stopped = true; },
  };
}
