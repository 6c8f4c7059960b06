// Contacts → Settings: the sync sources, a tab per source type. Each
// source: Enable Sync, Sync Interval, the type's fields (secrets
// write-only: "set" or "not set", and a way to replace them), Test (the
// preview rows or the error), Trigger Sync and Erase Data through their
// confirmations, the Status Message, the delete guard's confirmation, the
// run history and the source's contacts. The status refreshes while a sync
// runs.
//
// The tabs and forms come from TYPES, one entry per source type: a later
// type is one entry here and its strings (sources.types.<type> in
// strings/en.js). A type the API has and this table lacks still gets a
// tab, its settings edited as JSON values.

/**
 * Field kinds: text, url, number, checkbox, select (options from the
 * strings), textarea, secret (write-only), pairs (an object of strings,
 * one name=value a line), columns (an object of a column or a list of
 * columns, one field=col1, col2 a line), json (any JSON value).
 * required marks what the type needs; advanced goes under "Advanced
 * settings"; def is the value the API assumes when absent.
 */
const TYPES = [
  { type: 'm365', fields: [
    { key: 'tenant_id', required: true },
    { key: 'client_id', required: true },
    { key: 'client_secret', kind: 'secret', required: true },
    { key: 'org_contacts', kind: 'checkbox', def: true },
    { key: 'include_disabled', kind: 'checkbox' },
    { key: 'include_guests', kind: 'checkbox' },
    { key: 'field_map', kind: 'pairs', advanced: true },
    { key: 'graph_url', kind: 'url', advanced: true },
    { key: 'token_url', kind: 'url', advanced: true },
    { key: 'token_scope', kind: 'url', advanced: true },
  ] },
  { type: 'custom', fields: [
    { key: 'url', kind: 'url', required: true },
    { key: 'client_id', required: true },
    { key: 'client_secret', kind: 'secret', required: true },
    { key: 'page_size', kind: 'number', advanced: true },
    { key: 'overlap_seconds', kind: 'number', advanced: true },
  ] },
  { type: 'sql', fields: [
    { key: 'driver', kind: 'select', required: true, choices: ['mysql', 'postgres', 'sqlserver'] },
    { key: 'host', required: true },
    { key: 'port', kind: 'number' },
    { key: 'database' },
    { key: 'user' },
    { key: 'password', kind: 'secret' },
    { key: 'query', kind: 'textarea', required: true },
    { key: 'map', kind: 'columns', required: true },
    { key: 'instance', advanced: true },
    { key: 'params', kind: 'pairs', advanced: true },
    { key: 'timeout_seconds', kind: 'number', advanced: true },
    { key: 'max_rows', kind: 'number', advanced: true },
  ] },
  { type: 'csv-url', fields: [
    { key: 'url', kind: 'url', required: true },
    { key: 'format', kind: 'select', choices: ['', 'central-phone-book', 'google', 'outlook'] },
    { key: 'username' },
    { key: 'password', kind: 'secret' },
    { key: 'bearer_token', kind: 'secret' },
    { key: 'max_bytes', kind: 'number', advanced: true },
  ] },
  // Google (People API): the fields of both modes; the API names what the
  // chosen mode lacks.
  { type: 'google', fields: [
    { key: 'mode', kind: 'select', required: true, choices: ['directory', 'contacts'] },
    { key: 'service_account_key', kind: 'secret' },
    { key: 'subject' },
    { key: 'domain_contacts', kind: 'checkbox', def: true },
    { key: 'client_id' },
    { key: 'client_secret', kind: 'secret' },
    { key: 'refresh_token', kind: 'secret' },
    { key: 'page_size', kind: 'number', advanced: true },
    { key: 'api_url', kind: 'url', advanced: true },
    { key: 'token_url', kind: 'url', advanced: true },
  ] },
  // LDAP / Active Directory (phonebook/source/ldapsrc, docs/sources-ldap.md).
  { type: 'ldap', fields: [
    { key: 'url', required: true },
    { key: 'start_tls', kind: 'checkbox' },
    { key: 'bind_dn' },
    { key: 'password', kind: 'secret' },
    { key: 'base_dn', required: true },
    { key: 'filter' },
    { key: 'flavor', kind: 'select', choices: ['', 'openldap', 'ad'] },
    { key: 'attributes', kind: 'columns', advanced: true },
    { key: 'scope', kind: 'select', choices: ['', 'sub', 'one', 'base'], advanced: true },
    { key: 'page_size', kind: 'number', advanced: true },
    { key: 'ca_pem', kind: 'textarea', advanced: true },
    { key: 'insecure_skip_verify', kind: 'checkbox', advanced: true },
    { key: 'allow_plaintext', kind: 'checkbox', advanced: true },
    { key: 'overlap_seconds', kind: 'number', advanced: true },
    { key: 'timeout_seconds', kind: 'number', advanced: true },
    { key: 'max_entries', kind: 'number', advanced: true },
  ] },
  { type: 'carddav', fields: [
    { key: 'url', kind: 'url', required: true },
    { key: 'username' },
    { key: 'password', kind: 'secret' },
    { key: 'address_book' },
    { key: 'insecure_skip_verify', kind: 'checkbox', advanced: true },
  ] },
];

const PREVIEW = 10;
const CONTACTS = 50;
const POLL_MS = 500;

export default {
  id: 'sources',
  titleKey: 'sources.title',
  adminOnly: true,
  async render(root, ctx) {
    const { ui, s, client } = ctx;
    const { h } = ui;
    const list = (await client.getSources()).sources || [];
    const known = new Set(TYPES.map((t) => t.type));
    const types = TYPES.map((t) => ({ ...t, label: s.types[t.type].label, text: s.types[t.type] }));
    for (const v of list) {
      if (known.has(v.type)) continue;
      known.add(v.type);
      types.push(genericType(ctx, v));
    }
    const tabs = ui.tabs({
      label: s.typesLabel,
      tabs: types.map((t) => ({ id: t.type, label: t.label, render: (panel) => typePanel(panel, ctx, t, list.filter((v) => v.type === t.type)) })),
    });
    root.append(h('p', {}, s.intro), tabs.el);
  },
};

/** A tab for a type the table lacks: its settings as JSON values. */
function genericType(ctx, v) {
  const { s, ui } = ctx;
  const keys = Object.keys(v.settings || {}).map((key) => ({ key, kind: 'json' }));
  const secrets = (v.secrets_set || []).map((key) => ({ key, kind: 'secret' }));
  const label = ui.fmt(s.other, { type: v.type });
  return { type: v.type, label, generic: true, fields: [...keys, ...secrets], text: { label, intro: s.otherHint, fields: {} } };
}

/** One type's tab: its sources, and adding one. */
function typePanel(panel, ctx, type, views) {
  const { ui, s } = ctx;
  const { h } = ui;
  const cards = h('div', { class: 'source-cards' });
  const empty = h('p', { class: 'muted', id: `src-${type.type}-none` }, ui.fmt(s.none, { type: type.label }));
  const addBtn = ui.button(ui.fmt(s.add, { type: type.label }), () => {
    addBtn.hidden = true;
    const card = sourceCard(ctx, type, null, {
      onCreated: (v) => {
        card.el.remove();
        addBtn.hidden = false;
        mount(v, true);
      },
      onCancel: () => {
        card.el.remove();
        addBtn.hidden = false;
        addBtn.focus();
      },
    });
    cards.append(card.el);
    card.focus();
  }, { kind: 'primary', id: `src-${type.type}-add` });
  if (type.generic) addBtn.hidden = true;
  const refreshEmpty = () => { empty.hidden = cards.querySelector('section[data-source-id]') !== null; };
  function mount(v, focus) {
    const card = sourceCard(ctx, type, v, { onErased: () => { card.el.remove(); refreshEmpty(); addBtn.focus(); } });
    cards.append(card.el);
    refreshEmpty();
    if (focus) card.focus();
  }
  panel.append(h('p', { class: 'hint' }, type.text.intro), empty, cards, h('div', { class: 'toolbar' }, addBtn));
  views.forEach((v) => mount(v, false));
  refreshEmpty();
}

/** A field's strings: its label, hint and option labels. */
function fieldText(type, f) {
  return type.text.fields[f.key] || { label: f.key };
}

/**
 * The form controls of a source (v: its view, null for a new one).
 * Returns {el, advanced, value(): {settings, changed}} where settings
 * holds what to send: everything set for a new source, only the changes
 * (null clears) for a saved one.
 */
function settingsForm(ctx, type, v, p) {
  const { ui, s, common } = ctx;
  const { h } = ui;
  const cur = (v && v.settings) || {};
  const secretsSet = new Set((v && v.secrets_set) || []);
  const controls = [];
  const basic = [];
  const adv = [];
  for (const f of type.fields) {
    const tx = fieldText(type, f);
    const fid = `${p}-${f.key}`;
    const kind = f.kind || 'text';
    const has = Object.prototype.hasOwnProperty.call(cur, f.key);
    const val = has ? cur[f.key] : undefined;
    const ctl = { f, has, cur: val };
    let el;
    let read;
    if (kind === 'secret') {
      const sec = secretField(ctx, tx.label, fid, v ? secretsSet.has(f.key) : null, f.required);
      el = sec.el;
      read = () => sec.value();
      ctl.secret = sec;
    } else if (kind === 'checkbox') {
      const c = ui.field({ label: tx.label, name: f.key, type: 'checkbox', value: has ? !!val : !!f.def, id: fid, hint: tx.hint });
      el = c.el;
      read = () => ({ send: ctl.has || c.input.checked !== !!f.def, value: c.input.checked });
    } else if (kind === 'select') {
      const options = f.choices.map((x) => ({ value: x, label: (tx.options && tx.options[x]) || x }));
      const c = ui.field({ label: tx.label, name: f.key, type: 'select', options, value: has ? val : f.choices[0], id: fid, hint: tx.hint, required: f.required, requiredText: common.required });
      el = c.el;
      read = () => text(c.input.value, ctl.has);
    } else if (kind === 'number') {
      const c = ui.field({ label: tx.label, name: f.key, type: 'number', value: has ? val : '', id: fid, hint: tx.hint, required: f.required, requiredText: common.required });
      el = c.el;
      read = () => (c.input.value.trim() === '' ? (ctl.has ? { send: true, value: null } : { send: false }) : { send: true, value: Number(c.input.value) });
    } else if (kind === 'pairs' || kind === 'columns') {
      const lines = Object.entries(val || {}).map(([k, x]) => `${k}=${Array.isArray(x) ? x.join(', ') : x}`).join('\n');
      const c = ui.field({ label: tx.label, name: f.key, type: 'textarea', value: lines, id: fid, hint: tx.hint || s.pairsHint, rows: 4, required: f.required, requiredText: common.required });
      el = c.el;
      read = () => {
        const out = {};
        for (const l of c.input.value.split('\n').map((x) => x.trim()).filter(Boolean)) {
          const i = l.indexOf('=');
          const k = (i < 0 ? l : l.slice(0, i)).trim();
          const x = i < 0 ? '' : l.slice(i + 1).trim();
          const cols = x.split(',').map((y) => y.trim()).filter(Boolean);
          out[k] = kind === 'columns' && cols.length > 1 ? cols : x;
        }
        return Object.keys(out).length ? { send: true, value: out } : (ctl.has ? { send: true, value: null } : { send: false });
      };
    } else if (kind === 'json') {
      const c = ui.field({ label: tx.label, name: f.key, type: 'textarea', value: has ? JSON.stringify(val) : '', id: fid, rows: 2 });
      el = c.el;
      read = () => {
        if (c.input.value.trim() === '') return ctl.has ? { send: true, value: null } : { send: false };
        try {
          return { send: true, value: JSON.parse(c.input.value) };
        } catch (err) {
          throw { message: `${f.key}: ${err.message}` };
        }
      };
    } else {
      const c = ui.field({ label: tx.label, name: f.key, type: kind === 'textarea' ? 'textarea' : (kind === 'url' ? 'url' : 'text'), value: has ? val : '', id: fid,
        hint: tx.hint, required: f.required, requiredText: common.required, autocomplete: 'off', rows: kind === 'textarea' ? 4 : undefined });
      el = c.el;
      read = () => text(c.input.value, ctl.has);
    }
    ctl.read = read;
    controls.push(ctl);
    (f.advanced ? adv : basic).push(el);
  }
  function text(x, has) {
    const t = x.trim();
    if (t === '') return has ? { send: true, value: null } : { send: false };
    return { send: true, value: t };
  }
  return {
    basic,
    adv,
    /** Makes settings (a saved view's) the values later changes are measured from. */
    saved(nv) {
      const settings = nv.settings || {};
      const set = new Set(nv.secrets_set || []);
      for (const c of controls) {
        c.has = Object.prototype.hasOwnProperty.call(settings, c.f.key);
        c.cur = settings[c.f.key];
        if (c.secret) c.secret.saved(set.has(c.f.key));
      }
    },
    /** The settings to send; throws {message} on a value that cannot be read. */
    value() {
      const settings = {};
      for (const c of controls) {
        const r = c.read();
        if (!r.send) continue;
        if (v && c.f.kind !== 'secret' && JSON.stringify(r.value) === JSON.stringify(c.has ? c.cur : null)) continue; // unchanged
        settings[c.f.key] = r.value;
      }
      return settings;
    },
  };
}

/**
 * A write-only secret: for a saved source "set" or "not set" and a button
 * to replace it (the stored value is never shown or sent back); for a new
 * one, a password input. isSet: null for a new source.
 */
function secretField(ctx, label, fid, isSet, required) {
  const { ui, s, common } = ctx;
  const { h } = ui;
  const input = ui.field({ label: isSet === null || !isSet ? label : ui.fmt(s.secretNew, { label }), name: fid, type: 'password', id: fid,
    autocomplete: 'new-password', hint: s.secretHint, required: isSet === null && required, requiredText: common.required });
  const value = () => (input.input.value ? { send: true, value: input.input.value } : { send: false });
  if (isSet === null) return { el: input.el, value, saved() {} };
  const stateText = (x) => ui.fmt(s.secretState, { label, state: x ? s.secretSet : s.secretNotSet });
  const state = h('p', { id: `${fid}-state` }, stateText(isSet));
  const wrap = h('div', { class: 'secret' }, state);
  let setOpen = () => {};
  if (!isSet) {
    wrap.append(input.el);
  } else {
    let open = false;
    const toggle = ui.button(ui.fmt(s.secretReplace, { label }), () => setOpen(!open, true),
      { id: `${fid}-replace`, 'aria-expanded': 'false', 'aria-controls': `${fid}-box` });
    setOpen = (o, focus) => {
      open = o;
      input.el.hidden = !open;
      toggle.textContent = open ? s.secretKeep : ui.fmt(s.secretReplace, { label });
      toggle.setAttribute('aria-expanded', String(open));
      if (open && focus) input.input.focus();
      if (!open) input.input.value = '';
    };
    input.el.id = `${fid}-box`;
    input.el.hidden = true;
    wrap.append(toggle, input.el);
  }
  return {
    el: wrap,
    value,
    /** After a save: the stored state, the typed value gone. */
    saved(x) {
      state.textContent = stateText(x);
      input.input.value = '';
      setOpen(false);
    },
  };
}

/**
 * One source's section (v: its view; null: a new source being added).
 * hooks: onCreated(view), onCancel() for a new one; onErased() for a saved one.
 */
function sourceCard(ctx, type, v, hooks) {
  const { ui, s, common, client } = ctx;
  const { h } = ui;
  let view = v;
  const p = v ? `src-${v.id}` : `src-new-${type.type}`;
  const headId = `${p}-h`;
  const heading = h('h2', { id: headId, tabindex: '-1' }, v ? v.name : ui.fmt(s.newTitle, { type: type.label }));
  const el = h('section', { class: 'source-card', 'aria-labelledby': headId, dataset: v ? { sourceId: v.id, sourceName: v.name } : {} }, heading);

  const name = v ? null : ui.field({ label: s.name, name: 'name', id: `${p}-name`, hint: s.nameHint, required: true, requiredText: common.required, autocomplete: 'off' });
  const enabled = ui.field({ label: s.enabled, name: 'enabled', type: 'checkbox', value: v ? v.enabled : true, id: `${p}-enabled`, hint: s.enabledHint });
  const interval = ui.field({ label: s.interval, name: 'interval_hours', type: 'number', value: v ? v.interval_hours : 24, id: `${p}-interval`,
    hint: s.intervalHint, min: '0.25', max: '744', step: '0.25', required: true, requiredText: common.required });
  const full = ui.field({ label: s.fullSync, name: 'full_sync_hours', type: 'number', value: v ? v.full_sync_hours : 0, id: `${p}-full`, hint: s.fullSyncHint, min: '0', step: '1' });
  const guardPct = ui.field({ label: s.maxDelete, name: 'max_delete_percent', type: 'number', value: v ? v.max_delete_percent : 50, id: `${p}-guard-pct`, hint: s.maxDeleteHint, min: '1', max: '100', step: '1' });
  const form = settingsForm(ctx, type, v, p);
  const formErr = h('div', { id: `${p}-form-error`, role: 'alert', class: 'dialog-errors' });
  const testOut = h('div', { id: `${p}-test`, class: 'test-result', 'aria-live': 'polite' });

  const saveBtn = ui.button(v ? s.save : s.create, undefined, { type: 'submit', kind: 'primary', id: `${p}-save` });
  const testBtn = ui.button(s.test, test, { id: `${p}-test-btn`, 'aria-describedby': `${p}-test-hint` });
  const fm = h('form', { class: 'source-form', 'aria-labelledby': headId, novalidate: true },
    h('div', { class: 'grid' }, name ? name.el : null, enabled.el, interval.el, form.basic),
    h('details', { id: `${p}-advanced` }, h('summary', {}, s.advanced), h('div', { class: 'grid' }, form.adv, full.el, guardPct.el)),
    formErr,
    h('div', { class: 'toolbar' }, saveBtn, testBtn,
      v ? null : ui.button(common.cancel, () => hooks.onCancel(), { id: `${p}-cancel` })),
    h('p', { class: 'hint', id: `${p}-test-hint` }, v ? s.testHintSaved : s.testHintNew),
    v && (v.secrets_set || []).length ? h('p', { class: 'hint' }, s.secretsNote) : null);
  fm.addEventListener('submit', (e) => {
    e.preventDefault();
    save();
  });
  el.append(fm, testOut);

  // A saved source: its actions, status, guard, history and contacts.
  const status = h('div', { id: `${p}-status`, role: 'status' });
  const guard = h('div', { id: `${p}-guard` });
  const warnings = h('div', { id: `${p}-warnings` });
  const history = h('div', { id: `${p}-history` });
  const contacts = h('div', { id: `${p}-contacts` });
  let triggerBtn;
  let stopPoll = null;
  if (v) {
    triggerBtn = ui.button(s.trigger, trigger, { id: `${p}-trigger` });
    const contactsBtn = ui.button(s.contacts, () => showContacts(), { id: `${p}-contacts-btn`, 'aria-controls': `${p}-contacts` });
    el.append(h('div', { class: 'toolbar' }, triggerBtn, ui.button(s.erase, erase, { kind: 'danger', id: `${p}-erase` }), contactsBtn),
      h('h3', { id: `${p}-status-h` }, s.statusTitle), status, warnings, guard, history, contacts);
    update(v);
    if (v.status && v.status.running) poll();
  }

  function input() {
    const body = {
      enabled: enabled.input.checked,
      interval_hours: Number(interval.input.value),
      full_sync_hours: Number(full.input.value || 0),
      max_delete_percent: Number(guardPct.input.value || 50),
      settings: form.value(),
    };
    if (!v) {
      body.type = type.type;
      body.name = name.input.value.trim();
    }
    return body;
  }

  async function save() {
    formErr.replaceChildren();
    try {
      const body = input();
      if (view) {
        if (!Object.keys(body.settings).length) delete body.settings; // a change of settings forces a full sync
        const nv = await client.patchSourcesById({ id: view.id }, body);
        ctx.notify(ui.fmt(s.saved, { name: nv.name }));
        form.saved(nv);
        update(nv);
      } else {
        const nv = await client.postSources({}, body);
        ctx.notify(ui.fmt(s.created, { name: nv.name }));
        hooks.onCreated(nv);
      }
    } catch (err) {
      formErr.replaceChildren(ui.errorView(err, common));
    }
  }

  async function test() {
    testBtn.disabled = true;
    testOut.replaceChildren(h('p', {}, s.testing));
    try {
      let res;
      if (view) {
        res = await client.postSourcesByIdTest({ id: view.id });
      } else {
        const body = input();
        res = await client.postSourcesTest({}, { type: body.type, name: body.name || undefined, settings: body.settings });
      }
      const rows = (res.contacts || []).slice(0, PREVIEW);
      const label = view ? view.name : (name.input.value.trim() || type.label);
      testOut.replaceChildren(h('p', { class: 'ok' }, rows.length ? ui.fmt(s.testOk, { n: rows.length }) : s.testEmpty),
        rows.length ? contactTable(ctx, ui.fmt(s.previewCaption, { name: label }), rows) : '');
    } catch (err) {
      testOut.replaceChildren(h('div', { role: 'alert' }, h('p', {}, h('strong', {}, s.testFailed)), ui.errorView(err, common)));
    } finally {
      testBtn.disabled = false;
    }
  }

  async function trigger(opts) {
    const confirm = opts && opts.confirm_deletions;
    const ok = confirm
      ? await ui.confirm({ title: ui.fmt(s.guardDialogTitle, { name: view.name }), danger: true, confirmLabel: s.guardYes, cancelLabel: common.cancel,
        message: ui.fmt(s.guardDialog, { name: view.name, deletions: view.status.needs_confirmation.deletions, total: view.status.needs_confirmation.total }) })
      : await ui.confirm({ title: s.triggerTitle, message: s.triggerConfirm, confirmLabel: s.triggerYes, cancelLabel: common.cancel });
    if (!ok) return;
    try {
      await client.postSourcesByIdSync({ id: view.id }, confirm ? { confirm_deletions: true } : {});
      ctx.notify(ui.fmt(s.triggered, { name: view.name }));
      poll();
    } catch (err) {
      ctx.error(err);
    }
  }

  /** Refreshes the source every POLL_MS until its run ends. */
  function poll() {
    if (stopPoll) return;
    triggerBtn.disabled = true;
    status.setAttribute('aria-busy', 'true');
    stopPoll = ctx.live(async () => {
      const nv = await client.getSourcesById({ id: view.id });
      update(nv);
      if (!(nv.status && nv.status.running) && stopPoll) {
        stopPoll();
        stopPoll = null;
        triggerBtn.disabled = false;
        status.removeAttribute('aria-busy');
        const run = (nv.status.runs || [])[0];
        if (run) ctx.notify(ui.fmt(s.finished, { name: nv.name, result: s.results[run.result] || run.result }));
        if (contacts.firstChild) await showContacts(); // shown: show them as they are now
      }
    }, POLL_MS);
  }

  async function erase() {
    const n = (view.status && view.status.contacts) || 0;
    const ok = await ui.confirm({ title: ui.fmt(s.eraseTitle, { name: view.name }), message: ui.fmt(s.eraseConfirm, { name: view.name, n }),
      confirmLabel: s.eraseYes, cancelLabel: common.cancel, danger: true });
    if (!ok) return;
    try {
      if (stopPoll) {
        stopPoll();
        stopPoll = null;
      }
      const res = await client.postSourcesByIdErase({ id: view.id });
      ctx.notify(ui.fmt(s.erased, { name: view.name, n: res.contacts_deleted }));
      hooks.onErased();
    } catch (err) {
      ctx.error(err);
    }
  }

  async function showContacts() {
    try {
      const page = await client.getContacts({ source: view.id, scope: 'global', limit: CONTACTS });
      const rows = page.contacts || [];
      contacts.replaceChildren(h('p', { id: `${p}-contacts-count` }, ui.fmt(s.contactsCount, { shown: rows.length, total: page.total || rows.length })),
        contactTable(ctx, ui.fmt(s.contactsCaption, { name: view.name }), rows));
    } catch (err) {
      ctx.error(err);
    }
  }

  /** Shows a fresh view: the status message, warnings, guard and history. */
  function update(nv) {
    view = nv;
    const st = nv.status || {};
    const when = (x) => (x ? new Date(x).toLocaleString() : '');
    const lines = [];
    if (st.running) lines.push(h('p', { class: 'running' }, s.statusRunning));
    lines.push(h('p', { id: `${p}-status-msg` }, st.last_success
      ? ui.fmt(s.statusLast, { time: when(st.last_success), synced: st.last_synced || 0, deleted: st.last_deleted || 0 })
      : s.statusNever));
    lines.push(h('p', {}, ui.fmt(s.statusContacts, { n: st.contacts || 0 })));
    if (st.next_run && nv.enabled) lines.push(h('p', {}, ui.fmt(s.statusNext, { time: when(st.next_run) })));
    if (st.last_error) lines.push(h('p', { class: 'error-text' }, ui.fmt(s.statusError, { time: when(st.last_attempt), error: st.last_error })));
    if (st.consecutive_failures > 1) lines.push(h('p', {}, ui.fmt(s.statusFailures, { n: st.consecutive_failures })));
    const said = lines.map((l) => l.textContent).join('\n');
    if (status.dataset.said !== said) { // a live region: announce changes only
      status.dataset.said = said;
      status.replaceChildren(...lines);
    }
    const ws = nv.warnings || [];
    warnings.replaceChildren(ws.length ? h('div', { class: 'notice' }, h('strong', {}, s.warnings), h('ul', {}, ws.map((w) => h('li', {}, w)))) : '');
    const nc = st.needs_confirmation;
    guard.replaceChildren(nc ? h('div', { class: 'notice', role: 'region', 'aria-labelledby': `${p}-guard-h` },
      h('h4', { id: `${p}-guard-h` }, s.guardTitle),
      h('p', { id: `${p}-guard-msg` }, ui.fmt(s.guard, { deletions: nc.deletions, total: nc.total, percent: nc.max_delete_percent })),
      ui.button(s.guardConfirm, () => trigger({ confirm_deletions: true }), { kind: 'danger', id: `${p}-guard-confirm`, disabled: !!st.running })) : '');
    const runs = st.runs || [];
    history.replaceChildren(ui.table({
      caption: ui.fmt(s.historyCaption, { name: nv.name }),
      rows: runs,
      empty: s.historyEmpty,
      columns: [
        { key: 'started', label: s.colStarted, render: (r) => when(r.started) },
        { key: 'trigger', label: s.colTrigger, render: (r) => s.triggers[r.trigger] || r.trigger },
        { key: 'mode', label: s.colMode, render: (r) => s.modes[r.mode] || r.mode || '' },
        { key: 'result', label: s.colResult, render: (r) => h('span', { class: 'tag' }, s.results[r.result] || r.result) },
        { key: 'synced', label: s.colSynced },
        { key: 'changed', label: s.colChanged },
        { key: 'deleted', label: s.colDeleted },
        { key: 'error', label: s.colError, render: (r) => r.error || '' },
      ],
    }));
  }

  return { el, focus: () => heading.focus() };
}

/** A table of contacts (test preview, the source's contacts). */
function contactTable(ctx, caption, rows) {
  const { ui, s } = ctx;
  const { h } = ui;
  const types = (ctx.strings.phonebook && ctx.strings.phonebook.types) || {};
  return ui.table({
    caption,
    rows,
    empty: ctx.common.empty,
    columns: [
      { key: 'display_name', label: s.colName },
      { key: 'company', label: s.colCompany },
      { key: 'numbers', label: s.colNumbers, render: (c) => (c.numbers || []).map((n) => h('div', {}, `${types[n.type] || n.type}: ${n.value}`)) },
      { key: 'email', label: s.colEmail, render: (c) => (c.emails && c.emails[0] ? c.emails[0].address : '') },
    ],
  });
}
