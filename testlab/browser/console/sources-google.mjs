// sources-google.mjs: Contacts → Settings → Google as an admin does its
// work: a Workspace directory source with a pasted service account key,
// a test refused naming the setting to fix (the administrator the
// account may not impersonate), then a test preview, create and a sync
// through the confirmation; axe-core in every state.
//
// Environment: SRC_GOOGLE_URL (testlab/googlefake: its People API and
// token endpoint), SRC_GOOGLE_KEY (the service account's JSON key file),
// SRC_GOOGLE_SUBJECT (the administrator it may impersonate).
import { run, login, openPage, checkA11y, step, fail, env, S, fmt, expectStatus, expectNoError } from './lib.mjs';
import { sourcesPage, addSource, testRefused, testPreview, syncNow } from './sources-lib.mjs';

const P = S.sources;
const G = P.types.google;
const apiURL = process.env.SRC_GOOGLE_URL;
const keyJSON = process.env.SRC_GOOGLE_KEY;
const subject = process.env.SRC_GOOGLE_SUBJECT;
if (!apiURL || !keyJSON || !subject) {
  process.stderr.write('console test: SRC_GOOGLE_URL, SRC_GOOGLE_KEY and SRC_GOOGLE_SUBJECT must be set\n');
  process.exit(2);
}

run(async ({ page, result }) => {
  await login(page, env.adminUser, env.adminPassword);
  await openPage(page, 'sources');
  const { card, newCard, field } = sourcesPage(page);

  step('the Google tab and its form');
  await addSource(page, G, 'Google tab');
  result.google_fields = await newCard().locator('label').allInnerTexts();
  await checkA11y(page, 'new Google source form');

  step('a directory source: the administrator it may not impersonate is named');
  await field(newCard(), P.name).fill('workspace');
  await field(newCard(), P.enabled).uncheck();
  await field(newCard(), G.fields.mode.label).selectOption('directory');
  await field(newCard(), G.fields.service_account_key.label).fill(keyJSON);
  await field(newCard(), G.fields.subject.label).fill('nobody@example.com');
  await newCard().locator('summary', { hasText: P.advanced }).click();
  await field(newCard(), G.fields.api_url.label).fill(apiURL);
  await field(newCard(), G.fields.token_url.label).fill(apiURL + '/token');
  result.google_test_error = await testRefused(page);
  await checkA11y(page, 'Google source test refused');

  step('the right administrator: test, create, sync');
  await field(newCard(), G.fields.subject.label).fill(subject);
  result.google_preview = await testPreview(page);
  await checkA11y(page, 'Google source test preview');
  await newCard().getByRole('button', { name: P.create }).click();
  await expectStatus(page, fmt(P.created, { name: 'workspace' }));
  await card('workspace').locator('[id$=-service_account_key-state]').waitFor();
  result.google_key_state = await card('workspace').locator('[id$=-service_account_key-state]').innerText();
  result.google_status = await syncNow(page, 'workspace', 3, 0);
  await checkA11y(page, 'Google source synced');
  await expectNoError(page);
  if (await card('workspace').locator('input[id$=-service_account_key]:visible').count()) fail('the saved key shows an input');
});
