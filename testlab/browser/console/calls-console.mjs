// The My calls page as a console (console_calls_console_test.go), as bob
// with one endpoint and two desk phones (a Polycom, a Yealink with remote
// control): an incoming call from Anna Muster shows her name and number;
// Answer on the Polycom is refused (409, in the dialog), on the Yealink
// the Go side sees the answer key and picks up; an attended transfer (a
// refused number first) to 201 rings, is answered, swapped and completed;
// a second incoming call is recorded (paused, resumed, stopped),
// transferred to 201 attended, cancelled while 201 rings, then
// transferred blind to 202; a third is declined.
// The Go side places the calls and picks up phones when asked (lab()).
import { createInterface } from 'node:readline';
import { run, login, openPage, checkA11y, step, fail, env, S, fmt, expectStatus } from './lib.mjs';

const C = S.calls;
const replies = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

/** Asks the Go test to do action (place a call, pick a phone up) and waits until it is done. */
async function lab(action) {
  process.stdout.write(`LAB ${action}\n`);
  const { value, done } = await replies.next();
  if (done || !String(value).startsWith('ok')) fail(`the Go side could not ${action}: ${value}`);
}

run(async ({ page, result }) => {
  const rows = page.locator('#calls-list tr[data-call]');
  const row = (attrs = '') => page.locator(`#calls-list tr[data-call]${attrs}`);
  const dialog = () => page.getByRole('dialog');
  const news = (text) => page.locator('#calls-news', { hasText: text });
  const focusedAction = () => page.evaluate(() => (document.activeElement && document.activeElement.dataset.action) || document.activeElement.id);
  // Waits until the focus is on the button of action (or the element of id) want; answers where it is.
  const awaitFocus = async (want) => {
    await page.waitForFunction((w) => {
      const a = document.activeElement;
      return !!a && (a.dataset.action === w || a.id === w);
    }, want).catch(() => {});
    return focusedAction();
  };
  const anna = 'Anna Muster (+38761555000)';

  await login(page, env.userUser, env.userPassword);
  await openPage(page, 'calls');
  await page.getByText(C.none).waitFor();
  // The socket is open: events reach the page at once.
  await page.locator('#calls-live[data-socket="open"]').waitFor();

  step('an incoming call from Anna Muster');
  await lab('inbound-anna');
  await row('[data-direction="inbound"][data-state="ringing"]').waitFor();
  result.call1 = await rows.first().getAttribute('data-call');
  result.incoming_party = await rows.first().locator('[data-live="to"]').innerText();
  result.incoming_direction = await rows.first().locator('[data-live="direction"]').innerText();
  await news(fmt(C.newsIncoming, { to: anna })).waitFor();
  result.incoming_news = await page.locator('#calls-news').innerText();
  result.incoming_buttons = await rows.first().locator('button[data-action]').allInnerTexts();
  await checkA11y(page, 'calls console: incoming call');

  step('answer on the Polycom: refused');
  await page.getByRole('button', { name: fmt(C.answerOne, { to: anna }) }).click();
  await dialog().waitFor();
  result.answer_phones = await dialog().locator('input[type="radio"]').evaluateAll((els) => els.map((e) => e.value));
  await checkA11y(page, 'calls console: answer dialog');
  await dialog().getByLabel('0004f2aabbcc', { exact: true }).check();
  await dialog().getByRole('button', { name: C.answer, exact: true }).click();
  await dialog().locator('.error-box').waitFor();
  result.answer_error = await dialog().locator('.error-box').innerText();
  await checkA11y(page, 'calls console: answer dialog with the 409');

  step('answer on the Yealink');
  await dialog().getByLabel('0015654aa937', { exact: true }).check();
  await dialog().getByRole('button', { name: C.answer, exact: true }).click();
  await dialog().waitFor({ state: 'detached' });
  await expectStatus(page, 'Answering the call');
  result.answering = await page.locator('#status').innerText();
  await lab('desk-answers');
  await row('[data-state="up"]').waitFor();
  await checkA11y(page, 'calls console: talking to Anna');

  step('transfer: a refused number');
  await page.getByRole('button', { name: fmt(C.transferOne, { to: anna }) }).click();
  await dialog().waitFor();
  await checkA11y(page, 'calls console: transfer dialog');
  await dialog().getByLabel(new RegExp(`^${C.transferTo}`)).fill('12;34');
  await dialog().getByLabel(C.modes.attended, { exact: true }).check();
  await dialog().getByRole('button', { name: C.transferStart, exact: true }).click();
  await dialog().locator('.error-box').waitFor();
  result.transfer_error = await dialog().locator('.error-box').innerText();
  await checkA11y(page, 'calls console: transfer dialog with an error');

  step('attended transfer to 201: ringing');
  await dialog().getByLabel(new RegExp(`^${C.transferTo}`)).fill('201');
  await dialog().getByRole('button', { name: C.transferStart, exact: true }).click();
  await dialog().waitFor({ state: 'detached' });
  const consult = rows.first().locator('[data-live="transfer"]');
  await consult.filter({ hasText: 'ringing' }).waitFor();
  result.transfer_ringing = await consult.innerText();
  result.focus_on_complete = (await awaitFocus('complete')) === 'complete';
  await checkA11y(page, 'calls console: transfer ringing');

  step('201 answers');
  await lab('recipient-answers');
  await row('[data-transfer="answered"]').waitFor();
  result.transfer_answered = await consult.innerText();
  await news(fmt(C.newsTransferAnswered, { to: anna, recipient: '201' })).waitFor();
  result.transfer_answered_news = await page.locator('#calls-news').innerText();
  await checkA11y(page, 'calls console: transfer answered');

  step('swap back to Anna');
  await page.getByRole('button', { name: fmt(C.swapOne, { to: anna, recipient: '201' }) }).click();
  await consult.filter({ hasText: fmt(C.newsTalkingParty, { to: anna, recipient: '201' }).replace(/\.$/, '') }).waitFor();
  result.swapped = await consult.innerText();
  if ((await awaitFocus('swap')) !== 'swap') fail(`the focus left Swap: ${await focusedAction()}`);
  await checkA11y(page, 'calls console: swapped');

  step('complete the transfer');
  await page.getByRole('button', { name: fmt(C.completeOne, { to: anna, recipient: '201' }) }).click();
  await page.getByText(C.none).waitFor();
  await news(fmt(C.newsTransferred, { to: anna, recipient: '201' })).waitFor();
  result.transferred_news = await page.locator('#calls-news').innerText();
  if ((await awaitFocus('calls-list-h')) !== 'calls-list-h') fail(`the focus was lost when the call went away: ${await focusedAction()}`);
  await checkA11y(page, 'calls console: transferred');

  step('a second call, from an unknown number');
  await lab('inbound-unknown');
  await row('[data-direction="inbound"]').waitFor();
  result.call2 = await rows.first().getAttribute('data-call');
  result.unknown_party = await rows.first().locator('[data-live="to"]').innerText();
  await lab('pickup');
  await row('[data-state="up"]').waitFor();

  step('record, pause, resume, stop');
  const unknown = { to: '+38761999000' };
  const recState = rows.first().locator('[data-live="recording"]');
  await page.getByRole('button', { name: fmt(C.recordOne, unknown) }).click();
  await page.getByRole('button', { name: fmt(C.recordPauseOne, unknown) }).waitFor();
  result.recording = await recState.innerText();
  result.focus_after_record = await awaitFocus('record-pause');
  await checkA11y(page, 'calls console: recording');
  await page.getByRole('button', { name: fmt(C.recordPauseOne, unknown) }).click();
  await page.getByRole('button', { name: fmt(C.recordResumeOne, unknown) }).waitFor();
  result.recording_paused = await recState.innerText();
  await expectStatus(page, fmt(C.recordPaused, unknown));
  await lab('recording-paused');
  await page.getByRole('button', { name: fmt(C.recordResumeOne, unknown) }).click();
  await page.getByRole('button', { name: fmt(C.recordPauseOne, unknown) }).waitFor();
  await page.getByRole('button', { name: fmt(C.recordStopOne, unknown) }).click();
  await page.getByRole('button', { name: fmt(C.recordOne, unknown) }).waitFor();
  result.recording_stopped = await recState.count();
  await expectStatus(page, fmt(C.recordStopped, unknown));

  step('an attended transfer to 201 cancelled while it rings');
  await page.getByRole('button', { name: fmt(C.transferOne, { to: '+38761999000' }) }).click();
  await dialog().waitFor();
  await dialog().getByLabel(new RegExp(`^${C.transferTo}`)).fill('201');
  await dialog().getByLabel(C.modes.attended, { exact: true }).check();
  await dialog().getByRole('button', { name: C.transferStart, exact: true }).click();
  await dialog().waitFor({ state: 'detached' });
  await row('[data-transfer="ringback"]').waitFor();
  await page.getByRole('button', { name: fmt(C.cancelTransferOne, { to: '+38761999000', recipient: '201' }) }).click();
  await news(fmt(C.newsTransferCancelled, { to: '+38761999000', recipient: '201' })).waitFor();
  result.cancelled_news = await page.locator('#calls-news').innerText();
  await row('[data-transfer=""][data-state="up"]').waitFor();
  result.focus_after_cancel = await awaitFocus('transfer');
  await checkA11y(page, 'calls console: transfer cancelled');

  step('blind transfer to 202');
  await page.getByRole('button', { name: fmt(C.transferOne, { to: '+38761999000' }) }).click();
  await dialog().waitFor();
  await dialog().getByLabel(new RegExp(`^${C.transferTo}`)).fill('202');
  if (!(await dialog().getByLabel(C.modes.blind, { exact: true }).isChecked())) fail('blind is not the default mode');
  await dialog().getByRole('button', { name: C.transferStart, exact: true }).click();
  await dialog().waitFor({ state: 'detached' });
  await page.getByText(C.none).waitFor();
  await news(fmt(C.newsTransferred, { to: '+38761999000', recipient: '202' })).waitFor();
  result.blind_news = await page.locator('#calls-news').innerText();
  if ((await awaitFocus('calls-list-h')) !== 'calls-list-h') fail(`the focus was lost after the blind transfer: ${await focusedAction()}`);
  await checkA11y(page, 'calls console: blind transfer done');

  step('a third call, declined');
  await lab('inbound-third');
  await row('[data-state="ringing"]').waitFor();
  result.call3 = await rows.first().getAttribute('data-call');
  await page.getByRole('button', { name: fmt(C.declineOne, { to: '+38761777000' }) }).click();
  await expectStatus(page, 'You declined');
  result.declined = await page.locator('#status').innerText();
  await page.getByText(C.none).waitFor();
  await checkA11y(page, 'calls console: declined');
});
