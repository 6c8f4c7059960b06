// phonebook.mjs: the Central Phone Book as an admin does its work: search
// "+387 61", upload a CSV through the confirmation, add, edit and delete a
// contact, revert the local edits of a synced contact, add a personal
// contact; axe-core in every state (each dialog open).
import { readFileSync } from 'node:fs';
import { run, login, checkA11y, step, fail, env, S, fmt, expectStatus } from './lib.mjs';

const P = S.phonebook;

run(async ({ page, result }) => {
  await login(page, env.adminUser, env.adminPassword);
  const panel = () => page.locator('[role=tabpanel]:not([hidden])');
  const names = async () => panel().locator('tbody tr th').allInnerTexts();
  const top = () => page.locator('dialog[open]').last();
  // search fills the search field, submits, and waits for the rows of q
  // (the results carry data-query and aria-busy while loading).
  const search = async (q) => {
    await panel().getByLabel(P.search, { exact: true }).fill(q);
    await panel().getByRole('button', { name: S.common.search, exact: true }).click();
    await panel().locator(`[id$=-results][data-query="${q}"]:not([aria-busy])`).waitFor();
  };

  step('global book');
  await panel().locator('tbody').waitFor();
  await checkA11y(page, 'global book');

  step('search +387 61');
  await search('+387 61');
  result.search_387_61 = (await names()).sort();
  result.summary_387_61 = await panel().locator('p[id$=-summary]').innerText();
  await checkA11y(page, 'search results');

  step('upload a CSV through the confirmation');
  await panel().getByLabel(P.csvFile, { exact: true }).setInputFiles({ name: 'book.csv', mimeType: 'text/csv',
    buffer: Buffer.from('Nova,,Csv,,Csvco,mobile:061 222 333\nDruga,,Csv,,,work:033 444 555\n') });
  await panel().getByRole('button', { name: P.upload, exact: true }).click();
  await top().waitFor();
  result.upload_confirmation = (await top().innerText()).trim();
  await checkA11y(page, 'upload confirmation');
  await top().getByRole('button', { name: P.uploadYes }).click();
  await panel().locator('p[id$=-imported]').waitFor();
  result.imported = await panel().locator('p[id$=-imported]').innerText();
  // The import's final progress (read from GET /api/v1/contact-imports/{id}),
  // the detected format and the warning with its message.
  const bar = panel().locator('progress[id$=-bar]');
  result.progress = {
    phase: await bar.getAttribute('data-phase'),
    value: await bar.evaluate((b) => b.value),
    max: await bar.evaluate((b) => b.max),
    label: await panel().getByLabel(fmt(P.importing, { name: 'book.csv' })).evaluate((b) => b.id),
    text: await panel().locator('p[id$=-status]').innerText(),
    live: await panel().locator('p[id$=-status]').getAttribute('aria-live'),
  };
  result.format = await panel().locator('p[id$=-format]').innerText();
  await page.waitForFunction(() => document.querySelectorAll('[role=tabpanel]:not([hidden]) tbody tr').length > 3);
  result.after_upload = (await names()).sort();
  await checkA11y(page, 'after the upload');

  step('download and template');
  for (const [name, key] of [[P.download, 'download'], [P.template, 'template']]) {
    const [dl] = await Promise.all([page.waitForEvent('download'), panel().getByRole('link', { name, exact: true }).click()]);
    const file = await dl.path();
    result[key] = { name: dl.suggestedFilename(), text: readFileSync(file, 'utf8') };
  }

  step('upload a Google export: its format, skipped column and warnings');
  await panel().getByLabel(P.csvFile, { exact: true }).setInputFiles({ name: 'google.csv', mimeType: 'text/csv',
    buffer: Buffer.from('First Name,Last Name,Organization Name,Phone 1 - Label,Phone 1 - Value,Hobby\n' +
      'Nova,Csv,Csvco,Mobile,061 222 333,chess\nDruga,Csv,,Work,033 444 555 ::: call me,\n') });
  await panel().getByRole('button', { name: P.upload, exact: true }).click();
  await top().getByRole('button', { name: P.uploadYes }).click();
  await panel().locator('p[id$=-format]', { hasText: 'Google' }).waitFor();
  result.google = {
    imported: await panel().locator('p[id$=-imported]').innerText(),
    format: await panel().locator('p[id$=-format]').innerText(),
    skipped: await panel().locator('[id$=-skipped]').innerText(),
  };
  await panel().locator('details[id$=-warnings] summary').click();
  result.google.warnings = await panel().locator('details[id$=-warnings]').innerText();
  await checkA11y(page, 'import outcome with warnings');

  step('add a contact');
  await panel().getByRole('button', { name: P.add }).click();
  await top().waitFor();
  await checkA11y(page, 'add dialog');
  await top().getByLabel(P.fields.first_name, { exact: true }).fill('Zora');
  await top().getByLabel(P.fields.last_name, { exact: true }).fill('Test');
  await top().getByLabel(P.fields.company, { exact: true }).fill('Zco');
  await top().getByLabel(P.fields.email, { exact: true }).fill('zora@example.com');
  await top().getByLabel(P.types.mobile, { exact: true }).fill('061 777 888');
  await top().getByLabel(P.types.fax, { exact: true }).fill('033 777 889');
  await top().locator('summary').click();
  await top().getByLabel(P.fields.job_title, { exact: true }).fill('Boss');
  await top().getByLabel(P.custom, { exact: true }).fill('badge=42');
  await checkA11y(page, 'add dialog, more fields open');
  await top().getByRole('button', { name: S.common.save }).click();
  await expectStatus(page, S.common.saved);
  await search('Zora');
  result.added = await names();

  step('a bad number is shown in the dialog');
  await panel().getByRole('button', { name: fmt(P.editOne, { name: 'Zora Test' }) }).click();
  await top().waitFor();
  await top().locator('summary').click();
  await top().getByLabel(P.otherNumbers, { exact: true }).fill('pager: 123');
  await top().getByRole('button', { name: S.common.save }).click();
  await top().locator('.error-box').waitFor();
  result.bad_number_error = (await top().locator('.error-box').innerText()).trim();
  await checkA11y(page, 'edit dialog with an error');

  step('edit the contact');
  await top().getByLabel(P.otherNumbers, { exact: true }).fill('');
  await top().getByLabel(P.fields.company, { exact: true }).fill('Zeta');
  await top().getByRole('button', { name: S.common.save }).click();
  await expectStatus(page, S.common.saved);
  await panel().locator('tbody td', { hasText: 'Zeta' }).waitFor();
  result.edited_company = await panel().locator('tbody tr').first().locator('td').first().innerText();

  step('edit a synced contact');
  await search('Sync');
  await panel().getByRole('button', { name: fmt(P.editOne, { name: 'Sync Person' }) }).click();
  await top().waitFor();
  result.synced_source = await top().locator('p[id$=-source]').innerText();
  await top().getByLabel(P.fields.company, { exact: true }).fill('Local Co');
  await top().getByRole('button', { name: S.common.save }).click();
  await expectStatus(page, S.common.saved);
  await panel().locator('tbody td', { hasText: 'Local Co' }).waitFor();

  step('revert its local edits');
  await panel().getByRole('button', { name: fmt(P.editOne, { name: 'Sync Person' }) }).click();
  await top().locator('p[id$=-local]').waitFor();
  result.local_edits = await top().locator('p[id$=-local]').innerText();
  await checkA11y(page, 'edit dialog with local edits');
  await top().getByRole('button', { name: P.revert }).click();
  await page.locator('dialog[open]').nth(1).waitFor();
  await checkA11y(page, 'revert confirmation');
  await top().getByRole('button', { name: P.revert }).click();
  await expectStatus(page, fmt(P.reverted, { name: 'Sync Person' }));
  await panel().locator('tbody td', { hasText: 'Syncco' }).waitFor();
  if ((await page.locator('dialog[open]').count()) !== 0) fail('a dialog is still open after the revert');

  step('delete the added contact');
  await search('Zora');
  await panel().getByRole('button', { name: fmt(P.deleteOne, { name: 'Zora Test' }) }).click();
  await top().waitFor();
  await checkA11y(page, 'delete confirmation');
  await top().getByRole('button', { name: S.common.delete }).click();
  await expectStatus(page, fmt(P.deleted, { name: 'Zora Test' }));
  await panel().locator('td.empty').waitFor();
  result.after_delete = await panel().locator('td.empty').innerText();

  step('personal book');
  await page.getByRole('tab', { name: P.personal }).click();
  await panel().locator('tbody').waitFor();
  await checkA11y(page, 'personal book');
  await panel().getByRole('button', { name: P.add }).click();
  await top().waitFor();
  await top().getByLabel(P.fields.first_name, { exact: true }).fill('Priv');
  await top().getByLabel(P.fields.last_name, { exact: true }).fill('Ate');
  await top().getByLabel(P.types.home, { exact: true }).fill('061 444 555');
  await top().getByRole('button', { name: S.common.save }).click();
  await expectStatus(page, S.common.saved);
  await panel().locator('tbody th', { hasText: 'Priv Ate' }).waitFor();
  result.personal = await names();
});
