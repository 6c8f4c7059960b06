// Phones: the desk phones registered with pbxagent. Register, edit and
// delete a phone, rotate its token (the new token is shown once, with a
// copy button), and see each phone's provisioning URL (what to enter in
// the phone, per vendor) and its last provisioning and phone-book fetch.

const VENDORS = ['yealink', 'cisco', 'polycom', 'grandstream', 'snom', 'fanvil'];

export default {
  id: 'phones',
  titleKey: 'phones.title',
  adminOnly: true,
  async render(root, ctx) {
    const { ui, s, common, client } = ctx;
    const { h } = ui;
    let users = []; // every user, for the owner picker and the owner column

    const summary = h('p', { id: 'phones-summary', class: 'muted', 'aria-live': 'polite' });
    const results = h('div', { id: 'phones-results' });
    root.append(h('p', {}, s.intro),
      h('div', { class: 'toolbar' }, ui.button(s.register, () => register(), { kind: 'primary', id: 'phones-register' })),
      summary, results);

    async function loadUsers() {
      const all = [];
      let cursor;
      do {
        const page = await client.getUsers({ limit: 100, cursor });
        all.push(...(page.users || []));
        cursor = page.next_cursor;
      } while (cursor);
      users = all.sort((a, b) => a.username.localeCompare(b.username));
    }

    function ownerLabel(id) {
      if (!id) return '';
      const u = users.find((x) => x.id === id);
      if (!u) return ui.fmt(s.unknownOwner, { id });
      return u.display_name && u.display_name !== u.username ? `${u.display_name} (${u.username})` : u.username;
    }

    function when(at) {
      return new Date(at).toLocaleString();
    }

    function fetchLines(p) {
      const lines = [];
      if (p.last_provisioning_fetch) lines.push(h('div', { class: 'fetch-prov' }, ui.fmt(s.provisioning, { ...p.last_provisioning_fetch, at: when(p.last_provisioning_fetch.at) })));
      if (p.last_phonebook_fetch) lines.push(h('div', { class: 'fetch-book' }, ui.fmt(s.phonebook, { ...p.last_phonebook_fetch, at: when(p.last_phonebook_fetch.at) })));
      return lines.length ? lines : h('span', { class: 'muted' }, s.never);
    }

    /** A copy button for text; the result is announced in live (a polite region). */
    function copyButton(text, label, live) {
      return ui.button(s.copy, async () => {
        let ok = false;
        try {
          await navigator.clipboard.writeText(text);
          ok = true;
        } catch {
          ok = false;
        }
        if (live) live.textContent = ok ? s.copied : s.copyFailed;
        else if (ok) ctx.notify(s.copied);
        else ctx.error({ message: s.copyFailed });
      }, { 'aria-label': label });
    }

    function urlCell(p) {
      return h('div', {},
        h('code', { class: 'prov-url' }, p.provisioning_url), ' ',
        copyButton(p.provisioning_url, ui.fmt(s.copyURL, { mac: p.mac })),
        h('p', { class: 'hint' }, ui.fmt(s.enterIn, { field: s.fields[p.vendor] || p.vendor })));
    }

    async function load() {
      results.setAttribute('aria-busy', 'true');
      try {
        const [list] = await Promise.all([client.getPhones(), loadUsers()]);
        show(list.phones || []);
      } catch (err) {
        ctx.error(err);
      } finally {
        results.removeAttribute('aria-busy');
      }
    }

    function show(phones) {
      summary.textContent = phones.length === 1 ? s.countOne : ui.fmt(s.count, { n: phones.length });
      const columns = [
        { key: 'mac', label: s.colMAC },
        { key: 'vendor', label: s.colVendor, render: (p) => [s.vendors[p.vendor] || p.vendor, p.model ? ` ${p.model}` : ''].join('') },
        { key: 'owner', label: s.colOwner, render: (p) => ownerLabel(p.owner) },
        { key: 'auth', label: s.colAuth, render: (p) => (p.username ? ui.fmt(s.userAndToken, { name: p.username }) : s.tokenOnly) },
        { key: 'url', label: s.colURL, render: urlCell },
        { key: 'fetch', label: s.colFetch, render: fetchLines },
        { key: 'actions', label: common.actions, render: (p) => h('div', { class: 'row-actions' },
          ui.button(common.edit, () => edit(p), { kind: 'link', 'aria-label': ui.fmt(s.editOne, { mac: p.mac }) }),
          ui.button(s.rotate, () => rotate(p), { kind: 'link', 'aria-label': ui.fmt(s.rotateOne, { mac: p.mac }) }),
          ui.button(common.delete, () => remove(p), { kind: 'link', 'aria-label': ui.fmt(s.deleteOne, { mac: p.mac }) })) },
      ];
      results.replaceChildren(ui.table({ caption: s.caption, columns, rows: phones, empty: s.none,
        rowAttrs: (p) => ({ dataset: { mac: p.mac } }) }));
    }

    /** The owner picker's options; keep is an owner that names no user (kept as it is unless changed). */
    function ownerOptions(keep) {
      const opts = [{ value: '', label: s.noOwner }, ...users.map((u) => ({ value: u.id, label: ownerLabel(u.id) }))];
      if (keep && !users.some((u) => u.id === keep)) opts.push({ value: keep, label: ownerLabel(keep) });
      return opts;
    }

    /** The phone's form: p null for a new phone. value() is the API's input (a PATCH only carries changes). */
    function phoneForm(p) {
      const fid = (k) => `phone-${k}`;
      const F = {
        mac: p ? null : ui.field({ label: s.mac, name: 'mac', id: fid('mac'), required: true, requiredText: common.required, hint: s.macHint, autocomplete: 'off' }),
        vendor: ui.field({ label: s.vendor, name: 'vendor', type: 'select', id: fid('vendor'), value: p ? p.vendor : 'yealink',
          options: VENDORS.map((v) => ({ value: v, label: s.vendors[v] })) }),
        model: ui.field({ label: s.model, name: 'model', id: fid('model'), value: p ? p.model : '', hint: s.modelHint, autocomplete: 'off' }),
        owner: ui.field({ label: s.owner, name: 'owner', type: 'select', id: fid('owner'), value: p ? p.owner || '' : '', options: ownerOptions(p && p.owner), hint: s.ownerHint }),
        endpoints: ui.field({ label: s.endpoints, name: 'endpoints', id: fid('endpoints'), value: p ? (p.endpoints || []).join(', ') : '', hint: s.endpointsHint, autocomplete: 'off' }),
        username: ui.field({ label: s.username, name: 'username', id: fid('username'), value: p ? p.username : '', hint: s.usernameHint, autocomplete: 'off' }),
        password: ui.field({ label: p ? s.newPassword : s.password, name: 'password', type: 'password', id: fid('password'),
          hint: p ? s.newPasswordHint : s.passwordHint, autocomplete: 'new-password' }),
      };
      const el = h('div', { class: 'grid' }, Object.values(F).filter(Boolean).map((x) => x.el));
      return {
        el,
        value() {
          const v = {
            vendor: F.vendor.input.value, model: F.model.input.value.trim(), owner: F.owner.input.value,
            username: F.username.input.value.trim(),
          };
          const pass = F.password.input.value;
          const endpoints = F.endpoints.input.value.split(/[\s,]+/).filter(Boolean);
          if (!p) return { mac: F.mac.input.value.trim(), ...v, password: pass, endpoints };
          const out = {};
          for (const k of Object.keys(v)) if (v[k] !== (p[k] || '')) out[k] = v[k];
          if (endpoints.join(',') !== (p.endpoints || []).join(',')) out.endpoints = endpoints;
          if (pass) out.password = pass;
          return out;
        },
      };
    }

    /** Shows a token just made, once, with a copy button. */
    async function showToken(p) {
      const live = h('p', { class: 'muted', role: 'status', id: 'token-copied' });
      const tok = ui.field({ label: s.token, name: 'token', id: 'phone-token', value: p.token, readonly: true, autocomplete: 'off', spellcheck: 'false' });
      await ui.modal({
        title: s.tokenTitle,
        content: h('div', {}, h('p', {}, s.tokenOnce), tok.el, copyButton(p.token, s.copyToken, live), live,
          h('p', {}, h('strong', {}, s.colURL, ': '), h('code', {}, p.provisioning_url)),
          h('p', { class: 'hint' }, ui.fmt(s.enterIn, { field: s.fields[p.vendor] || p.vendor }))),
        buttons: [{ label: common.close, value: 'close', kind: 'primary' }],
      });
    }

    async function register() {
      try {
        await loadUsers();
      } catch (err) {
        ctx.error(err);
        return;
      }
      const f = phoneForm(null);
      const errors = h('div', { role: 'alert', class: 'dialog-errors' });
      let made;
      const v = await ui.modal({
        title: s.registerTitle,
        content: h('div', {}, errors, f.el),
        buttons: [{ label: common.cancel, value: 'cancel' }, { label: s.register, value: 'save', kind: 'primary', submit: true }],
        onSubmit: async () => {
          errors.replaceChildren();
          const input = f.value();
          if (!input.username) delete input.username;
          if (!input.password) delete input.password;
          if (!input.owner) delete input.owner;
          try {
            made = await client.postPhones({}, input);
            return true;
          } catch (err) {
            errors.replaceChildren(ui.errorView(err, common));
            return false;
          }
        },
      });
      if (v !== 'save' || !made) return;
      await load();
      ctx.notify(ui.fmt(s.registered, { mac: made.mac }));
      await showToken(made);
    }

    async function edit(p) {
      const f = phoneForm(p);
      const errors = h('div', { role: 'alert', class: 'dialog-errors' });
      const v = await ui.modal({
        title: ui.fmt(s.editTitle, { mac: p.mac }),
        content: h('div', {}, errors, f.el),
        buttons: [{ label: common.cancel, value: 'cancel' }, { label: common.save, value: 'save', kind: 'primary', submit: true }],
        onSubmit: async () => {
          errors.replaceChildren();
          const input = f.value();
          if (!Object.keys(input).length) return true;
          try {
            await client.patchPhonesByMac({ mac: p.mac }, input);
            return true;
          } catch (err) {
            errors.replaceChildren(ui.errorView(err, common));
            return false;
          }
        },
      });
      if (v !== 'save') return;
      ctx.notify(common.saved);
      await load();
    }

    async function rotate(p) {
      const ok = await ui.confirm({ title: s.rotateTitle, message: ui.fmt(s.rotateConfirm, { mac: p.mac }),
        confirmLabel: s.rotate, cancelLabel: common.cancel, danger: true });
      if (!ok) return;
      let res;
      try {
        res = await client.patchPhonesByMac({ mac: p.mac }, { rotate_token: true });
      } catch (err) {
        ctx.error(err);
        return;
      }
      ctx.notify(ui.fmt(s.rotated, { mac: p.mac }));
      await showToken(res);
    }

    async function remove(p) {
      const ok = await ui.confirm({ title: s.deleteTitle, message: ui.fmt(s.deleteConfirm, { mac: p.mac }),
        confirmLabel: common.delete, cancelLabel: common.cancel, danger: true });
      if (!ok) return;
      try {
        await client.deletePhonesByMac({ mac: p.mac });
        ctx.notify(ui.fmt(s.deleted, { mac: p.mac }));
        await load();
      } catch (err) {
        ctx.error(err);
      }
    }

    await load();
    return () => {};
  },
};
