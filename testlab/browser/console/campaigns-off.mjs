// The Campaigns page of a daemon without the dialer (no ari.url): a
// notice says why, and no error is shown.
import { run, login, openPage, checkA11y, step, env, S } from './lib.mjs';

run(async ({ page, result }) => {
  await login(page, env.adminUser, env.adminPassword);
  await openPage(page, 'campaigns');
  step('the notice');
  await page.locator('#cp-off').waitFor();
  await page.locator('#cp-live[data-mode="off"]').waitFor({ state: 'attached' });
  result.create_hidden = !(await page.getByRole('button', { name: S.campaigns.create }).isVisible());
  result.notice = await page.locator('#cp-off').innerText();
  result.alert = (await page.locator('#alert').innerText()).trim();
  await checkA11y(page, 'campaigns: dialer off');
});
