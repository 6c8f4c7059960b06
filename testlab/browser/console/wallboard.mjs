// The Wallboard page and the wall screen (console_wallboard_test.go), as
// ada: make a board of group sales, monitor bob, make the screen link and
// open it in a second page; the Go side sends callers into the group, bob
// picks up, callers hang up (lab()), and both boards must follow live.
// "Since I connected" counts from a board's opening; revoking the link
// stops the screen (at the socket's next event).
import { createInterface } from 'node:readline';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, login, openPage, checkA11y, step, fail, env, S, fmt, expectStatus } from './lib.mjs';

const W = S.wallboard;
const B = (await import('data:text/javascript,' + encodeURIComponent(readFileSync(join(env.webDir, 'wallboard', 'strings', 'en.js'), 'utf8')))).default;
const replies = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

/** Asks the Go test to do action (a caller enters, bob picks up...) and waits until it is done. */
async function lab(action) {
  process.stdout.write(`LAB ${action}\n`);
  const { value, done } = await replies.next();
  if (done || !String(value).startsWith('ok')) fail(`the Go side could not ${action}: ${value}`);
}

/** The sales row's counters and the waiting count of a board (page). */
async function queue(page) {
  const row = page.locator('#wb-queues tr[data-group="sales"]');
  const cell = async (col) => (await row.locator(`td[data-col="${col}"]`).innerText()).trim();
  return {
    received: await cell('received'), answered: await cell('answered'), abandoned: await cell('abandoned'), waiting: await cell('waiting'),
    sla: await cell('sla'), colour: await row.getAttribute('data-colour'),
  };
}

/** Bob's row of a board. */
async function agent(page) {
  const row = page.locator(`#wb-agents tr[data-user="${env.userId}"]`);
  const cell = async (col) => (await row.locator(`td[data-col="${col}"]`).innerText()).trim();
  return { state: await cell('state'), calls: await cell('calls'), since: await cell('since'), talk: await cell('talk') };
}

run(async ({ page, context, result }) => {
  result.a11y_checked = [];
  const a11y = async (p, label) => { await checkA11y(p, label); result.a11y_checked.push(label); };
  let token = '';
  const paths = [];
  context.on('request', (r) => paths.push(new URL(r.url()).pathname + new URL(r.url()).search));

  await login(page, env.adminUser, env.adminPassword);
  await openPage(page, 'wallboard');
  await page.getByText(W.none).waitFor();
  await a11y(page, 'wallboard: empty list');

  step('create a board of sales');
  await page.getByRole('button', { name: W.new }).click();
  await page.locator('#wb-name').fill('Floor');
  await page.locator('#wb-groups').fill('sales');
  await page.getByRole('button', { name: S.common.save }).click();
  await expectStatus(page, fmt(W.created, { name: 'Floor' }));
  await page.locator('#wb-inline #wb-queues tr[data-group="sales"]').waitFor();
  result.empty = await queue(page.locator('#wb-inline'));

  step('monitor bob');
  await page.getByLabel(W.agentUser, { exact: true }).fill(env.userId);
  await page.getByRole('button', { name: W.agentAdd, exact: true }).click();
  await expectStatus(page, W.agentAdded);
  await page.locator(`#wb-inline #wb-agents tr[data-user="${env.userId}"][data-state="available"]`).waitFor();
  result.agent_row = (await page.locator(`#wb-inline #wb-agents tr[data-user="${env.userId}"]`).innerText()).replace(/\s+/g, ' ').trim();
  await a11y(page, 'wallboard: a board shown');

  step('make the screen link and open it');
  await page.getByRole('button', { name: W.linkMake }).click();
  const url = await page.locator('#wb-link-url').inputValue();
  token = new URLSearchParams(new URL(url).hash.slice(1)).get('token') || '';
  if (!token.startsWith('wb_')) fail(`the link ${url} holds no wb_ token`);
  const tv = await context.newPage();
  await tv.goto(url);
  await tv.locator('#wb-board #wb-queues tr[data-group="sales"]').waitFor();
  await tv.locator('#wb-conn[data-state="open"]').waitFor();
  result.tv_title = (await tv.locator('#wb-title').innerText()).trim();
  await a11y(tv, 'screen: no calls');

  step('a caller enters the group: waiting, bob\'s phone rings');
  await lab('first-caller');
  const waiting = tv.locator('#wb-waiting li[data-group="sales"]');
  await waiting.waitFor();
  result.waiting = (await waiting.innerText()).trim();
  await tv.locator(`#wb-agents tr[data-user="${env.userId}"][data-state="ringing"]`).waitFor();
  result.ringing = (await agent(tv)).state;
  const first = result.waiting;
  await tv.waitForFunction((t) => { const li = document.querySelector('#wb-waiting li[data-group="sales"]'); return li && li.textContent.trim() !== t; }, first);
  result.waits = [first, (await waiting.innerText()).trim()];
  await a11y(tv, 'screen: a caller waiting');

  step('bob answers: talking, counted');
  await lab('bob-answers');
  await tv.locator(`#wb-agents tr[data-user="${env.userId}"][data-state="talking"]`).waitFor();
  await tv.locator('#wb-waiting[data-count="0"]').waitFor();
  await tv.locator('#wb-queues tr[data-group="sales"][data-received="1"][data-colour="green"]').waitFor();
  result.talking = { ...(await queue(tv)), state: (await agent(tv)).state };

  step('the caller hangs up: bob free, one call');
  await lab('first-hangs-up');
  await tv.locator(`#wb-agents tr[data-user="${env.userId}"][data-calls="1"]:not([data-state="talking"])`).waitFor();
  // The time since the call comes with the counters read again after the call ended.
  await tv.waitForFunction((never) => {
    const td = document.querySelector('#wb-agents tr[data-user] td[data-col="since"]');
    return td && td.textContent.trim() !== never;
  }, B.never);
  const a = await agent(tv);
  result.after_call = { ...a, state: await tv.locator(`#wb-agents tr[data-user="${env.userId}"]`).getAttribute('data-state') };

  step('a second caller hangs up while waiting: abandoned');
  await lab('second-caller');
  await tv.locator('#wb-waiting[data-count="1"]').waitFor();
  await lab('second-hangs-up');
  await tv.locator('#wb-waiting[data-count="0"]').waitFor();
  await tv.locator('#wb-queues tr[data-group="sales"][data-received="2"]').waitFor();
  await tv.waitForFunction(() => document.querySelector('#wb-queues tr[data-group="sales"] td[data-col="abandoned"]').textContent.trim() === '1');
  result.abandoned = await queue(tv);
  await a11y(tv, 'screen: after the calls');

  step('the console\'s board followed too');
  await page.locator('#wb-inline #wb-queues tr[data-group="sales"][data-received="2"]').waitFor();
  result.console = { received: (await queue(page.locator('#wb-inline'))).received, calls: (await agent(page.locator('#wb-inline'))).calls };

  step('since I connected: a board opened now counts from now');
  await page.locator('#wb-list tr[data-board] button[data-action="show"]').click();
  await page.locator('#wb-inline #wb-queues tr[data-group="sales"][data-received="2"]').waitFor();
  await page.locator('#wb-inline').getByLabel(B.modes.connect, { exact: true }).check();
  await page.locator('#wb-inline #wb-board[data-mode="connect"] #wb-queues tr[data-group="sales"][data-received="0"]').waitFor();
  result.connect = { ...(await queue(page.locator('#wb-inline'))), calls: (await agent(page.locator('#wb-inline'))).calls };
  await page.locator('#wb-inline').getByLabel(B.modes.midnight, { exact: true }).check();
  await page.locator('#wb-inline #wb-board[data-mode="midnight"] #wb-queues tr[data-group="sales"][data-received="2"]').waitFor();
  result.midnight = await queue(page.locator('#wb-inline'));

  step('revoke the screen link: the screen stops');
  await page.getByRole('button', { name: W.linkRevoke }).click();
  await page.getByRole('dialog').getByRole('button', { name: W.linkRevoke }).click();
  await expectStatus(page, W.linkRevoked);
  // The screen's socket is asked about its token at its next event (or
  // ping): a third caller makes one.
  await lab('third-caller');
  await tv.locator('#wb-bad-token').waitFor();
  result.revoked = (await tv.locator('#wb-bad-token').innerText()).trim();
  await a11y(tv, 'screen: link revoked');
  result.token_in_request_path = paths.some((p) => token && p.includes(token));
});
