// Campaigns: the dialer's campaigns with their state and counters; create
// and edit every setting (with its meaning); upload leads (CSV, with what
// was added, skipped or rejected by line) and delete them; start, pause
// and stop (stop after a confirmation); the agents' live states and the
// campaign's figures, live from the dialer's stream (server-sent events,
// GET /api/v1/dialer/stream; polling only while the stream is down); and
// the do-not-call list. For admins, supervisors and users with the dialer
// ability (the dialer scope).

const STREAM = '/api/v1/dialer/stream';
const POLL_MS = 5000;
const LEADS_PAGE = 100;

export default {
  id: 'campaigns',
  titleKey: 'campaigns.title',
  adminOnly: false,
  allowed: (u) => u.role === 'admin' || u.role === 'supervisor' || (u.abilities || []).includes('dialer'),
  render(root, ctx) {
    const { ui, s } = ctx;
    const state = { configs: [], views: new Map(), agents: [], selected: '', at: '' };
    const t = ui.tabs({
      label: s.sections,
      tabs: [
        { id: 'campaigns', label: s.tabCampaigns, render: (panel) => campaignsTab(panel, ctx, state) },
        { id: 'dnc', label: s.tabDNC, render: (panel) => dncTab(panel, ctx) },
      ],
    });
    root.append(t.el);
    return () => {};
  },
};

/** "0.034" → "3.4 %". */
function pct(x) {
  return `${(Math.round((x || 0) * 1000) / 10).toFixed(1)} %`;
}

/** A Go duration string shortened for people: "1.234567s" → "1.23s". */
function dur(d) {
  if (!d) return '0s';
  return String(d).replace(/(\d+\.\d{2})\d+/g, '$1');
}

function campaignsTab(panel, ctx, state) {
  const { ui, s, common, client } = ctx;
  const { h } = ui;
  const live = h('p', { id: 'cp-live', class: 'muted', 'aria-live': 'polite' }, s.liveConnecting);
  const list = h('div', { id: 'cp-list' });
  const detail = h('section', { id: 'cp-detail', 'aria-labelledby': 'cp-detail-h', hidden: true });
  const toolbar = h('div', { class: 'toolbar' }, ui.button(s.create, () => edit(null), { kind: 'primary', id: 'cp-create' }));
  panel.append(toolbar, live, list, detail);

  // Cells updated in place from each snapshot (no re-render: focus stays where it is).
  const cells = new Map(); // `${campaign}/${key}` → element

  let dialerOff = false;
  let reloading = null;
  function loadConfigs() {
    if (!reloading) {
      reloading = (async () => {
        try {
          state.configs = await client.getCampaigns();
        } catch (err) {
          if (err && err.status === 404) { // no ari.url: the dialer's routes are not mounted
            dialerOff = true;
            toolbar.hidden = true;
            live.dataset.mode = 'off';
            live.textContent = '';
            list.replaceChildren(h('p', { class: 'notice', id: 'cp-off' }, s.dialerOff));
            return;
          }
          throw err;
        } finally {
          reloading = null;
        }
        renderList();
        if (state.selected && !state.configs.some((c) => c.config.id === state.selected)) closeDetail();
      })();
    }
    return reloading;
  }

  function view(id) {
    return state.views.get(id) || null;
  }

  const listCols = [
    { key: 'state', label: s.colState, value: (v, c) => s.states[(v && v.state) || c.state] || (v && v.state) || c.state },
    { key: 'dialed', label: s.counters.dialed, value: (v) => (v ? v.dialed : 0) },
    { key: 'answered', label: s.counters.answered, value: (v) => (v ? v.answered : 0) },
    { key: 'abandon_rate', label: s.counters.abandon_rate, value: (v) => pct(v && v.abandon_rate) },
    { key: 'agents', label: s.colAgents, value: (v) => ui.fmt(s.agentsPair, { in: v ? v.agents_logged_in : 0, ready: v ? v.agents_ready : 0 }) },
  ];

  function renderList() {
    cells.clear();
    const rows = state.configs;
    list.replaceChildren(ui.table({
      caption: s.listCaption,
      empty: s.none,
      rows,
      rowAttrs: (c) => ({ dataset: { campaign: c.config.id } }),
      columns: [
        { key: 'name', label: s.colName, render: (c) => (c.config.name ? ui.fmt(s.nameWithId, { name: c.config.name, id: c.config.id }) : c.config.id) },
        { key: 'mode', label: s.fields.mode.label, render: (c) => s.modes[c.config.mode] || c.config.mode },
        ...listCols.map((col) => ({ key: col.key, label: col.label, render: (c) => {
          const el = h('span', { dataset: { live: col.key } }, col.value(view(c.config.id), c));
          cells.set(`${c.config.id}/${col.key}`, { el, col, c });
          return el;
        } })),
        { key: 'actions', label: common.actions, render: (c) => h('div', { class: 'row-actions' },
          ui.button(s.open, () => openDetail(c.config.id), { kind: 'link', 'aria-label': ui.fmt(s.openOne, { name: label(c.config) }) })) },
      ],
    }));
  }

  function label(cfg) {
    return cfg.name || cfg.id;
  }

  function updateList() {
    for (const { el, col, c } of cells.values()) {
      const v = col.value(view(c.config.id), c);
      if (el.textContent !== String(v)) el.textContent = v;
    }
  }

  // ---- the selected campaign ----
  let detailParts = null;

  function closeDetail() {
    state.selected = '';
    detail.hidden = true;
    detail.replaceChildren();
    detailParts = null;
  }

  function openDetail(id) {
    const c = state.configs.find((x) => x.config.id === id);
    if (!c) return;
    state.selected = id;
    const heading = h('h2', { id: 'cp-detail-h', tabindex: '-1' }, ui.fmt(s.detailTitle, { name: label(c.config) }));
    const actions = h('div', { class: 'toolbar', role: 'group', 'aria-label': s.actionsLabel },
      ui.button(s.start, () => act('start'), { kind: 'primary', id: 'cp-start' }),
      ui.button(s.pause, () => act('pause'), { id: 'cp-pause' }),
      ui.button(s.stop, () => stop(), { id: 'cp-stop' }),
      ui.button(s.edit, () => edit(id), { id: 'cp-edit' }),
      ui.button(s.deleteCampaign, () => removeCampaign(id), { kind: 'danger', id: 'cp-delete' }));
    const counters = h('dl', { id: 'cp-counters', class: 'counters' });
    const outcomes = h('div', { id: 'cp-outcomes' });
    const agents = h('div', { id: 'cp-agents' });
    const tabs = ui.tabs({
      label: ui.fmt(s.detailSections, { name: label(c.config) }),
      tabs: [
        { id: 'live', label: s.tabLive, render: (p) => p.append(h('h3', {}, s.countersTitle), counters, h('h3', {}, s.outcomesTitle), outcomes, h('h3', {}, s.agentsTitle), agents) },
        { id: 'leads', label: s.tabLeads, render: (p) => leadsPanel(p, ctx, id) },
      ],
    });
    detail.replaceChildren(heading, actions, tabs.el);
    detail.hidden = false;
    detailParts = { id, counters, outcomes, agents, keys: new Map() };
    for (const k of Object.keys(s.counters)) {
      const dd = h('dd', { dataset: { counter: k } });
      detailParts.keys.set(k, dd);
      counters.append(h('dt', {}, s.counters[k]), dd);
    }
    updateDetail();
    heading.focus();
  }

  function counterValue(v, k) {
    switch (k) {
      case 'state': return s.states[v.state] || v.state;
      case 'abandon_rate': return ui.fmt(s.rateOf, { rate: pct(v.abandon_rate), window: v.abandon_window });
      case 'time_to_agent': return ui.fmt(s.tta, { p50: dur(v.time_to_agent_p50), p99: dur(v.time_to_agent_p99), max: dur(v.time_to_agent_max) });
      case 'agents': return ui.fmt(s.agentsNow, { in: v.agents_logged_in, ready: v.agents_ready, on: v.agents_on_call, paused: v.agents_paused });
      case 'leads': return ui.fmt(s.leadsNow, { due: v.leads_due, deferred: v.leads_deferred });
      case 'occupancy': return pct(v.occupancy);
      case 'last_fault': return v.last_fault || common.none;
      default: return v[k] ?? 0;
    }
  }

  function agentLabel(a) {
    if (a.state === 'paused' && a.pause_reason === 'connecting') return s.agentStates.connecting;
    const st = s.agentStates[a.state] || a.state;
    return a.state === 'paused' && a.pause_reason ? ui.fmt(s.pausedFor, { state: st, reason: a.pause_reason }) : st;
  }

  function updateDetail() {
    if (!detailParts) return;
    const v = view(detailParts.id);
    if (!v) return;
    for (const [k, dd] of detailParts.keys) {
      const text = String(counterValue(v, k));
      if (dd.textContent !== text) dd.textContent = text;
    }
    const outs = Object.entries(v.outcomes || {}).filter(([, n]) => n > 0).sort(([a], [b]) => a.localeCompare(b));
    const outKey = JSON.stringify(outs);
    if (detailParts.outcomes.dataset.key !== outKey) {
      detailParts.outcomes.dataset.key = outKey;
      detailParts.outcomes.replaceChildren(outs.length
        ? h('ul', { class: 'outcomes' }, outs.map(([k, n]) => h('li', { dataset: { outcome: k } }, ui.fmt(s.outcomeCount, { outcome: s.outcomes[k] || k, n }))))
        : h('p', { class: 'muted' }, s.noOutcomes));
    }
    const mine = state.agents.filter((a) => a.campaign === detailParts.id);
    const agKey = JSON.stringify(mine.map((a) => [a.id, a.state, a.pause_reason, a.calls, a.in_state, a.occupancy]));
    if (detailParts.agents.dataset.key !== agKey) {
      detailParts.agents.dataset.key = agKey;
      detailParts.agents.replaceChildren(ui.table({
        caption: s.agentsCaption,
        empty: s.noAgents,
        rows: mine,
        rowAttrs: (a) => ({ dataset: { agent: a.id, state: a.state } }),
        columns: [
          { key: 'id', label: s.colAgent },
          { key: 'state', label: s.colState, render: (a) => h('span', { class: `agent-state st-${a.state}` }, agentLabel(a)) },
          { key: 'in_state', label: s.colInState, render: (a) => dur(a.in_state) },
          { key: 'calls', label: s.colCalls },
          { key: 'occupancy', label: s.colOccupancy, render: (a) => pct(a.occupancy) },
        ],
      }));
    }
  }

  function applySnapshot(snap) {
    state.views = new Map((snap.campaigns || []).map((v) => [v.id, v]));
    state.agents = snap.agents || [];
    state.at = snap.at || '';
    // A campaign made elsewhere (another console, the API): list it.
    if ((snap.campaigns || []).some((v) => !state.configs.some((c) => c.config.id === v.id))
      || state.configs.some((c) => !state.views.has(c.config.id))) {
      loadConfigs().catch(ctx.error);
      return;
    }
    updateList();
    updateDetail();
  }

  // ---- live: the stream, and polling only while it is down ----
  let stopPoll = null;
  function streaming() {
    if (stopPoll) {
      stopPoll();
      stopPoll = null;
    }
    live.dataset.mode = 'stream';
    live.textContent = s.liveStream;
  }
  let stopStream = () => {};
  function polling(err) {
    if (dialerOff || (err && err.status === 404)) { // no dialer: nothing to stream or poll
      stopStream();
      return;
    }
    live.dataset.mode = 'poll';
    live.textContent = ui.fmt(s.livePoll, { seconds: POLL_MS / 1000, reason: (err && err.message) || '' });
    if (stopPoll) return;
    stopPoll = ctx.live(async () => {
      const configs = await client.getCampaigns();
      const views = await Promise.all(configs.map((c) => client.getCampaignsByIdStats({ id: c.config.id })));
      const agents = await client.getAgents();
      if (live.dataset.mode === 'poll') applySnapshot({ campaigns: views, agents });
    }, POLL_MS);
  }
  stopStream = ctx.subscribe(STREAM, (ev) => {
    if (ev.type !== 'snapshot') return;
    if (live.dataset.mode !== 'stream') streaming();
    applySnapshot(ev.data);
  }, { onError: polling });

  // ---- actions ----
  async function act(what) {
    const id = state.selected;
    const f = { start: client.postCampaignsByIdStart, pause: client.postCampaignsByIdPause, stop: client.postCampaignsByIdStop }[what];
    try {
      const v = await f.call(client, { id });
      state.views.set(id, v);
      updateList();
      updateDetail();
      ctx.notify(ui.fmt(s.done[what], { name: id }));
    } catch (err) {
      ctx.error(err);
    }
  }

  async function stop() {
    const id = state.selected;
    const ok = await ui.confirm({ title: s.stopTitle, message: ui.fmt(s.stopConfirm, { name: id }),
      confirmLabel: s.stopYes, cancelLabel: common.cancel, danger: true });
    if (ok) await act('stop');
  }

  async function removeCampaign(id) {
    const ok = await ui.confirm({ title: s.deleteTitle, message: ui.fmt(s.deleteConfirm, { name: id }),
      confirmLabel: s.deleteYes, cancelLabel: common.cancel, danger: true });
    if (!ok) return;
    try {
      await client.deleteCampaignsById({ id });
      closeDetail();
      ctx.notify(ui.fmt(s.deleted, { name: id }));
      await loadConfigs();
      document.getElementById('cp-create').focus();
    } catch (err) {
      ctx.error(err);
    }
  }

  async function edit(id) {
    let current = null;
    if (id) {
      try {
        current = (await client.getCampaignsById({ id })).config;
      } catch (err) {
        ctx.error(err);
        return;
      }
    }
    const f = campaignForm(ctx, current);
    const errors = h('div', { role: 'alert', class: 'dialog-errors', id: 'cp-form-errors' });
    let saved = null;
    const v = await ui.modal({
      title: current ? ui.fmt(s.editTitle, { name: label(current) }) : s.createTitle,
      content: h('div', {}, h('p', { class: 'muted' }, s.formIntro), errors, f.el),
      buttons: [{ label: common.cancel, value: 'cancel' }, { label: current ? common.save : s.createYes, value: 'save', kind: 'primary', submit: true }],
      onSubmit: async () => {
        errors.replaceChildren();
        let body;
        try {
          body = f.value();
        } catch (err) {
          errors.replaceChildren(ui.errorView(err, common));
          return false;
        }
        try {
          saved = current ? await client.putCampaignsById({ id }, body) : await client.postCampaigns({}, body);
          return true;
        } catch (err) {
          errors.replaceChildren(ui.errorView(err, common));
          return false;
        }
      },
    });
    if (v !== 'save' || !saved) return;
    ctx.notify(ui.fmt(current ? s.saved : s.created, { name: saved.config.id }));
    try {
      await loadConfigs();
    } catch (err) {
      ctx.error(err);
      return;
    }
    openDetail(saved.config.id);
  }

  loadConfigs().catch(ctx.error);
}

/** The leads of campaign id: upload (CSV) with its outcome by line, the list (paged), delete one or all. */
function leadsPanel(panel, ctx, id) {
  const { ui, s, common, client } = ctx;
  const { h } = ui;
  let offset = 0;
  const file = ui.field({ label: s.leadsFile, name: 'leads', type: 'file', id: 'cp-leads-file', accept: '.csv,text/csv', hint: s.leadsHint });
  const outcome = h('div', { id: 'cp-leads-outcome', 'aria-live': 'polite' });
  const summary = h('p', { id: 'cp-leads-summary', class: 'muted' });
  const table = h('div', { id: 'cp-leads' });
  const pager = h('div', { class: 'toolbar' });
  const upload = ui.button(s.upload, async () => {
    const chosen = file.input.files && file.input.files[0];
    if (!chosen) {
      ctx.error({ message: s.chooseFile });
      file.input.focus();
      return;
    }
    upload.disabled = true;
    outcome.replaceChildren(h('p', {}, ui.fmt(s.uploading, { name: chosen.name })));
    try {
      const res = await client.postCampaignsByIdLeads({ id }, chosen.slice(0, chosen.size, 'text/csv'));
      const skipped = res.skipped || [];
      outcome.replaceChildren(
        h('p', { id: 'cp-leads-result' }, ui.fmt(s.uploaded, { received: res.received, added: res.added, skipped: res.received - res.added })),
        skipped.length ? h('ul', { id: 'cp-leads-skipped' }, skipped.map((x) => h('li', {},
          ui.fmt(x.line ? s.skippedLine : s.skippedIndex, { line: x.line, index: x.index, number: x.number, reason: x.reason })))) : '');
      ctx.notify(ui.fmt(s.uploaded, { received: res.received, added: res.added, skipped: res.received - res.added }));
      file.input.value = '';
      offset = 0;
      await load();
    } catch (err) {
      const details = (err && err.details) || [];
      outcome.replaceChildren(
        h('p', { id: 'cp-leads-result' }, ui.fmt(s.rejected, { name: chosen.name })),
        details.length ? h('ul', { id: 'cp-leads-rejected' }, details.map((d) => h('li', {}, d.field ? `${d.field}: ${d.message}` : d.message))) : '');
      ctx.error(err);
    } finally {
      upload.disabled = false;
    }
  }, { id: 'cp-leads-upload' });
  const removeAll = ui.button(s.deleteLeads, async () => {
    const ok = await ui.confirm({ title: s.deleteLeadsTitle, message: ui.fmt(s.deleteLeadsConfirm, { name: id }),
      confirmLabel: s.deleteLeadsYes, cancelLabel: common.cancel, danger: true });
    if (!ok) return;
    try {
      const res = await client.deleteCampaignsByIdLeads({ id });
      ctx.notify(ui.fmt(s.leadsDeleted, { n: res.deleted }));
      offset = 0;
      await load();
    } catch (err) {
      ctx.error(err);
    }
  }, { kind: 'danger', id: 'cp-leads-delete-all' });
  panel.append(
    h('section', { 'aria-labelledby': 'cp-leads-up-h', class: 'csv-tools' }, h('h3', { id: 'cp-leads-up-h' }, s.uploadTitle),
      h('div', { class: 'toolbar' }, file.el, upload), outcome),
    h('h3', {}, s.leadsTitle), h('div', { class: 'toolbar' },
      ui.button(common.refresh, () => load(), { id: 'cp-leads-refresh', 'aria-label': s.refreshLeads }), removeAll), summary, table, pager);

  async function load() {
    let page;
    try {
      page = await client.getCampaignsByIdLeads({ id, offset, limit: LEADS_PAGE });
    } catch (err) {
      ctx.error(err);
      return;
    }
    const leads = page.leads || [];
    summary.textContent = page.total ? ui.fmt(s.leadsCount, { from: offset + 1, to: offset + leads.length, total: page.total }) : s.noLeads;
    table.replaceChildren(ui.table({
      caption: s.leadsCaption,
      empty: s.noLeads,
      rows: leads,
      rowAttrs: (l) => ({ dataset: { lead: l.id } }),
      columns: [
        { key: 'number', label: s.colNumber },
        { key: 'name', label: s.colName },
        { key: 'status', label: s.colStatus, render: (l) => s.leadStatus[l.status] || l.status },
        { key: 'attempts', label: s.colAttempts },
        { key: 'last_outcome', label: s.colLastOutcome, render: (l) => (l.last_outcome ? s.outcomes[l.last_outcome] || l.last_outcome : '') },
        { key: 'next_at', label: s.colNextAt, render: (l) => (l.next_at ? new Date(l.next_at).toLocaleString() : '') },
        { key: 'disposition', label: s.colDisposition },
        { key: 'actions', label: common.actions, render: (l) => ui.button(common.delete, () => removeOne(l), {
          kind: 'link', 'aria-label': ui.fmt(s.deleteLeadOne, { number: l.number }) }) },
      ],
    }));
    pager.replaceChildren(
      offset > 0 ? ui.button(s.prev, () => { offset = Math.max(0, offset - LEADS_PAGE); load(); }) : '',
      offset + leads.length < page.total ? ui.button(s.next, () => { offset += LEADS_PAGE; load(); }) : '');
  }

  async function removeOne(l) {
    const ok = await ui.confirm({ title: s.deleteLeadTitle, message: ui.fmt(s.deleteLeadConfirm, { number: l.number, name: l.name || '' }),
      confirmLabel: common.delete, cancelLabel: common.cancel, danger: true });
    if (!ok) return;
    try {
      await client.deleteCampaignsByIdLeadsByLead({ id, lead: l.id });
      ctx.notify(ui.fmt(s.leadDeleted, { number: l.number }));
      await load();
    } catch (err) {
      ctx.error(err);
    }
  }

  load();
}

/**
 * The campaign form: every field of the API's CampaignConfig with its
 * meaning as a hint, filled from cfg (null: a new campaign, the API fills
 * the defaults). value() builds the request body (throws on a number that
 * does not read).
 */
function campaignForm(ctx, cfg) {
  const { ui, s } = ctx;
  const { h } = ui;
  const F = s.fields;
  const c = cfg || {};
  const get = (path) => path.split('.').reduce((o, k) => (o == null ? undefined : o[k]), c);
  const controls = new Map();
  const mk = (key, opts = {}) => {
    const def = F[key];
    const fid = `cp-f-${key.replace(/[._]/g, '-')}`;
    const value = get(key);
    const field = ui.field({ label: def.label, hint: def.hint, name: key, id: fid, value, type: opts.type || 'text',
      options: opts.options, required: !!opts.required, requiredText: ctx.common.required, autocomplete: 'off',
      placeholder: def.placeholder, disabled: opts.disabled, step: opts.step, min: opts.min, inputmode: opts.inputmode });
    controls.set(key, { field, kind: opts.kind || 'string' });
    return field.el;
  };
  const opt = (map) => Object.entries(map).map(([value, label]) => ({ value, label }));
  const group = (title, ...els) => h('fieldset', {}, h('legend', {}, title), h('div', { class: 'grid' }, els));
  const el = h('div', { id: 'cp-form' },
    group(s.groups.basics,
      mk('id', { required: true, disabled: !!cfg }),
      mk('name'),
      mk('mode', { type: 'select', options: opt(s.modes) }),
      mk('max_channels', { type: 'number', kind: 'int', required: true, min: 1 }),
      mk('spare_calls', { type: 'number', kind: 'int', min: 0 })),
    group(s.groups.dialling,
      mk('dial_string'),
      mk('caller_id', { type: 'tel' }),
      mk('default_region'),
      mk('dial_timeout')),
    group(s.groups.messages,
      mk('info_message', { required: true }),
      mk('hold_with', { type: 'select', options: opt(s.holdWith) }),
      mk('record', { type: 'checkbox', kind: 'bool' })),
    group(s.groups.pacing,
      mk('abandon_target', { type: 'number', kind: 'float', step: 'any', min: 0 }),
      mk('abandon_window'),
      mk('grace'),
      mk('wrap_up'),
      mk('predictor', { type: 'select', options: opt(s.predictors) }),
      mk('margin', { type: 'number', kind: 'float', step: 'any', min: 0 }),
      mk('expected_answer_rate', { type: 'number', kind: 'float', step: 'any', min: 0 }),
      mk('expected_talk')),
    group(s.groups.retries,
      mk('retry.busy.delay'), mk('retry.busy.max', { type: 'number', kind: 'int', min: 0 }),
      mk('retry.no_answer.delay'), mk('retry.no_answer.max', { type: 'number', kind: 'int', min: 0 }),
      mk('retry.congestion.delay'), mk('retry.congestion.max', { type: 'number', kind: 'int', min: 0 }),
      mk('retry.max_attempts', { type: 'number', kind: 'int', min: 1 })),
    group(s.groups.window,
      mk('window.start'),
      mk('window.end'),
      mk('window.default_tz')),
    group(s.groups.amd,
      mk('amd.enabled', { type: 'checkbox', kind: 'bool' }),
      mk('amd.action', { type: 'select', options: opt(s.amdActions) }),
      mk('amd.message'),
      mk('amd.false_positive_rate', { type: 'number', kind: 'float', step: 'any', min: 0 })));
  if (!cfg) {
    // A new campaign: the API's defaults fill what is left empty, so
    // selects start on the defaults and nothing else is prefilled.
    controls.get('mode').field.input.value = 'predictive';
    controls.get('hold_with').field.input.value = 'moh';
    controls.get('predictor').field.input.value = 'risk';
    controls.get('amd.action').field.input.value = 'hangup';
  }
  return {
    el,
    value() {
      const out = {};
      const set = (path, v) => {
        const ks = path.split('.');
        let o = out;
        for (const k of ks.slice(0, -1)) o = (o[k] = o[k] || {});
        o[ks[ks.length - 1]] = v;
      };
      for (const [key, { field, kind }] of controls) {
        const inp = field.input;
        if (kind === 'bool') {
          set(key, inp.checked);
          continue;
        }
        const raw = String(inp.value).trim();
        if (raw === '') continue;
        if (kind === 'int' || kind === 'float') {
          const n = Number(raw);
          if (!Number.isFinite(n) || (kind === 'int' && !Number.isInteger(n))) {
            throw { message: ui.fmt(s.badNumber, { field: F[key].label, value: raw }), details: [{ field: key, message: ui.fmt(s.badNumber, { field: F[key].label, value: raw }) }] };
          }
          set(key, n);
        } else {
          set(key, raw);
        }
      }
      if (cfg) out.id = cfg.id;
      return out;
    },
  };
}

/** The do-not-call list: add numbers (one a line, read in a region), search, take a number off after a confirmation. */
function dncTab(panel, ctx) {
  const { ui, s, common, client } = ctx;
  const { h } = ui;
  const d = s.dnc;
  const numbers = ui.field({ label: d.numbers, name: 'numbers', type: 'textarea', id: 'dnc-numbers', hint: d.numbersHint, rows: 4 });
  const region = ui.field({ label: d.region, name: 'region', id: 'dnc-region', hint: d.regionHint, autocomplete: 'off', maxlength: 2 });
  const addForm = h('form', { 'aria-labelledby': 'dnc-add-h' }, h('h3', { id: 'dnc-add-h' }, d.addTitle),
    h('div', { class: 'grid' }, numbers.el, region.el), ui.button(d.add, undefined, { type: 'submit', kind: 'primary', id: 'dnc-add' }));
  addForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = numbers.input.value.trim();
    if (!text) {
      ctx.error({ message: d.nothing });
      numbers.input.focus();
      return;
    }
    try {
      const res = await client.postDnc({ region: region.input.value.trim().toUpperCase() || undefined }, new Blob([text + '\n'], { type: 'text/csv' }));
      ctx.notify(ui.fmt(d.added, res));
      numbers.input.value = '';
      await load();
    } catch (err) {
      ctx.error(err);
    }
  });
  const q = ui.field({ label: d.search, name: 'q', type: 'search', id: 'dnc-q', hint: d.searchHint, autocomplete: 'off' });
  const searchForm = h('form', { role: 'search', class: 'toolbar', 'aria-label': d.searchLabel }, q.el, ui.button(common.search, undefined, { type: 'submit', id: 'dnc-search' }));
  searchForm.addEventListener('submit', (e) => {
    e.preventDefault();
    load();
  });
  const summary = h('p', { id: 'dnc-summary', class: 'muted', 'aria-live': 'polite' });
  const list = h('div', { id: 'dnc-list' });
  panel.append(h('p', {}, d.intro), addForm, h('h3', {}, d.listTitle), searchForm, summary, list);

  async function load() {
    let page;
    try {
      page = await client.getDnc({ q: q.input.value.trim() || undefined, limit: 1000 });
    } catch (err) {
      ctx.error(err);
      return;
    }
    const rows = page.numbers || [];
    summary.textContent = rows.length < page.total ? ui.fmt(d.countCapped, { shown: rows.length, total: page.total }) : ui.fmt(d.count, { n: page.total });
    list.replaceChildren(ui.table({
      caption: d.caption,
      empty: d.none,
      rows,
      rowAttrs: (r) => ({ dataset: { number: r.number } }),
      columns: [
        { key: 'number', label: d.colNumber },
        { key: 'added_at', label: d.colAdded, render: (r) => new Date(r.added_at).toLocaleString() },
        { key: 'actions', label: common.actions, render: (r) => ui.button(d.remove, () => remove(r.number), {
          kind: 'link', 'aria-label': ui.fmt(d.removeOne, { number: r.number }) }) },
      ],
    }));
  }

  async function remove(number) {
    const ok = await ui.confirm({ title: d.removeTitle, message: ui.fmt(d.removeConfirm, { number }),
      confirmLabel: d.remove, cancelLabel: common.cancel, danger: true });
    if (!ok) return;
    try {
      await client.deleteDncByNumber({ number });
      ctx.notify(ui.fmt(d.removed, { number }));
      await load();
    } catch (err) {
      ctx.error(err);
    }
  }

  load();
}
