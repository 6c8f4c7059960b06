// apps.mjs: the OAuth2 apps page, in phases (APPS_PHASE) so that the Go
// test can use what the page showed between them. "register" (default):
// a refused registration, a confidential app whose secret is shown once
// (copied with the button), a public app, an edit. "rotate": a new
// secret through its confirmation. "delete": the deletion, whose
// confirmation says the tokens are revoked.
import { run, login, openPage, checkA11y, step, fail, env, S, fmt } from './lib.mjs';

const s = S.apps;
const phase = process.env.APPS_PHASE || 'register';

async function rows(page) {
  return page.locator('#apps-results tbody tr[data-client-id]').evaluateAll((rs) => rs.map((r) => r.querySelector('th').innerText.trim()));
}

/** Reads the secret dialog: the secret, the warning, the copy; closes it; checks the secret left the page. */
async function readSecret(page, result, label) {
  const dlg = page.locator('dialog[open]');
  await page.locator('#app-secret').waitFor();
  const secret = await page.locator('#app-secret').inputValue();
  result.warning = (await page.locator('#app-secret-warning').innerText()).trim();
  await page.getByRole('button', { name: s.copy }).click();
  await page.locator('#app-secret-copied').getByText(s.copied).waitFor();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  if (copied !== secret) fail(`the copy button copied ${JSON.stringify(copied)}, not the secret`);
  await checkA11y(page, `apps: secret shown (${label})`);
  await dlg.getByRole('button', { name: s.secretDone }).click();
  await dlg.waitFor({ state: 'detached' });
  if ((await page.content()).includes(secret)) fail('the secret is still in the page after its dialog closed');
  return secret;
}

run(async ({ page, context, result }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: env.baseUrl });
  await login(page, env.adminUser, env.adminPassword);
  await openPage(page, 'apps');
  await page.locator('#apps-results[data-loaded]').waitFor();
  const dlg = page.locator('dialog[open]');

  if (phase === 'rotate') {
    step('rotate the secret');
    await page.getByRole('button', { name: fmt(s.rotateOne, { name: 'Hotel PMS' }) }).click();
    await dlg.waitFor();
    result.rotate_confirm = (await dlg.innerText()).replace(/\s+/g, ' ').trim();
    await checkA11y(page, 'apps: rotate confirmation');
    await dlg.getByRole('button', { name: s.rotateYes }).click();
    result.secret = await readSecret(page, result, 'rotated');
    return;
  }
  if (phase === 'delete') {
    step('delete the app');
    await page.getByRole('button', { name: fmt(s.deleteOne, { name: 'Hotel PMS' }) }).click();
    await dlg.waitFor();
    result.delete_confirm = (await dlg.innerText()).replace(/\s+/g, ' ').trim();
    await checkA11y(page, 'apps: delete confirmation');
    await dlg.getByRole('button', { name: S.common.delete }).click();
    await page.locator('#status').getByText(fmt(s.deleted, { name: 'Hotel PMS' })).waitFor();
    result.after_delete = await rows(page);
    return;
  }

  await checkA11y(page, 'apps: empty list');
  step('register: refused without scopes');
  await page.locator('#apps-register').click();
  await dlg.waitFor();
  await checkA11y(page, 'apps: register dialog');
  await dlg.locator('#app-name').fill('Hotel PMS');
  await dlg.getByLabel(s.types.confidential, { exact: true }).check();
  await dlg.getByLabel(s.grants.authorization_code, { exact: true }).uncheck();
  await dlg.getByLabel(s.grants.refresh_token, { exact: true }).uncheck();
  await dlg.getByLabel(s.grants.client_credentials, { exact: true }).check();
  await dlg.getByRole('button', { name: S.common.save }).click();
  await page.locator('#app-errors .error-box').waitFor();
  result.no_scopes = (await page.locator('#app-errors').innerText()).trim();
  await checkA11y(page, 'apps: register error');

  step('register a confidential app');
  await dlg.getByLabel(s.scopes.hotel, { exact: true }).check();
  await dlg.getByLabel(s.scopes['contacts:read'], { exact: true }).check();
  await dlg.getByRole('button', { name: S.common.save }).click();
  result.secret = await readSecret(page, result, 'registered');
  result.client_id = await page.locator('#apps-results tr[data-client-id]').first().getAttribute('data-client-id');

  step('register a public app');
  await page.locator('#apps-register').click();
  await dlg.waitFor();
  await dlg.locator('#app-name').fill('Acme CRM');
  await dlg.getByLabel(s.fields.redirect_uris, { exact: true }).fill('https://crm.example.com/oauth/callback');
  await dlg.getByLabel(s.scopes.calls, { exact: true }).check();
  await dlg.getByLabel(s.scopes.presence, { exact: true }).check();
  await dlg.getByRole('button', { name: S.common.save }).click();
  await dlg.waitFor({ state: 'detached' });
  await page.locator('#status').getByText(fmt(s.saved, { name: 'Acme CRM' })).waitFor();
  result.public_secret_dialog = await page.locator('#app-secret').count();

  step('edit the public app');
  await page.getByRole('button', { name: fmt(s.editOne, { name: 'Acme CRM' }) }).click();
  await dlg.waitFor();
  result.type_fixed = (await page.locator('#app-type').innerText()).trim();
  await checkA11y(page, 'apps: edit dialog');
  await dlg.locator('#app-name').fill('Acme CRM 2');
  await dlg.getByRole('button', { name: S.common.save }).click();
  await dlg.waitFor({ state: 'detached' });
  await page.locator('#apps-results th', { hasText: 'Acme CRM 2' }).waitFor();
  result.apps = await rows(page);
  result.table = (await page.locator('#apps-results').innerText()).replace(/\s+/g, ' ');
});
