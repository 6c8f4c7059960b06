// The console's accessible kit: every page builds its DOM with these, so
// labels, focus, dialogs and announcements work the same everywhere.
// Strings come from strings/en.js (the caller passes them in); nothing
// here holds user-visible text of its own.

let uid = 0;
/** A fresh element id with prefix. */
export function id(prefix = 'ui') {
  uid += 1;
  return `${prefix}-${uid}`;
}

/** Fills "{name}" placeholders of s from vars. */
export function fmt(s, vars = {}) {
  return String(s).replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}

/**
 * Creates an element: h('button', {class: 'primary', onclick: f, disabled: true}, 'Save').
 * attrs: class, text, dataset (object), on<event> (function), boolean and
 * string attributes; children: nodes, strings, arrays, null (skipped).
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'value' && 'value' in el) el.value = v;
    else if (k === 'checked' && 'checked' in el) el.checked = !!v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** A button; kind: '' | 'primary' | 'danger' | 'link'. */
export function button(label, onclick, { kind = '', type = 'button', ...attrs } = {}) {
  return h('button', { type, class: kind ? `btn ${kind}` : 'btn', onclick, ...attrs }, label);
}

/**
 * A labelled form control. type: text, email, tel, password, number,
 * search, textarea, select (options: [{value, label}] or strings),
 * checkbox, file. Returns {el, input}: el is the wrapper to place, input
 * the control (read input.value / input.checked / input.files).
 */
export function field({ label, name, type = 'text', value, required = false, hint, options = [], autocomplete, id: fid, requiredText, ...attrs }) {
  const inputId = fid || id(name || 'f');
  const hintId = hint ? `${inputId}-hint` : undefined;
  let input;
  if (type === 'select') {
    input = h('select', { id: inputId, name, required, 'aria-describedby': hintId, ...attrs },
      options.map((o) => (typeof o === 'string' ? { value: o, label: o } : o))
        .map((o) => h('option', { value: o.value, selected: o.value === value }, o.label)));
  } else if (type === 'textarea') {
    input = h('textarea', { id: inputId, name, required, 'aria-describedby': hintId, ...attrs });
    input.value = value ?? '';
  } else {
    input = h('input', { id: inputId, name, type, required, autocomplete, 'aria-describedby': hintId, ...attrs });
    if (type === 'checkbox') input.checked = !!value;
    else if (type !== 'file' && value !== undefined && value !== null) input.value = value;
  }
  const lab = h('label', { for: inputId }, label, required && requiredText ? h('span', { class: 'req' }, ' ', requiredText) : null);
  const hintEl = hint ? h('p', { id: hintId, class: 'hint' }, hint) : null;
  const el = type === 'checkbox'
    ? h('div', { class: 'field check' }, input, lab, hintEl)
    : h('div', { class: 'field' }, lab, input, hintEl);
  return { el, input };
}

/**
 * A data table: caption (required: it names the table), columns
 * [{key, label, render?(row) → Node|string}], rows. empty: the text shown
 * when there are no rows.
 */
export function table({ caption, columns, rows, empty = '', rowAttrs }) {
  const head = h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c.label))));
  const body = h('tbody', {}, rows.map((r) => h('tr', rowAttrs ? rowAttrs(r) : {},
    columns.map((c, i) => {
      const v = c.render ? c.render(r) : r[c.key];
      return i === 0 ? h('th', { scope: 'row' }, v ?? '') : h('td', {}, v ?? '');
    }))));
  if (!rows.length && empty) body.append(h('tr', {}, h('td', { colspan: columns.length, class: 'empty' }, empty)));
  return h('div', { class: 'table-wrap' }, h('table', {}, h('caption', {}, caption), head, body));
}

/**
 * A modal dialog (<dialog> with showModal: the rest of the page is inert,
 * Tab stays inside, Escape closes). content: a Node; buttons:
 * [{label, value, kind, submit}] (a submit button submits the dialog's
 * form when content holds one; onSubmit(form) may return false to keep it
 * open, e.g. on an API error: show it inside the dialog with errorView,
 * the page's status regions are inert behind a modal). onOpen({dialog,
 * close(value)}) lets content close the dialog itself. Resolves with the
 * value of the button used (or given to close), undefined on Escape; the
 * focus returns where it was.
 */
export function modal({ title, content, buttons, onSubmit, onOpen, labelledBy }) {
  return new Promise((resolve) => {
    const back = document.activeElement;
    const titleId = labelledBy || id('dlg');
    const form = h('form', { method: 'dialog', class: 'dialog-form' });
    const dlg = h('dialog', { 'aria-labelledby': titleId, class: 'dialog' },
      form);
    form.append(h('h2', { id: titleId }, title), content || '',
      h('div', { class: 'buttons' }, buttons.map((b) => h('button', {
        type: b.submit ? 'submit' : 'button', class: b.kind ? `btn ${b.kind}` : 'btn', value: b.value ?? '',
        dataset: { value: b.value ?? '' },
        onclick: b.submit ? undefined : () => finish(b.value),
      }, b.label))));
    let done = false;
    const finish = (v) => {
      if (done) return;
      done = true;
      dlg.close();
      dlg.remove();
      if (back && back.isConnected && typeof back.focus === 'function') back.focus();
      resolve(v);
    };
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const btn = e.submitter;
      if (onSubmit) {
        const ok = await onSubmit(form, btn && btn.value);
        if (ok === false) return;
      }
      finish(btn ? btn.value : undefined);
    });
    dlg.addEventListener('cancel', (e) => {
      e.preventDefault();
      finish(undefined);
    });
    document.body.append(dlg);
    dlg.showModal();
    if (onOpen) onOpen({ dialog: dlg, close: finish });
    const first = dlg.querySelector('[autofocus], input, select, textarea') || dlg.querySelector('.buttons button');
    if (first) first.focus();
  });
}

/**
 * A yes/no question in a modal dialog: resolves true only for the
 * confirming button.
 */
export async function confirm({ title, message, confirmLabel, cancelLabel, danger = false }) {
  const content = typeof message === 'string' ? h('p', {}, message) : message;
  const v = await modal({ title, content, buttons: [
    { label: cancelLabel, value: 'no' },
    { label: confirmLabel, value: 'yes', kind: danger ? 'danger' : 'primary' },
  ] });
  return v === 'yes';
}

/**
 * ARIA tabs: label names the tab list; tabs [{id, label, render(panel)}];
 * arrow keys, Home and End move between tabs. Returns {el, select(id)}.
 */
export function tabs({ label, tabs: list, selected }) {
  const base = id('tabs');
  const bar = h('div', { role: 'tablist', 'aria-label': label, class: 'tablist' });
  const panels = h('div', { class: 'tabpanels' });
  const btns = list.map((t) => h('button', {
    type: 'button', role: 'tab', id: `${base}-${t.id}-tab`, 'aria-controls': `${base}-${t.id}`,
    'aria-selected': 'false', tabindex: '-1', onclick: () => select(t.id),
  }, t.label));
  const pans = list.map((t) => h('div', { role: 'tabpanel', id: `${base}-${t.id}`, 'aria-labelledby': `${base}-${t.id}-tab`, tabindex: '0', hidden: true }));
  bar.append(...btns);
  panels.append(...pans);
  const rendered = new Set();
  function select(tid, focus = false) {
    list.forEach((t, i) => {
      const on = t.id === tid;
      btns[i].setAttribute('aria-selected', on ? 'true' : 'false');
      btns[i].tabIndex = on ? 0 : -1;
      pans[i].hidden = !on;
      if (on && !rendered.has(t.id)) {
        rendered.add(t.id);
        t.render(pans[i]);
      }
      if (on && focus) btns[i].focus();
    });
  }
  bar.addEventListener('keydown', (e) => {
    const i = btns.indexOf(document.activeElement);
    if (i < 0) return;
    const n = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: btns.length - 1 }[e.key];
    if (n === undefined) return;
    e.preventDefault();
    select(list[(n + btns.length) % btns.length].id, true);
  });
  select(selected || (list[0] && list[0].id));
  return { el: h('div', { class: 'tabs' }, bar, panels), select };
}

/**
 * The status regions: notify(text) in the polite region (success),
 * error(err) in the alert region with the API error's message, details
 * (field: message) and request id. S is strings.common.
 */
export function statusRegions(S) {
  const polite = document.getElementById('status');
  const alert = document.getElementById('alert');
  let timer;
  const clear = () => {
    polite.replaceChildren();
    alert.replaceChildren();
  };
  return {
    clear,
    notify(text) {
      clear();
      polite.append(h('p', {}, text));
      clearTimeout(timer);
      timer = setTimeout(() => polite.replaceChildren(), 8000);
    },
    error(err) {
      clear();
      alert.append(errorView(err, S, clear));
    },
  };
}

/**
 * An error as the console shows it: the API error's message, its details
 * (field: message, one a line) and request id. S is strings.common;
 * onClose, when given, adds a Close button.
 */
export function errorView(err, S, onClose) {
  const msg = (err && err.status === 0 && err.code === 'network') ? S.networkError : (err && err.message) || String(err);
  const details = (err && Array.isArray(err.details)) ? err.details : [];
  return h('div', { class: 'error-box' },
    h('p', {}, h('strong', {}, S.errorTitle, ': '), msg),
    details.length ? h('ul', {}, details.map((d) => h('li', {}, d.field ? `${d.field}: ${d.message}` : d.message))) : null,
    err && err.requestId ? h('p', { class: 'hint' }, fmt(S.requestId, { id: err.requestId })) : null,
    onClose ? h('button', { type: 'button', class: 'btn link', onclick: onClose }, S.close) : null);
}

/**
 * Calls fn now and then every ms after the previous call ended, until the
 * returned stop is called (the app stops every ctx.live poller when the
 * page is left). A failing fn is reported to onError and polling goes on.
 */
export function live(fn, ms, onError) {
  let stopped = false;
  let timer;
  const tick = async () => {
    try {
      await fn();
    } catch (err) {
      if (onError && !stopped) onError(err);
    }
    if (!stopped) timer = setTimeout(tick, ms);
  };
  tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/** Saves text as a file download (CSV export, template). */
export function download(name, text, type = 'text/csv') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
