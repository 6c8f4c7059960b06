// OAuth2 apps: list, register (public with PKCE or confidential; name,
// redirect URIs, allowed scopes and grant types with their meaning),
// edit, delete (its tokens are revoked: the confirmation says so), and a
// confidential app's client secret shown once, after registration or a
// rotation, with a copy button and a warning.

const SCOPES = ['contacts:read', 'contacts:write', 'calls', 'presence', 'chat', 'callgroups', 'dialer', 'hotel', 'admin'];
const GRANTS = ['authorization_code', 'refresh_token', 'client_credentials'];

export default {
  id: 'apps',
  titleKey: 'apps.title',
  adminOnly: true,
  render(root, ctx) {
    const { ui, s, common, client } = ctx;
    const { h } = ui;
    const results = h('div', { id: 'apps-results' });
    const registerBtn = ui.button(s.register, () => edit(null), { kind: 'primary', id: 'apps-register' });
    root.append(h('p', {}, s.intro), h('div', { class: 'toolbar' }, registerBtn), results);

    /** After a reload, focus the row's button labelled label again (its row was redrawn), else the register button. */
    function refocus(label) {
      const el = [...results.querySelectorAll('button')].find((b) => b.getAttribute('aria-label') === label);
      (el || registerBtn).focus();
    }

    async function load() {
      results.setAttribute('aria-busy', 'true');
      try {
        const res = await client.getApps();
        show(res.apps || []);
      } catch (err) {
        ctx.error(err);
      } finally {
        results.removeAttribute('aria-busy');
        results.dataset.loaded = String(Number(results.dataset.loaded || 0) + 1); // tests wait for a reload
      }
    }

    /** Long values (client ids, URIs) wrap anywhere so the table fits. */
    const wrap = (el) => {
      el.style.overflowWrap = 'anywhere';
      return el;
    };

    function show(apps) {
      results.replaceChildren(ui.table({
        caption: s.caption,
        rows: apps,
        empty: s.none,
        rowAttrs: (a) => ({ dataset: { clientId: a.client_id } }),
        columns: [
          { key: 'name', label: s.colName },
          { key: 'client_id', label: s.colClientId, render: (a) => wrap(h('code', {}, a.client_id)) },
          { key: 'type', label: s.colType, render: (a) => s.typeShort[a.type] || a.type },
          { key: 'redirect_uris', label: s.colRedirects, render: (a) => (a.redirect_uris || []).map((u) => wrap(h('div', {}, u))) },
          { key: 'scopes', label: s.colScopes, render: (a) => (a.scopes || []).join(' ') },
          { key: 'grant_types', label: s.colGrants, render: (a) => (a.grant_types || []).join(', ') },
          { key: 'secret_set', label: s.colSecret, render: (a) => (a.secret_set ? new Date(a.secret_set).toLocaleString() : '') },
          { key: 'actions', label: common.actions, render: (a) => h('div', { class: 'row-actions' },
            ui.button(common.edit, () => edit(a), { kind: 'link', 'aria-label': ui.fmt(s.editOne, { name: a.name }) }),
            a.type === 'confidential' ? ui.button(s.rotate, () => rotate(a), { kind: 'link', 'aria-label': ui.fmt(s.rotateOne, { name: a.name }) }) : null,
            ui.button(common.delete, () => remove(a), { kind: 'link', 'aria-label': ui.fmt(s.deleteOne, { name: a.name }) })) },
        ],
      }));
    }

    async function edit(a) {
      const f = appForm(ctx, a);
      const errors = h('div', { role: 'alert', class: 'dialog-errors', id: 'app-errors' });
      let created = null;
      const v = await ui.modal({
        title: a ? ui.fmt(s.editTitle, { name: a.name }) : s.registerTitle,
        content: h('div', {}, errors, f.el),
        buttons: [{ label: common.cancel, value: 'cancel' }, { label: common.save, value: 'save', kind: 'primary', submit: true }],
        onSubmit: async () => {
          errors.replaceChildren();
          try {
            if (a) await client.patchAppsById({ id: a.client_id }, f.value());
            else created = await client.postApps({}, f.value());
            return true;
          } catch (err) {
            errors.replaceChildren(ui.errorView(err, common));
            return false;
          }
        },
      });
      if (v !== 'save') return;
      await load();
      if (created && created.client_secret) {
        await showSecret(created.name, created.client_id, created.client_secret);
        created.client_secret = '';
      }
      const name = a ? f.value().name : created.name;
      ctx.notify(ui.fmt(s.saved, { name }));
      refocus(ui.fmt(s.editOne, { name }));
    }

    /** The secret, shown this once: a read-only field, a copy button, the warning. */
    async function showSecret(name, clientId, secret) {
      const idField = ui.field({ label: s.clientId, name: 'client_id', value: clientId, id: 'app-client-id', readonly: true });
      const secField = ui.field({ label: s.secret, name: 'client_secret', value: secret, id: 'app-secret', readonly: true, autocomplete: 'off', spellcheck: 'false' });
      const copied = h('p', { id: 'app-secret-copied', role: 'status' });
      const copyBtn = ui.button(s.copy, async () => {
        try {
          await navigator.clipboard.writeText(secField.input.value);
          copied.textContent = s.copied;
        } catch {
          secField.input.select();
          copied.textContent = document.execCommand && document.execCommand('copy') ? s.copied : s.copyFailed;
        }
      }, { id: 'app-secret-copy' });
      await ui.modal({
        title: ui.fmt(s.secretTitle, { name }),
        content: h('div', {}, h('p', { class: 'error-box', id: 'app-secret-warning' }, s.secretWarning), idField.el, secField.el, copyBtn, copied),
        buttons: [{ label: s.secretDone, value: 'done', kind: 'primary' }],
        onOpen: () => {},
      });
      // The dialog is gone from the DOM; drop the value too.
      secField.input.value = '';
    }

    async function rotate(a) {
      const ok = await ui.confirm({ title: s.rotateTitle, message: ui.fmt(s.rotateConfirm, { name: a.name }),
        confirmLabel: s.rotateYes, cancelLabel: common.cancel, danger: true });
      if (!ok) return;
      try {
        const res = await client.postAppsByIdSecret({ id: a.client_id });
        await load();
        await showSecret(a.name, res.client_id, res.client_secret);
        refocus(ui.fmt(s.rotateOne, { name: a.name }));
      } catch (err) {
        ctx.error(err);
      }
    }

    async function remove(a) {
      const ok = await ui.confirm({ title: s.deleteTitle, message: ui.fmt(s.deleteConfirm, { name: a.name }),
        confirmLabel: common.delete, cancelLabel: common.cancel, danger: true });
      if (!ok) return;
      try {
        await client.deleteAppsById({ id: a.client_id });
        ctx.notify(ui.fmt(s.deleted, { name: a.name }));
        await load();
        registerBtn.focus();
      } catch (err) {
        ctx.error(err);
      }
    }

    load();
    return () => {};
  },
};

/** The fields of an app (a null: a new one); value() builds the API's body. */
function appForm(ctx, a) {
  const { ui, s, common } = ctx;
  const { h } = ui;
  const v = a || {};
  const name = ui.field({ label: s.fields.name, name: 'name', value: v.name, id: 'app-name', required: true, requiredText: common.required, hint: s.nameHint, autocomplete: 'off' });
  let typeEl;
  const typeRadios = {};
  if (a) {
    typeEl = h('p', { id: 'app-type' }, h('strong', {}, s.fields.type, ': '), s.types[a.type] || a.type, h('br', {}), h('span', { class: 'hint' }, s.typeFixed));
  } else {
    typeEl = h('fieldset', { id: 'app-type' }, h('legend', {}, s.fields.type), ['public', 'confidential'].map((tp) => {
      const rid = `app-type-${tp}`;
      typeRadios[tp] = h('input', { type: 'radio', name: 'type', id: rid, value: tp, checked: tp === 'public' });
      return h('div', { class: 'field check' }, typeRadios[tp], h('label', { for: rid }, s.types[tp]));
    }));
  }
  const redirects = ui.field({ label: s.fields.redirect_uris, name: 'redirect_uris', type: 'textarea', value: (v.redirect_uris || []).join('\n'), id: 'app-redirects', hint: s.redirectsHint, rows: 3 });
  const sc = {};
  for (const x of SCOPES) sc[x] = ui.field({ label: s.scopes[x], name: `scope_${x}`, type: 'checkbox', value: (v.scopes || []).includes(x), id: `app-scope-${x.replace(':', '-')}` });
  const gr = {};
  const grantsNow = v.grant_types || ['authorization_code', 'refresh_token'];
  for (const g of GRANTS) gr[g] = ui.field({ label: s.grants[g], name: `grant_${g}`, type: 'checkbox', value: grantsNow.includes(g), id: `app-grant-${g}` });
  const el = h('div', {}, name.el, typeEl, redirects.el,
    h('fieldset', { id: 'app-scopes' }, h('legend', {}, s.scopesLegend), SCOPES.map((x) => sc[x].el)),
    h('fieldset', { id: 'app-grants' }, h('legend', {}, s.grantsLegend), GRANTS.map((g) => gr[g].el)));
  return {
    el,
    value() {
      const out = {
        name: name.input.value.trim(),
        redirect_uris: redirects.input.value.split('\n').map((l) => l.trim()).filter(Boolean),
        scopes: SCOPES.filter((x) => sc[x].input.checked),
        grant_types: GRANTS.filter((g) => gr[g].input.checked),
      };
      if (!a) out.type = typeRadios.confidential.checked ? 'confidential' : 'public';
      return out;
    },
  };
}
