// The caller-ID tester: a number in; the match kind, the normalised
// number, the name (or the contacts of an ambiguous number), and what each
// path answers: HTTP (/cid as Asterisk's CURL() reads it), FastAGI (the
// variables set) and the SIP redirect (the response, its Contact and
// display name). The daemon runs each path's own code
// (GET /api/v1/callerid/test); a path that is off says so.

export default {
  id: 'callerid',
  titleKey: 'callerid.title',
  adminOnly: true,
  render(root, ctx) {
    const { ui, s, client } = ctx;
    const { h } = ui;

    const number = ui.field({ label: s.number, name: 'number', type: 'tel', id: 'cid-number', required: true,
      requiredText: ctx.common.required, hint: s.numberHint, autocomplete: 'off' });
    const current = ui.field({ label: s.currentName, name: 'current_name', id: 'cid-current', hint: s.currentNameHint, autocomplete: 'off' });
    const form = h('form', { class: 'toolbar', id: 'cid-form', 'aria-label': s.title }, number.el, current.el,
      ui.button(s.test, undefined, { type: 'submit', kind: 'primary', id: 'cid-test' }));
    const progress = h('p', { class: 'muted', 'aria-live': 'polite', id: 'cid-progress' });
    const out = h('div', { id: 'cid-result' });
    root.append(h('p', {}, s.intro), form, progress, out);

    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const n = number.input.value.trim();
      if (!n) {
        number.input.focus();
        return;
      }
      progress.textContent = ui.fmt(s.testing, { number: n });
      out.setAttribute('aria-busy', 'true');
      try {
        const res = await client.getCalleridTest({ number: n, current_name: current.input.value || undefined });
        ctx.status.clear();
        show(res);
        progress.textContent = ui.fmt(s.summary, { number: n });
      } catch (err) {
        progress.textContent = '';
        out.replaceChildren();
        ctx.error(err);
      } finally {
        out.dataset.number = n; // what the result shows (tests wait for it)
        out.removeAttribute('aria-busy');
      }
    });

    /** A definition list of [term, value, id] rows (rows with an undefined value are left out). */
    function dl(rows) {
      return h('dl', { class: 'facts' }, rows.filter((r) => r[1] !== undefined).map(([k, v, id]) => [h('dt', {}, k), h('dd', { id }, v)]));
    }

    function textOrEmpty(v) {
      return v ? h('code', {}, v) : h('span', { class: 'muted' }, s.empty);
    }

    function pathSection(id, title, answer, body) {
      return h('section', { 'aria-labelledby': `${id}-h`, id, class: 'cid-path', dataset: { enabled: String(answer.enabled) } },
        h('h2', { id: `${id}-h` }, title),
        answer.enabled ? body() : h('p', { class: 'notice', id: `${id}-off` }, h('strong', {}, s.pathOff, ': '), answer.note || ''),
        answer.enabled && answer.note ? h('p', { class: 'muted' }, answer.note) : null);
    }

    function show(r) {
      const kind = s.kinds[r.match] || r.match;
      const facts = dl([
        [s.normalized, r.normalized || h('span', { class: 'muted' }, s.notNormalized), 'cid-normalized'],
        [s.match, h('span', { dataset: { kind: r.match } }, kind), 'cid-match'],
        [s.name, r.name || h('span', { class: 'muted' }, s.noName), 'cid-name'],
        [s.source, r.source || undefined, 'cid-source'],
        [s.settings, ui.fmt(s.settingsLine, { overwrite: r.overwrite, deadline: r.deadline_ms }), 'cid-settings'],
      ]);
      const cands = (r.candidates || []).length
        ? h('section', { 'aria-labelledby': 'cid-candidates-h' }, h('h2', { id: 'cid-candidates-h' }, s.candidates),
          h('ul', { id: 'cid-candidates' }, r.candidates.map((c) => h('li', {}, c.display_name, c.source ? ` (${c.source})` : ''))))
        : null;
      const http = pathSection('cid-http', s.http, r.http, () => dl([
        [s.httpRequest, h('code', {}, r.http.request), 'cid-http-request'],
        [s.httpStatus, String(r.http.status), 'cid-http-status'],
        [s.httpBody, textOrEmpty(r.http.body), 'cid-http-body'],
        [s.httpMatch, r.http.match, 'cid-http-match'],
      ]));
      const agi = pathSection('cid-agi', s.agi, r.agi, () => [
        dl([[s.agiScript, h('code', {}, r.agi.script), 'cid-agi-script'], [s.agiCurrent, r.agi.current_name, 'cid-agi-current']]),
        ui.table({ caption: s.agiVars, columns: [{ key: 'name', label: s.agiVarName }, { key: 'value', label: s.agiVarValue }],
          rows: r.agi.variables || [], empty: s.agiNoVars }),
        h('details', {}, h('summary', {}, s.agiCommands), h('pre', { id: 'cid-agi-commands' }, (r.agi.commands || []).join('\n'))),
      ]);
      const sip = pathSection('cid-sip', s.sip, r.sip, () => dl([
        [s.sipStatus, `${r.sip.status} ${r.sip.reason || ''}`.trim(), 'cid-sip-status'],
        [s.sipContact, r.sip.contact ? h('code', {}, r.sip.contact) : undefined, 'cid-sip-contact'],
        [s.sipDisplay, r.sip.display_name || undefined, 'cid-sip-display'],
        [s.sipPAI, r.sip.p_asserted_identity ? h('code', {}, r.sip.p_asserted_identity) : undefined, 'cid-sip-pai'],
        [s.sipMatch, r.sip.match || undefined, 'cid-sip-match'],
      ]));
      out.replaceChildren(facts, cands || '', http, agi, sip);
    }

    number.input.focus();
    return () => {};
  },
};
