// Call groups (docs/callgroups.md): the groups I can see (every group
// for administrators and holders of manage_callcenter, else the groups I
// am a member of) with what is going on in each; one group at a time in
// detail, live from the events socket (client.callgroups.live): its
// members with their state (icon, text and colour), the callers waiting
// with their wait ticking (in red) and the calls answered. I join, leave,
// pause (with a reason) and resume myself, in one group or all of them;
// supervisors (manage_callcenter) pause, add and remove others;
// administrators create, edit and delete groups.

const POLL_MS = 5000;
const STRATEGIES = ['ringall', 'linear', 'rrmemory', 'leastrecent', 'fewestcalls', 'random'];
const FACTORS = ['paused', 'inuse', 'ringing', 'unavailable', 'wrapup', 'dnd'];
// A shape per state, so that the state does not rest on colour alone
// (the text says it too).
const SHAPES = { available: '●', offline: '○', talking: '◆', ringing: '◉', wrapup: '◔', paused: '■', dnd: '⊘', away: '◐' };

/** A duration in seconds as m:ss (h:mm:ss from an hour). */
export function clock(seconds) {
  const t = Math.max(0, Math.floor(Number(seconds) || 0));
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const ss = String(t % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export default {
  id: 'callgroups',
  titleKey: 'callgroups.title',
  adminOnly: false,
  allowed: (u) => ['admin', 'supervisor', 'user'].includes(u.role),
  async render(root, ctx) {
    const { ui, s, common, client, user } = ctx;
    const { h } = ui;
    const admin = user.role === 'admin';
    const supervisor = admin || (user.abilities || []).includes('manage_callcenter');
    let groups = [];
    let selected = '';
    let live = null;
    let listTimer = null;

    root.append(h('p', { class: 'muted' }, s.intro));

    // ---- the groups ----
    const listWrap = h('div', { id: 'cg-groups' });
    const newBtn = admin ? ui.button(s.newGroup, () => editGroup(null), { kind: 'primary', id: 'cg-new' }) : null;
    const listHead = h('h2', { id: 'cg-list-h', tabindex: '-1' }, s.listTitle);
    root.append(h('section', { 'aria-labelledby': 'cg-list-h' }, listHead,
      newBtn ? h('div', { class: 'toolbar' }, newBtn) : null, listWrap));

    // ---- the group shown ----
    const detail = h('section', { id: 'cg-detail', 'aria-labelledby': 'cg-detail-h', hidden: true });
    root.append(detail);

    // ---- pause everywhere ----
    const allReason = ui.field({ label: s.reason, name: 'reason', id: 'cg-all-reason', hint: s.reasonHint, autocomplete: 'off', maxlength: 64 });
    root.append(h('section', { 'aria-labelledby': 'cg-all-h' }, h('h2', { id: 'cg-all-h' }, s.everywhereTitle),
      h('div', { class: 'toolbar' }, allReason.el,
        ui.button(s.pauseAll, () => everywhere(true), { id: 'cg-pause-all' }),
        ui.button(s.unpauseAll, () => everywhere(false), { id: 'cg-unpause-all' }))));

    // ---- join ----
    const joinGroup = ui.field({ label: s.groupId, name: 'group', id: 'cg-join-group', hint: s.groupIdHint, required: true, requiredText: common.required, autocomplete: 'off' });
    const joinUser = supervisor ? ui.field({ label: s.user, name: 'user', id: 'cg-join-user', hint: s.userHint, autocomplete: 'off' }) : null;
    const joinPenalty = ui.field({ label: s.penalty, name: 'penalty', type: 'number', id: 'cg-join-penalty', hint: s.penaltyHint, min: 0, max: 100, value: 0 });
    const joinPaused = ui.field({ label: s.joinPaused, name: 'paused', type: 'checkbox', id: 'cg-join-paused' });
    const joinReason = ui.field({ label: s.reason, name: 'reason', id: 'cg-join-reason', hint: s.reasonHint, autocomplete: 'off', maxlength: 64 });
    const joinForm = h('form', { id: 'cg-join-form', novalidate: true },
      h('div', { class: 'grid' }, joinGroup.el, joinUser ? joinUser.el : null, joinPenalty.el, joinReason.el), joinPaused.el,
      ui.button(s.join, undefined, { type: 'submit', kind: 'primary', id: 'cg-join' }));
    root.append(h('section', { 'aria-labelledby': 'cg-join-h' }, h('h2', { id: 'cg-join-h' }, s.joinTitle),
      h('p', { class: 'muted' }, supervisor ? s.joinIntroSupervisor : s.joinIntro), joinForm));
    joinForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      const gid = joinGroup.input.value.trim();
      if (!gid) {
        joinGroup.input.focus();
        return;
      }
      const who = joinUser ? joinUser.input.value.trim() : '';
      const reason = joinReason.input.value.trim();
      try {
        const m = await client.callgroups.join(gid, {
          user: who || undefined, penalty: joinPenalty.input.value === '' ? undefined : Number(joinPenalty.input.value),
          paused: joinPaused.input.checked || undefined, reason: joinPaused.input.checked && reason ? reason : undefined,
        });
        ctx.notify(who && who !== 'me' && who !== user.id ? ui.fmt(s.added, { user: m.name || who, group: gid }) : ui.fmt(s.joined, { group: gid }));
        joinGroup.input.value = '';
        joinReason.input.value = '';
        joinPaused.input.checked = false;
        if (joinUser) joinUser.input.value = '';
        await loadList();
        if (groups.some((g) => g.id === gid)) select(gid);
      } catch (err) {
        ctx.error(err);
      }
    });

    const name = (gid) => {
      const g = groups.find((x) => x.id === gid) || (live && live.group && live.group.id === gid ? live.group : null);
      return g && g.name ? g.name : gid;
    };

    /**
     * Re-renders into el, keeping the focus on the control of the same id. An update that changes
     * nothing shown leaves the page as it is, so that a press on a row's button is not lost to a
     * redraw between the press and the release.
     */
    function keepFocus(el, ...children) {
      if (children.length === 1 && el.childNodes.length === 1 && el.firstChild.isEqualNode(children[0])) return;
      const fid = el.contains(document.activeElement) ? document.activeElement.id : '';
      el.replaceChildren(...children);
      if (fid) {
        const again = document.getElementById(fid);
        if (again) again.focus();
      }
    }

    function stateBadge(state) {
      return h('span', { class: `cg-state cg-${state}`, dataset: { state } },
        h('span', { class: 'cg-shape', 'aria-hidden': 'true' }, SHAPES[state] || '?'), ' ', s.states[state] || state);
    }

    function pauseText(m) {
      if (!m.paused) return s.notPaused;
      return m.pause_reason ? ui.fmt(s.pausedReason, { reason: m.pause_reason }) : s.pausedNoReason;
    }

    // ---- the list ----
    async function loadList() {
      groups = await client.callgroups.list();
      const rows = groups.map((g) => ({ g, mine: g.me }));
      keepFocus(listWrap, ui.table({
        caption: s.listCaption, rows, empty: supervisor ? s.noneAll : s.noneMember,
        rowAttrs: ({ g, mine }) => ({ dataset: { group: g.id, me: mine ? mine.state : '', paused: mine && mine.paused ? 'true' : 'false' },
          class: g.id === selected ? 'cg-selected' : undefined }),
        columns: [
          { key: 'group', label: s.colGroup, render: ({ g }) => h('span', {}, g.name || g.id, ' ', h('code', {}, g.id)) },
          { key: 'numbers', label: s.colNumbers, render: ({ g }) => (g.numbers || []).join(', ') },
          { key: 'strategy', label: s.colStrategy, render: ({ g }) => (s.strategies[g.strategy] || g.strategy).split(':')[0] },
          { key: 'waiting', label: s.colWaiting, render: ({ g }) => String(g.waiting) },
          { key: 'longest', label: s.colLongest, render: ({ g }) => (g.waiting ? h('span', { class: 'cg-wait' }, clock(g.longest_wait_seconds)) : '') },
          { key: 'active', label: s.colActive, render: ({ g }) => String(g.active) },
          { key: 'available', label: s.colAvailable, render: ({ g }) => String(g.available) },
          { key: 'me', label: s.colMe, render: ({ mine }) => (mine ? h('span', {}, stateBadge(mine.state), mine.paused ? [' ', h('span', { class: 'muted' }, pauseText(mine))] : null) : h('span', { class: 'muted' }, s.notMember)) },
          { key: 'actions', label: common.actions, render: ({ g, mine }) => h('div', { class: 'row-actions wrap' },
            ui.button(s.show, () => { select(g.id); }, { kind: 'link', id: `cg-show-${g.id}`, 'aria-label': ui.fmt(s.showOne, { group: g.name || g.id }), 'aria-current': g.id === selected ? 'true' : undefined }),
            mine ? pauseButton(g.id, g.name || g.id, mine, `cg-list-pause-${g.id}`) : null,
            mine && mine.dynamic ? ui.button(s.leave, () => leave(g.id, mine), { kind: 'link', id: `cg-list-leave-${g.id}`, 'aria-label': ui.fmt(s.leaveOne, { group: g.name || g.id }) }) : null) },
        ],
      }));
      listWrap.dataset.count = String(groups.length);
      if (selected && !groups.some((g) => g.id === selected)) unselect();
      if (!selected && groups.length) select(groups[0].id);
    }

    function scheduleList() {
      clearTimeout(listTimer);
      listTimer = setTimeout(() => { loadList().catch(ctx.error); }, 300);
    }

    // ---- actions ----
    function pauseButton(gid, gname, m, id) {
      const who = m.user_id === user.id ? 'me' : m.user_id;
      const mname = m.name || m.user_id;
      return m.paused
        ? ui.button(s.unpause, () => unpause(gid, who, mname), { kind: 'link', id, 'aria-label': ui.fmt(s.unpauseOne, { name: mname, group: gname }) })
        : ui.button(s.pause, () => pause(gid, who, mname), { kind: 'link', id, 'aria-label': ui.fmt(s.pauseOne, { name: mname, group: gname }) });
    }

    async function pause(gid, who, mname) {
      const reason = ui.field({ label: s.reason, name: 'reason', id: 'cg-pause-reason', hint: s.reasonHint, autocomplete: 'off', maxlength: 64 });
      const errors = h('div', { role: 'alert', class: 'dialog-errors', id: 'cg-pause-errors' });
      const v = await ui.modal({
        title: ui.fmt(s.pauseTitle, { name: mname, group: name(gid) }),
        content: h('div', {}, errors, reason.el),
        buttons: [{ label: common.cancel, value: 'cancel' }, { label: s.pause, value: 'pause', kind: 'primary', submit: true }],
        onSubmit: async () => {
          errors.replaceChildren();
          try {
            await client.callgroups.pause(gid, reason.input.value.trim(), { user: who });
            return true;
          } catch (err) {
            errors.replaceChildren(ui.errorView(err, common));
            return false;
          }
        },
      });
      if (v === 'pause') {
        ctx.notify(ui.fmt(s.paused, { name: mname, group: name(gid) }));
        await refresh();
      }
    }

    async function unpause(gid, who, mname) {
      try {
        await client.callgroups.unpause(gid, { user: who });
        ctx.notify(ui.fmt(s.unpaused, { name: mname, group: name(gid) }));
        await refresh();
      } catch (err) {
        ctx.error(err);
      }
    }

    async function leave(gid, m) {
      const mine = m.user_id === user.id;
      const mname = m.name || m.user_id;
      const ok = await ui.confirm({
        title: mine ? ui.fmt(s.leaveTitle, { group: name(gid) }) : ui.fmt(s.removeTitle, { name: mname }),
        message: mine ? ui.fmt(s.leaveConfirm, { group: name(gid) }) : ui.fmt(s.removeConfirm, { name: mname, group: name(gid) }),
        confirmLabel: mine ? s.leave : s.remove, cancelLabel: common.cancel, danger: true,
      });
      if (!ok) return;
      try {
        await client.callgroups.leave(gid, { user: mine ? 'me' : m.user_id });
        ctx.notify(mine ? ui.fmt(s.left, { group: name(gid) }) : ui.fmt(s.removed, { name: mname, group: name(gid) }));
        await refresh();
        listHead.focus();
      } catch (err) {
        ctx.error(err);
      }
    }

    async function everywhere(paused) {
      try {
        const ms = paused ? await client.callgroups.pauseAll(allReason.input.value.trim()) : await client.callgroups.unpauseAll();
        ctx.notify(ui.fmt(paused ? s.pausedAll : s.unpausedAll, { n: ms.length }));
        await refresh();
      } catch (err) {
        ctx.error(err);
      }
    }

    async function refresh() {
      await loadList();
      if (live) await live.reload();
    }

    // ---- the group shown ----
    const liveNote = h('p', { id: 'cg-live', class: 'muted', 'aria-live': 'polite' }, s.connecting);
    const detailHead = h('h2', { id: 'cg-detail-h', tabindex: '-1' });
    const detailBar = h('div', { class: 'toolbar' });
    const membersWrap = h('div', { id: 'cg-members' });
    const waitingWrap = h('div', { id: 'cg-waiting' });
    const activeWrap = h('div', { id: 'cg-active' });
    detail.append(detailHead, liveNote, detailBar, membersWrap, waitingWrap, activeWrap);

    function unselect() {
      if (live) live.close();
      live = null;
      selected = '';
      detail.hidden = true;
    }

    function select(gid) {
      if (gid === selected && live) return;
      if (live) live.close();
      selected = gid;
      detail.hidden = false;
      detail.dataset.group = gid;
      detailHead.textContent = name(gid);
      liveNote.textContent = s.connecting;
      membersWrap.replaceChildren();
      waitingWrap.replaceChildren();
      activeWrap.replaceChildren();
      detailBar.replaceChildren(...(admin ? [
        ui.button(s.edit, () => editGroup(gid), { id: 'cg-edit', 'aria-label': ui.fmt(s.editOne, { group: name(gid) }) }),
        ui.button(s.deleteGroup, () => removeGroup(gid), { kind: 'danger', id: 'cg-delete', 'aria-label': ui.fmt(s.deleteOne, { group: name(gid) }) }),
      ] : []));
      const lv = client.callgroups.live(gid, { tickMs: 1000 });
      live = lv;
      lv.on('change', () => { if (live === lv) { renderDetail(); scheduleList(); } });
      lv.on('tick', () => { if (live === lv) updateTimes(); });
      lv.on('state', (e) => {
        if (live !== lv) return;
        liveNote.dataset.socket = e.state;
        liveNote.textContent = e.state === 'open' ? s.live : s.connecting;
      });
      lv.on('error', (e) => { if (live === lv && !(e.error && e.error.status === 404)) ctx.error(e.error); });
      lv.on('callgroup_deleted', () => {
        if (live !== lv) return;
        ctx.notify(ui.fmt(s.deleted, { group: name(gid) }));
        unselect();
        scheduleList();
      });
      // the list marks the group shown
      for (const tr of listWrap.querySelectorAll('tr[data-group]')) tr.classList.toggle('cg-selected', tr.dataset.group === gid);
    }

    function renderDetail() {
      if (!live || !live.group) return;
      const g = live.group;
      const gname = g.name || g.id;
      detailHead.textContent = ui.fmt(s.groupTitle, { group: gname });
      const names = new Map(live.members.map((m) => [m.user_id, m.name || m.user_id]));
      keepFocus(membersWrap, ui.table({
        caption: ui.fmt(s.membersCaption, { group: gname }), rows: live.members, empty: s.noMembers,
        rowAttrs: (m) => ({ dataset: { user: m.user_id, state: m.state, paused: m.paused ? 'true' : 'false' } }),
        columns: [
          { key: 'member', label: s.colMember, render: (m) => (m.user_id === user.id ? ui.fmt(s.you, { name: m.name || m.user_id }) : m.name || m.user_id) },
          { key: 'state', label: s.colState, render: (m) => stateBadge(m.state) },
          { key: 'pause', label: s.colPause, render: (m) => pauseText(m) },
          { key: 'penalty', label: s.colPenalty, render: (m) => String(m.penalty || 0) },
          { key: 'kind', label: s.colKind, render: (m) => (m.dynamic ? s.kinds.dynamic : s.kinds.static) },
          { key: 'calls', label: s.colCallsTaken, render: (m) => String(m.calls_taken || 0) },
          { key: 'last', label: s.colLastCall, render: (m) => (m.last_call_at ? new Date(m.last_call_at).toLocaleTimeString() : s.never) },
          { key: 'actions', label: common.actions, render: (m) => {
            const mine = m.user_id === user.id;
            if (!mine && !supervisor) return '';
            return h('div', { class: 'row-actions wrap' }, pauseButton(g.id, gname, m, `cg-pause-${m.user_id}`),
              m.dynamic ? ui.button(mine ? s.leave : s.remove, () => leave(g.id, m), { kind: 'link', id: `cg-remove-${m.user_id}`,
                'aria-label': mine ? ui.fmt(s.leaveOne, { group: gname }) : ui.fmt(s.removeOne, { name: m.name || m.user_id, group: gname }) }) : null);
          } },
        ],
      }));
      membersWrap.dataset.count = String(live.members.length);
      const waiting = live.waiting;
      keepFocus(waitingWrap, ui.table({
        caption: ui.fmt(s.waitingCaption, { group: gname }), rows: waiting, empty: s.noWaiting,
        rowAttrs: (c) => ({ dataset: { caller: c.id } }),
        columns: [
          { key: 'position', label: s.colPosition, render: (c) => String(c.position) },
          { key: 'caller', label: s.colCaller, render: (c) => [c.caller_name ? `${c.caller_name} ` : '', h('span', { class: 'nowrap' }, c.caller_number)] },
          { key: 'wait', label: s.colWait, render: (c) => h('span', { class: 'cg-wait', dataset: { wait: c.id } }, clock(c.wait_seconds)) },
          { key: 'ringing', label: s.colRinging, render: (c) => (c.ringing || []).map((id) => names.get(id) || id).join(', ') },
        ],
      }));
      waitingWrap.dataset.count = String(waiting.length);
      const active = live.active;
      keepFocus(activeWrap, ui.table({
        caption: ui.fmt(s.activeCaption, { group: gname }), rows: active, empty: s.noActive,
        rowAttrs: (c) => ({ dataset: { caller: c.id } }),
        columns: [
          { key: 'caller', label: s.colCaller, render: (c) => [c.caller_name ? `${c.caller_name} ` : '', h('span', { class: 'nowrap' }, c.caller_number)] },
          { key: 'member', label: s.colAnsweredBy, render: (c) => names.get(c.user_id) || c.user_id },
          { key: 'talk', label: s.colTalk, render: (c) => h('span', { dataset: { talk: c.id } }, clock(c.talk_seconds)) },
        ],
      }));
      activeWrap.dataset.count = String(active.length);
    }

    function updateTimes() {
      if (!live) return;
      for (const c of live.waiting) {
        const el = waitingWrap.querySelector(`[data-wait="${CSS.escape(c.id)}"]`);
        if (el) el.textContent = clock(c.wait_seconds);
      }
      for (const c of live.active) {
        const el = activeWrap.querySelector(`[data-talk="${CSS.escape(c.id)}"]`);
        if (el) el.textContent = clock(c.talk_seconds);
      }
    }

    // ---- administrators: the group form ----
    let users = null; // [{id, label}] for the static members' choice
    async function loadUsers() {
      if (users) return users;
      const out = [];
      let cursor;
      for (let i = 0; i < 20; i++) {
        const page = await client.getUsers({ limit: 100, cursor });
        for (const u of page.users || page.items || []) out.push({ id: u.id, label: u.display_name ? `${u.display_name} (${u.username})` : u.username });
        cursor = page.next_cursor;
        if (!cursor) break;
      }
      users = out;
      return users;
    }

    async function editGroup(gid) {
      let g = null;
      if (gid) {
        try {
          g = (await client.callgroups.get(gid)).group;
        } catch (err) {
          ctx.error(err);
          return;
        }
      }
      let choices = [];
      try {
        choices = await loadUsers();
      } catch {
        choices = []; // the members are typed in by id then
      }
      const f = groupForm(g, choices);
      const errors = h('div', { role: 'alert', class: 'dialog-errors', id: 'cg-form-errors' });
      let saved = null;
      const v = await ui.modal({
        title: g ? ui.fmt(s.formEdit, { group: g.name || g.id }) : s.formNew,
        content: h('div', { id: 'cg-form' }, errors, f.el),
        buttons: [{ label: common.cancel, value: 'cancel' }, { label: s.save, value: 'save', kind: 'primary', submit: true }],
        onSubmit: async () => {
          errors.replaceChildren();
          try {
            saved = g ? await client.callgroups.update(g.id, f.value()) : await client.callgroups.create(f.value());
            return true;
          } catch (err) {
            errors.replaceChildren(ui.errorView(err, common));
            errors.scrollIntoView?.({ block: 'nearest' });
            return false;
          }
        },
      });
      if (v !== 'save' || !saved) return;
      ctx.notify(ui.fmt(g ? s.saved : s.created, { group: saved.name || saved.id }));
      await loadList();
      if (g && live) await live.reload();
      select(saved.id);
      detailHead.focus();
    }

    async function removeGroup(gid) {
      const ok = await ui.confirm({ title: s.deleteTitle, message: ui.fmt(s.deleteConfirm, { group: name(gid) }),
        confirmLabel: common.delete, cancelLabel: common.cancel, danger: true });
      if (!ok) return;
      try {
        const gname = name(gid);
        await client.callgroups.remove(gid);
        ctx.notify(ui.fmt(s.groupDeleted, { group: gname }));
        unselect();
        await loadList();
        if (newBtn) newBtn.focus();
      } catch (err) {
        ctx.error(err);
      }
    }

    /** The form of every field of a group (g null: a new group with the defaults). */
    function groupForm(g, choices) {
      const d = g || { strategy: 'ringall', ring_timeout: 15, retry_delay: 5, wrapup_time: 0, max_wait: 0, max_callers: 0, join_empty: [], leave_when_empty: [],
        ring_in_use: false, hold: 'moh', moh_class: '', announce_position: false, announce_holdtime: false, announce_frequency: 0, overflow: {},
        sla_threshold: 20, sla_target: 80, short_abandon: 5, members: [], numbers: [] };
      const num = (label, key, hint, min, max, step) => ui.field({ label, name: key, type: 'number', id: `cg-f-${key}`, hint, min, max, step, value: d[key] ?? '' });
      const fid = g ? null : ui.field({ label: s.fId, name: 'id', id: 'cg-f-id', hint: s.fIdHint, required: true, requiredText: common.required, autocomplete: 'off', maxlength: 32, pattern: '[a-z0-9_-]{1,32}' });
      const fname = ui.field({ label: s.fName, name: 'name', id: 'cg-f-name', value: d.name || '', autocomplete: 'off' });
      const numbers = ui.field({ label: s.fNumbers, name: 'numbers', id: 'cg-f-numbers', hint: s.fNumbersHint, value: (d.numbers || []).join(', '), autocomplete: 'off' });
      const strategy = ui.field({ label: s.fStrategy, name: 'strategy', type: 'select', id: 'cg-f-strategy', value: d.strategy,
        options: STRATEGIES.map((v) => ({ value: v, label: s.strategies[v] })) });
      const ring = num(s.fRingTimeout, 'ring_timeout', s.fRingTimeoutHint, 1, 600);
      const retry = num(s.fRetryDelay, 'retry_delay', s.fRetryDelayHint, 0, 600);
      const wrap = num(s.fWrapUp, 'wrapup_time', s.fWrapUpHint, 0, 3600);
      const inUse = ui.field({ label: s.fRingInUse, name: 'ring_in_use', type: 'checkbox', id: 'cg-f-ring_in_use', value: d.ring_in_use });
      const maxWait = num(s.fMaxWait, 'max_wait', s.fMaxWaitHint, 0);
      const maxCallers = num(s.fMaxCallers, 'max_callers', s.fMaxCallersHint, 0);
      const factorSet = (legend, key) => {
        const boxes = FACTORS.map((f) => ui.field({ label: s.factors[f], name: `${key}-${f}`, type: 'checkbox', id: `cg-f-${key}-${f}`, value: (d[key] || []).includes(f) }));
        return { el: h('fieldset', {}, h('legend', {}, legend), h('div', { class: 'grid' }, boxes.map((b) => b.el))),
          value: () => FACTORS.filter((_, i) => boxes[i].input.checked) };
      };
      const joinEmpty = factorSet(s.fJoinEmpty, 'join_empty');
      const leaveEmpty = factorSet(s.fLeaveEmpty, 'leave_when_empty');
      const hold = ui.field({ label: s.fHold, name: 'hold', type: 'select', id: 'cg-f-hold', value: d.hold || 'moh', options: ['moh', 'ringback'].map((v) => ({ value: v, label: s.holds[v] })) });
      const moh = ui.field({ label: s.fMohClass, name: 'moh_class', id: 'cg-f-moh_class', hint: s.fMohClassHint, value: d.moh_class || '', autocomplete: 'off' });
      const annPos = ui.field({ label: s.fAnnouncePosition, name: 'announce_position', type: 'checkbox', id: 'cg-f-announce_position', value: d.announce_position });
      const annHold = ui.field({ label: s.fAnnounceHoldtime, name: 'announce_holdtime', type: 'checkbox', id: 'cg-f-announce_holdtime', value: d.announce_holdtime });
      const annFreq = num(s.fAnnounceFrequency, 'announce_frequency', s.fAnnounceFrequencyHint, 0, 3600);
      const ov = d.overflow || {};
      const ovContext = ui.field({ label: s.fContext, name: 'overflow_context', id: 'cg-f-overflow-context', value: ov.context || '', autocomplete: 'off' });
      const ovExten = ui.field({ label: s.fExtension, name: 'overflow_extension', id: 'cg-f-overflow-extension', value: ov.extension || '', autocomplete: 'off' });
      const ovPrio = ui.field({ label: s.fPriority, name: 'overflow_priority', type: 'number', id: 'cg-f-overflow-priority', min: 0, value: ov.priority || '' });
      const ovLabel = ui.field({ label: s.fLabel, name: 'overflow_label', id: 'cg-f-overflow-label', value: ov.label || '', autocomplete: 'off' });
      const slaT = num(s.fSLAThreshold, 'sla_threshold', s.fSLAThresholdHint, 1, 3600);
      const slaP = num(s.fSLATarget, 'sla_target', s.fSLATargetHint, 1, 100, 'any');
      const shortAb = num(s.fShortAbandon, 'short_abandon', s.fShortAbandonHint, 0, 600);

      // static members: a row each (user, penalty, remove)
      const rowsEl = h('ol', { class: 'cg-member-rows', id: 'cg-f-members' });
      const rows = [];
      const renumber = () => rows.forEach((r, i) => r.label(i + 1));
      const addRow = (m) => {
        const n = rows.length + 1;
        const userField = choices.length
          ? ui.field({ label: ui.fmt(s.memberUser, { n }), name: 'member_user', type: 'select', id: ui.id('cg-f-member-user'), value: m ? m.user_id : '',
            options: [{ value: '', label: s.chooseUser }, ...choices.map((c) => ({ value: c.id, label: c.label })),
              ...(m && !choices.some((c) => c.id === m.user_id) ? [{ value: m.user_id, label: m.user_id }] : [])] })
          : ui.field({ label: ui.fmt(s.memberUser, { n }), name: 'member_user', id: ui.id('cg-f-member-user'), value: m ? m.user_id : '', autocomplete: 'off' });
        const pen = ui.field({ label: ui.fmt(s.memberPenalty, { n }), name: 'member_penalty', type: 'number', id: ui.id('cg-f-member-penalty'), min: 0, max: 100, value: m ? m.penalty || 0 : 0 });
        const row = { user: userField, penalty: pen };
        const rm = ui.button(ui.fmt(s.removeMemberRow, { n }), () => {
          rows.splice(rows.indexOf(row), 1);
          li.remove();
          renumber();
          addBtn.focus();
        }, { kind: 'link' });
        const li = h('li', { class: 'toolbar' }, userField.el, pen.el, rm);
        row.label = (i) => {
          userField.el.querySelector('label').textContent = ui.fmt(s.memberUser, { n: i });
          pen.el.querySelector('label').textContent = ui.fmt(s.memberPenalty, { n: i });
          rm.textContent = ui.fmt(s.removeMemberRow, { n: i });
        };
        rows.push(row);
        rowsEl.append(li);
        return userField;
      };
      for (const m of (d.members || []).filter((x) => !x.dynamic)) addRow(m);
      const addBtn = ui.button(s.addMemberRow, () => addRow(null).input.focus(), { id: 'cg-f-add-member' });

      const el = h('div', {},
        h('fieldset', {}, h('legend', {}, s.fsGeneral), h('div', { class: 'grid' }, fid ? fid.el : null, fname.el, numbers.el, strategy.el)),
        h('fieldset', {}, h('legend', {}, s.fsRinging), h('div', { class: 'grid' }, ring.el, retry.el, wrap.el), inUse.el),
        h('fieldset', {}, h('legend', {}, s.fsQueue), h('div', { class: 'grid' }, maxWait.el, maxCallers.el), joinEmpty.el, leaveEmpty.el),
        h('fieldset', {}, h('legend', {}, s.fsHold), h('div', { class: 'grid' }, hold.el, moh.el, annFreq.el), annPos.el, annHold.el),
        h('fieldset', {}, h('legend', {}, s.fsOverflow), h('p', { class: 'hint' }, s.fOverflowHint), h('div', { class: 'grid' }, ovContext.el, ovExten.el, ovPrio.el, ovLabel.el)),
        h('fieldset', {}, h('legend', {}, s.fsSLA), h('div', { class: 'grid' }, slaT.el, slaP.el, shortAb.el)),
        h('fieldset', {}, h('legend', {}, s.fsMembers), h('p', { class: 'hint' }, s.membersHint), rowsEl, addBtn));

      const int = (f) => (f.input.value === '' ? undefined : Number(f.input.value));
      const value = () => {
        const out = {
          name: fname.input.value.trim(),
          numbers: numbers.input.value.split(',').map((x) => x.trim()).filter(Boolean),
          strategy: strategy.input.value,
          ring_timeout: int(ring), retry_delay: int(retry), wrapup_time: int(wrap), ring_in_use: inUse.input.checked,
          max_wait: int(maxWait), max_callers: int(maxCallers), join_empty: joinEmpty.value(), leave_when_empty: leaveEmpty.value(),
          hold: hold.input.value, moh_class: moh.input.value.trim() || undefined,
          announce_position: annPos.input.checked, announce_holdtime: annHold.input.checked, announce_frequency: int(annFreq),
          overflow: { context: ovContext.input.value.trim() || undefined, extension: ovExten.input.value.trim() || undefined,
            priority: int(ovPrio), label: ovLabel.input.value.trim() || undefined },
          sla_threshold: int(slaT), sla_target: int(slaP), short_abandon: int(shortAb),
          members: rows.map((r) => ({ user_id: r.user.input.value.trim(), penalty: int(r.penalty) || 0 })),
        };
        if (fid) out.id = fid.input.value.trim();
        return out;
      };
      return { el, value };
    }

    await loadList().catch(ctx.error);
    ctx.live(loadList, POLL_MS);
    return () => {
      clearTimeout(listTimer);
      if (live) live.close();
    };
  },
};
