// Park and pickup on the My calls page (console_calls_park_test.go), as
// bob with one desk phone: a call to 555, answered when the Go side picks
// the phone up (lab()); Park leaves it parked (the destination alone with
// music, checked by the Go side), Pick up rings bob's phone again and, once
// the Go side picks that up, the call is up again; then hang up.
import { createInterface } from 'node:readline';
import { run, login, openPage, checkA11y, step, fail, env, S, expectStatus, expectNoError } from './lib.mjs';

const C = S.calls;
const replies = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

/** Asks the Go test to do action and waits until it is done. */
async function lab(action) {
  process.stdout.write(`LAB ${action}\n`);
  const { value, done } = await replies.next();
  if (done || !String(value).startsWith('ok')) fail(`the Go side could not ${action}: ${value}`);
}

run(async ({ page, result }) => {
  const row = (state) => page.locator(state ? `#calls-list tr[data-call][data-state="${state}"]` : '#calls-list tr[data-call]');
  result.states = [];

  await login(page, env.userUser, env.userPassword);
  await openPage(page, 'calls');
  await page.getByText(C.none).waitFor();

  step('call 555 and answer');
  await page.getByLabel(new RegExp(`^${C.to}`)).fill('555');
  await page.getByRole('button', { name: C.place, exact: true }).click();
  await row().waitFor();
  result.call_id = await row().getAttribute('data-call');
  await lab('answer');
  await row('up').waitFor();
  result.states.push(await row().locator('[data-live="state"]').innerText());

  step('park');
  await page.getByRole('button', { name: 'Park the call with 555' }).click();
  await row('parked').waitFor();
  await expectStatus(page, 'is parked');
  result.parked = await page.locator('#status').innerText();
  result.states.push(await row().locator('[data-live="state"]').innerText());
  const pickup = page.getByRole('button', { name: 'Pick up the call with 555' });
  await pickup.waitFor();
  if (await page.getByRole('button', { name: 'Put the call with 555 on hold' }).count()) fail('a parked call offers Hold');
  await lab('far-parked');
  await expectNoError(page);
  await checkA11y(page, 'calls: parked');

  step('pick up');
  await pickup.click();
  await expectStatus(page, 'answer your phone');
  result.picking = await page.locator('#status').innerText();
  await lab('answer-pickup');
  await row('up').waitFor();
  result.states.push(await row().locator('[data-live="state"]').innerText());
  await checkA11y(page, 'calls: picked up');

  step('hang up');
  await page.getByRole('button', { name: 'Hang up the call with 555' }).click();
  await page.getByText(C.none).waitFor();
  await expectNoError(page);
});
