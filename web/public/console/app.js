// The console's shell: sign-in (the session cookie of POST /api/v1/login,
// restored on reload with GET /api/v1/users/me), the navigation by role,
// and a hash router (#/phonebook) that renders one page module at a time
// and runs its cleanup when it is left.

import { PbxAgent } from '../pbxagent.js';
import S from './strings/en.js';
import * as ui from './ui.js';
import pages from './pages/index.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const account = document.getElementById('account');
const status = ui.statusRegions(S.common);

let user = null; // the signed-in user (GET /api/v1/users/me)
let leave = null; // cleanup of the page shown

const client = new PbxAgent({
  // A 401 on anything but the sign-in itself means the session ended.
  fetch: async (url, init) => {
    const res = await fetch(url, init);
    if (res.status === 401 && user && !String(url).endsWith('/api/v1/login')) sessionEnded();
    return res;
  },
});

/** t('phonebook.title', {n: 1}): a string of strings/en.js by its path. */
export function t(key, vars) {
  const v = key.split('.').reduce((o, k) => (o && typeof o === 'object' ? o[k] : undefined), S);
  return v === undefined ? key : ui.fmt(v, vars);
}

/** Whether user may open page (admin pages for admins; a page's own allowed()). */
function mayOpen(page, u) {
  if (page.adminOnly && u.role !== 'admin') return false;
  return page.allowed ? page.allowed(u) : true;
}

function visiblePages() {
  return pages.filter((p) => mayOpen(p, user));
}

function current() {
  const m = /^#\/([\w-]+)/.exec(location.hash);
  return m ? m[1] : '';
}

function renderChrome() {
  document.getElementById('skip').textContent = S.app.skip;
  nav.setAttribute('aria-label', S.app.nav);
  if (!user) {
    nav.replaceChildren();
    account.replaceChildren();
    return;
  }
  const here = current();
  nav.replaceChildren(ui.h('ul', {}, visiblePages().map((p) => ui.h('li', {},
    ui.h('a', { href: `#/${p.id}`, 'aria-current': p.id === here ? 'page' : undefined }, t(p.titleKey))))));
  account.replaceChildren(
    ui.h('span', {}, ui.fmt(S.app.signedInAs, { name: user.display_name || user.username, role: user.role })), ' ',
    ui.button(S.app.signOut, signOut, { id: 'sign-out' }));
}

async function stopPage() {
  if (!leave) return;
  const f = leave;
  leave = null;
  try {
    await f();
  } catch (err) {
    console.error(err);
  }
}

/** Shows the page of the URL's hash (the first page the user may open by default). */
async function route() {
  await stopPage();
  status.clear();
  if (!user) return;
  const pid = current();
  const page = pages.find((p) => p.id === pid);
  const first = visiblePages()[0];
  if (!pid && first) {
    location.replace(`#/${first.id}`); // hashchange routes there
    return;
  }
  renderChrome();
  const heading = ui.h('h1', { tabindex: '-1', id: 'page-title' }, page ? t(page.titleKey) : S.app.title);
  const root = ui.h('div', { class: 'page', id: page ? `page-${page.id}` : 'page-none' });
  main.replaceChildren(heading, root);
  document.title = `${heading.textContent} · ${S.app.title}`;
  if (!page) {
    root.append(ui.h('p', { class: 'notice' }, ui.fmt(S.app.notFound, { id: pid })));
  } else if (!mayOpen(page, user)) {
    root.append(ui.h('p', { class: 'notice', id: 'need-role' }, page.adminOnly ? S.app.needAdmin : S.app.needRight));
  } else {
    const stops = [];
    // Errors of a page left for the sign-in form (its session ended) are not shown.
    const error = (err) => {
      if (user && !(err && err.status === 401)) status.error(err);
    };
    const ctx = {
      client, strings: S, s: S[page.id] || {}, common: S.common, t, ui, user, status,
      notify: status.notify, error,
      /** ui.live, stopped when the page is left. */
      live: (fn, ms) => {
        const stop = ui.live(fn, ms, error);
        stops.push(stop);
        return stop;
      },
      /** client.subscribe, ended when the page is left. */
      subscribe: (path, onEvent, opts) => {
        const stop = client.subscribe(path, onEvent, { onError: error, ...opts });
        stops.push(stop);
        return stop;
      },
      navigate: (id) => { location.hash = `#/${id}`; },
    };
    try {
      const cleanup = await page.render(root, ctx);
      leave = async () => {
        stops.forEach((s) => s());
        if (typeof cleanup === 'function') await cleanup();
      };
    } catch (err) {
      stops.forEach((s) => s());
      if (!user) return;
      root.append(ui.h('p', { class: 'notice' }, S.app.pageError));
      error(err);
    }
  }
  heading.focus();
}

function showLogin(message) {
  user = null;
  renderChrome();
  document.title = `${S.login.title} · ${S.app.title}`;
  const name = ui.field({ label: S.login.username, name: 'username', autocomplete: 'username', required: true, id: 'login-username' });
  const pass = ui.field({ label: S.login.password, name: 'password', type: 'password', autocomplete: 'current-password', required: true, id: 'login-password' });
  const err = ui.h('div', { id: 'login-error', role: 'alert' });
  const form = ui.h('form', { id: 'login-form', class: 'login', novalidate: false },
    ui.h('p', {}, S.login.intro), name.el, pass.el, err,
    ui.button(S.login.submit, undefined, { type: 'submit', kind: 'primary', id: 'login-submit' }));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.replaceChildren();
    try {
      const res = await client.postLogin({}, { username: name.input.value, password: pass.input.value });
      user = res.user;
      pass.input.value = '';
      await route();
    } catch (ex) {
      pass.input.value = '';
      err.append(ui.h('p', { class: 'error-box' }, ui.h('strong', {}, S.login.failed, ': '), ex.message));
      pass.input.focus();
    }
  });
  main.replaceChildren(ui.h('h1', { tabindex: '-1' }, S.login.title), message ? ui.h('p', { class: 'notice', role: 'status' }, message) : '', form);
  name.input.focus();
}

async function signOut() {
  await stopPage();
  try {
    await client.postLogout();
  } catch (err) {
    status.error(err);
  }
  showLogin(S.app.signedOut);
}

function sessionEnded() {
  user = null;
  stopPage();
  showLogin(S.app.sessionEnded);
}

async function start() {
  document.getElementById('skip').addEventListener('click', (e) => {
    e.preventDefault();
    const h1 = main.querySelector('h1');
    (h1 || main).focus();
  });
  renderChrome();
  main.replaceChildren(ui.h('p', {}, S.app.loading));
  try {
    user = await client.getUsersMe();
  } catch (err) {
    if (err.status !== 401 && err.status !== 403) status.error(err);
    showLogin();
    return;
  }
  await route();
}

window.addEventListener('hashchange', () => {
  if (user && location.hash.startsWith('#/')) route();
});
start();
