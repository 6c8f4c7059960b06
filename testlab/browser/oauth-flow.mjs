// oauth-flow.mjs drives Debian's Chromium through pbxagent's OAuth2
// authorization pages, as a person would: the authorization URL, the login
// page (fields found by their labels), the consent page, and the redirect
// back to the app. It prints one JSON object on stdout and exits 0 when
// every page was the one expected; on anything else it saves a screenshot
// under a fresh temp directory, prints what went wrong on stderr and exits 1.
//
// Usage:
//   OAUTH_PASSWORD=secret node oauth-flow.mjs --url AUTHORIZE_URL \
//     --user NAME --redirect REDIRECT_URI --decision allow|deny|wrong-password \
//     [--scopes calls,hotel] [--allow-origin http://127.0.0.1:PORT]...
//
// --decision wrong-password expects the login page back with its error and
// no redirect. The password comes from the environment, not argv, so it is
// not shown by ps. Every request the browser makes is recorded: each must
// go to the authorization server (the start URL's origin), to the redirect
// URI's origin, or to an --allow-origin.
//
// Environment: OAUTH_PASSWORD (required), CHROMIUM (default
// /usr/bin/chromium), STEP_TIMEOUT_MS (default 10000).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const { values: opt } = parseArgs({
  options: {
    url: { type: 'string' },
    user: { type: 'string' },
    redirect: { type: 'string' },
    decision: { type: 'string', default: 'allow' },
    scopes: { type: 'string', default: '' },
    'allow-origin': { type: 'string', multiple: true, default: [] },
  },
});

function usage(msg) {
  process.stderr.write(`oauth-flow: ${msg}\n`);
  process.exit(2);
}

if (!opt.url) usage('--url is required');
if (!opt.user) usage('--user is required');
if (!opt.redirect) usage('--redirect is required');
if (!['allow', 'deny', 'wrong-password'].includes(opt.decision)) usage(`--decision ${opt.decision}: must be allow, deny or wrong-password`);
const password = process.env.OAUTH_PASSWORD;
if (password === undefined) usage('OAUTH_PASSWORD is not set');
const wantScopes = opt.scopes.split(',').filter(Boolean).sort();
const stepTimeout = Number(process.env.STEP_TIMEOUT_MS || 10000);
const serverOrigin = new URL(opt.url).origin;
const appOrigin = new URL(opt.redirect).origin;
const allowed = new Set([serverOrigin, appOrigin, ...opt['allow-origin'].map((o) => new URL(o).origin)]);

// The flags that keep Chromium off the network: without the background
// networking ones it tries Google's services at start, which a closed
// network refuses.
const args = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

const profile = mkdtempSync(join(tmpdir(), 'pbx-oauth-profile-'));
const requests = [];
const visited = [];
let context;
let page;

// Fail stops the run: a screenshot of the page as it is, the reason, exit 1.
class Fail extends Error {}
function fail(msg) {
  throw new Fail(msg);
}

async function main() {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args,
    timeout: 15000,
    viewport: { width: 800, height: 700 },
  });
  context.setDefaultTimeout(stepTimeout);
  context.setDefaultNavigationTimeout(stepTimeout);
  context.on('request', (r) => {
    requests.push({ method: r.method(), url: r.url() });
  });
  page = context.pages()[0] || (await context.newPage());

  // 1. The authorization URL shows the login page.
  await page.goto(opt.url);
  await expectPage('login', '#login-form');
  const a11yLogin = await accessibility(['username', 'password', 'login-submit']);

  // 2. Fill the form by its labels, as a person reads it, and submit.
  await page.getByLabel('Username', { exact: true }).fill(opt.user);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.locator('#login-submit').click()]);

  if (opt.decision === 'wrong-password') {
    await expectPage('login again', '#login-form');
    const err = page.locator('#login-error');
    if (!(await err.isVisible())) fail('no #login-error on the login page after a wrong password');
    if ((await err.getAttribute('role')) !== 'alert') fail('#login-error is not role=alert: screen readers would not announce it');
    if ((await page.locator('#username').inputValue()) !== opt.user) fail('the login page did not keep the username');
    if ((await page.locator('#password').inputValue()) !== '') fail('the login page sent the password back');
    return finish({ login_error: (await err.innerText()).trim(), a11y: { login: a11yLogin } });
  }

  // 3. The consent page lists the scopes asked for.
  await expectPage('consent', '#consent-form');
  const listed = (await page.locator('#scope-list li').evaluateAll((els) => els.map((e) => e.dataset.scope))).sort();
  if (wantScopes.length > 0 && JSON.stringify(listed) !== JSON.stringify(wantScopes)) {
    fail(`the consent page lists scopes ${JSON.stringify(listed)}, want ${JSON.stringify(wantScopes)}`);
  }
  const texts = await page.locator('#scope-list li').allInnerTexts();
  if (texts.some((t) => t.trim() === '')) fail('a scope on the consent page has no text');
  const a11yConsent = await accessibility(['consent-allow', 'consent-deny']);

  // 4. Allow or deny: the browser goes back to the app.
  const button = opt.decision === 'allow' ? '#consent-allow' : '#consent-deny';
  await Promise.all([
    page.waitForURL((u) => u.href.startsWith(opt.redirect), { waitUntil: 'load' }),
    page.locator(button).click(),
  ]);
  return finish({ scopes: listed, a11y: { login: a11yLogin, consent: a11yConsent } });
}

// expectPage checks the page holds selector and is a 200 from the server.
async function expectPage(name, selector) {
  visited.push({ name, url: page.url() });
  if (new URL(page.url()).origin !== serverOrigin) fail(`expected the ${name} page, got ${page.url()}`);
  if ((await page.locator(selector).count()) !== 1) {
    const msg = await page.locator('#error-message').textContent().catch(() => null);
    fail(`expected the ${name} page (${selector}) at ${page.url()}${msg ? `; the page says: ${msg.trim()}` : ''}`);
  }
}

// accessibility checks what the pages promise: a language, a title, a
// label for every visible input and a name for every button, the first
// field focused on load, and Tab moving through order in document order.
async function accessibility(order) {
  const facts = await page.evaluate(() => {
    const unlabelled = [];
    for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
      const label = [...(el.labels || [])].map((l) => l.textContent.trim()).join(' ');
      if (!label) unlabelled.push(el.id || el.name || el.outerHTML);
    }
    const unnamed = [...document.querySelectorAll('button')].filter((b) => !b.textContent.trim() && !b.getAttribute('aria-label')).map((b) => b.id || b.outerHTML);
    return {
      lang: document.documentElement.lang,
      title: document.title,
      unlabelled,
      unnamed,
      focused: document.activeElement ? document.activeElement.id : '',
    };
  });
  if (!facts.lang) fail('the page has no lang attribute');
  if (!facts.title.trim()) fail('the page has no title');
  if (facts.unlabelled.length) fail(`inputs without a label: ${facts.unlabelled.join(', ')}`);
  if (facts.unnamed.length) fail(`buttons without a name: ${facts.unnamed.join(', ')}`);
  // A page with fields focuses its first one (autofocus); a page with only
  // buttons starts from the document and Tab reaches the first button.
  const tabOrder = [];
  let start = 0;
  if (facts.focused === order[0]) {
    tabOrder.push(facts.focused);
    start = 1;
  } else if (order[0] === 'username') {
    fail(`on load the focus is on ${JSON.stringify(facts.focused)}, want the first field #username`);
  }
  for (let i = start; i < order.length; i++) {
    await page.keyboard.press('Tab');
    const id = await page.evaluate(() => (document.activeElement ? document.activeElement.id : ''));
    tabOrder.push(id);
  }
  if (JSON.stringify(tabOrder) !== JSON.stringify(order)) fail(`Tab order ${JSON.stringify(tabOrder)}, want ${JSON.stringify(order)}`);
  // Leave the focus where the page put it.
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  return { lang: facts.lang, title: facts.title, focused_on_load: facts.focused, tab_order: tabOrder };
}

function finish(extra) {
  const external = requests.filter((r) => !allowed.has(new URL(r.url).origin));
  if (external.length) fail(`requests outside the test servers: ${external.map((r) => `${r.method} ${r.url}`).join(', ')}`);
  return { final_url: page.url(), pages: visited, requests, ...extra };
}

let code = 0;
try {
  const out = await main();
  process.stdout.write(JSON.stringify(out) + '\n');
} catch (err) {
  code = 1;
  let shot = '';
  if (page) {
    try {
      const dir = mkdtempSync(join(tmpdir(), 'pbx-oauth-fail-'));
      shot = join(dir, 'page.png');
      await page.screenshot({ path: shot, fullPage: true });
    } catch (e) {
      shot = `(no screenshot: ${e.message})`;
    }
  }
  const why = err instanceof Fail ? err.message : err.stack || String(err);
  process.stderr.write(`oauth-flow: FAILED: ${why}\n  at page: ${page ? page.url() : '(none)'}\n  screenshot: ${shot}\n  pages: ${JSON.stringify(visited)}\n  requests: ${JSON.stringify(requests)}\n`);
} finally {
  if (context) await context.close().catch(() => {});
  rmSync(profile, { recursive: true, force: true });
}
process.exit(code);
