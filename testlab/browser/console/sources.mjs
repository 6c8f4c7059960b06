// sources.mjs: Contacts → Settings as an admin does its work: add a
// CSV-by-URL source after testing it, add a custom source (a failing test
// first, its error shown), trigger syncs through the confirmation and read
// the status message and run history, confirm deletions the delete guard
// held back, list a source's contacts, and erase a source through its
// warning; axe-core in every state (each tab, each dialog, each error).
//
// It runs in two parts (two Chromium runs, each a few seconds), chosen by
// SRC_PART: csv (SRC_CSV_URL, the CSV; SRC_CSV_SHRINK, POST: the CSV keeps
// one row of four) or custom (the tabs and the Microsoft 365 form, then
// SRC_CUSTOM_URL, the contacts service, with SRC_CUSTOM_ID and
// SRC_CUSTOM_SECRET, its credentials).
import { run, login, openPage, checkA11y, step, fail, env, S, fmt, expectStatus, expectNoError } from './lib.mjs';
import { sourcesPage, addSource, testRefused, testPreview, syncNow } from './sources-lib.mjs';

const P = S.sources;
const csvURL = process.env.SRC_CSV_URL;
const shrinkURL = process.env.SRC_CSV_SHRINK;
const customURL = process.env.SRC_CUSTOM_URL;
const part = process.env.SRC_PART;
if (part === 'csv' ? !csvURL || !shrinkURL : part !== 'custom' || !customURL) {
  process.stderr.write('console test: SRC_PART=csv with SRC_CSV_URL and SRC_CSV_SHRINK, or SRC_PART=custom with SRC_CUSTOM_URL, must be set\n');
  process.exit(2);
}

run(async ({ page, result }) => {
  await login(page, env.adminUser, env.adminPassword);
  await openPage(page, 'sources');
  const { panel, top, card, newCard, statusMsg, statusCounts, field } = sourcesPage(page);

  if (part === 'csv') {
    step('a CSV-by-URL source: test, then create');
    await page.getByRole('tab', { name: P.types['csv-url'].label }).click();
    await checkA11y(page, 'CSV by URL tab');
    await panel().getByRole('button', { name: fmt(P.add, { type: P.types['csv-url'].label }) }).click();
    await field(newCard(), P.name).fill('hrcsv');
    await field(newCard(), P.enabled).uncheck();
    await field(newCard(), P.types['csv-url'].fields.url.label).fill(csvURL);
    await newCard().getByRole('button', { name: P.test, exact: true }).click();
    await newCard().locator('[id$=-test] table').waitFor();
    result.csv_preview = await newCard().locator('[id$=-test] tbody th').allInnerTexts();
    result.csv_preview_text = await newCard().locator('[id$=-test] p').first().innerText();
    await checkA11y(page, 'CSV source test preview');
    await newCard().getByRole('button', { name: P.create }).click();
    await expectStatus(page, fmt(P.created, { name: 'hrcsv' }));
    await statusMsg('hrcsv').waitFor();
    result.csv_never = await statusMsg('hrcsv').innerText();
    await checkA11y(page, 'CSV source saved');

    step('trigger a sync through its confirmation');
    await card('hrcsv').getByRole('button', { name: P.trigger }).click();
    await top().waitFor();
    result.trigger_confirmation = (await top().innerText()).trim();
    await checkA11y(page, 'trigger confirmation');
    await top().getByRole('button', { name: P.triggerYes }).click();
    await statusMsg('hrcsv').filter({ hasText: statusCounts(4, 0) }).waitFor();
    result.csv_status = await statusMsg('hrcsv').innerText();
    await card('hrcsv').getByRole('button', { name: P.trigger }).and(page.locator(':enabled')).waitFor();
    result.csv_history = await card('hrcsv').locator('[id$=-history] tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((c) => c.innerText.trim())));
    await checkA11y(page, 'CSV source synced, run history');

    step('the contacts of this source');
    await card('hrcsv').getByRole('button', { name: P.contacts }).click();
    await card('hrcsv').locator('[id$=-contacts] table').waitFor();
    result.csv_contacts = (await card('hrcsv').locator('[id$=-contacts] tbody th').allInnerTexts()).sort();
    await checkA11y(page, 'contacts of the CSV source');

    step('the delete guard holds back a mass deletion, the admin confirms it');
    const shrunk = await fetch(shrinkURL, { method: 'POST' });
    if (!shrunk.ok) fail(`shrink the CSV: ${shrunk.status}`);
    await card('hrcsv').getByRole('button', { name: P.trigger }).click();
    await top().getByRole('button', { name: P.triggerYes }).click();
    await card('hrcsv').locator('[id$=-guard-msg]').waitFor();
    result.guard = await card('hrcsv').locator('[id$=-guard-msg]').innerText();
    await checkA11y(page, 'delete guard notice');
    await card('hrcsv').getByRole('button', { name: P.guardConfirm }).and(page.locator(':enabled')).click();
    await top().waitFor();
    result.guard_dialog = (await top().innerText()).trim();
    await checkA11y(page, 'delete guard confirmation');
    await top().getByRole('button', { name: P.guardYes }).click();
    await statusMsg('hrcsv').filter({ hasText: statusCounts(1, 3) }).waitFor();
    result.csv_status_after_guard = await statusMsg('hrcsv').innerText();
    if (await card('hrcsv').locator('[id$=-guard-msg]').count()) fail('the guard notice stayed after the confirmed sync');
    await card('hrcsv').locator('[id$=-history] tbody tr').nth(2).waitFor();
    await card('hrcsv').locator('[id$=-contacts] tbody tr').nth(1).waitFor({ state: 'detached' });
    result.csv_contacts_after_guard = await card('hrcsv').locator('[id$=-contacts] tbody th').allInnerTexts();
    result.csv_history_after_guard = await card('hrcsv').locator('[id$=-history] tbody tr').evaluateAll((trs) => trs.map((tr) => tr.cells[3].innerText.trim()));

    step('erase the CSV source through its warning');
    await page.getByRole('tab', { name: P.types['csv-url'].label }).click();
    await card('hrcsv').getByRole('button', { name: P.erase }).click();
    await top().waitFor();
    result.erase_warning = (await top().innerText()).trim();
    await checkA11y(page, 'erase warning');
    await top().getByRole('button', { name: P.eraseYes }).click();
    await expectStatus(page, fmt(P.erased, { name: 'hrcsv', n: 1 }));
    if (await card('hrcsv').count()) fail('the erased source is still shown');
    await panel().locator('[id$=-none]:visible').waitFor();
    await checkA11y(page, 'CSV tab after the erase');
  } else {
    step('the tabs');
    result.tabs = await page.getByRole('tab').allInnerTexts();
    await checkA11y(page, 'Microsoft 365 tab');
    await page.getByRole('tab', { name: P.types.m365.label }).click();
    await panel().getByRole('button', { name: fmt(P.add, { type: P.types.m365.label }) }).click();
    result.m365_fields = await newCard().locator('label').allInnerTexts();
    await checkA11y(page, 'new Microsoft 365 source form');
    await newCard().getByRole('button', { name: S.common.cancel }).click();

    step('a SQL source: a wrong query is named before anything connects');
    const Q = P.types.sql;
    await page.getByRole('tab', { name: Q.label }).click();
    await panel().getByRole('button', { name: fmt(P.add, { type: Q.label }) }).click();
    await checkA11y(page, 'new SQL source form');
    await field(newCard(), Q.fields.driver.label).selectOption('postgres');
    await field(newCard(), Q.fields.host.label).fill('127.0.0.1');
    await field(newCard(), Q.fields.query.label).fill('DELETE FROM people');
    await field(newCard(), Q.fields.map.label).fill('id=id\ndisplay_name=name\nwork=phone, phone2');
    await newCard().getByRole('button', { name: P.test, exact: true }).click();
    await newCard().locator('[id$=-test] .error-box').waitFor();
    result.sql_test_error = (await newCard().locator('[id$=-test] .error-box').innerText()).trim();
    await checkA11y(page, 'SQL source test refused');
    await newCard().getByRole('button', { name: S.common.cancel }).click();

    step('a custom source: a failing test shows the error');
    const C = P.types.custom;
    await addSource(page, C, 'Custom tab');
    await field(newCard(), P.name).fill('crm');
    await field(newCard(), P.enabled).uncheck();
    await field(newCard(), C.fields.url.label).fill(customURL);
    await field(newCard(), C.fields.client_id.label).fill(process.env.SRC_CUSTOM_ID);
    await field(newCard(), C.fields.client_secret.label).fill('wrong-secret');
    result.custom_test_error = await testRefused(page);
    await checkA11y(page, 'custom source test failed');

    step('the custom source: test, create, sync');
    await field(newCard(), C.fields.client_secret.label).fill(process.env.SRC_CUSTOM_SECRET);
    result.custom_preview = await testPreview(page);
    await newCard().getByRole('button', { name: P.create }).click();
    await expectStatus(page, fmt(P.created, { name: 'crm' }));
    await card('crm').locator('[id$=-client_secret-state]').waitFor();
    result.custom_secret_state = await card('crm').locator('[id$=-client_secret-state]').innerText();
    result.custom_secret_inputs = await card('crm').locator('input[type=password]:visible').count();
    await card('crm').getByRole('button', { name: fmt(P.secretReplace, { label: C.fields.client_secret.label }) }).click();
    await card('crm').getByLabel(fmt(P.secretNew, { label: C.fields.client_secret.label }), { exact: true }).waitFor();
    await checkA11y(page, 'custom source saved, replacing its secret');
    await card('crm').getByRole('button', { name: P.secretKeep }).click();

    step('edit the custom source: a moved URL needs the secret again');
    await field(card('crm'), P.interval).fill('12');
    await field(card('crm'), C.fields.url.label).fill(customURL + '/');
    await card('crm').getByRole('button', { name: P.save, exact: true }).click();
    await card('crm').locator('[id$=-form-error] .error-box').waitFor();
    result.rebind_error = (await card('crm').locator('[id$=-form-error]').innerText()).trim();
    await checkA11y(page, 'custom source: save refused');
    await field(card('crm'), C.fields.url.label).fill(customURL);
    await card('crm').getByRole('button', { name: P.save, exact: true }).click();
    await expectStatus(page, fmt(P.saved, { name: 'crm' }));
    if ((await card('crm').locator('[id$=-form-error]').innerText()).trim()) fail('the form error stayed after a successful save');
    result.custom_status = await syncNow(page, 'crm', 3, 0);
    await expectNoError(page);

  }
});
