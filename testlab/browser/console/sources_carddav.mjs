// sources_carddav.mjs: Contacts → Settings, the CardDAV tab as an admin
// uses it: a test with a wrong password (its error shown), the test with
// the right one (the preview rows), create the source and sync it; axe-core
// in each state. SRC_DAV_URL is a Radicale's root, SRC_DAV_USER and
// SRC_DAV_PASSWORD its account.
import { run, login, openPage, checkA11y, step, fail, env, S, fmt, expectStatus, expectNoError } from './lib.mjs';

const P = S.sources;
const D = P.types.carddav;
const url = process.env.SRC_DAV_URL;
if (!url) {
  process.stderr.write('console test: SRC_DAV_URL, SRC_DAV_USER and SRC_DAV_PASSWORD must be set\n');
  process.exit(2);
}

run(async ({ page, result }) => {
  await login(page, env.adminUser, env.adminPassword);
  await openPage(page, 'sources');
  const panel = () => page.locator('[role=tabpanel]:not([hidden])');
  const top = () => page.locator('dialog[open]').last();
  const card = (name) => panel().locator(`section[data-source-name="${name}"]`);
  const newCard = () => panel().locator('section.source-card:not([data-source-id])');
  const field = (scope, label) => scope.getByLabel(new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}( ${S.common.required.replace(/[()]/g, '\\$&')})?$`));

  step('the CardDAV tab: a test with a wrong password');
  await page.getByRole('tab', { name: D.label }).click();
  await checkA11y(page, 'CardDAV tab');
  await panel().getByRole('button', { name: fmt(P.add, { type: D.label }) }).click();
  result.fields = await newCard().locator('label').allInnerTexts();
  await field(newCard(), P.name).fill('dav');
  await field(newCard(), P.enabled).uncheck();
  await field(newCard(), D.fields.url.label).fill(url);
  await field(newCard(), D.fields.username.label).fill(process.env.SRC_DAV_USER);
  await field(newCard(), D.fields.password.label).fill('wrong-password');
  await newCard().getByRole('button', { name: P.test, exact: true }).click();
  await newCard().locator('[id$=-test] .error-box').waitFor();
  result.test_error = (await newCard().locator('[id$=-test]').innerText()).trim();
  await checkA11y(page, 'CardDAV test failed');

  step('the test with the right password, create, sync');
  await field(newCard(), D.fields.password.label).fill(process.env.SRC_DAV_PASSWORD);
  await newCard().getByRole('button', { name: P.test, exact: true }).click();
  await newCard().locator('[id$=-test] table').waitFor();
  result.preview = (await newCard().locator('[id$=-test] tbody th').allInnerTexts()).sort();
  await checkA11y(page, 'CardDAV test preview');
  await newCard().getByRole('button', { name: P.create }).click();
  await expectStatus(page, fmt(P.created, { name: 'dav' }));
  await card('dav').getByRole('button', { name: P.trigger }).click();
  await top().getByRole('button', { name: P.triggerYes }).click();
  const counts = fmt(P.statusLast, { time: '', synced: 3, deleted: 0 }).split('. ')[1];
  await card('dav').locator('[id$=-status-msg]').filter({ hasText: counts }).waitFor();
  result.status = await card('dav').locator('[id$=-status-msg]').innerText();
  await expectNoError(page);
  if (!result.status) fail('no status');
});
