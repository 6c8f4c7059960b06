// sources-ldap.mjs: the LDAP / Active Directory tab of Contacts → Settings
// as an admin uses it: a new LDAP source tested with a wrong password (the
// error names the setting), tested again with the right one (the preview
// rows), created, synced through the confirmation; axe-core in every state.
//
// Environment: LDAP_URL (a throwaway slapd on loopback), LDAP_BIND_DN,
// LDAP_PASSWORD, LDAP_BASE_DN.
import { run, login, openPage, checkA11y, step, env, S, fmt, expectStatus, expectNoError } from './lib.mjs';

const P = S.sources;
const L = P.types.ldap;
const { LDAP_URL: url, LDAP_BIND_DN: bindDN, LDAP_PASSWORD: password, LDAP_BASE_DN: baseDN } = process.env;
if (!url || !bindDN || !password || !baseDN) {
  process.stderr.write('console test: LDAP_URL, LDAP_BIND_DN, LDAP_PASSWORD and LDAP_BASE_DN must be set\n');
  process.exit(2);
}

run(async ({ page, result }) => {
  await login(page, env.adminUser, env.adminPassword);
  await openPage(page, 'sources');
  const panel = () => page.locator('[role=tabpanel]:not([hidden])');
  const top = () => page.locator('dialog[open]').last();
  const card = (name) => panel().locator(`section[data-source-name="${name}"]`);
  const newCard = () => panel().locator('section.source-card:not([data-source-id])');
  const statusMsg = (name) => card(name).locator('[id$=-status-msg]');
  const statusCounts = (synced, deleted) => fmt(P.statusLast, { time: '', synced, deleted }).split('. ')[1];
  const field = (scope, label) => scope.getByLabel(new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}( ${S.common.required.replace(/[()]/g, '\\$&')})?$`));

  step('the LDAP tab and its form');
  await page.getByRole('tab', { name: L.label }).click();
  await checkA11y(page, 'LDAP tab');
  await panel().getByRole('button', { name: fmt(P.add, { type: L.label }) }).click();
  result.fields = await newCard().locator('label').allInnerTexts();
  await checkA11y(page, 'new LDAP source form');

  step('a wrong password: the test names the setting');
  await field(newCard(), P.name).fill('corp');
  await field(newCard(), P.enabled).uncheck();
  await field(newCard(), L.fields.url.label).fill(url);
  await field(newCard(), L.fields.bind_dn.label).fill(bindDN);
  await field(newCard(), L.fields.password.label).fill('not-the-password');
  await field(newCard(), L.fields.base_dn.label).fill(baseDN);
  await newCard().getByRole('button', { name: P.test, exact: true }).click();
  await newCard().locator('[id$=-test] .error-box').waitFor();
  result.test_error = (await newCard().locator('[id$=-test]').innerText()).trim();
  await checkA11y(page, 'LDAP source test refused');

  step('the right password: preview, create, sync');
  await field(newCard(), L.fields.password.label).fill(password);
  await newCard().getByRole('button', { name: P.test, exact: true }).click();
  await newCard().locator('[id$=-test] table').waitFor();
  result.preview = (await newCard().locator('[id$=-test] tbody th').allInnerTexts()).sort();
  await checkA11y(page, 'LDAP source test preview');
  await newCard().getByRole('button', { name: P.create }).click();
  await expectStatus(page, fmt(P.created, { name: 'corp' }));
  await card('corp').getByRole('button', { name: P.trigger }).click();
  await top().getByRole('button', { name: P.triggerYes }).click();
  await statusMsg('corp').filter({ hasText: statusCounts(3, 0) }).waitFor();
  result.status = await statusMsg('corp').innerText();
  await checkA11y(page, 'LDAP source synced');
  await expectNoError(page);
});
