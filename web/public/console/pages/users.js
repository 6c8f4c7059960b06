// Users: search, add, edit and delete (with every field: user name,
// display name, e-mail, language, extensions, role, abilities with their
// meaning, devices, disabled), set a password (write-only: never shown
// back), CSV import with its outcome or its problems by line, and the
// import from Asterisk's endpoints when ARI is configured (else the
// button says why it is unavailable).

const ROLES = ['user', 'supervisor', 'admin'];
const ABILITIES = ['manage_callcenter', 'change_presence', 'hotel_admin', 'dialer', 'recordings'];
const PAGE = 100;

/** "a, b,c" → ['a', 'b', 'c'] */
function list(v) {
  return v.split(/[,;\s]+/).map((x) => x.trim()).filter(Boolean);
}

function status(s, u) {
  if (u.disabled) return s.statusDisabled;
  return u.has_password ? s.statusActive : s.statusNoPassword;
}

export default {
  id: 'users',
  titleKey: 'users.title',
  adminOnly: true,
  render(root, ctx) {
    const { ui, s, common, client } = ctx;
    const { h } = ui;
    let query = '';
    let rows = [];

    const search = ui.field({ label: s.search, name: 'q', type: 'search', id: 'users-q', hint: s.searchHint, autocomplete: 'off' });
    const form = h('form', { role: 'search', class: 'toolbar', 'aria-label': s.searchForm },
      search.el, ui.button(common.search, undefined, { type: 'submit', id: 'users-search' }));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      load(search.input.value.trim());
    });
    const summary = h('p', { id: 'users-summary', class: 'muted', 'aria-live': 'polite' });
    const results = h('div', { id: 'users-results' });
    const more = h('div', {});
    const addBtn = ui.button(s.add, () => edit(null), { kind: 'primary', id: 'users-add' });
    root.append(form, h('div', { class: 'toolbar' }, addBtn),
      summary, results, more, importTools());

    async function load(q = query, cursor) {
      query = q;
      results.setAttribute('aria-busy', 'true');
      try {
        const page = await client.getUsers({ q: q || undefined, limit: PAGE, cursor });
        rows = cursor ? rows.concat(page.users || []) : (page.users || []);
        show(page);
      } catch (err) {
        ctx.error(err);
      } finally {
        results.dataset.query = q; // what the rows show (tests wait for it)
        results.removeAttribute('aria-busy');
      }
    }

    /** After a reload, focus the row's button labelled label again (its row was redrawn), else fallback. */
    function refocus(label, fallback) {
      const el = [...results.querySelectorAll('button')].find((b) => b.getAttribute('aria-label') === label);
      (el || fallback).focus();
    }

    function show(page) {
      const total = page.total ?? rows.length;
      summary.textContent = total > rows.length ? ui.fmt(s.countMore, { shown: rows.length, total })
        : ui.fmt(rows.length === 1 ? s.countOne : s.count, { n: rows.length });
      const name = (u) => u.display_name || u.username;
      results.replaceChildren(ui.table({
        caption: s.caption,
        rows,
        empty: s.none,
        rowAttrs: (u) => ({ dataset: { username: u.username } }),
        columns: [
          { key: 'username', label: s.colUsername },
          { key: 'display_name', label: s.colName },
          { key: 'role', label: s.colRole, render: (u) => (s.roles[u.role] || u.role).split(':')[0] },
          { key: 'extensions', label: s.colExtensions, render: (u) => (u.extensions || []).join(', ') },
          { key: 'devices', label: s.colDevices, render: (u) => [...(u.devices?.endpoints || []), ...(u.devices?.phones || [])].join(', ') },
          { key: 'status', label: s.colStatus, render: (u) => h('span', { class: 'tag' }, status(s, u)) },
          { key: 'actions', label: common.actions, render: (u) => h('div', { class: 'row-actions' },
            ui.button(common.edit, () => edit(u), { kind: 'link', 'aria-label': ui.fmt(s.editOne, { name: name(u) }) }),
            ui.button(s.setPassword, () => setPassword(u), { kind: 'link', 'aria-label': ui.fmt(s.passwordOne, { name: name(u) }) }),
            ui.button(common.delete, () => remove(u), { kind: 'link', 'aria-label': ui.fmt(s.deleteOne, { name: name(u) }) })) },
        ],
      }));
      more.replaceChildren(page.next_cursor ? ui.button(s.more, () => load(query, page.next_cursor), { id: 'users-more' }) : '');
    }

    async function edit(u) {
      const f = userForm(ctx, u);
      const errors = h('div', { role: 'alert', class: 'dialog-errors', id: 'user-errors' });
      const v = await ui.modal({
        title: u ? ui.fmt(s.editTitle, { name: u.display_name || u.username }) : s.addTitle,
        content: h('div', {}, errors, f.el),
        buttons: [{ label: common.cancel, value: 'cancel' }, { label: common.save, value: 'save', kind: 'primary', submit: true }],
        onSubmit: async () => {
          errors.replaceChildren();
          try {
            if (u) await client.patchUsersById({ id: u.id }, f.patch());
            else await client.postUsers({}, f.create());
            return true;
          } catch (err) {
            errors.replaceChildren(ui.errorView(err, common));
            return false;
          }
        },
      });
      if (v === 'save') {
        ctx.notify(u ? common.saved : ui.fmt(s.created, { name: f.username() }));
        await load();
        refocus(u ? ui.fmt(s.editOne, { name: f.username() }) : '', addBtn);
      }
    }

    async function setPassword(u) {
      const name = u.display_name || u.username;
      const p1 = ui.field({ label: s.newPassword, name: 'password', type: 'password', autocomplete: 'new-password', required: true, id: 'user-pw1', hint: s.passwordRules, minlength: 8 });
      const p2 = ui.field({ label: s.repeatPassword, name: 'password2', type: 'password', autocomplete: 'new-password', required: true, id: 'user-pw2' });
      const errors = h('div', { role: 'alert', class: 'dialog-errors', id: 'user-pw-errors' });
      const v = await ui.modal({
        title: ui.fmt(s.passwordTitle, { name }),
        content: h('div', {}, errors, p1.el, p2.el),
        buttons: [{ label: common.cancel, value: 'cancel' }, { label: s.setPassword, value: 'save', kind: 'primary', submit: true }],
        onSubmit: async () => {
          errors.replaceChildren();
          if (p1.input.value !== p2.input.value) {
            errors.replaceChildren(ui.errorView({ message: s.passwordMismatch }, common));
            p2.input.focus();
            return false;
          }
          try {
            await client.patchUsersById({ id: u.id }, { password: p1.input.value });
            return true;
          } catch (err) {
            errors.replaceChildren(ui.errorView(err, common));
            return false;
          } finally {
            p1.input.value = '';
            p2.input.value = '';
          }
        },
      });
      if (v === 'save') {
        ctx.notify(ui.fmt(s.passwordSaved, { name }));
        await load();
        refocus(ui.fmt(s.passwordOne, { name }), addBtn);
      }
    }

    async function remove(u) {
      const name = u.display_name || u.username;
      const ok = await ui.confirm({ title: s.deleteTitle, message: ui.fmt(s.deleteConfirm, { name }),
        confirmLabel: common.delete, cancelLabel: common.cancel, danger: true });
      if (!ok) return;
      try {
        await client.deleteUsersById({ id: u.id });
        ctx.notify(ui.fmt(s.deleted, { name }));
        await load();
        addBtn.focus();
      } catch (err) {
        ctx.error(err);
      }
    }

    function importTools() {
      const file = ui.field({ label: s.csvFile, name: 'csv', type: 'file', id: 'users-csv', accept: '.csv,text/csv', hint: s.csvHint });
      const outcome = h('div', { id: 'users-import-outcome', 'aria-live': 'polite' });
      const importBtn = ui.button(s.importCSV, async () => {
        const chosen = file.input.files && file.input.files[0];
        if (!chosen) {
          ctx.error({ message: s.chooseFile });
          file.input.focus();
          return;
        }
        importBtn.disabled = true;
        outcome.replaceChildren(h('p', {}, ui.fmt(s.importing, { name: chosen.name })));
        try {
          const res = await client.postUsersImport({}, chosen);
          const msg = ui.fmt(s.imported, { name: chosen.name, created: res.created });
          outcome.replaceChildren(h('p', { id: 'users-imported' }, msg),
            (res.users || []).length ? h('details', {}, h('summary', {}, s.importedUsers),
              h('ul', {}, res.users.map((u) => h('li', {}, u.username)))) : '');
          ctx.notify(msg);
          file.input.value = '';
          await load('');
        } catch (err) {
          const details = err.details || [];
          outcome.replaceChildren(h('div', { class: 'error-box', id: 'users-import-errors' },
            h('p', {}, ui.fmt(s.importRefused, { name: chosen.name })),
            details.length ? h('ul', { 'aria-label': s.importErrors }, details.map((d) => h('li', {}, d.field ? `${d.field}: ${d.message}` : d.message)))
              : h('p', {}, err.message)));
          ctx.error(err);
        } finally {
          importBtn.disabled = false;
        }
      }, { id: 'users-import' });

      const epHint = h('p', { id: 'users-endpoints-hint', class: 'hint' }, s.endpointsHint);
      const epOutcome = h('div', { id: 'users-endpoints-outcome', 'aria-live': 'polite' });
      let available = false;
      const epBtn = ui.button(s.endpointsImport, async () => {
        if (!available) return;
        epBtn.disabled = true;
        try {
          const res = await client.postUsersImportEndpoints();
          const created = res.created || [];
          const skipped = res.skipped || [];
          const msg = ui.fmt(s.endpointsResult, { created: created.length, skipped: skipped.length });
          epOutcome.replaceChildren(h('p', { id: 'users-endpoints-result' }, msg),
            created.length ? h('div', {}, h('h3', {}, s.endpointsCreated), h('ul', { id: 'users-endpoints-created' }, created.map((u) => h('li', {}, `${u.username} (${(u.devices?.endpoints || []).join(', ')})`)))) : '',
            skipped.length ? h('div', {}, h('h3', {}, s.endpointsSkipped), h('ul', { id: 'users-endpoints-skipped' }, skipped.map((x) => h('li', {}, `${x.endpoint}: ${x.reason}`)))) : '');
          ctx.notify(msg);
          await load('');
        } catch (err) {
          ctx.error(err);
        } finally {
          epBtn.disabled = false;
        }
      }, { id: 'users-endpoints', 'aria-describedby': 'users-endpoints-hint', 'aria-disabled': 'true' });
      client.getUsersImportEndpoints().then((info) => {
        available = !!info.available;
        if (available) {
          epBtn.removeAttribute('aria-disabled');
        } else {
          epHint.textContent = ui.fmt(s.endpointsUnavailable, { reason: info.reason || '' });
        }
        epBtn.dataset.ready = 'true';
      }, (err) => ctx.error(err));

      return h('section', { 'aria-labelledby': 'users-import-h', class: 'csv-tools' },
        h('h2', { id: 'users-import-h' }, s.importTitle),
        h('div', { class: 'toolbar' }, file.el, importBtn),
        outcome,
        h('div', { class: 'toolbar' }, epBtn), epHint, epOutcome);
    }

    load('');
    return () => {};
  },
};

/** The fields of a user (u null: a new one): create() and patch() build the API's bodies. */
function userForm(ctx, u) {
  const { ui, s, common } = ctx;
  const { h } = ui;
  const v = u || {};
  const F = {
    username: ui.field({ label: s.fields.username, name: 'username', value: v.username, id: 'user-username', required: true, requiredText: common.required, hint: s.usernameHint, autocomplete: 'off' }),
    display_name: ui.field({ label: s.fields.display_name, name: 'display_name', value: v.display_name && v.display_name !== v.username ? v.display_name : '', id: 'user-display', hint: s.displayNameHint, autocomplete: 'off' }),
    email: ui.field({ label: s.fields.email, name: 'email', type: 'email', value: v.email, id: 'user-email', autocomplete: 'off' }),
    language: ui.field({ label: s.fields.language, name: 'language', value: v.language, id: 'user-language', hint: s.languageHint, autocomplete: 'off' }),
    role: ui.field({ label: s.fields.role, name: 'role', type: 'select', value: v.role || 'user', id: 'user-role',
      options: ROLES.map((r) => ({ value: r, label: s.roles[r] })) }),
    extensions: ui.field({ label: s.fields.extensions, name: 'extensions', value: (v.extensions || []).join(', '), id: 'user-extensions', hint: s.extensionsHint, autocomplete: 'off' }),
    endpoints: ui.field({ label: s.fields.endpoints, name: 'endpoints', value: (v.devices?.endpoints || []).join(', '), id: 'user-endpoints', hint: s.endpointsFieldHint, autocomplete: 'off' }),
    phones: ui.field({ label: s.fields.phones, name: 'phones', value: (v.devices?.phones || []).join(', '), id: 'user-phones', hint: s.phonesHint, autocomplete: 'off' }),
    disabled: ui.field({ label: s.fields.disabled, name: 'disabled', type: 'checkbox', value: v.disabled, id: 'user-disabled', hint: s.disabledHint }),
  };
  const A = {};
  for (const a of ABILITIES) A[a] = ui.field({ label: s.abilities[a], name: `ability_${a}`, type: 'checkbox', value: (v.abilities || []).includes(a), id: `user-ability-${a}` });
  const pw = u ? null : ui.field({ label: s.fields.password, name: 'password', type: 'password', id: 'user-password', autocomplete: 'new-password', hint: s.passwordNewHint });
  const el = h('div', {},
    h('div', { class: 'grid' }, F.username.el, F.display_name.el, F.email.el, F.language.el),
    F.role.el,
    h('fieldset', { id: 'user-abilities' }, h('legend', {}, s.abilitiesLegend), ABILITIES.map((a) => A[a].el)),
    h('div', { class: 'grid' }, F.extensions.el, F.endpoints.el, F.phones.el),
    F.disabled.el,
    pw ? pw.el : h('p', { id: 'user-password-state' }, h('strong', {}, s.passwordState, ': '), v.has_password ? s.passwordSet : s.passwordNotSet));
  const val = (k) => F[k].input.value.trim();
  const common2 = () => ({
    username: val('username'),
    display_name: val('display_name'),
    role: F.role.input.value,
    abilities: ABILITIES.filter((a) => A[a].input.checked),
    extensions: list(F.extensions.input.value),
    devices: { endpoints: list(F.endpoints.input.value), phones: list(F.phones.input.value) },
    disabled: F.disabled.input.checked,
  });
  return {
    el,
    username: () => val('display_name') || val('username'),
    create() {
      const out = common2();
      if (val('email')) out.email = val('email');
      if (val('language')) out.language = val('language');
      if (pw && pw.input.value) out.password = pw.input.value;
      return out;
    },
    patch() {
      // A JSON merge patch: an emptied e-mail or language is null (cleared).
      const out = common2();
      out.email = val('email') || null;
      out.language = val('language') || null;
      return out;
    },
  };
}
