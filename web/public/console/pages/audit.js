// The audit log: entries newest first, filtered by actor, action, object,
// result and time range; paged by the API's cursor (newer / older);
// each entry's details as stored (secrets were dropped before storing);
// and a live refresh of the newest page.

const LIMITS = ['10', '25', '50', '100'];
// Suggestions (a datalist: any other value may be typed).
const ACTIONS = ['contact.', 'import.', 'source.', 'phone.', 'campaign.', 'user.', 'login.', 'app.', 'cors-origin.'];
const RESULTS = ['ok', 'error', 'invalid', 'forbidden', 'not_found', 'conflict', 'insufficient_storage'];
const LIVE_MS = 3000;

export default {
  id: 'audit',
  titleKey: 'audit.title',
  adminOnly: true,
  render(root, ctx) {
    const { ui, s, common, client } = ctx;
    const { h } = ui;
    const F = {
      actor: ui.field({ label: s.actor, name: 'actor', id: 'audit-actor', hint: s.actorHint, autocomplete: 'off' }),
      action: ui.field({ label: s.action, name: 'action', id: 'audit-action', hint: s.actionHint, autocomplete: 'off', list: 'audit-action-list' }),
      object: ui.field({ label: s.object, name: 'object', id: 'audit-object', hint: s.objectHint, autocomplete: 'off' }),
      result: ui.field({ label: s.result, name: 'result', id: 'audit-result', hint: s.resultHint, autocomplete: 'off', list: 'audit-result-list' }),
      since: ui.field({ label: s.since, name: 'since', type: 'datetime-local', id: 'audit-since', hint: s.timeHint, step: '1' }),
      until: ui.field({ label: s.until, name: 'until', type: 'datetime-local', id: 'audit-until', hint: s.timeHint, step: '1' }),
      limit: ui.field({ label: s.limit, name: 'limit', type: 'select', id: 'audit-limit', value: '25', options: LIMITS }),
    };
    const liveBox = ui.field({ label: s.live, name: 'live', type: 'checkbox', id: 'audit-live', hint: s.liveHint });
    const form = h('form', { id: 'audit-filters', 'aria-labelledby': 'audit-filters-h' },
      h('h2', { id: 'audit-filters-h' }, s.filters),
      h('div', { class: 'grid' }, Object.values(F).map((f) => f.el)),
      h('datalist', { id: 'audit-action-list' }, ACTIONS.map((a) => h('option', { value: a }))),
      h('datalist', { id: 'audit-result-list' }, RESULTS.map((r) => h('option', { value: r }))),
      h('div', { class: 'toolbar' }, ui.button(s.apply, undefined, { type: 'submit', kind: 'primary', id: 'audit-apply' }),
        ui.button(s.reset, () => {
          for (const f of Object.values(F)) f.input.value = f === F.limit ? '25' : '';
          first();
        }, { id: 'audit-reset' })));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      first();
    });
    const summary = h('p', { id: 'audit-summary', class: 'muted', 'aria-live': 'polite', tabindex: '-1' });
    const results = h('div', { id: 'audit-results' });
    const pager = h('nav', { class: 'toolbar', 'aria-label': s.caption });
    root.append(h('p', {}, s.intro), form, liveBox.el, summary, results, pager);

    // cursors[i] is the cursor of page i (page 0: none); next is the following page's.
    let cursors = [undefined];
    let next;
    let stopLive = null;
    let seq = 0;

    function params(cursor) {
      const p = { limit: Number(F.limit.input.value) || 25, cursor };
      for (const k of ['actor', 'action', 'object', 'result']) {
        const v = F[k].input.value.trim();
        if (v) p[k] = v;
      }
      for (const k of ['since', 'until']) {
        const v = F[k].input.value;
        if (!v) continue;
        const d = new Date(v); // datetime-local is the browser's local time
        if (Number.isNaN(d.getTime())) throw Object.assign(new Error(s.badTime), { details: [{ field: k, message: s.badTime }] });
        p[k] = d.toISOString();
      }
      return p;
    }

    async function load() {
      const mine = ++seq;
      results.setAttribute('aria-busy', 'true');
      try {
        const page = await client.getAudit(params(cursors[cursors.length - 1]));
        if (mine !== seq) return; // a newer load superseded this one
        next = page.next_cursor;
        show(page.entries || []);
      } finally {
        if (mine === seq) {
          results.removeAttribute('aria-busy');
          results.dataset.loads = String(Number(results.dataset.loads || 0) + 1); // tests wait for a reload
        }
      }
    }

    async function safeLoad() {
      try {
        await load();
      } catch (err) {
        ctx.error(err);
      }
    }

    function first() {
      cursors = [undefined];
      if (stopLive) restartLive();
      else safeLoad();
    }

    function restartLive() {
      if (stopLive) stopLive();
      stopLive = ctx.live(load, LIVE_MS);
    }

    liveBox.input.addEventListener('change', () => {
      if (liveBox.input.checked) {
        cursors = [undefined];
        restartLive();
      } else if (stopLive) {
        stopLive();
        stopLive = null;
      }
    });

    const actorText = (a) => a.username || a.app_id || a.user_id ? `${a.username || a.user_id || a.app_id} (${a.kind})` : a.kind;
    const objectText = (o) => (o.id ? `${o.type}/${o.id}` : o.type || '');
    const when = (t) => new Date(t).toLocaleString();

    function show(entries) {
      const n = cursors.length;
      // A live refresh redraws the rows: keep the focus on the same entry's button.
      const had = results.contains(document.activeElement) ? document.activeElement.getAttribute('aria-label') : null;
      const pagerFocus = pager.contains(document.activeElement) ? document.activeElement.id : null;
      const info = ui.fmt(s.pageInfo, { n, count: entries.length });
      if (summary.textContent !== info) summary.textContent = info; // the live refresh announces changes only
      results.replaceChildren(ui.table({
        caption: s.caption, rows: entries, empty: s.none,
        rowAttrs: (e) => ({ dataset: { action: e.action, result: e.result } }),
        columns: [
          { key: 'time', label: s.colTime, render: (e) => h('time', { datetime: e.time }, when(e.time)) },
          { key: 'actor', label: s.colActor, render: (e) => actorText(e.actor || {}) },
          { key: 'action', label: s.colAction, render: (e) => h('code', {}, e.action) },
          { key: 'object', label: s.colObject, render: (e) => objectText(e.object || {}) },
          { key: 'result', label: s.colResult, render: (e) => h('span', { class: 'tag' }, e.status ? `${e.result} (${e.status})` : e.result) },
          { key: 'details', label: s.colDetails, render: (e) => ui.button(s.details, () => details(e),
            { kind: 'link', 'aria-label': ui.fmt(s.detailsOne, { action: e.action, time: when(e.time) }) }) },
        ],
      }));
      if (had) {
        const el = [...results.querySelectorAll('button')].find((b) => b.getAttribute('aria-label') === had);
        (el || summary).focus();
      }
      pager.replaceChildren(
        n > 1 ? ui.button(s.newest, () => { cursors = [undefined]; stopLive ? restartLive() : safeLoad(); }, { id: 'audit-newest' }) : '',
        n > 1 ? ui.button(s.newer, () => { cursors.pop(); safeLoad(); }, { id: 'audit-newer' }) : '',
        next ? ui.button(s.older, () => {
          if (stopLive) { // paging stops the live refresh
            stopLive();
            stopLive = null;
            liveBox.input.checked = false;
          }
          cursors.push(next);
          safeLoad();
        }, { id: 'audit-older' }) : '');
      if (pagerFocus) (document.getElementById(pagerFocus) || summary).focus();
    }

    function details(e) {
      const row = (k, v) => (v === undefined || v === null || v === '' ? null : [h('dt', {}, s.f[k]), h('dd', {}, String(v))]);
      const d = e.details || {};
      const keys = Object.keys(d).sort();
      return ui.modal({
        title: ui.fmt(s.detailsTitle, { id: e.id }),
        content: h('div', { id: 'audit-entry' },
          h('dl', {}, row('time', `${when(e.time)} (${e.time})`), row('actor', actorText(e.actor || {})), row('remote', e.remote),
            row('action', e.action), row('object', objectText(e.object || {})), row('result', e.result), row('status', e.status),
            row('request_id', e.request_id)),
          h('h3', {}, s.details),
          keys.length ? h('div', {}, h('p', { class: 'hint' }, s.detailsStored),
            h('dl', { id: 'audit-entry-details' }, keys.map((k) => [h('dt', {}, k), h('dd', {}, String(d[k]))]))) : h('p', {}, s.detailsNone)),
        buttons: [{ label: common.close, value: 'close', kind: 'primary' }],
      });
    }

    safeLoad();
    return () => {
      if (stopLive) stopLive();
    };
  },
};
