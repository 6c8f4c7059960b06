// Wallboard: manage wallboards (the call groups each shows by id, the
// agents it monitors, SLA threshold, target and amber margin, the
// counters' default span), make or revoke the read-only link of a wall
// screen (/wallboard/#id=…&token=…, the token shown once), and show a
// board inline, live (the JavaScript client's wallboard module). For
// admins and holders of manage_callcenter.

import boardStrings from '../../wallboard/strings/en.js';
import { mountBoard } from '../../wallboard/board.js';

const CSS = '/public/wallboard/board.css';

export default {
  id: 'wallboard',
  titleKey: 'wallboard.title',
  adminOnly: false,
  allowed: (u) => u.role === 'admin' || (u.abilities || []).includes('manage_callcenter'),
  async render(root, ctx) {
    const { ui, s, common, client } = ctx;
    const { h } = ui;
    const wb = client.wallboard;
    if (!document.querySelector(`link[href="${CSS}"]`)) {
      document.head.append(h('link', { rel: 'stylesheet', href: CSS, id: 'wb-css' }));
    }
    root.append(h('p', { class: 'muted' }, s.intro));

    let boards = [];
    let shown = null; // id of the board shown
    let live = null;
    let stopBoard = null;
    const when = (t) => new Date(t).toLocaleString();

    // ---- the list ----
    const list = h('div', { id: 'wb-list' });
    const newBtn = ui.button(s.new, () => edit(null), { id: 'wb-new', kind: 'primary' });
    root.append(h('section', { 'aria-labelledby': 'wb-list-h' }, h('h2', { id: 'wb-list-h' }, s.listTitle), h('div', { class: 'toolbar' }, newBtn), list));
    const formBox = h('div', { id: 'wb-form-box' });
    const detail = h('div', { id: 'wb-detail' });
    root.append(formBox, detail);

    async function reload() {
      boards = await wb.list();
      list.replaceChildren(ui.table({
        caption: s.caption, rows: boards, empty: s.none,
        rowAttrs: (b) => ({ dataset: { board: b.id } }),
        columns: [
          { key: 'name', label: s.colName },
          { key: 'groups', label: s.colGroups, render: (b) => b.groups.join(', ') },
          { key: 'agents', label: s.colAgents, render: (b) => String(b.monitored.length) },
          { key: 'link', label: s.colLink, render: (b) => (b.token ? ui.fmt(s.linkMade, { when: when(b.token.created_at) }) : s.linkNone) },
          { key: 'actions', label: common.actions, render: (b) => h('span', {},
            ui.button(s.show, () => show(b.id), { kind: 'link', 'aria-label': ui.fmt(s.showOne, { name: b.name }), dataset: { action: 'show' } }),
            ui.button(common.edit, () => edit(b), { kind: 'link', 'aria-label': ui.fmt(s.editOne, { name: b.name }), dataset: { action: 'edit' } }),
            ui.button(common.delete, () => remove(b), { kind: 'link', 'aria-label': ui.fmt(s.deleteOne, { name: b.name }), dataset: { action: 'delete' } })) },
        ],
      }));
      if (shown && !boards.some((b) => b.id === shown)) hide();
    }

    // ---- create / edit ----
    function edit(b) {
      const name = ui.field({ label: s.name, name: 'name', id: 'wb-name', required: true, requiredText: common.required, value: b ? b.name : '', maxlength: 100, autocomplete: 'off' });
      const groups = ui.field({ label: s.groups, name: 'groups', id: 'wb-groups', required: true, requiredText: common.required, hint: s.groupsHint, value: b ? b.groups.join(', ') : '', autocomplete: 'off' });
      const thr = ui.field({ label: s.slaThreshold, name: 'sla_threshold', id: 'wb-sla-threshold', type: 'number', min: 0, max: 3600, hint: s.slaThresholdHint, value: b ? b.sla_threshold : 0 });
      const target = ui.field({ label: s.slaTarget, name: 'sla_target', id: 'wb-sla-target', type: 'number', min: 0, max: 100, step: 'any', hint: s.slaTargetHint, value: b ? b.sla_target : 0 });
      const amber = ui.field({ label: s.amber, name: 'amber_margin', id: 'wb-amber', type: 'number', min: 0, max: 100, step: 'any', hint: s.amberHint, value: b ? b.amber_margin : 5 });
      const mode = ui.field({ label: s.mode, name: 'counters_mode', id: 'wb-counters-mode', type: 'select', value: b ? b.counters_mode : 'midnight',
        options: ['midnight', 'connect'].map((m) => ({ value: m, label: s.modes[m] })) });
      const title = b ? ui.fmt(s.formEdit, { name: b.name }) : s.formNew;
      const form = h('form', { id: 'wb-form', novalidate: true, 'aria-labelledby': 'wb-form-h' },
        h('h2', { id: 'wb-form-h' }, title), name.el, groups.el, h('div', { class: 'grid' }, thr.el, target.el, amber.el, mode.el),
        h('div', { class: 'toolbar' }, ui.button(common.save, undefined, { type: 'submit', kind: 'primary', id: 'wb-save' }),
          ui.button(common.cancel, () => { formBox.replaceChildren(); newBtn.focus(); }, { id: 'wb-cancel' })));
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        const body = {
          name: name.input.value,
          groups: groups.input.value.split(',').map((x) => x.trim()).filter(Boolean),
          monitored: b ? b.monitored : [],
          sla_threshold: Number(thr.input.value || 0),
          sla_target: Number(target.input.value || 0),
          amber_margin: Number(amber.input.value || 0),
          counters_mode: mode.input.value,
        };
        try {
          const out = b ? await wb.update(b.id, body) : await wb.create(body);
          ctx.notify(ui.fmt(b ? s.saved : s.created, { name: out.name }));
          formBox.replaceChildren();
          await reload();
          await show(out.id);
        } catch (err) {
          ctx.error(err);
        }
      });
      formBox.replaceChildren(form);
      name.input.focus();
    }

    async function remove(b) {
      const ok = await ui.confirm({ title: s.deleteTitle, message: ui.fmt(s.deleteConfirm, { name: b.name }), confirmLabel: common.delete, cancelLabel: common.cancel, danger: true });
      if (!ok) return;
      try {
        await wb.remove(b.id);
        ctx.notify(ui.fmt(s.deleted, { name: b.name }));
        if (shown === b.id) hide();
        await reload();
      } catch (err) {
        ctx.error(err);
      }
    }

    // ---- one board: agents, screen link, the board itself ----
    function hide() {
      if (stopBoard) stopBoard();
      if (live) live.close();
      stopBoard = null;
      live = null;
      shown = null;
      detail.replaceChildren();
    }

    async function show(id) {
      hide();
      shown = id;
      const b = await wb.get(id);
      const agentsBox = h('div', { id: 'wb-agents-box' });
      const linkBox = h('div', { id: 'wb-link-box' });
      const boardBox = h('div', { id: 'wb-inline' });
      detail.replaceChildren(
        h('h2', { id: 'wb-detail-h', tabindex: '-1' }, ui.fmt(s.boardTitle, { name: b.name })),
        boardBox,
        h('section', { 'aria-labelledby': 'wb-agents-h' }, h('h3', { id: 'wb-agents-h' }, s.agentsTitle), agentsBox),
        h('section', { 'aria-labelledby': 'wb-link-h' }, h('h3', { id: 'wb-link-h' }, s.linkTitle), h('p', { class: 'hint' }, s.linkIntro), linkBox));
      drawAgents(b, agentsBox);
      drawLink(b, linkBox, null);
      live = wb.live(id);
      live.on('error', (e) => ctx.error(e.error));
      live.on('ready', () => drawAgents(b, agentsBox)); // with the agents' names
      stopBoard = mountBoard(boardBox, live, boardStrings);
      detail.querySelector('#wb-detail-h').focus();
    }

    function drawAgents(b, box) {
      const names = new Map(((live && live.board && live.board.agents) || []).map((a) => [a.user_id, a.name]));
      const user = ui.field({ label: s.agentUser, name: 'user', id: 'wb-agent-user', hint: s.agentUserHint, autocomplete: 'off' });
      const form = h('form', { id: 'wb-agent-form', class: 'toolbar', novalidate: true, 'aria-label': s.agentAdd }, user.el,
        ui.button(s.agentAdd, undefined, { type: 'submit', id: 'wb-agent-add' }));
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        const id = user.input.value.trim();
        if (!id) return;
        try {
          const nb = await wb.monitor(b.id, id);
          ctx.notify(s.agentAdded);
          drawAgents(nb, box);
          if (live) await live.reload();
          await reload();
          box.querySelector('#wb-agent-user').focus();
        } catch (err) {
          ctx.error(err);
        }
      });
      const rows = b.monitored.map((id) => ({ id, name: names.get(id) || id }));
      box.replaceChildren(ui.table({
        caption: ui.fmt(s.agentsCaption, { name: b.name }), rows, empty: s.agentsNone,
        rowAttrs: (r) => ({ dataset: { user: r.id } }),
        columns: [
          { key: 'name', label: s.colAgent },
          { key: 'id', label: s.colUserId, render: (r) => h('code', {}, r.id) },
          { key: 'actions', label: common.actions, render: (r) => ui.button(s.agentRemove, async () => {
            try {
              const nb = await wb.unmonitor(b.id, r.id);
              ctx.notify(s.agentRemoved);
              drawAgents(nb, box);
              if (live) await live.reload();
              await reload();
              box.querySelector('#wb-agent-user').focus();
            } catch (err) {
              ctx.error(err);
            }
          }, { kind: 'link', 'aria-label': ui.fmt(s.agentRemoveOne, { name: r.name }), dataset: { action: 'remove' } }) },
        ],
      }), form);
    }

    function drawLink(b, box, made) {
      const parts = [];
      if (made) {
        const url = new URL(made.path, location.href).toString();
        const f = ui.field({ label: s.linkShown, name: 'link', id: 'wb-link-url', value: url, readonly: true, hint: s.linkOnce });
        parts.push(f.el, h('p', {}, h('a', { href: url, target: '_blank', rel: 'noopener noreferrer', id: 'wb-link-open' }, s.linkOpen)));
      } else {
        parts.push(h('p', { id: 'wb-link-state' }, b.token ? ui.fmt(s.linkState, { when: when(b.token.created_at) }) : s.linkNoneYet));
      }
      parts.push(h('div', { class: 'toolbar' },
        ui.button(b.token ? s.linkRemake : s.linkMake, async () => {
          try {
            const tok = await wb.token(b.id);
            const nb = await wb.get(b.id);
            drawLink(nb, box, tok);
            await reload();
            box.querySelector('#wb-link-url').select();
          } catch (err) {
            ctx.error(err);
          }
        }, { id: 'wb-link-make', kind: 'primary' }),
        b.token ? ui.button(s.linkRevoke, async () => {
          const ok = await ui.confirm({ title: s.revokeTitle, message: ui.fmt(s.revokeConfirm, { name: b.name }), confirmLabel: s.linkRevoke, cancelLabel: common.cancel, danger: true });
          if (!ok) return;
          try {
            await wb.revokeToken(b.id);
            ctx.notify(s.linkRevoked);
            drawLink(await wb.get(b.id), box, null);
            await reload();
          } catch (err) {
            ctx.error(err);
          }
        }, { id: 'wb-link-revoke', kind: 'danger' }) : null));
      box.replaceChildren(...parts);
    }

    await reload();
    return () => {
      hide();
      const css = document.getElementById('wb-css');
      if (css) css.remove();
    };
  },
};
