// The My calls page (console_calls_test.go), as bob with two desk phones:
// a refused number, then a call to 555 from his first phone; the Go side
// picks the phone up when asked (lab()), and the page must show the call
// live: up, on hold, resumed, recorded and the recording stopped; digits
// from the keypad dialog (a refused
// digit first); hang up and the list empties. Leaving the page closes
// the events socket and ends the polling.
import { createInterface } from 'node:readline';
import { run, login, openPage, checkA11y, step, fail, env, S, expectStatus, expectNoError } from './lib.mjs';

const C = S.calls;
const replies = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

/** Asks the Go test to do action (pick a phone up, check the fake Asterisk) and waits until it is done. */
async function lab(action) {
  process.stdout.write(`LAB ${action}\n`);
  const { value, done } = await replies.next();
  if (done || !String(value).startsWith('ok')) fail(`the Go side could not ${action}: ${value}`);
}

run(async ({ page, result }) => {
  const sockets = [];
  page.on('websocket', (ws) => {
    if (!ws.url().includes('/api/v1/events')) return;
    const s = { closed: false };
    s.done = new Promise((resolve) => ws.on('close', () => { s.closed = true; resolve(); }));
    sockets.push(s);
  });
  const row = (state) => page.locator(state ? `#calls-list tr[data-call][data-state="${state}"]` : '#calls-list tr[data-call]');
  const dialog = () => page.getByRole('dialog');
  result.states = [];

  await login(page, env.userUser, env.userPassword);
  await openPage(page, 'calls');
  step('the form and an empty list');
  await page.getByText(C.none).waitFor();
  result.devices = await page.locator('#calls-device option').allInnerTexts();
  await checkA11y(page, 'calls: empty list');

  step('a refused number');
  await page.getByLabel(new RegExp(`^${C.to}`)).fill('12;34');
  await page.getByRole('button', { name: C.place, exact: true }).click();
  await page.locator('#alert .error-box').waitFor();
  result.place_error = await page.locator('#alert .error-box').innerText();
  await checkA11y(page, 'calls: refused number');

  step('call 555 from the first phone');
  await page.getByLabel(new RegExp(`^${C.to}`)).fill('555');
  await page.getByLabel(C.device, { exact: true }).selectOption('PJSIP/2001');
  await page.getByRole('button', { name: C.place, exact: true }).click();
  await expectStatus(page, 'Calling 555');
  result.placed = await page.locator('#status').innerText();
  await row().waitFor();
  result.call_id = await row().getAttribute('data-call');
  result.state_before_pickup = await row().locator('[data-live="state"]').innerText();
  await checkA11y(page, 'calls: my phone rings');

  step('bob answers; the destination answers');
  await lab('pickup');
  await row('up').waitFor();
  result.states.push(await row().locator('[data-live="state"]').innerText());
  result.other_party = await row().locator('[data-live="to"]').innerText();
  result.duration = await row().locator('[data-live="duration"]').innerText();
  await expectNoError(page);
  await checkA11y(page, 'calls: talking');

  step('hold');
  await page.getByRole('button', { name: `Put the call with 555 on hold` }).click();
  await row('held').waitFor();
  result.states.push(await row().locator('[data-live="state"]').innerText());
  await lab('far-held');
  await checkA11y(page, 'calls: on hold');

  step('resume');
  await page.getByRole('button', { name: `Resume the call with 555` }).click();
  await row('up').waitFor();
  result.states.push(await row().locator('[data-live="state"]').innerText());
  await lab('far-resumed');

  step('record, then stop recording');
  await page.getByRole('button', { name: 'Record the call with 555' }).click();
  await expectStatus(page, 'Recording the call with 555');
  result.record_started = await page.locator('#status').innerText();
  await page.getByRole('button', { name: 'Stop recording the call with 555' }).waitFor();
  await lab('recording');
  await checkA11y(page, 'calls: recording');
  await page.getByRole('button', { name: 'Stop recording the call with 555' }).click();
  await expectStatus(page, 'recording of the call with 555 is stopped');
  result.record_stopped = await page.locator('#status').innerText();
  await page.getByRole('button', { name: 'Record the call with 555' }).waitFor();

  step('send digits: the keypad dialog');
  await page.getByRole('button', { name: 'Send digits in the call with 555' }).click();
  await dialog().waitFor();
  await checkA11y(page, 'calls: keypad dialog');
  const digits = dialog().getByLabel(C.keypadDigits, { exact: true });
  await digits.fill('x');
  await dialog().getByRole('button', { name: C.keypadSend, exact: true }).click();
  await dialog().locator('.error-box').waitFor();
  result.digits_error = await dialog().locator('.error-box').innerText();
  await checkA11y(page, 'calls: keypad dialog with an error');
  await digits.fill('');
  for (const k of ['1', '2', '#']) await dialog().locator(`button[data-key="${k}"]`).click();
  if ((await digits.inputValue()) !== '12#') fail(`the keypad typed ${await digits.inputValue()}`);
  await dialog().getByRole('button', { name: C.keypadSend, exact: true }).click();
  await dialog().waitFor({ state: 'detached' });
  await expectStatus(page, 'Sent 12#');
  result.sent = await page.locator('#status').innerText();
  if (!(await page.evaluate(() => document.activeElement && document.activeElement.dataset.action === 'digits'))) fail('the focus did not return to the Send digits button');
  await lab('far-dtmf');

  step('hang up');
  await page.getByRole('button', { name: 'Hang up the call with 555' }).click();
  await expectStatus(page, 'was hung up');
  result.hung_up = await page.locator('#status').innerText();
  await page.getByText(C.none).waitFor();
  result.empty = await page.getByText(C.none).innerText();
  if (!(await page.evaluate(() => document.activeElement && document.activeElement.id === 'calls-list-h'))) fail('the focus was lost when the call went away');
  await expectNoError(page);
  await checkA11y(page, 'calls: hung up');

  step('leaving the page stops the socket and the polling');
  result.socket_opened = sockets.length > 0;
  await openPage(page, 'phonebook');
  // Counted from once the other page is shown: a poll the timer sent while
  // the navigation was under way is not the page still polling.
  let polls = 0;
  page.on('request', (r) => {
    if (new URL(r.url()).pathname === '/api/v1/calls' && r.method() === 'GET') polls++;
  });
  let timer;
  const late = new Promise((resolve) => { timer = setTimeout(resolve, env.stepTimeout); });
  await Promise.race([Promise.all(sockets.map((s) => s.done)), late]);
  clearTimeout(timer);
  result.socket_closed = sockets.every((s) => s.closed);
  // A window longer than the poll's period: a request in it would be
  // the page still polling.
  await page.waitForRequest((r) => new URL(r.url()).pathname === '/api/v1/calls', { timeout: 2500 }).then(() => { polls++; }, () => {});
  result.polls_after_leaving = polls;
});
