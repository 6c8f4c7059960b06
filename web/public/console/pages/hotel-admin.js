// The Hotel page's administration (pages/hotel.js; administrators): the
// PMS link's state, the rooms' configuration, the room groups and the
// rate tables (a table's rates edited as rows of text).

import { CLASSES } from './hotel-kit.js';

/**
 * The administration sections: el (to place in the page), render() (the
 * link and the rooms, from the live view), load() (groups and rates),
 * schedule() (load soon), stop().
 */
export function administration(ctx, k, live) {
  const { ui, s, common } = ctx;
  const { h } = ui;
  const hotel = ctx.client.hotel;
  const { keep, badge } = k;
  let groups = [];
  let rates = [];
  let adminTimer = null;
  const linkWrap = h('div', { id: 'ht-link' });
  const roomsWrap = h('div', { id: 'ht-rooms-config' });
  const groupsWrap = h('div', { id: 'ht-groups' });
  const ratesWrap = h('div', { id: 'ht-rates' });
  const el = [
    h('section', { 'aria-labelledby': 'ht-link-h' }, h('h2', { id: 'ht-link-h' }, s.linkTitle), linkWrap),
    h('section', { 'aria-labelledby': 'ht-rooms-h' }, h('h2', { id: 'ht-rooms-h', tabindex: '-1' }, s.roomsTitle),
      h('div', { class: 'toolbar' }, ui.button(s.addRoom, () => editRoom(null), { kind: 'primary', id: 'ht-add-room' })), roomsWrap),
    h('section', { 'aria-labelledby': 'ht-groups-h' }, h('h2', { id: 'ht-groups-h', tabindex: '-1' }, s.groupsTitle),
      h('div', { class: 'toolbar' }, ui.button(s.addGroup, () => editGroup(null), { id: 'ht-add-group' })), groupsWrap),
    h('section', { 'aria-labelledby': 'ht-rates-h' }, h('h2', { id: 'ht-rates-h', tabindex: '-1' }, s.ratesTitle),
      h('p', { class: 'muted' }, s.ratesIntro),
      h('div', { class: 'toolbar' }, ui.button(s.addTable, () => editTable(null), { id: 'ht-add-table' })), ratesWrap),
  ];

  function renderLink() {
    const l = live.link;
    if (!l) {
      keep(linkWrap, h('p', { class: 'muted' }, s.linkUnknown));
      return;
    }
    keep(linkWrap, h('dl', { class: 'facts', dataset: { connected: String(!!l.connected) } },
      h('dt', {}, s.linkState), h('dd', {}, badge('link', l.connected ? 'up' : 'down', l.connected ? s.linkUp : s.linkDown, l.connected ? '●' : '○')),
      l.peer ? [h('dt', {}, s.linkPeer), h('dd', {}, l.peer)] : null,
      h('dt', {}, s.linkQueued), h('dd', {}, String(l.queued || 0)),
      l.error ? [h('dt', {}, s.linkError), h('dd', {}, l.error)] : null));
  }

  let roomsConfigSig = null;
  function renderRoomsConfig() {
    const rooms = live.rooms;
    const sig = JSON.stringify(rooms.map((r) => [r.number, r.floor, r.type, r.group, r.class, r.extensions, r.devices]));
    if (sig === roomsConfigSig) return;
    roomsConfigSig = sig;
    keep(roomsWrap, ui.table({
      caption: s.roomsCaption, rows: rooms, empty: s.noRoomsAdmin,
      rowAttrs: (r) => ({ dataset: { room: r.number } }),
      columns: [
        { key: 'number', label: s.colRoom, render: (r) => r.number },
        { key: 'floor', label: s.fFloor, render: (r) => r.floor || '' },
        { key: 'type', label: s.fType, render: (r) => r.type || '' },
        { key: 'group', label: s.fGroup, render: (r) => r.group || '' },
        { key: 'class', label: s.fRoomClass, render: (r) => (r.class ? s.classes[r.class] || r.class : s.classDefault) },
        { key: 'extensions', label: s.fExtensions, render: (r) => (r.extensions || []).join(', ') },
        { key: 'devices', label: s.fDevices, render: (r) => (r.devices || []).join(', ') },
        { key: 'actions', label: common.actions, render: (r) => h('div', { class: 'row-actions' },
          ui.button(common.edit, () => editRoom(r.number), { kind: 'link', id: `ht-room-edit-${r.number}`, 'aria-label': ui.fmt(s.editRoomOne, { room: r.number }) }),
          ui.button(common.delete, () => deleteRoom(r.number), { kind: 'link', id: `ht-room-del-${r.number}`, 'aria-label': ui.fmt(s.deleteRoomOne, { room: r.number }) })) },
      ],
    }));
  }

  async function loadAdmin() {
    [groups, rates] = await Promise.all([hotel.groups(), hotel.rates()]);
    keep(groupsWrap, ui.table({
      caption: s.groupsCaption, rows: groups, empty: s.noGroups,
      rowAttrs: (g) => ({ dataset: { group: g.id } }),
      columns: [
        { key: 'id', label: s.fGroupId, render: (g) => g.id },
        { key: 'name', label: s.fGroupName, render: (g) => g.name || '' },
        { key: 'class', label: s.fClass, render: (g) => s.classes[g.class] || g.class },
        { key: 'actions', label: common.actions, render: (g) => h('div', { class: 'row-actions' },
          ui.button(common.edit, () => editGroup(g), { kind: 'link', id: `ht-group-edit-${g.id}`, 'aria-label': ui.fmt(s.editGroupOne, { group: g.id }) }),
          ui.button(common.delete, () => deleteGroup(g.id), { kind: 'link', id: `ht-group-del-${g.id}`, 'aria-label': ui.fmt(s.deleteGroupOne, { group: g.id }) })) },
      ],
    }));
    keep(ratesWrap, ui.table({
      caption: s.ratesCaption, rows: rates, empty: s.noRates,
      rowAttrs: (t) => ({ dataset: { table: t.id } }),
      columns: [
        { key: 'id', label: s.fTableId, render: (t) => t.id },
        { key: 'name', label: s.fTableName, render: (t) => t.name || '' },
        { key: 'trunk', label: s.fTrunk, render: (t) => t.trunk || s.any },
        { key: 'class', label: s.fClass, render: (t) => (t.class ? s.classes[t.class] || t.class : s.any) },
        { key: 'currency', label: s.fCurrency, render: (t) => t.currency },
        { key: 'rates', label: s.colRates, render: (t) => String((t.rates || []).length) },
        { key: 'actions', label: common.actions, render: (t) => h('div', { class: 'row-actions' },
          ui.button(common.edit, () => editTable(t), { kind: 'link', id: `ht-table-edit-${t.id}`, 'aria-label': ui.fmt(s.editTableOne, { table: t.id }) }),
          ui.button(common.delete, () => deleteTable(t.id), { kind: 'link', id: `ht-table-del-${t.id}`, 'aria-label': ui.fmt(s.deleteTableOne, { table: t.id }) })) },
      ],
    }));
  }

  function scheduleAdmin() {
    clearTimeout(adminTimer);
    adminTimer = setTimeout(() => { loadAdmin().catch(ctx.error); }, 300);
  }

  /** A dialog with a form: fields built by build(), saved by save(value) (errors shown inside). */
  async function formDialog({ title, id, build, save }) {
    const f = build();
    const errors = h('div', { role: 'alert', class: 'dialog-errors', id: `${id}-errors` });
    let saved = null;
    const v = await ui.modal({
      title, content: h('div', { id }, errors, f.el),
      buttons: [{ label: common.cancel, value: 'cancel' }, { label: common.save, value: 'save', kind: 'primary', submit: true }],
      onSubmit: async () => {
        errors.replaceChildren();
        try {
          saved = await save(f.value());
          return true;
        } catch (err) {
          errors.replaceChildren(ui.errorView(err, common));
          return false;
        }
      },
    });
    return v === 'save' ? saved : null;
  }

  const list = (v) => v.split(',').map((x) => x.trim()).filter(Boolean);

  async function editRoom(number) {
    const r = number ? live.room(number) : null;
    const saved = await formDialog({
      title: r ? ui.fmt(s.editRoomTitle, { room: r.number }) : s.addRoomTitle, id: 'ht-room-form',
      build: () => {
        const num = r ? null : ui.field({ label: s.fNumber, name: 'number', id: 'ht-rf-number', hint: s.fNumberHint, required: true, requiredText: common.required, autocomplete: 'off', maxlength: 8 });
        const floor = ui.field({ label: s.fFloor, name: 'floor', id: 'ht-rf-floor', value: r ? r.floor || '' : '', autocomplete: 'off' });
        const type = ui.field({ label: s.fType, name: 'type', id: 'ht-rf-type', value: r ? r.type || '' : '', autocomplete: 'off' });
        const group = ui.field({ label: s.fGroup, name: 'group', type: 'select', id: 'ht-rf-group', value: r ? r.group || '' : '',
          options: [{ value: '', label: s.noGroup }, ...groups.map((g) => ({ value: g.id, label: g.name ? `${g.name} (${g.id})` : g.id }))] });
        const cls = ui.field({ label: s.fRoomClass, name: 'class', type: 'select', id: 'ht-rf-class', value: r ? r.class || '' : '', hint: s.fRoomClassHint,
          options: [{ value: '', label: s.classDefault }, ...CLASSES.map((v) => ({ value: v, label: s.classes[v] }))] });
        const ext = ui.field({ label: s.fExtensions, name: 'extensions', id: 'ht-rf-extensions', hint: s.fExtensionsHint, value: r ? (r.extensions || []).join(', ') : '', autocomplete: 'off' });
        const dev = ui.field({ label: s.fDevices, name: 'devices', id: 'ht-rf-devices', hint: s.fDevicesHint, value: r ? (r.devices || []).join(', ') : '', autocomplete: 'off' });
        return {
          el: h('div', { class: 'grid' }, num ? num.el : null, floor.el, type.el, group.el, cls.el, ext.el, dev.el),
          value: () => ({
            number: r ? r.number : num.input.value.trim(), floor: floor.input.value.trim() || undefined, type: type.input.value.trim() || undefined,
            group: group.input.value || undefined, class: cls.input.value || undefined, extensions: list(ext.input.value).length ? list(ext.input.value) : undefined, devices: list(dev.input.value),
          }),
        };
      },
      save: (v) => (r ? hotel.updateRoom(r.number, v) : hotel.createRoom(v)),
    });
    if (!saved) return;
    ctx.notify(ui.fmt(r ? s.roomSaved : s.roomAdded, { room: saved.number }));
  }

  async function deleteRoom(number) {
    const ok = await ui.confirm({ title: s.deleteRoomTitle, message: ui.fmt(s.deleteRoomConfirm, { room: number }),
      confirmLabel: common.delete, cancelLabel: common.cancel, danger: true });
    if (!ok) return;
    try {
      await hotel.removeRoom(number);
      ctx.notify(ui.fmt(s.roomDeleted, { room: number }));
      document.getElementById('ht-rooms-h').focus();
    } catch (err) {
      ctx.error(err);
    }
  }

  async function editGroup(g) {
    const saved = await formDialog({
      title: g ? ui.fmt(s.editGroupTitle, { group: g.id }) : s.addGroupTitle, id: 'ht-group-form',
      build: () => {
        const gid = g ? null : ui.field({ label: s.fGroupId, name: 'id', id: 'ht-gf-id', hint: s.fIdHint, required: true, requiredText: common.required, autocomplete: 'off', maxlength: 32 });
        const name = ui.field({ label: s.fGroupName, name: 'name', id: 'ht-gf-name', value: g ? g.name || '' : '', autocomplete: 'off' });
        const cls = ui.field({ label: s.fClass, name: 'class', type: 'select', id: 'ht-gf-class', value: g ? g.class : 'national',
          options: CLASSES.map((v) => ({ value: v, label: s.classes[v] })) });
        return {
          el: h('div', { class: 'grid' }, gid ? gid.el : null, name.el, cls.el),
          value: () => ({ id: g ? g.id : gid.input.value.trim(), name: name.input.value.trim() || undefined, class: cls.input.value }),
        };
      },
      save: (v) => hotel.putGroup(v),
    });
    if (!saved) return;
    ctx.notify(ui.fmt(s.groupSaved, { group: saved.id || (g && g.id) }));
    await loadAdmin();
  }

  async function deleteGroup(id) {
    const ok = await ui.confirm({ title: s.deleteGroupTitle, message: ui.fmt(s.deleteGroupConfirm, { group: id }),
      confirmLabel: common.delete, cancelLabel: common.cancel, danger: true });
    if (!ok) return;
    try {
      await hotel.removeGroup(id);
      ctx.notify(ui.fmt(s.groupDeleted, { group: id }));
      await loadAdmin();
      document.getElementById('ht-groups-h').focus();
    } catch (err) {
      ctx.error(err);
    }
  }

  const RATE_FIELDS = ['prefix', 'name', 'per_minute', 'increment', 'minimum', 'no_charge', 'surcharge', 'weight'];

  /** The rates as rows of text (prefix,name,per_minute,increment,minimum,no_charge,surcharge,weight). */
  function ratesText(rs) {
    return (rs || []).map((r) => RATE_FIELDS.map((k) => (r[k] === undefined || r[k] === null ? '' : String(r[k]).replace(/,/g, ' '))).join(',')).join('\n');
  }

  /** Reads the rows back; a bad one throws naming its line and field. */
  function parseRates(text) {
    const out = [];
    text.split('\n').forEach((line, i) => {
      if (!line.trim() || line.trim().startsWith('#')) return;
      const cells = line.split(',').map((c) => c.trim());
      if (cells.length > RATE_FIELDS.length) throw new Error(ui.fmt(s.rateTooMany, { line: i + 1, n: RATE_FIELDS.length }));
      const r = {};
      RATE_FIELDS.forEach((k, j) => {
        const v = cells[j];
        if (v === undefined || v === '') return;
        if (k === 'prefix' || k === 'name') r[k] = v;
        else if (k === 'per_minute' || k === 'surcharge') {
          if (!/^\d+(\.\d{1,4})?$/.test(v)) throw new Error(ui.fmt(s.rateBad, { line: i + 1, field: k, value: v }));
          r[k] = Number(v);
        } else {
          if (!/^\d+$/.test(v)) throw new Error(ui.fmt(s.rateBad, { line: i + 1, field: k, value: v }));
          r[k] = Number(v);
        }
      });
      if (!r.prefix) throw new Error(ui.fmt(s.rateBad, { line: i + 1, field: 'prefix', value: '' }));
      if (r.per_minute === undefined) r.per_minute = 0;
      out.push(r);
    });
    return out;
  }

  async function editTable(t) {
    const saved = await formDialog({
      title: t ? ui.fmt(s.editTableTitle, { table: t.id }) : s.addTableTitle, id: 'ht-table-form',
      build: () => {
        const tid = t ? null : ui.field({ label: s.fTableId, name: 'id', id: 'ht-tf-id', hint: s.fIdHint, required: true, requiredText: common.required, autocomplete: 'off', maxlength: 32 });
        const name = ui.field({ label: s.fTableName, name: 'name', id: 'ht-tf-name', value: t ? t.name || '' : '', autocomplete: 'off' });
        const trunk = ui.field({ label: s.fTrunk, name: 'trunk', id: 'ht-tf-trunk', hint: s.fTrunkHint, value: t ? t.trunk || '' : '', autocomplete: 'off' });
        const cls = ui.field({ label: s.fClass, name: 'class', type: 'select', id: 'ht-tf-class', value: t ? t.class || '' : '',
          options: [{ value: '', label: s.any }, ...CLASSES.map((v) => ({ value: v, label: s.classes[v] }))] });
        const cur = ui.field({ label: s.fCurrency, name: 'currency', id: 'ht-tf-currency', hint: s.fCurrencyHint, value: t ? t.currency : 'EUR', required: true, requiredText: common.required, autocomplete: 'off', maxlength: 3 });
        const rows = ui.field({ label: s.fRates, name: 'rates', type: 'textarea', id: 'ht-tf-rates', hint: s.fRatesHint, value: t ? ratesText(t.rates) : '', rows: 8, spellcheck: 'false' });
        return {
          el: h('div', {}, h('div', { class: 'grid' }, tid ? tid.el : null, name.el, trunk.el, cls.el, cur.el), rows.el),
          value: () => ({
            id: t ? t.id : tid.input.value.trim(), name: name.input.value.trim() || undefined, trunk: trunk.input.value.trim() || undefined,
            class: cls.input.value || undefined, currency: cur.input.value.trim().toUpperCase(), rates: parseRates(rows.input.value),
          }),
        };
      },
      save: async (v) => {
        const all = rates.filter((x) => x.id !== (t ? t.id : v.id));
        const i = t ? rates.findIndex((x) => x.id === t.id) : all.length;
        all.splice(i < 0 ? all.length : i, 0, v);
        await hotel.putRates(all);
        return v;
      },
    });
    if (!saved) return;
    ctx.notify(ui.fmt(s.tableSaved, { table: saved.id }));
    await loadAdmin();
  }

  async function deleteTable(id) {
    const ok = await ui.confirm({ title: s.deleteTableTitle, message: ui.fmt(s.deleteTableConfirm, { table: id }),
      confirmLabel: common.delete, cancelLabel: common.cancel, danger: true });
    if (!ok) return;
    try {
      await hotel.putRates(rates.filter((x) => x.id !== id));
      ctx.notify(ui.fmt(s.tableDeleted, { table: id }));
      await loadAdmin();
      document.getElementById('ht-rates-h').focus();
    } catch (err) {
      ctx.error(err);
    }
  }

  return {
    el,
    render: () => { renderLink(); renderRoomsConfig(); },
    load: loadAdmin,
    schedule: scheduleAdmin,
    stop: () => clearTimeout(adminTimer),
  };
}
