// The Central Phone Book: search the global or one's personal book
// (names, digits, +), at most 1000 rows; add, edit and delete a contact
// with every field; a synced contact's source, its local edits and their
// revert; for admins, the global book's CSV upload (replacing, after the
// confirmation), download and template.

const TYPES = ['work', 'mobile', 'home', 'fax'];
const LIMIT = 1000;
// How often a running import's status is read.
const POLL_MS = 1000;
// Counts in the progress line, grouped in the page's language (150,000).
const NUM = new Intl.NumberFormat(document.documentElement.lang || undefined);

/** An id for an import, to read its status while it runs. */
function importID() {
  const b = new Uint8Array(8);
  crypto.getRandomValues(b);
  return 'console-' + Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export default {
  id: 'phonebook',
  titleKey: 'phonebook.title',
  adminOnly: false,
  render(root, ctx) {
    const { ui, s } = ctx;
    const admin = ctx.user.role === 'admin';
    const t = ui.tabs({
      label: s.books,
      tabs: [
        { id: 'global', label: s.global, render: (panel) => book(panel, ctx, 'global', admin) },
        { id: 'personal', label: s.personal, render: (panel) => book(panel, ctx, 'personal', true) },
      ],
    });
    root.append(t.el);
    return () => {};
  },
};

/** The source's name as shown: local, CSV upload, or the sync source's id. */
function sourceLabel(s, c) {
  if (c.source === 'local') return s.sourceLocal;
  if (c.source === 'csv') return s.sourceCSV;
  return c.source;
}

function synced(c) {
  return c.source !== 'local' && c.source !== 'csv';
}

/** One book (global or personal) in its tab panel. */
function book(panel, ctx, scope, canEdit) {
  const { ui, s, common, client } = ctx;
  const { h } = ui;
  const admin = ctx.user.role === 'admin';
  const p = `pb-${scope}`;
  let lastQuery = '';

  const search = ui.field({ label: s.search, name: 'q', type: 'search', id: `${p}-q`, hint: s.searchHint, autocomplete: 'off' });
  const form = h('form', { role: 'search', class: 'toolbar', 'aria-label': scope === 'global' ? s.searchGlobal : s.searchPersonal },
    search.el, ui.button(common.search, undefined, { type: 'submit', id: `${p}-search` }));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    load(search.input.value.trim());
  });

  const actions = h('div', { class: 'toolbar' });
  if (canEdit) actions.append(ui.button(s.add, () => edit(null), { kind: 'primary', id: `${p}-add` }));
  const csv = scope === 'global' && admin ? csvTools() : null;
  const summary = h('p', { id: `${p}-summary`, class: 'muted', 'aria-live': 'polite' });
  const results = h('div', { id: `${p}-results` });
  panel.append(form, actions, csv || '', summary, results);

  function owner() {
    return scope === 'personal' ? ctx.user.id : undefined;
  }

  async function load(q = lastQuery) {
    lastQuery = q;
    summary.textContent = ctx.strings.app.loading;
    results.setAttribute('aria-busy', 'true');
    try {
      const page = await client.getContacts({ q: q || undefined, scope, owner: admin ? owner() : undefined, limit: LIMIT });
      show(page);
    } catch (err) {
      summary.textContent = '';
      ctx.error(err);
    } finally {
      results.dataset.query = q; // what the rows show (tests wait for it)
      results.removeAttribute('aria-busy');
    }
  }

  function show(page) {
    const rows = page.contacts || [];
    const total = page.total || 0;
    if (page.total_capped || total > rows.length) {
      summary.textContent = ui.fmt(page.total_capped ? s.tooManyCapped : s.tooMany, { shown: rows.length, total });
    } else {
      summary.textContent = ui.fmt(rows.length === 1 ? s.countOne : s.count, { n: rows.length });
    }
    const columns = [
      { key: 'display_name', label: s.colName },
      { key: 'company', label: s.colCompany },
      { key: 'numbers', label: s.colNumbers, render: (c) => (c.numbers || []).map((n) => h('div', {}, `${s.types[n.type] || n.type}: ${n.value}`)) },
      { key: 'email', label: s.colEmail, render: (c) => (c.emails && c.emails[0] ? c.emails[0].address : '') },
      { key: 'source', label: s.colSource, render: (c) => h('span', { class: 'tag' }, sourceLabel(s, c)) },
    ];
    const mayChange = canEdit && (scope === 'personal' || admin);
    if (mayChange) {
      columns.push({ key: 'actions', label: common.actions, render: (c) => h('div', { class: 'row-actions' },
        ui.button(common.edit, () => edit(c), { kind: 'link', 'aria-label': ui.fmt(s.editOne, { name: c.display_name }) }),
        ui.button(common.delete, () => remove(c), { kind: 'link', 'aria-label': ui.fmt(s.deleteOne, { name: c.display_name }) })) });
    }
    results.replaceChildren(ui.table({ caption: scope === 'global' ? s.globalCaption : s.personalCaption, columns, rows, empty: s.none,
      rowAttrs: (c) => ({ dataset: { id: c.id } }) }));
  }

  // refocus puts the focus back after a dialog changed the rows (they are
  // drawn anew): on the contact's first button, else on the search field.
  function refocus(id) {
    const b = id && [...results.querySelectorAll('tr[data-id] button')].find((x) => x.closest('tr').dataset.id === id);
    (b || search.input).focus();
  }

  async function remove(c) {
    const ok = await ui.confirm({ title: s.deleteTitle, message: ui.fmt(synced(c) ? s.deleteSynced : s.deleteConfirm, { name: c.display_name }),
      confirmLabel: common.delete, cancelLabel: common.cancel, danger: true });
    if (!ok) return;
    try {
      await client.deleteContactsById({ id: c.id });
      ctx.notify(ui.fmt(s.deleted, { name: c.display_name }));
      await load();
      refocus(null);
    } catch (err) {
      ctx.error(err);
    }
  }

  async function edit(c) {
    let full = c;
    if (c) {
      try {
        full = await client.getContactsById({ id: c.id });
      } catch (err) {
        ctx.error(err);
        return;
      }
    }
    const f = contactForm(ctx, full, p);
    const errors = h('div', { role: 'alert', class: 'dialog-errors' });
    const head = [];
    if (full) {
      head.push(h('p', { id: `${p}-source` }, h('strong', {}, s.source, ': '), sourceLabel(s, full)));
      const local = full.local_fields || [];
      if (local.length) {
        head.push(h('p', { id: `${p}-local` }, h('strong', {}, s.localEdits, ': '), local.map((k) => s.fields[k] || k).join(', ')),
          ui.button(s.revert, async () => {
            const ok = await ui.confirm({ title: s.revertTitle, message: ui.fmt(s.revertConfirm, { name: full.display_name }),
              confirmLabel: s.revert, cancelLabel: common.cancel });
            if (!ok) return;
            try {
              await client.postContactsByIdRevert({ id: full.id });
              closeDialog('reverted');
            } catch (err) {
              errors.replaceChildren(ui.errorView(err, common));
            }
          }, { id: `${p}-revert` }));
      } else if (synced(full)) {
        head.push(h('p', { class: 'muted' }, s.noLocalEdits));
      }
    }
    const content = h('div', {}, head, errors, f.el);
    let closeDialog = () => {};
    let saved = null;
    const done = ui.modal({
      title: full ? ui.fmt(s.editTitle, { name: full.display_name }) : (scope === 'global' ? s.addGlobal : s.addPersonal),
      content,
      buttons: [{ label: common.cancel, value: 'cancel' }, { label: common.save, value: 'save', kind: 'primary', submit: true }],
      onOpen: ({ close }) => { closeDialog = close; },
      onSubmit: async () => {
        errors.replaceChildren();
        const input = f.value();
        input.scope = full ? full.scope : scope;
        if (full && full.owner) input.owner = full.owner;
        else if (scope === 'personal' && admin) input.owner = ctx.user.id;
        try {
          saved = full ? await client.putContactsById({ id: full.id }, input) : await client.postContacts({}, input);
          return true;
        } catch (err) {
          errors.replaceChildren(ui.errorView(err, common));
          return false;
        }
      },
    });
    const v = await done;
    if (v === 'save') {
      ctx.notify(common.saved);
      await load();
      refocus(saved && saved.id);
    } else if (v === 'reverted') {
      ctx.notify(ui.fmt(s.reverted, { name: full.display_name }));
      await load();
      refocus(full.id);
    }
  }

  function csvTools() {
    const file = ui.field({ label: s.csvFile, name: 'csv', type: 'file', id: `${p}-csv`, accept: '.csv,text/csv' });
    const progress = h('div', { id: `${p}-progress` });
    const outcome = h('div', { id: `${p}-outcome` });
    /** Shows an import's status: the phase, a determinate bar where the
     * total is known, rows parsed and written, the time left. */
    const showProgress = (bar, status, st) => {
      const phase = s.phases[st.phase] || st.phase;
      const total = st.rows_total || 0;
      const n = (v) => NUM.format(v || 0);
      let text;
      let value = null;
      let max = 1;
      switch (st.phase) {
        case 'receiving':
          text = st.bytes_total ? ui.fmt(s.progressReceiving, { phase, received: n(st.bytes_received), total: n(st.bytes_total) }) : phase;
          if (st.bytes_total) [value, max] = [st.bytes_received, st.bytes_total];
          break;
        case 'validating':
          text = ui.fmt(s.progressValidating, { phase, parsed: n(st.rows_parsed) });
          break;
        case 'applying':
        case 'publishing':
          text = ui.fmt(s.progressApplying, { phase, parsed: n(st.rows_parsed), written: n(st.rows_written), total: n(total) });
          if (total) [value, max] = [st.rows_written, total];
          break;
        case 'done':
          text = ui.fmt(s.progressDone, { phase, written: n(st.rows_written), total: n(total) });
          [value, max] = [total || 1, total || 1];
          break;
        default:
          text = phase;
      }
      if (st.seconds_left && st.phase !== 'done') text += ' ' + ui.fmt(s.secondsLeft, { s: st.seconds_left });
      if (value === null) {
        bar.removeAttribute('value');
      } else {
        bar.max = max;
        bar.value = Math.min(value, max);
      }
      bar.dataset.phase = st.phase;
      if (status.textContent !== text) status.textContent = text;
    };
    /** What an import did: counts, the detected format, the columns it
     * skipped and the rows with problems. */
    const importOutcome = (res) => {
      const out = [h('p', { id: `${p}-imported` }, ui.fmt(s.imported, res))];
      if (res.format_description) out.push(h('p', { id: `${p}-format` }, ui.fmt(s.formatDetected, { description: res.format_description })));
      const cols = res.skipped_columns || [];
      if (cols.length) {
        out.push(h('div', { id: `${p}-skipped` }, h('p', {}, s.skippedColumns),
          h('ul', {}, cols.map((c) => h('li', {}, ui.fmt(s.skippedColumn, c))))));
      }
      const warnings = res.warnings || [];
      if (warnings.length) {
        const n = Math.max(res.warnings_total || 0, warnings.length);
        const shown = warnings.slice(0, 100);
        out.push(h('details', { id: `${p}-warnings` },
          h('summary', {}, ui.fmt(s.warnings, { n }) + (n > shown.length ? ' ' + ui.fmt(s.warningsShown, { shown: shown.length }) : '')),
          h('ul', {}, shown.map((w) => h('li', {}, [w.line ? `${s.line} ${w.line}` : '', w.field, w.msg].filter(Boolean).join(': '))))));
      }
      return out;
    };
    const upload = ui.button(s.upload, async () => {
      const chosen = file.input.files && file.input.files[0];
      if (!chosen) {
        ctx.error({ message: s.chooseFile });
        file.input.focus();
        return;
      }
      let n;
      try {
        n = (await client.getContactsImport()).csv_contacts;
      } catch (err) {
        ctx.error(err);
        return;
      }
      const ok = await ui.confirm({
        title: s.uploadTitle,
        message: h('div', {}, h('p', {}, s.uploadConfirm), h('p', { id: `${p}-replaced` }, n ? ui.fmt(n === 1 ? s.replacesOne : s.replaces, { n }) : s.replacesNone),
          h('p', { class: 'muted' }, ui.fmt(s.uploadFile, { name: chosen.name }))),
        confirmLabel: s.uploadYes, cancelLabel: common.cancel, danger: n > 0,
      });
      if (!ok) return;
      upload.disabled = true;
      // The upload answers when the import is done; meanwhile its status
      // (GET /api/v1/contact-imports/{id}, by the id chosen here) gives the
      // phase and the rows parsed and written, polled about once a second.
      const id = importID();
      const bar = h('progress', { id: `${p}-bar`, 'aria-describedby': `${p}-status` });
      const status = h('p', { id: `${p}-status`, 'aria-live': 'polite' }, s.phases.receiving);
      progress.replaceChildren(h('label', { for: `${p}-bar` }, ui.fmt(s.importing, { name: chosen.name })), ' ', bar, status);
      outcome.replaceChildren();
      ctx.notify(ui.fmt(s.importing, { name: chosen.name }));
      let running = true;
      let timer;
      const poll = async () => {
        try {
          const st = await client.getContactImportsById({ id });
          if (running) showProgress(bar, status, st);
        } catch {
          // Not begun yet (404) or a passing failure: the next poll tells.
        }
        if (running) timer = setTimeout(poll, POLL_MS);
      };
      timer = setTimeout(poll, POLL_MS);
      try {
        const res = await client.postContactsImport({ mode: 'replace', confirm: true, import_id: id }, chosen);
        running = false;
        clearTimeout(timer);
        // The final state, from the status when it answers (it keeps the
        // last imports), else from the answer itself.
        let st;
        try {
          st = await client.getContactImportsById({ id });
        } catch {
          st = { phase: 'done', rows_total: res.rows, rows_written: res.rows };
        }
        showProgress(bar, status, st.phase === 'done' ? st : { ...st, phase: 'done' });
        outcome.replaceChildren(...importOutcome(res));
        ctx.notify(ui.fmt(s.imported, res));
        file.input.value = '';
        await load('');
      } catch (err) {
        running = false;
        clearTimeout(timer);
        progress.replaceChildren();
        ctx.error(err);
      } finally {
        upload.disabled = false;
      }
    }, { id: `${p}-upload` });
    return h('section', { 'aria-labelledby': `${p}-csv-h`, class: 'csv-tools' },
      h('h2', { id: `${p}-csv-h` }, s.csvTitle),
      h('div', { class: 'toolbar' }, file.el, upload,
        h('a', { class: 'btn', href: client.url('/api/v1/contacts/export'), download: 'contacts.csv', id: `${p}-download` }, s.download),
        h('a', { class: 'btn', href: client.url('/api/v1/contacts/template'), download: 'contacts-template.csv', id: `${p}-template` }, s.template)),
      progress, outcome);
  }

  load('');
}

/** The fields of a contact, filled from c (null: a new one); value() builds the API's input. */
function contactForm(ctx, c, p) {
  const { ui, s } = ctx;
  const { h } = ui;
  const v = c || {};
  const nums = v.numbers || [];
  const first = {};
  const otherNums = [];
  for (const n of nums) {
    if (TYPES.includes(n.type) && !(n.type in first)) first[n.type] = n.value;
    else otherNums.push(`${n.type}: ${n.value}`);
  }
  const emails = v.emails || [];
  const fid = (k) => `${p}-c-${k}`;
  const F = {
    first_name: ui.field({ label: s.fields.first_name, name: 'first_name', value: v.first_name, id: fid('first'), autocomplete: 'off' }),
    middle_name: ui.field({ label: s.fields.middle_name, name: 'middle_name', value: v.middle_name, id: fid('middle'), autocomplete: 'off' }),
    last_name: ui.field({ label: s.fields.last_name, name: 'last_name', value: v.last_name, id: fid('last'), autocomplete: 'off' }),
    email: ui.field({ label: s.fields.email, name: 'email', type: 'email', value: emails[0] ? emails[0].address : '', id: fid('email'), autocomplete: 'off' }),
    company: ui.field({ label: s.fields.company, name: 'company', value: v.company, id: fid('company'), autocomplete: 'off' }),
  };
  const N = {};
  for (const tp of TYPES) N[tp] = ui.field({ label: s.types[tp], name: `number_${tp}`, type: 'tel', value: first[tp], id: fid(`n-${tp}`), autocomplete: 'off' });
  const derived = [v.first_name, v.middle_name, v.last_name].filter(Boolean).join(' ') || v.company || (emails[0] && emails[0].address) || (nums[0] && nums[0].value) || '';
  const M = {
    display_name: ui.field({ label: s.fields.display_name, name: 'display_name', value: v.display_name && v.display_name !== derived ? v.display_name : '', id: fid('display'), hint: s.displayHint }),
    department: ui.field({ label: s.fields.department, name: 'department', value: v.department, id: fid('department') }),
    job_title: ui.field({ label: s.fields.job_title, name: 'job_title', value: v.job_title, id: fid('job') }),
    office_location: ui.field({ label: s.fields.office_location, name: 'office_location', value: v.office_location, id: fid('office') }),
    preferred_language: ui.field({ label: s.fields.preferred_language, name: 'preferred_language', value: v.preferred_language, id: fid('lang') }),
    user_principal_name: ui.field({ label: s.fields.user_principal_name, name: 'user_principal_name', value: v.user_principal_name, id: fid('upn') }),
    other_numbers: ui.field({ label: s.otherNumbers, name: 'other_numbers', type: 'textarea', value: otherNums.join('\n'), id: fid('other-numbers'), hint: s.otherNumbersHint, rows: 3 }),
    other_emails: ui.field({ label: s.otherEmails, name: 'other_emails', type: 'textarea', value: emails.slice(1).map((e) => e.address).join('\n'), id: fid('other-emails'), hint: s.otherEmailsHint, rows: 2 }),
    custom: ui.field({ label: s.custom, name: 'custom', type: 'textarea', value: Object.entries(v.custom || {}).map(([k, x]) => `${k}=${x}`).join('\n'), id: fid('custom'), hint: s.customHint, rows: 3 }),
  };
  const el = h('div', {},
    h('div', { class: 'grid' }, Object.values(F).map((x) => x.el)),
    h('fieldset', {}, h('legend', {}, s.numbers), h('div', { class: 'grid' }, TYPES.map((tp) => N[tp].el))),
    h('details', { id: fid('more') }, h('summary', {}, s.more), h('div', { class: 'grid' }, Object.values(M).map((x) => x.el))));
  const lines = (x) => x.input.value.split('\n').map((l) => l.trim()).filter(Boolean);
  return {
    el,
    value() {
      const numbers = [];
      for (const tp of TYPES) if (N[tp].input.value.trim()) numbers.push({ type: tp, value: N[tp].input.value.trim() });
      for (const l of lines(M.other_numbers)) {
        const m = /^([a-z]+)\s*:\s*(.+)$/i.exec(l);
        numbers.push(m ? { type: m[1].toLowerCase(), value: m[2].trim() } : { type: 'other', value: l });
      }
      const labels = new Map(emails.map((e) => [e.address, e.label]));
      const addrs = [F.email.input.value.trim(), ...lines(M.other_emails)].filter(Boolean);
      const custom = {};
      for (const l of lines(M.custom)) {
        const i = l.indexOf('=');
        if (i > 0) custom[l.slice(0, i).trim()] = l.slice(i + 1).trim();
      }
      const out = { numbers, emails: addrs.map((a) => (labels.get(a) ? { label: labels.get(a), address: a } : { address: a })), custom };
      for (const k of ['first_name', 'middle_name', 'last_name', 'company']) out[k] = F[k].input.value.trim();
      for (const k of ['display_name', 'department', 'job_title', 'office_location', 'preferred_language', 'user_principal_name']) out[k] = M[k].input.value.trim();
      return out;
    },
  };
}
