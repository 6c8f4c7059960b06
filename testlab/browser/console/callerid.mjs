// callerid.mjs: the caller-ID tester as an admin uses it: an exact match,
// the same number on a call that already has a name, a miss, an
// ambiguous number (its candidates), and a number the API refuses; each
// time what the page shows for the match, the name and each path (HTTP,
// FastAGI, SIP); axe-core in every state.
import { run, login, openPage, checkA11y, step, S } from './lib.mjs';

const C = S.callerid;

run(async ({ page, result }) => {
  await login(page, env().user, env().pass);
  await openPage(page, 'callerid');
  await checkA11y(page, 'caller-ID tester: empty');
  const out = page.locator('#cid-result');

  // test types number (and the current name), submits, waits for the
  // result of that number, and reads what the page shows.
  const test = async (number, current = '') => {
    await page.getByLabel(C.number, { exact: false }).fill(number);
    await page.getByLabel(C.currentName, { exact: true }).fill(current);
    await page.getByRole('button', { name: C.test, exact: true }).click();
    await page.locator(`#cid-result[data-number="${number}"]:not([aria-busy])`).waitFor();
    const text = async (sel) => ((await out.locator(sel).count()) ? (await out.locator(sel).innerText()).trim() : null);
    const vars = {};
    for (const tr of await out.locator('#cid-agi tbody tr').all()) {
      const th = tr.locator('th');
      if (await th.count()) vars[(await th.innerText()).trim()] = (await tr.locator('td').innerText()).trim();
    }
    return {
      normalized: await text('#cid-normalized'),
      match: await out.locator('#cid-match [data-kind]').getAttribute('data-kind'),
      match_text: await text('#cid-match'),
      name: await text('#cid-name'),
      candidates: (await out.locator('#cid-candidates li').allInnerTexts()).map((s) => s.trim()),
      settings: await text('#cid-settings'),
      http_request: await text('#cid-http-request'),
      http_body: await text('#cid-http-body'),
      http_match: await text('#cid-http-match'),
      agi_vars: vars,
      agi_commands: await out.locator('#cid-agi-commands').textContent(),
      sip_status: await text('#cid-sip-status'),
      sip_display: await text('#cid-sip-display'),
      sip_contact: await text('#cid-sip-contact'),
      sip_match: await text('#cid-sip-match'),
    };
  };

  step('an exact match');
  result.exact = await test('061 111 222');
  await checkA11y(page, 'exact match');
  await page.locator('#cid-agi summary').click();
  await checkA11y(page, 'exact match, AGI commands open');

  step('the call already has a name');
  result.named = await test('061 111 222', 'Reception');
  await checkA11y(page, 'the call already has a name');

  step('a miss');
  result.miss = await test('061 999 000');
  await checkA11y(page, 'miss');

  step('an ambiguous number');
  result.ambiguous = await test('033555666');
  await checkA11y(page, 'ambiguous');

  step('a refused number');
  await page.getByLabel(C.number, { exact: false }).fill('1'.repeat(65));
  await page.getByRole('button', { name: C.test, exact: true }).click();
  await page.locator('#alert .error-box').waitFor();
  result.error = (await page.locator('#alert').innerText()).trim();
  await checkA11y(page, 'refused number');
});

function env() {
  return { user: process.env.ADMIN_USER, pass: process.env.ADMIN_PASSWORD };
}
