// users.mjs: the users page, in phases (USERS_PHASE) that each stay
// short. "main" (default): search, add a user with every field (a bad
// extension first), sign in as them in a second browser context, make
// them an admin and see their navigation grow, set their password (a
// mismatch first), which ends their session. "import": a refused and
// then an accepted CSV import, the import from Asterisk's endpoints, and
// a deletion through its confirmation. "noari": without ARI the
// endpoints button says why it is unavailable.
import { run, login, openPage, checkA11y, step, env, S, fmt } from './lib.mjs';

const s = S.users;
const phase = process.env.USERS_PHASE || 'main';

async function rowNames(page) {
  return page.locator('#users-results tbody tr[data-username]').evaluateAll((rs) => rs.map((r) => r.dataset.username));
}

async function waitRow(page, username, present = true) {
  await page.locator(`#users-results tr[data-username="${username}"]`).waitFor({ state: present ? 'visible' : 'detached' });
}

async function searchFor(page, q) {
  await page.getByLabel(s.search, { exact: true }).fill(q);
  await page.locator('#users-search').click();
  await page.locator(`#users-results[data-query="${q}"]:not([aria-busy])`).waitFor();
}

run(async ({ page, context, result }) => {
  await login(page, env.adminUser, env.adminPassword);
  await openPage(page, 'users');
  const ep = page.locator('#users-endpoints[data-ready="true"]');
  await ep.waitFor();

  if (phase === 'noari') {
    step('endpoints import unavailable');
    result.endpoints_aria_disabled = await ep.getAttribute('aria-disabled');
    result.endpoints_hint = (await page.locator('#users-endpoints-hint').innerText()).trim();
    await ep.click({ force: true }); // does nothing: no request, no error
    result.alert = (await page.locator('#alert').innerText()).trim();
    await checkA11y(page, 'users: endpoints unavailable');
    return;
  }

  await page.locator('#users-results[data-query=""]').waitFor();
  if (phase === 'import') {
    await importPhase(page, result, ep);
    return;
  }
  result.listed = await rowNames(page);
  await checkA11y(page, 'users: list');

  step('search');
  await searchFor(page, 'bob');
  result.search_bob = await rowNames(page);
  await searchFor(page, '');

  step('add a user: a bad extension first');
  await page.locator('#users-add').click();
  const dlg = page.locator('dialog[open]');
  await dlg.waitFor();
  await checkA11y(page, 'users: add dialog');
  await dlg.locator('#user-username').fill('carol');
  await dlg.getByLabel(s.fields.display_name, { exact: true }).fill('Carol Test');
  await dlg.getByLabel(s.fields.email, { exact: true }).fill('carol@example.com');
  await dlg.getByLabel(s.fields.language, { exact: true }).fill('de-CH');
  await dlg.getByLabel(s.fields.role, { exact: true }).selectOption('user');
  await dlg.getByLabel(s.abilities.dialer, { exact: true }).check();
  await dlg.getByLabel(s.abilities.recordings, { exact: true }).check();
  await dlg.getByLabel(s.fields.extensions, { exact: true }).fill('30a, 1301');
  await dlg.getByLabel(s.fields.endpoints, { exact: true }).fill('PJSIP/301');
  await dlg.getByLabel(s.fields.password, { exact: true }).fill('carol-pass-123');
  await dlg.getByRole('button', { name: S.common.save }).click();
  await page.locator('#user-errors .error-box').waitFor();
  result.bad_extension = (await page.locator('#user-errors').innerText()).trim();
  await checkA11y(page, 'users: add dialog error');
  await dlg.getByLabel(s.fields.extensions, { exact: true }).fill('301, 1301');
  await dlg.getByRole('button', { name: S.common.save }).click();
  await dlg.waitFor({ state: 'detached' });
  await waitRow(page, 'carol');
  result.carol_row = (await page.locator('#users-results tr[data-username="carol"]').innerText()).replace(/\s+/g, ' ').trim();
  result.password_shown = (await page.content()).includes('carol-pass-123');

  step('carol signs in in a second browser context');
  const other = await context.browser().newContext({ viewport: { width: 1200, height: 900 } });
  other.setDefaultTimeout(env.stepTimeout);
  await other.route('**/*', (route) => {
    const u = new URL(route.request().url());
    return ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname) ? route.continue() : route.abort('blockedbyclient');
  });
  const carol = await other.newPage();
  await login(carol, 'carol', 'carol-pass-123');
  result.carol_nav_before = await carol.locator('#nav a').allInnerTexts();

  step('make carol an admin');
  await page.getByRole('button', { name: fmt(s.editOne, { name: 'Carol Test' }) }).click();
  await dlg.waitFor();
  result.password_state = (await page.locator('#user-password-state').innerText()).trim();
  await checkA11y(page, 'users: edit dialog');
  await dlg.getByLabel(s.fields.role, { exact: true }).selectOption('admin');
  await dlg.getByRole('button', { name: S.common.save }).click();
  await dlg.waitFor({ state: 'detached' });
  await page.locator('#status').getByText(S.common.saved).waitFor();
  result.focus_after_edit = await page.evaluate(() => document.activeElement && document.activeElement.getAttribute('aria-label'));
  await carol.reload();
  await carol.locator('#sign-out').waitFor();
  await carol.locator('#nav a', { hasText: S.audit.title }).waitFor();
  result.carol_nav_after = await carol.locator('#nav a').allInnerTexts();

  step('set carol\'s password: a mismatch first');
  await page.getByRole('button', { name: fmt(s.passwordOne, { name: 'Carol Test' }) }).click();
  await dlg.waitFor();
  await dlg.getByLabel(s.newPassword, { exact: true }).fill('carol-new-pass-1');
  await dlg.getByLabel(s.repeatPassword, { exact: true }).fill('carol-new-pass-2');
  await dlg.getByRole('button', { name: s.setPassword }).click();
  await page.locator('#user-pw-errors .error-box').waitFor();
  result.mismatch = (await page.locator('#user-pw-errors').innerText()).trim();
  await checkA11y(page, 'users: password dialog error');
  await dlg.getByLabel(s.newPassword, { exact: true }).fill('carol-new-pass-1');
  await dlg.getByLabel(s.repeatPassword, { exact: true }).fill('carol-new-pass-1');
  await dlg.getByRole('button', { name: s.setPassword }).click();
  await dlg.waitFor({ state: 'detached' });
  await page.locator('#status').getByText(fmt(s.passwordSaved, { name: 'Carol Test' })).waitFor();
  result.new_password_shown = (await page.content()).includes('carol-new-pass-1');
  await carol.reload();
  await carol.locator('#login-form').waitFor(); // setting the password ended her session
  result.carol_session_ended = true; // the Go test signs in with the new password
  await other.close();
});

async function importPhase(page, result, ep) {
  const dlg = page.locator('dialog[open]');
  step('CSV import: a refused file');
  const csv = (body) => ({ name: 'users.csv', mimeType: 'text/csv', buffer: Buffer.from(body) });
  await page.getByLabel(s.csvFile, { exact: true }).setInputFiles(csv('username,display_name,email,role,extensions\ndave,Dave,dave@example.com,user,401\nerin,Erin,erin@,user,40x\n'));
  await page.locator('#users-import').click();
  await page.locator('#users-import-errors').waitFor();
  result.import_errors = (await page.locator('#users-import-errors').innerText()).trim();
  await checkA11y(page, 'users: import refused');

  step('CSV import: accepted');
  await page.getByLabel(s.csvFile, { exact: true }).setInputFiles(csv('username,display_name,email,role,extensions,abilities\ndave,Dave,dave@example.com,user,401,\nerin,Erin,erin@example.com,supervisor,402,dialer\n'));
  await page.locator('#users-import').click();
  await page.locator('#users-imported').waitFor();
  result.imported = (await page.locator('#users-imported').innerText()).trim();
  await waitRow(page, 'erin');
  await checkA11y(page, 'users: imported');

  step('import from Asterisk endpoints');
  await ep.click();
  await page.locator('#users-endpoints-result').waitFor();
  result.endpoints_result = (await page.locator('#users-endpoints-result').innerText()).trim();
  result.endpoints_created = await page.locator('#users-endpoints-created li').allInnerTexts();
  result.endpoints_skipped = await page.locator('#users-endpoints-skipped li').allInnerTexts();
  await waitRow(page, '201');
  await checkA11y(page, 'users: endpoints imported');

  step('delete dave');
  await page.getByRole('button', { name: fmt(s.deleteOne, { name: 'Dave' }) }).click();
  await dlg.waitFor();
  result.delete_confirm = (await dlg.innerText()).replace(/\s+/g, ' ').trim();
  await checkA11y(page, 'users: delete confirmation');
  await dlg.getByRole('button', { name: S.common.delete }).click();
  await waitRow(page, 'dave', false);
  result.after_delete = await rowNames(page);
}
