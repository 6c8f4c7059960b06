// shell.mjs: the console's shell. Sign-in (a wrong password first), the
// navigation an admin sees, the session restored on reload, sign-out; a
// plain user sees no admin pages, and opening one directly says the
// administrator role is needed.
import { run, login, openPage, checkA11y, adminAPI, fail, step, env, S } from './lib.mjs';

run(async ({ page, result }) => {
  step('wrong password');
  await page.goto(env.baseUrl + '/');
  await page.locator('#login-form').waitFor();
  await checkA11y(page, 'sign-in form');
  if ((await page.evaluate(() => document.activeElement && document.activeElement.id)) !== 'login-username') fail('the user name field is not focused on load');
  await page.getByLabel(S.login.username, { exact: true }).fill(env.adminUser);
  await page.getByLabel(S.login.password, { exact: true }).fill('not-the-password');
  await page.getByRole('button', { name: S.login.submit }).click();
  await page.locator('#login-error .error-box').waitFor();
  result.login_error = (await page.locator('#login-error').innerText()).trim();
  await checkA11y(page, 'sign-in error');

  await login(page, env.adminUser, env.adminPassword);
  step('admin navigation');
  await page.locator('#page-phonebook').waitFor();
  result.admin_nav = await page.locator('#nav a').allInnerTexts();
  await checkA11y(page, 'admin: first page');
  await openPage(page, 'users');
  if ((await page.locator('#nav a[aria-current="page"]').innerText()) !== S.users.title) fail('the nav does not mark the users page current');
  await checkA11y(page, 'admin: users page');

  step('reload keeps the session');
  await page.reload();
  await page.locator('#page-users').waitFor();
  result.reload_kept_session = (await page.locator('#login-form').count()) === 0;

  step('sign out');
  await page.locator('#sign-out').click();
  await page.locator('#login-form').waitFor();
  await page.reload();
  await page.locator('#login-form').waitFor();
  result.signed_out = true;

  await login(page, env.userUser, env.userPassword);
  step('user navigation');
  result.user_nav = await page.locator('#nav a').allInnerTexts();
  await openPage(page, 'users');
  result.user_on_admin_page = (await page.locator('#need-role').innerText()).trim();
  await checkA11y(page, 'user: admin page refused');

  step('a session the daemon ends');
  await adminAPI('PATCH', `/api/v1/users/${env.userId}`, { disabled: true }); // ends the user's sessions
  await page.evaluate(() => { location.hash = '#/phonebook'; });
  await page.locator('#login-form').waitFor();
  result.session_ended = (await page.locator('main .notice').innerText()).trim();
  result.alert_after_end = (await page.locator('#alert').innerText()).trim();
  await checkA11y(page, 'session ended');
});
