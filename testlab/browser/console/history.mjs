// My calls, the History section (console_history_test.go), as bob with
// one desk phone that answers by itself: an empty history; a call to 555
// placed and hung up from the page appears with the directory's name; a
// call the Go side places to a busy number appears by the call_ended
// event alone; with twelve calls the history pages (older / newer); the
// direction filter and the CSV link with the same filters.
import { createInterface } from 'node:readline';
import { run, login, openPage, checkA11y, step, fail, env, S, expectStatus } from './lib.mjs';

const C = S.calls;
const H = S.calls.history;
const replies = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

/** Asks the Go test to do action and waits until it is done. */
async function lab(action) {
  process.stdout.write(`LAB ${action}\n`);
  const { value, done } = await replies.next();
  if (done || !String(value).startsWith('ok')) fail(`the Go side could not ${action}: ${value}`);
}

run(async ({ page, result }) => {
  const rows = () => page.locator('#calls-history-list tr[data-call]');
  const loads = async () => Number((await page.locator('#calls-history-list').getAttribute('data-loads')) || 0);
  /** Runs fn and waits until the history has reloaded after it. */
  async function reloaded(fn) {
    const before = await loads();
    await fn();
    await page.waitForFunction((n) => Number(document.getElementById('calls-history-list').dataset.loads || 0) > n
      && !document.getElementById('calls-history-list').hasAttribute('aria-busy'), before);
  }

  await login(page, env.userUser, env.userPassword);
  await openPage(page, 'calls');
  step('an empty history');
  await page.locator('#calls-history-list').getByText(H.none).waitFor();
  result.empty = await page.locator('#calls-history-list').getByText(H.none).innerText();
  await checkA11y(page, 'history: empty');

  step('a call to 555 placed and hung up from the page');
  await page.getByLabel(new RegExp(`^${C.to}`)).fill('555');
  await page.getByRole('button', { name: C.place, exact: true }).click();
  await page.locator('#calls-list tr[data-call][data-state="up"]').waitFor();
  await page.getByRole('button', { name: 'Hang up the call with 555' }).click();
  await expectStatus(page, 'was hung up');
  await rows().first().waitFor();
  result.party = await rows().first().locator('[data-history="party"]').innerText();
  result.direction = await rows().first().locator('td').first().innerText();
  result.result = await rows().first().locator('[data-history="result"]').innerText();
  await checkA11y(page, 'history: one call');

  step('a call that ends by itself: call_ended refreshes the history');
  await lab('busy-call');
  await page.locator('#calls-history-list tr[data-call][data-answered="false"]').waitFor();
  result.rows_after_event = await rows().count();
  result.busy_result = await page.locator('#calls-history-list tr[data-answered="false"] [data-history="result"]').innerText();

  step('twelve calls: two pages');
  await lab('ten-calls');
  await reloaded(() => page.getByRole('button', { name: H.apply, exact: true }).click());
  result.page1_rows = await rows().count();
  result.summary = await page.locator('#calls-history-summary').innerText();
  await checkA11y(page, 'history: first page');
  await reloaded(() => page.getByRole('button', { name: H.older, exact: true }).click());
  result.page2_rows = await rows().count();
  if (!(await page.getByRole('button', { name: H.newer, exact: true }).isVisible())) fail('no Newer calls button on the second page');
  await checkA11y(page, 'history: second page');
  await reloaded(() => page.getByRole('button', { name: H.newer, exact: true }).click());
  result.back_rows = await rows().count();

  step('the direction filter and the CSV link');
  await page.getByLabel(H.direction, { exact: true }).selectOption('inbound');
  await reloaded(() => page.getByRole('button', { name: H.apply, exact: true }).click());
  result.inbound_empty = await page.locator('#calls-history-list').getByText(H.none).innerText();
  result.csv_href = await page.getByRole('link', { name: H.download }).getAttribute('href');
  await checkA11y(page, 'history: filtered, empty');
  await page.getByLabel(H.direction, { exact: true }).selectOption('');
  await reloaded(() => page.getByRole('button', { name: H.apply, exact: true }).click());
  const csv = await page.evaluate(async (href) => {
    const r = await fetch(href, { credentials: 'same-origin' });
    return { status: r.status, text: await r.text() };
  }, await page.getByRole('link', { name: H.download }).getAttribute('href'));
  if (csv.status !== 200) fail(`the CSV answered ${csv.status}`);
  const lines = csv.text.split('\r\n').filter((x) => x !== '');
  result.csv_header = lines[0];
  result.csv_lines = lines.length;
});
