// The wallboard's board: draws a live board (PbxAgentWallboardLive of
// /public/pbxagent.js) into a container, again at each change and every
// second (waits and times tick): the queues with their counters and SLA
// colour, the agents with their status icon, and the waiting calls in red
// below. Shared by the full-screen page (tv.js) and the console's
// Wallboard page. Strings come from the caller (strings/en.js).

import { h, fmt } from '../console/ui.js';

/** The symbol of each state, beside its text (the colour is a third cue). */
export const stateIcons = {
  available: '●', offline: '○', talking: '■', ringing: '◆', wrapup: '◔', paused: '‖', dnd: '⊘', away: '◐',
};

/** Seconds as m:ss, or h:mm:ss from an hour. */
export function duration(sec) {
  const s = Math.max(0, Math.floor(sec || 0));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return hh ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

/** A percentage with one decimal. */
function pct(v) {
  return `${(Math.round((v || 0) * 10) / 10).toFixed(1)} %`;
}

/**
 * Mounts the board of live into root with strings S; returns stop(),
 * which ends the drawing (the caller closes live). fullScreen: add a
 * full-screen button.
 */
export function mountBoard(root, live, S, { fullScreen = false } = {}) {
  const title = h('h2', { id: 'wb-title' }, S.title);
  const clock = h('span', { class: 'wb-clock', id: 'wb-clock' });
  const conn = h('span', { class: 'wb-conn', id: 'wb-conn', role: 'status', 'aria-live': 'polite' }, S.reconnecting);
  const modeName = `wb-mode-${Math.random().toString(36).slice(2, 8)}`;
  const radios = {};
  const mode = h('fieldset', { class: 'wb-mode', id: 'wb-mode' }, h('legend', {}, S.modeLegend),
    ['midnight', 'connect'].map((m) => {
      radios[m] = h('input', { type: 'radio', name: modeName, value: m, id: `${modeName}-${m}`, onchange: () => { live.mode = m; } });
      return h('label', { for: `${modeName}-${m}` }, radios[m], S.modes[m]);
    }));
  const head = h('div', { class: 'wb-head' }, title, clock, conn, mode,
    fullScreen ? h('button', { type: 'button', class: 'wb-full', id: 'wb-full',
      onclick: () => { if (document.fullscreenElement) document.exitFullscreen(); else root.requestFullscreen?.(); } }, S.fullScreen) : null);
  const body = h('div', { class: 'wb-body', id: 'wb-body' }, h('p', { class: 'wb-notice' }, S.loading));
  const wrap = h('section', { class: 'wb', 'aria-labelledby': 'wb-title', id: 'wb-board' }, head, body);
  root.replaceChildren(wrap);

  function draw() {
    const v = live.view();
    if (!v) return;
    title.textContent = v.wallboard.name ? fmt(S.titleNamed, { name: v.wallboard.name }) : S.title;
    clock.textContent = fmt(S.serverTime, { time: new Date(v.server_now).toLocaleTimeString() });
    wrap.dataset.mode = v.mode;
    radios[v.mode].checked = true;
    body.replaceChildren(queues(v), agents(v), waiting(v));
  }

  function queues(v) {
    const rows = v.groups.map((g) => {
      const st = g.stats;
      const free = g.members.filter((m) => m.state === 'available').length;
      const longestNow = g.waiting.reduce((x, c) => Math.max(x, c.wait_seconds), 0);
      const sla = g.missing ? '' : h('span', { class: 'wb-sla', dataset: { colour: g.sla_colour } },
        st.answered ? pct(st.service_level) : '–', ' ', S.colours[g.sla_colour],
        h('small', {}, st.answered ? fmt(S.slaTarget, { target: g.sla_target, threshold: g.sla_threshold }) : S.slaNone));
      return h('tr', { dataset: { group: g.id, colour: g.sla_colour, waiting: String(g.waiting.length), received: String(st.received) } },
        h('th', { scope: 'row' }, g.missing ? fmt(S.missingGroup, { id: g.id }) : (g.name || g.id)),
        h('td', { dataset: { col: 'received' } }, String(st.received)),
        h('td', { dataset: { col: 'answered' } }, String(st.answered)),
        h('td', { dataset: { col: 'abandoned' } }, String(st.abandoned)),
        h('td', { dataset: { col: 'waiting' } }, String(g.waiting.length)),
        h('td', {}, duration(Math.max(longestNow, st.longest_wait_seconds || 0))),
        h('td', {}, duration(st.average_wait_seconds)),
        h('td', {}, `${free}/${g.members.length}`),
        h('td', { dataset: { col: 'sla' } }, sla));
    });
    return h('table', { id: 'wb-queues' }, h('caption', {}, S.queuesCaption),
      h('thead', {}, h('tr', {}, [S.colQueue, S.colIncoming, S.colAnswered, S.colAbandoned, S.colOnQueue, S.colLongest, S.colAverageWait, S.colAgentsFree, S.colSLA]
        .map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, rows));
  }

  function agents(v) {
    if (!v.agents.length) return h('p', { class: 'wb-empty', id: 'wb-agents' }, S.noAgents);
    const rows = v.agents.map((a) => h('tr', { dataset: { user: a.user_id, state: a.state, calls: String(a.calls) } },
      h('th', { scope: 'row' }, a.name || a.user_id),
      h('td', { class: 'wb-state', dataset: { state: a.state, col: 'state' } },
        h('span', { class: 'wb-icon', 'aria-hidden': 'true' }, stateIcons[a.state] || '?'), ' ', S.states[a.state] || a.state,
        a.paused && a.pause_reason ? h('span', { class: 'wb-reason' }, fmt(S.pausedFor, { reason: a.pause_reason })) : null),
      h('td', {}, a.state_seconds === null ? '' : duration(a.state_seconds)),
      h('td', { dataset: { col: 'calls' } }, String(a.calls)),
      h('td', { dataset: { col: 'talk' } }, duration(a.talk_seconds)),
      h('td', { dataset: { col: 'pause' } }, duration(a.pause_seconds)),
      h('td', { dataset: { col: 'since' } }, a.since_last_call_seconds === null ? S.never : duration(a.since_last_call_seconds))));
    return h('table', { id: 'wb-agents' }, h('caption', {}, S.agentsCaption),
      h('thead', {}, h('tr', {}, [S.colAgent, S.colStatus, S.colInStatus, S.colCalls, S.colCallTime, S.colPauseTime, S.colSinceLast]
        .map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, rows));
  }

  function waiting(v) {
    const items = [];
    for (const g of v.groups) {
      for (const c of g.waiting) {
        const caller = c.caller_name ? `${c.caller_name} (${c.caller_number})` : (c.caller_number || S.unknownCaller);
        items.push(h('li', { dataset: { call: c.id, group: g.id, over: String(c.over_sla) }, title: c.over_sla ? S.overSLA : undefined },
          fmt(S.waitingItem, { queue: g.name || g.id, caller, wait: duration(c.wait_seconds) })));
      }
    }
    return h('section', { class: 'wb-waiting', id: 'wb-waiting', 'aria-labelledby': 'wb-waiting-h', dataset: { count: String(items.length) } },
      h('h3', { id: 'wb-waiting-h' }, S.waitingTitle),
      items.length ? h('ol', {}, items) : h('p', { class: 'wb-empty' }, S.noWaiting));
  }

  const offs = [
    live.on('change', draw),
    live.on('state', (e) => {
      conn.dataset.state = e.state;
      conn.textContent = e.state === 'open' ? S.live : e.state === 'closed' ? S.offline : S.reconnecting;
    }),
  ];
  const tick = setInterval(draw, 1000);
  draw();
  return () => {
    clearInterval(tick);
    offs.forEach((f) => f());
  };
}
