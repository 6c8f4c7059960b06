// cors.mjs: the CORS origins page, in phases (CORS_PHASE) so that the Go
// test can send a preflight between them. "add" (default): the
// configured origin is read-only; a bad origin's error is shown at the
// field; a good one is added. "remove": it is removed through the
// confirmation.
import { run, login, openPage, checkA11y, step, env, S, fmt } from './lib.mjs';

const s = S.cors;
const phase = process.env.CORS_PHASE || 'add';
const origin = 'https://crm.example.com';

async function added(page) {
  return page.locator('#cors-api tbody tr[data-origin]').evaluateAll((rs) => rs.map((r) => r.dataset.origin));
}

run(async ({ page, result }) => {
  await login(page, env.adminUser, env.adminPassword);
  await openPage(page, 'cors');
  await page.locator('#cors-api[data-count]').waitFor();

  if (phase === 'remove') {
    step('remove the origin');
    await page.getByRole('button', { name: fmt(s.removeOne, { origin }) }).click();
    const dlg = page.locator('dialog[open]');
    await dlg.waitFor();
    result.remove_confirm = (await dlg.innerText()).replace(/\s+/g, ' ').trim();
    await checkA11y(page, 'cors: remove confirmation');
    await dlg.getByRole('button', { name: s.remove }).click();
    await page.locator('#status').getByText(fmt(s.removed, { origin })).waitFor();
    await page.locator('#cors-api[data-count="0"]').waitFor();
    result.after_remove = await added(page);
    await checkA11y(page, 'cors: removed');
    return;
  }

  result.config = (await page.locator('#cors-config').innerText()).replace(/\s+/g, ' ').trim();
  result.config_buttons = await page.locator('#cors-config button').count();
  await checkA11y(page, 'cors: list');

  step('a bad origin');
  const field = page.getByLabel(s.origin, { exact: false }).and(page.locator('input'));
  await field.fill('https://crm.example.com/path');
  await page.locator('#cors-add').click();
  await page.locator('#cors-origin-error .error-box').waitFor();
  result.bad_origin = (await page.locator('#cors-origin-error').innerText()).trim();
  result.bad_invalid = await field.getAttribute('aria-invalid');
  result.bad_focused = await page.evaluate(() => document.activeElement && document.activeElement.id);
  await checkA11y(page, 'cors: bad origin');

  step('add the origin');
  await field.fill('HTTPS://CRM.example.com:443');
  await page.locator('#cors-add').click();
  await page.locator('#status').getByText(fmt(s.added, { origin })).waitFor();
  await page.locator('#cors-api[data-count="1"]').waitFor();
  result.added = await added(page);
  result.field_error_cleared = (await page.locator('#cors-origin-error').innerText()).trim() === '';
  await checkA11y(page, 'cors: added');
});
