// lib.mjs: what every console page test shares. A page test is a module
// console/<page>.mjs that calls run(async ({ page, result }) => { ... }):
// run starts Debian's Chromium (no network: every request to a host other
// than loopback is aborted and fails the test), the test signs in with
// login(), drives the page by the labels a person reads (S: the console's
// strings, strings/en.js), calls checkA11y() in every state it reaches
// (axe-core: serious or critical violations fail), and fills result,
// printed as JSON on stdout for the Go test. Any failure: a screenshot,
// the reason on stderr, exit 1.
//
// Environment (set by the Go helper, console_test.go): BASE_URL,
// ADMIN_USER, ADMIN_PASSWORD, ADMIN_ID, USER_USER, USER_PASSWORD, USER_ID, ADMIN_TOKEN,
// WEB_DIR (the repository's web/public), CHROMIUM (default
// /usr/bin/chromium), STEP_TIMEOUT_MS (default 10000).

import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);

/** The test's environment. */
export const env = {
  baseUrl: need('BASE_URL'),
  adminUser: process.env.ADMIN_USER || '',
  adminPassword: process.env.ADMIN_PASSWORD || '',
  userUser: process.env.USER_USER || '',
  userPassword: process.env.USER_PASSWORD || '',
  adminToken: process.env.ADMIN_TOKEN || '',
  adminId: process.env.ADMIN_ID || '',
  userId: process.env.USER_ID || '',
  webDir: need('WEB_DIR'),
  stepTimeout: Number(process.env.STEP_TIMEOUT_MS || 10000),
};

function need(name) {
  const v = process.env[name];
  if (!v) {
    process.stderr.write(`console test: ${name} is not set (run it through go test ./testlab/browser)\n`);
    process.exit(2);
  }
  return v;
}

/** The console's strings (web/public/console/strings/en.js): find elements by what a person reads. */
export const S = (await import('data:text/javascript,' + encodeURIComponent(readFileSync(join(env.webDir, 'console', 'strings', 'en.js'), 'utf8')))).default;

/** Fills "{name}" placeholders, as the console's ui.fmt does. */
export function fmt(s, vars = {}) {
  return String(s).replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}

/** A failure with a message (no stack trace in the report). */
export class Fail extends Error {}

/** Stops the test with msg. */
export function fail(msg) {
  throw new Fail(msg);
}

let currentStep = '(start)';
let stepStart = Date.now();
const timings = [];
/** Names the step the test is in, for the failure report (and result.steps: each step's milliseconds). */
export function step(name) {
  const now = Date.now();
  timings.push({ step: currentStep, ms: now - stepStart });
  currentStep = name;
  stepStart = now;
}

// The flags that keep Chromium off the network (as oauth-flow.mjs).
const args = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

const loopback = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Runs axe-core on the page as it is now (dialogs open included) and
 * fails on any serious or critical violation, naming the rule and the
 * elements. label names the state in the report. Returns the number of
 * violations of lesser impact.
 */
export async function checkA11y(page, label) {
  const t0 = Date.now();
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axeSource);
  const res = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
  });
  const bad = res.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (bad.length) {
    fail(`accessibility (${label}): ${bad.map((v) => `${v.id} [${v.impact}] ${v.help}: ${v.nodes.join(', ')}`).join('; ')}`);
  }
  checked.push(label);
  axeMs += Date.now() - t0;
  result_axe_ms = axeMs;
  return res.length;
}
const checked = [];
let axeMs = 0;
let result_axe_ms = 0;

/**
 * Calls the API with the admin token from the test itself (not the
 * browser): changes the daemon's state mid-test. body: an object (sent as
 * JSON, or as a merge patch for PATCH) or a string (sent as text/csv).
 * Resolves with the parsed JSON answer; a status outside 2xx fails.
 */
export async function adminAPI(method, path, body) {
  const headers = { Authorization: `Bearer ${env.adminToken}` };
  let payload;
  if (typeof body === 'string') {
    headers['Content-Type'] = 'text/csv';
    payload = body;
  } else if (body !== undefined) {
    headers['Content-Type'] = method === 'PATCH' ? 'application/merge-patch+json' : 'application/json';
    payload = JSON.stringify(body);
  }
  const res = await fetch(env.baseUrl + path, { method, headers, body: payload });
  const text = await res.text();
  if (!res.ok) fail(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** Opens the console and signs in as username through its sign-in form; resolves when the shell shows the user. */
export async function login(page, username, password) {
  step(`sign in as ${username}`);
  await page.goto(env.baseUrl + '/');
  await page.locator('#login-form').waitFor();
  await page.getByLabel(S.login.username, { exact: true }).fill(username);
  await page.getByLabel(S.login.password, { exact: true }).fill(password);
  await page.getByRole('button', { name: S.login.submit }).click();
  await page.locator('#sign-out').waitFor();
}

/** Opens a page of the console by id (#/id) and waits for its root. */
export async function openPage(page, id) {
  step(`open #/${id}`);
  await page.evaluate((h) => { location.hash = h; }, `#/${id}`);
  await page.locator(`#page-${id}`).waitFor();
}

/** Waits for the polite status region to say text (a success message). */
export async function expectStatus(page, text) {
  await page.locator('#status').getByText(text, { exact: false }).waitFor();
}

/** Fails unless the alert region is empty (no API error shown). */
export async function expectNoError(page) {
  const t = (await page.locator('#alert').innerText()).trim();
  if (t) fail(`the page shows an error: ${t}`);
}

/**
 * Runs a page test: main({ page, context, result }) with a fresh browser.
 * result is printed as JSON on stdout when main resolves; any request to a
 * host other than loopback, an uncaught exception in the page, or a throw
 * fails the test.
 */
export async function run(main) {
  const started = Date.now();
  const blocked = [];
  const pageErrors = [];
  const result = {};
  let browser;
  let page;
  let code = 0;
  try {
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args, timeout: 15000 });
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    context.setDefaultTimeout(env.stepTimeout);
    context.setDefaultNavigationTimeout(env.stepTimeout);
    await context.route('**/*', (route) => {
      const u = new URL(route.request().url());
      if ((u.protocol === 'http:' || u.protocol === 'https:') && !loopback.has(u.hostname)) {
        blocked.push(`${route.request().method()} ${u.href}`);
        return route.abort('blockedbyclient');
      }
      return route.continue();
    });
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(String(e && e.stack ? e.stack : e)));
    await main({ page, context, result });
    step('(end)');
    if (blocked.length) fail(`requests outside loopback: ${blocked.join(', ')}`);
    if (pageErrors.length) fail(`uncaught exceptions in the page: ${pageErrors.join(' | ')}`);
    result.a11y_checked = checked;
    result.steps = timings;
    result.axe_ms = result_axe_ms;
    result.ms = Date.now() - started;
    process.stdout.write(JSON.stringify(result) + '\n');
  } catch (err) {
    code = 1;
    let shot = '(none)';
    if (page) {
      try {
        shot = join(mkdtempSync(join(tmpdir(), 'pbx-console-fail-')), 'page.png');
        await page.screenshot({ path: shot, fullPage: true });
      } catch (e) {
        shot = `(no screenshot: ${e.message})`;
      }
    }
    const why = err instanceof Fail ? err.message : (err && err.stack) || String(err);
    process.stderr.write(`console test FAILED in step "${currentStep}": ${why}\n  at page: ${page ? page.url() : '(none)'}\n  screenshot: ${shot}\n` +
      (blocked.length ? `  blocked: ${blocked.join(', ')}\n` : '') + (pageErrors.length ? `  page errors: ${pageErrors.join(' | ')}\n` : ''));
  } finally {
    if (browser) await browser.close().catch(() => {});
  }
  process.exit(code);
}
