// phones.mjs: the Phones page as an admin does its work: register a phone
// (a refused MAC first), note its token, fetch its provisioning file with
// its credentials and see the fetch after a reload, edit it (a line that
// is not the owner's refused first, then the owner's), rotate its
// token, delete another phone; axe-core in every state.
import { run, login, openPage, checkA11y, step, fail, env, S, fmt, expectStatus } from './lib.mjs';

const P = S.phones;
const MAC = '001565123456';

run(async ({ page, context, result }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: env.baseUrl });
  await login(page, env.adminUser, env.adminPassword);
  await openPage(page, 'phones');
  const top = () => page.locator('dialog[open]').last();
  const row = (mac) => page.locator(`#phones-results tr[data-mac="${mac}"]`);
  await page.locator('#phones-results table').waitFor();
  result.rows_before = await page.locator('#phones-results tbody tr').count();
  await checkA11y(page, 'phones: list');

  step('register: a refused MAC');
  await page.getByRole('button', { name: P.register }).click();
  await top().waitFor();
  await checkA11y(page, 'register dialog');
  await top().getByLabel(P.mac, { exact: false }).fill('00:15:65:12:34');
  await top().getByLabel(P.vendor, { exact: true }).selectOption('yealink');
  await top().getByLabel(P.model, { exact: true }).fill('T46U');
  await top().getByLabel(P.owner, { exact: true }).selectOption({ label: 'Bob (bob)' });
  await top().getByLabel(P.username, { exact: true }).fill('desk-1');
  await top().getByLabel(P.password, { exact: true }).fill('desk-pass-1234');
  await top().getByRole('button', { name: P.register }).click();
  await top().locator('.error-box').waitFor();
  result.bad_mac_error = (await top().locator('.error-box').innerText()).trim();
  await checkA11y(page, 'register dialog with an error');

  step('register');
  await top().getByLabel(P.mac, { exact: false }).fill('00:15:65:12:34:56');
  await top().getByRole('button', { name: P.register }).click();
  await top().getByRole('heading', { name: P.tokenTitle }).waitFor();
  result.token = await top().getByLabel(P.token, { exact: true }).inputValue();
  await top().getByRole('button', { name: P.copyToken }).click();
  await top().locator('#token-copied').filter({ hasText: /./ }).waitFor();
  result.copied = await top().locator('#token-copied').innerText();
  result.clipboard = await page.evaluate(() => navigator.clipboard.readText()).catch(() => '');
  result.token_dialog = (await top().innerText()).trim();
  await checkA11y(page, 'token dialog');
  await top().getByRole('button', { name: S.common.close }).click();
  await row(MAC).waitFor();
  result.row = (await row(MAC).innerText()).trim();
  result.provisioning_url = await row(MAC).locator('code.prov-url').innerText();
  result.fetch_before = (await row(MAC).locator('td').nth(4).innerText()).trim();
  await row(MAC).getByRole('button', { name: fmt(P.copyURL, { mac: MAC }) }).click();
  await expectStatus(page, P.copied);
  result.url_clipboard = await page.evaluate(() => navigator.clipboard.readText()).catch(() => '');
  await checkA11y(page, 'phones: registered');

  step('the phone fetches its provisioning file with its credentials');
  const auth = 'Basic ' + Buffer.from('desk-1:desk-pass-1234').toString('base64');
  const res = await fetch(result.provisioning_url + MAC + '.cfg', { headers: { Authorization: auth, 'User-Agent': 'Yealink SIP-T46U 66.86.0.15 00:15:65:12:34:56' } });
  result.fetch_status = res.status;
  result.fetch_body = await res.text();

  step('reload: the fetch is shown');
  await page.reload();
  await page.locator('#page-phones').waitFor();
  await row(MAC).locator('.fetch-prov').waitFor();
  result.fetch_after = (await row(MAC).locator('.fetch-prov').innerText()).trim();
  await checkA11y(page, 'phones: after a fetch');

  step('edit');
  await page.getByRole('button', { name: fmt(P.editOne, { mac: MAC }) }).click();
  await top().waitFor();
  await checkA11y(page, 'edit dialog');
  await top().getByLabel(P.model, { exact: true }).fill('T54W');
  await top().getByLabel(P.endpoints, { exact: true }).fill('PJSIP/9999');
  await top().getByRole('button', { name: S.common.save }).click();
  await top().locator('.error-box').waitFor();
  result.bad_endpoint_error = (await top().locator('.error-box').innerText()).trim();
  await checkA11y(page, 'edit dialog with an error');
  await top().getByLabel(P.endpoints, { exact: true }).fill('PJSIP/2001');
  await top().getByRole('button', { name: S.common.save }).click();
  await expectStatus(page, S.common.saved);
  await row(MAC).getByText('T54W').waitFor();

  step('rotate the token');
  await page.getByRole('button', { name: fmt(P.rotateOne, { mac: MAC }) }).click();
  await top().waitFor();
  result.rotate_confirmation = (await top().innerText()).trim();
  await checkA11y(page, 'rotate confirmation');
  await top().getByRole('button', { name: P.rotate }).click();
  await top().getByRole('heading', { name: P.tokenTitle }).waitFor();
  result.new_token = await top().getByLabel(P.token, { exact: true }).inputValue();
  await checkA11y(page, 'token dialog after the rotation');
  await top().getByRole('button', { name: S.common.close }).click();
  if (result.new_token === result.token) fail('the rotated token is the old one');

  step('delete the other phone');
  await page.getByRole('button', { name: fmt(P.deleteOne, { mac: '805ec0000001' }) }).click();
  await top().waitFor();
  result.delete_confirmation = (await top().innerText()).trim();
  await checkA11y(page, 'delete confirmation');
  await top().getByRole('button', { name: S.common.delete }).click();
  await expectStatus(page, fmt(P.deleted, { mac: '805ec0000001' }));
  await row('805ec0000001').waitFor({ state: 'detached' });
  result.rows_after = await page.locator('#phones-results tbody tr').count();
  await checkA11y(page, 'phones: after the delete');
});
