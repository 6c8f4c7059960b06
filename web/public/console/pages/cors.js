// CORS origins: those of the configuration (cors.origins; read-only,
// marked as such) and those added through the API (add, with the
// validation error shown at the field; remove, after a confirmation).

export default {
  id: 'cors',
  titleKey: 'cors.title',
  adminOnly: true,
  render(root, ctx) {
    const { ui, s, common, client } = ctx;
    const { h } = ui;
    const origin = ui.field({ label: s.origin, name: 'origin', type: 'url', id: 'cors-origin', hint: s.originHint, autocomplete: 'off', required: true, requiredText: common.required });
    const fieldError = h('div', { id: 'cors-origin-error', class: 'dialog-errors', role: 'alert' });
    origin.input.setAttribute('aria-describedby', 'cors-origin-hint cors-origin-error');
    const form = h('form', { class: 'toolbar', id: 'cors-add-form', 'aria-label': s.add, novalidate: true },
      origin.el, ui.button(s.add, undefined, { type: 'submit', kind: 'primary', id: 'cors-add' }));
    const configList = h('div', { id: 'cors-config' });
    const apiList = h('div', { id: 'cors-api' });
    root.append(h('p', {}, s.intro), form, fieldError,
      h('section', { 'aria-labelledby': 'cors-api-h' }, h('h2', { id: 'cors-api-h' }, s.apiTitle), apiList),
      h('section', { 'aria-labelledby': 'cors-config-h' }, h('h2', { id: 'cors-config-h' }, s.configTitle),
        h('p', { class: 'hint' }, s.configNote), configList));

    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      fieldError.replaceChildren();
      origin.input.removeAttribute('aria-invalid');
      try {
        const res = await client.postCorsOrigins({}, { origin: origin.input.value.trim() });
        origin.input.value = '';
        ctx.notify(ui.fmt(s.added, { origin: res.origin }));
        await load();
      } catch (err) {
        origin.input.setAttribute('aria-invalid', 'true');
        ctx.status.clear();
        fieldError.replaceChildren(ui.errorView(err, common)); // at the field (an alert), not twice
        origin.input.focus();
      }
    });

    async function load() {
      try {
        const res = await client.getCorsOrigins();
        const all = res.origins || [];
        show(all.filter((o) => o.source === 'config'), all.filter((o) => o.source !== 'config'));
      } catch (err) {
        ctx.error(err);
      }
    }

    function show(cfg, added) {
      configList.replaceChildren(ui.table({
        caption: s.configCaption, rows: cfg, empty: s.noneConfig,
        columns: [
          { key: 'origin', label: s.colOrigin, render: (o) => h('code', {}, o.origin) },
          { key: 'source', label: s.colSource, render: () => h('span', { class: 'tag' }, s.readOnly) },
        ],
      }));
      apiList.replaceChildren(ui.table({
        caption: s.apiCaption, rows: added, empty: s.noneApi,
        rowAttrs: (o) => ({ dataset: { origin: o.origin } }),
        columns: [
          { key: 'origin', label: s.colOrigin, render: (o) => h('code', {}, o.origin) },
          { key: 'actions', label: common.actions, render: (o) => ui.button(s.remove, () => remove(o.origin),
            { kind: 'link', 'aria-label': ui.fmt(s.removeOne, { origin: o.origin }) }) },
        ],
      }));
      apiList.dataset.count = String(added.length);
    }

    async function remove(o) {
      const ok = await ui.confirm({ title: s.removeTitle, message: ui.fmt(s.removeConfirm, { origin: o }),
        confirmLabel: s.remove, cancelLabel: common.cancel, danger: true });
      if (!ok) return;
      try {
        await client.deleteCorsOriginsByOrigin({ origin: o });
        ctx.notify(ui.fmt(s.removed, { origin: o }));
        await load();
        origin.input.focus();
      } catch (err) {
        ctx.error(err);
      }
    }

    load();
    return () => {};
  },
};
