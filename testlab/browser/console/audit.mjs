// audit.mjs: the audit log page over entries the Go test made (contacts,
// a refused user, an import, an app, an origin added by ada's session):
// the list, each filter (action with paging, result, actor, object, time
// range), an entry's details, and the live refresh picking up a change
// made while the page is open.
import { run, login, openPage, checkA11y, step, fail, env, S } from './lib.mjs';

const s = S.audit;

run(async ({ page, result }) => {
  await login(page, env.adminUser, env.adminPassword);
  await openPage(page, 'audit');
  const results = page.locator('#audit-results');
  let loads = 0;
  const loaded = async () => {
    await page.locator(`#audit-results:not([aria-busy])[data-loads="${loads + 1}"]`).waitFor();
    loads += 1;
  };
  const actions = () => page.locator('#audit-results tbody tr[data-action]').evaluateAll((rs) => rs.map((r) => r.dataset.action));
  const apply = async () => {
    await page.locator('#audit-apply').click();
    await loaded();
  };
  const set = async (id, v) => page.locator(`#audit-${id}`).fill(v);
  const clear = async () => {
    await page.locator('#audit-reset').click();
    await loaded();
  };

  await loaded();
  result.all = await actions();
  await checkA11y(page, 'audit: list');

  step('filter by action, paged by 10');
  await set('action', 'contact.');
  await page.locator('#audit-limit').selectOption('10');
  await apply();
  result.contacts_page1 = await actions();
  await page.locator('#audit-older').click();
  await loaded();
  result.contacts_page2 = await actions();
  result.page2_summary = (await page.locator('#audit-summary').innerText()).trim();
  await checkA11y(page, 'audit: second page');
  await page.locator('#audit-newer').click();
  await loaded();
  result.contacts_back = (await actions()).length;
  await clear();

  step('filter by result');
  await set('result', 'error');
  await apply();
  result.errors = await page.locator('#audit-results tbody tr[data-action]').evaluateAll((rs) => rs.map((r) => `${r.dataset.action} ${r.dataset.result}`));
  await clear();

  step('filter by actor');
  await set('actor', env.adminUser);
  await apply();
  result.by_ada = await actions();
  await clear();

  step('filter by object');
  await set('object', 'user');
  await apply();
  result.by_user_object = await actions();
  await clear();

  step('filter by time');
  await set('since', '2100-01-01T00:00:00');
  await apply();
  result.future = (await results.innerText()).includes(s.none);
  await set('since', '');
  await set('until', '2100-01-01T00:00:00');
  await apply();
  result.until_future = (await actions()).length;
  await checkA11y(page, 'audit: filtered');
  await clear();

  step('details of the import');
  const imp = page.locator('#audit-results tr[data-action^="import."]').first();
  await imp.getByRole('button', { name: s.details }).click();
  const dlg = page.locator('dialog[open]');
  await dlg.waitFor();
  result.import_details = (await page.locator('#audit-entry').innerText()).replace(/\s+/g, ' ').trim();
  await checkA11y(page, 'audit: details');
  await dlg.getByRole('button', { name: S.common.close }).click();
  await dlg.waitFor({ state: 'detached' });

  step('live refresh');
  await page.getByLabel(s.live, { exact: true }).check();
  await loaded();
  const before = (await actions()).filter((a) => a === 'cors-origin.create').length;
  const res = await fetch(env.baseUrl + '/api/v1/cors-origins', {
    method: 'POST', headers: { Authorization: 'Bearer ' + env.adminToken, 'Content-Type': 'application/json' },
    body: JSON.stringify({ origin: 'https://live.example.com' }),
  });
  if (res.status !== 201) fail(`adding an origin for the live refresh: ${res.status}`);
  await page.locator('#audit-results tbody tr[data-action="cors-origin.create"]').nth(before).waitFor({ timeout: 10000 }); // the next refresh, within 3 s
  result.live_seen = true;
  await checkA11y(page, 'audit: live');
  await page.getByLabel(s.live, { exact: true }).uncheck();
});
