// The Call groups page (console_callgroups_test.go). ada (admin) creates
// the group sales through the form (a bad number first: the error names
// the field) with herself as a static member; bob (a plain user whose
// phone is registered) sees no group, joins sales, pauses himself with a
// reason and sees his state change to paused, live; a supervisor's
// unpause through the API reaches his page live; a caller the Go side
// sends into the group (the fake Asterisk, lab()) waits in red with the
// wait ticking while bob's phone rings, bob answers (the call moves to
// the answered calls, bob is on a call), the caller hangs up; he leaves.
// axe runs in each state.
import { createInterface } from 'node:readline';
import { run, login, openPage, checkA11y, step, fail, env, S, fmt, adminAPI, expectStatus } from './lib.mjs';

const P = S.callgroups;
const replies = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

/** Asks the Go test to do action (a caller, an answer, a hang-up on the fake Asterisk) and waits until it is done. */
async function lab(action) {
  process.stdout.write(`LAB ${action}\n`);
  const { value, done } = await replies.next();
  if (done || !String(value).startsWith('ok')) fail(`the Go side could not ${action}: ${value}`);
}

run(async ({ page, result }) => {
  const a11y = (label) => checkA11y(page, label);
  const text = async (sel) => (await page.locator(sel).innerText()).replace(/\s+/g, ' ').trim();

  await login(page, env.adminUser, env.adminPassword);
  await openPage(page, 'callgroups');
  await page.locator('#cg-groups[data-count="0"]').waitFor();
  result.admin_empty = await text('#cg-groups');
  await a11y('callgroups: admin, no group');

  step('create sales: a bad number first');
  await page.getByRole('button', { name: P.newGroup }).click();
  const dlg = page.getByRole('dialog');
  await dlg.getByLabel(`${P.fId} ${S.common.required}`, { exact: true }).fill('sales');
  await dlg.getByLabel(P.fName, { exact: true }).fill('Sales');
  await dlg.getByLabel(P.fNumbers, { exact: true }).fill('600, 6 01');
  await dlg.getByLabel(P.fStrategy, { exact: true }).selectOption('linear');
  await dlg.getByLabel(P.fRingTimeout, { exact: true }).fill('20');
  await dlg.getByLabel(P.fSLAThreshold, { exact: true }).fill('30');
  await dlg.getByRole('group', { name: P.fJoinEmpty }).getByLabel(P.factors.unavailable, { exact: true }).check();
  await dlg.getByRole('button', { name: P.addMemberRow }).click();
  await dlg.getByLabel(fmt(P.memberUser, { n: 1 }), { exact: true }).selectOption(env.adminId);
  await dlg.getByLabel(fmt(P.memberPenalty, { n: 1 }), { exact: true }).fill('1');
  await a11y('callgroups: the group form');
  await dlg.getByRole('button', { name: P.save }).click();
  await page.locator('#cg-form-errors').getByText('numbers[1]', { exact: false }).waitFor();
  result.form_error = await text('#cg-form-errors');

  step('create sales');
  await dlg.getByLabel(P.fNumbers, { exact: true }).fill('600, +41445550600');
  await dlg.getByRole('button', { name: P.save }).click();
  await expectStatus(page, fmt(P.created, { group: 'Sales' }));
  await page.locator('#cg-groups tr[data-group="sales"]').waitFor();
  await page.locator(`#cg-members tr[data-user="${env.adminId}"]`).waitFor();
  result.admin_row = await text('#cg-groups tr[data-group="sales"]');
  result.admin_members = await text('#cg-members');
  await a11y('callgroups: admin, sales shown');

  step('sign out');
  await page.locator('#sign-out').click();
  await page.locator('#login-form').waitFor();

  await login(page, env.userUser, env.userPassword);
  await openPage(page, 'callgroups');
  await page.locator('#cg-groups[data-count="0"]').waitFor();
  result.user_empty = await text('#cg-groups');

  step('bob joins sales');
  await page.getByLabel(`${P.groupId} ${S.common.required}`, { exact: true }).fill('sales');
  await page.getByRole('button', { name: P.join, exact: true }).click();
  await expectStatus(page, fmt(P.joined, { group: 'sales' }));
  await page.locator('#cg-groups tr[data-group="sales"][data-me="available"]').waitFor();
  await page.locator(`#cg-members tr[data-user="${env.userId}"][data-state="available"]`).waitFor();
  result.joined_row = await text(`#cg-members tr[data-user="${env.userId}"]`);
  await a11y('callgroups: bob joined');

  step('bob pauses himself');
  await page.getByRole('button', { name: fmt(P.pauseOne, { name: 'Bob', group: 'Sales' }) }).first().click();
  await page.getByRole('dialog').getByLabel(P.reason, { exact: true }).fill('lunch');
  await a11y('callgroups: the pause dialog');
  await page.getByRole('dialog').getByRole('button', { name: P.pause, exact: true }).click();
  await expectStatus(page, fmt(P.paused, { name: 'Bob', group: 'Sales' }));
  await page.locator(`#cg-members tr[data-user="${env.userId}"][data-state="paused"][data-paused="true"]`).waitFor();
  await page.locator('#cg-groups tr[data-group="sales"][data-me="paused"]').waitFor();
  result.paused_row = await text(`#cg-members tr[data-user="${env.userId}"]`);
  // read at once: the table is drawn again as events come
  result.paused_state_colour = await page.evaluate((sel) => getComputedStyle(document.querySelector(sel)).color,
    `#cg-members tr[data-user="${env.userId}"] .cg-shape`);
  await a11y('callgroups: bob paused');

  step('a supervisor resumes bob (through the API): shown live');
  await adminAPI('PUT', `/api/v1/callgroups/sales/members/${env.userId}/pause`, { paused: false });
  await page.locator(`#cg-members tr[data-user="${env.userId}"][data-state="available"][data-paused="false"]`).waitFor();
  result.resumed_row = await text(`#cg-members tr[data-user="${env.userId}"]`);
  result.socket = await page.locator('#cg-live').getAttribute('data-socket');

  step('a caller waits: in red, the wait ticking, bob\'s phone ringing');
  await lab('caller');
  await page.locator('#cg-waiting tr[data-caller]').waitFor();
  await page.locator(`#cg-members tr[data-user="${env.userId}"][data-state="ringing"]`).waitFor();
  result.waiting_row = await text('#cg-waiting tr[data-caller]');
  const wait = '#cg-waiting [data-wait]';
  const w0 = await page.locator(wait).innerText();
  await page.waitForFunction(([sel, was]) => { const el = document.querySelector(sel); return el && el.textContent !== was; }, [wait, w0]);
  result.wait_ticked = [w0, await page.locator(wait).innerText()];
  result.wait_colour = await page.evaluate((sel) => getComputedStyle(document.querySelector(sel)).color, wait);
  await page.locator('#cg-groups tr[data-group="sales"] .cg-wait').waitFor();
  result.list_waiting = await text('#cg-groups tr[data-group="sales"]');
  await a11y('callgroups: a caller waiting');

  step('bob answers');
  await lab('answer');
  await page.locator('#cg-waiting[data-count="0"]').waitFor();
  await page.locator('#cg-active tr[data-caller]').waitFor();
  await page.locator(`#cg-members tr[data-user="${env.userId}"][data-state="talking"]`).waitFor();
  result.active_row = await text('#cg-active tr[data-caller]');
  await a11y('callgroups: a call answered');

  step('the caller hangs up');
  await lab('hangup');
  await page.locator('#cg-active[data-count="0"]').waitFor();
  await page.locator(`#cg-members tr[data-user="${env.userId}"][data-state="available"]`).waitFor();
  result.after_call_row = await text(`#cg-members tr[data-user="${env.userId}"]`);

  step('bob leaves sales');
  await page.getByRole('button', { name: fmt(P.leaveOne, { group: 'Sales' }) }).first().click();
  await page.getByRole('dialog').getByRole('button', { name: P.leave, exact: true }).click();
  await expectStatus(page, fmt(P.left, { group: 'Sales' }));
  await page.locator('#cg-groups[data-count="0"]').waitFor();
  result.after_leave = await page.locator('#cg-detail').isHidden();
});
