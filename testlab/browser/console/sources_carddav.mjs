// sources_carddav.mjs: Contacts → Settings, the CardDAV tab as an admin
// uses it: a test with a wrong password (its error shown), the test with
// the right one (the preview rows), create the source and sync it; axe-core
// in each state. SRC_DAV_URL is a Radicale's root, SRC_DAV_USER and
// SRC_DAV_PASSWORD its account.
import { run, login, openPage, checkA11y, step, fail, env, S, fmt, expectStatus, expectNoError } from './lib.mjs';
import { sourcesPage, addSource, testRefused, testPreview, syncNow } from './sources-lib.mjs';

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
  const { newCard, field } = sourcesPage(page);

  step('the CardDAV tab: a test with a wrong password');
  await addSource(page, D, 'CardDAV tab');
  result.fields = await newCard().locator('label').allInnerTexts();
  await field(newCard(), P.name).fill('dav');
  await field(newCard(), P.enabled).uncheck();
  await field(newCard(), D.fields.url.label).fill(url);
  await field(newCard(), D.fields.username.label).fill(process.env.SRC_DAV_USER);
  await field(newCard(), D.fields.password.label).fill('wrong-password');
  result.test_error = await testRefused(page);
  await checkA11y(page, 'CardDAV test failed');

  step('the test with the right password, create, sync');
  await field(newCard(), D.fields.password.label).fill(process.env.SRC_DAV_PASSWORD);
  result.preview = (await testPreview(page)).sort();
  await checkA11y(page, 'CardDAV test preview');
  await newCard().getByRole('button', { name: P.create }).click();
  await expectStatus(page, fmt(P.created, { name: 'dav' }));
  result.status = await syncNow(page, 'dav', 3, 0);
  await expectNoError(page);
  if (!result.status) fail('no status');
});
