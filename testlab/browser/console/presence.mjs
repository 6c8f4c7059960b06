// The Presence page (console_presence_test.go), as bob: set Do not
// disturb with a message; follow ada (a bad id first: the error is
// shown); ada's status changes through the API and bob's list shows it
// live; stop following her.
import { run, login, openPage, checkA11y, step, env, S, fmt, adminAPI, expectStatus } from './lib.mjs';

const P = S.presence;

run(async ({ page, result }) => {
  result.a11y_checked = [];
  const a11y = async (label) => { await checkA11y(page, label); result.a11y_checked.push(label); };
  await login(page, env.userUser, env.userPassword);
  await openPage(page, 'presence');
  await page.locator('#presence-roster[data-count]').waitFor();
  result.initial = (await page.locator('#presence-current').innerText()).trim();
  await a11y('presence: initial');

  step('set do not disturb');
  await page.getByLabel(P.state, { exact: true }).selectOption('dnd');
  await page.getByLabel(P.message, { exact: true }).fill('Board meeting');
  await page.getByRole('button', { name: P.save }).click();
  await expectStatus(page, fmt(P.saved, { state: P.states.dnd }));
  await page.locator('#presence-current[data-state="dnd"]').waitFor();
  result.current = (await page.locator('#presence-current').innerText()).trim();

  step('a bad user id');
  await page.getByLabel(P.addUser, { exact: true }).fill('nobody');
  await page.getByRole('button', { name: P.add, exact: true }).click();
  await page.locator('#alert').getByText('users[0]', { exact: false }).waitFor();
  result.bad_error = (await page.locator('#alert').innerText()).replace(/\s+/g, ' ').trim();
  await a11y('presence: error');

  step('follow ada');
  await page.getByLabel(P.addUser, { exact: true }).fill(env.adminId);
  await page.getByRole('button', { name: P.add, exact: true }).click();
  await page.locator(`#presence-roster tr[data-user="${env.adminId}"][data-state="available"]`).waitFor();

  step('ada goes away (through the API): shown live');
  await adminAPI('PUT', `/api/v1/users/${env.adminId}/presence`, { state: 'away', message: 'Lunch' });
  await page.locator(`#presence-roster tr[data-user="${env.adminId}"][data-state="away"]`).waitFor();
  result.row = (await page.locator(`#presence-roster tr[data-user="${env.adminId}"]`).innerText()).replace(/\s+/g, ' ').trim();
  result.socket = await page.locator('#presence-live').getAttribute('data-socket');
  await a11y('presence: following');

  step('stop following ada');
  await page.getByRole('button', { name: fmt(P.removeOne, { user: env.adminId }) }).click();
  await page.locator('#presence-roster[data-count="0"]').waitFor();
  result.after_remove = await page.locator('#presence-roster tr[data-user]').count();
});
