// sources-ldap.mjs: the LDAP / Active Directory tab of Contacts → Settings
// as an admin uses it: a new LDAP source tested with a wrong password (the
// error names the setting), tested again with the right one (the preview
// rows), created, synced through the confirmation; axe-core in every state.
//
// Environment: LDAP_URL (a throwaway slapd on loopback), LDAP_BIND_DN,
// LDAP_PASSWORD, LDAP_BASE_DN.
import { run, login, openPage, checkA11y, step, env, S, fmt, expectStatus, expectNoError } from './lib.mjs';
import { sourcesPage, addSource, testRefused, testPreview, syncNow } from './sources-lib.mjs';

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
  const { newCard, field } = sourcesPage(page);

  step('the LDAP tab and its form');
  await addSource(page, L, 'LDAP tab');
  result.fields = await newCard().locator('label').allInnerTexts();
  await checkA11y(page, 'new LDAP source form');

  step('a wrong password: the test names the setting');
  await field(newCard(), P.name).fill('corp');
  await field(newCard(), P.enabled).uncheck();
  await field(newCard(), L.fields.url.label).fill(url);
  await field(newCard(), L.fields.bind_dn.label).fill(bindDN);
  await field(newCard(), L.fields.password.label).fill('not-the-password');
  await field(newCard(), L.fields.base_dn.label).fill(baseDN);
  result.test_error = await testRefused(page);
  await checkA11y(page, 'LDAP source test refused');

  step('the right password: preview, create, sync');
  await field(newCard(), L.fields.password.label).fill(password);
  result.preview = (await testPreview(page)).sort();
  await checkA11y(page, 'LDAP source test preview');
  await newCard().getByRole('button', { name: P.create }).click();
  await expectStatus(page, fmt(P.created, { name: 'corp' }));
  result.status = await syncNow(page, 'corp', 3, 0);
  await checkA11y(page, 'LDAP source synced');
  await expectNoError(page);
});
