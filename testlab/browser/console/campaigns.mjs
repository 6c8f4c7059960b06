// The Campaigns page (console_campaigns_test.go): create a campaign (a
// refused setting first), upload leads (a rejected file, then one with a
// duplicate), start it; the Go side logs an agent in and hangs the
// customer up when asked (lab()), and the page must show the agent's state
// and the counters change live; pause, stop through the confirmation, a
// refused delete, edit; the do-not-call list; the stream ends when the
// page is left; without the stream the page polls; a user with the
// dialer ability (no admin) sees the campaign live.
import { createInterface } from 'node:readline';
import { run, login, openPage, checkA11y, step, fail, env, S, fmt, expectStatus } from './lib.mjs';

const C = S.campaigns;
const replies = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

/** Asks the Go test to do action (drive the fake Asterisk, log an agent in) and waits until it is done. */
async function lab(action) {
  process.stdout.write(`LAB ${action}\n`);
  const { value, done } = await replies.next();
  if (done || !String(value).startsWith('ok')) fail(`the Go side could not ${action}: ${value}`);
}

run(async ({ page, result }) => {
  const counter = (k) => page.locator(`#cp-counters dd[data-counter="${k}"]`);
  const waitCounter = (k, text) => page.locator(`#cp-counters dd[data-counter="${k}"]`, { hasText: new RegExp(`^${text}$`) }).waitFor();
  const agentRow = (state) => page.locator(`#cp-agents tr[data-agent="1001"][data-state="${state}"]`);
  const dialog = () => page.getByRole('dialog');
  const esc = (x) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // A label, or a required field's label with its "(required)".
  const field = (key) => dialog().getByLabel(new RegExp(`^${esc(C.fields[key].label)}( ${esc(S.common.required)})?$`));
  result.states = [];
  result.agent_states = [];

  await login(page, env.adminUser, env.adminPassword);
  await openPage(page, 'campaigns');
  step('the list, live');
  await page.locator('#cp-live[data-mode="stream"]').waitFor();
  await page.getByText(C.none).waitFor();
  await checkA11y(page, 'campaigns: empty list');

  step('create: a refused setting');
  await page.getByRole('button', { name: C.create }).click();
  await dialog().waitFor();
  await checkA11y(page, 'campaigns: create dialog');
  await field('id').fill('spring');
  await field('name').fill('Spring renewals');
  await field('mode').selectOption('progressive');
  await field('max_channels').fill('2');
  await field('caller_id').fill('+38733000111');
  await field('default_region').fill('BA');
  await field('dial_timeout').fill('10s');
  await field('info_message').fill('sound:custom/sorry');
  await field('wrap_up').fill('1m');
  await field('window.start').fill('00:00');
  await field('window.end').fill('24:00');
  await field('window.default_tz').fill('Europe/Sarajevo');
  await dialog().getByRole('button', { name: C.createYes }).click();
  const formErr = page.locator('#cp-form-errors .error-box');
  await formErr.waitFor();
  result.form_error = await formErr.innerText();
  await checkA11y(page, 'campaigns: create dialog with an error');

  step('create');
  await field('dial_timeout').fill('20s');
  await dialog().getByRole('button', { name: C.createYes }).click();
  await dialog().waitFor({ state: 'detached' });
  await expectStatus(page, fmt(C.created, { name: 'spring' }));
  await page.locator('#cp-detail-h', { hasText: fmt(C.detailTitle, { name: 'Spring renewals' }) }).waitFor();
  await waitCounter('state', C.states.stopped);
  result.states.push(await counter('state').innerText());
  await page.locator('#cp-list tr[data-campaign="spring"]').waitFor();
  await checkA11y(page, 'campaigns: campaign opened');

  step('leads: a rejected file');
  await page.getByRole('tab', { name: C.tabLeads }).click();
  await page.locator('#cp-leads-summary', { hasText: C.noLeads }).waitFor();
  await page.setInputFiles('#cp-leads-file', { name: 'bad.csv', mimeType: 'text/csv',
    buffer: Buffer.from('number,name\n061 100 001,Ana\n061 abc,Bad\n+387 61 100 002,Emir\n+387 61 x,Bad too\n') });
  await page.getByRole('button', { name: C.upload }).click();
  await page.locator('#cp-leads-rejected li').first().waitFor();
  result.rejected = await page.locator('#cp-leads-rejected li').allInnerTexts();
  await page.locator('#alert .error-box').waitFor();
  await checkA11y(page, 'campaigns: leads rejected');

  step('leads: upload');
  await page.setInputFiles('#cp-leads-file', { name: 'leads.csv', mimeType: 'text/csv',
    buffer: Buffer.from('number,name\n061 100 001,Ana Anić\n+387 61 100 002,Emir Hodžić\n00387 61 100 001,Ana again\n') });
  await page.getByRole('button', { name: C.upload }).click();
  await page.locator('#cp-leads-skipped li').first().waitFor();
  result.uploaded = await page.locator('#cp-leads-result').innerText();
  result.skipped = await page.locator('#cp-leads-skipped li').allInnerTexts();
  await page.locator('#cp-leads tr[data-lead]').nth(1).waitFor();
  result.leads = await page.locator('#cp-leads tr[data-lead] th').allInnerTexts();
  await checkA11y(page, 'campaigns: leads uploaded');

  step('an agent logs in (Go side)');
  await page.getByRole('tab', { name: C.tabLive }).click();
  await page.getByText(C.noAgents).waitFor();
  await lab('agent-login');
  await agentRow('ready').waitFor();
  result.agent_states.push(await agentRow('ready').locator('.agent-state').innerText());
  await checkA11y(page, 'campaigns: agent ready');

  step('start: the customer answers, the agent talks');
  await page.getByRole('button', { name: C.start, exact: true }).click();
  await waitCounter('state', C.states.running);
  result.states.push(await counter('state').innerText());
  await agentRow('on_call').waitFor();
  result.agent_states.push(await agentRow('on_call').locator('.agent-state').innerText());
  await waitCounter('connected', '1');
  result.talking = { dialed: await counter('dialed').innerText(), answered: await counter('answered').innerText(),
    connected: await counter('connected').innerText() };
  await page.locator('#cp-list tr[data-campaign="spring"] [data-live="dialed"]', { hasText: /^1$/ }).waitFor();
  await checkA11y(page, 'campaigns: talking');

  step('delete refused while running');
  await page.getByRole('button', { name: C.deleteCampaign }).click();
  await dialog().waitFor();
  await checkA11y(page, 'campaigns: delete confirmation');
  await dialog().getByRole('button', { name: C.deleteYes }).click();
  await page.locator('#alert .error-box').waitFor();
  result.delete_refused = await page.locator('#alert').innerText();
  await checkA11y(page, 'campaigns: delete refused');

  step('the customer hangs up (Go side): wrap-up');
  await lab('customer-hangup');
  await agentRow('wrap_up').waitFor();
  result.agent_states.push(await agentRow('wrap_up').locator('.agent-state').innerText());
  await page.locator('#cp-outcomes li').first().waitFor();
  result.outcomes = await page.locator('#cp-outcomes li').allInnerTexts();
  result.ended = { time_to_agent: await counter('time_to_agent').innerText() };

  step('pause');
  await page.getByRole('button', { name: C.pause, exact: true }).click();
  await waitCounter('state', C.states.paused);
  result.states.push(await counter('state').innerText());

  step('stop through the confirmation');
  await page.getByRole('button', { name: C.stop, exact: true }).click();
  await dialog().waitFor();
  result.stop_dialog = await dialog().innerText();
  await checkA11y(page, 'campaigns: stop confirmation');
  await dialog().getByRole('button', { name: C.stopYes }).click();
  await waitCounter('state', C.states.stopped);
  result.states.push(await counter('state').innerText());
  if (await page.locator('#cp-stop').evaluate((el) => el !== document.activeElement)) fail('the focus did not return to Stop after the confirmation');

  step('the leads after the call');
  await page.getByRole('tab', { name: C.tabLeads }).click();
  await page.getByRole('button', { name: C.refreshLeads }).click();
  await page.locator('#cp-leads tr[data-lead="1"]', { hasText: C.leadStatus.done }).waitFor();
  result.lead_after_call = await page.locator('#cp-leads tr[data-lead="1"]').innerText();

  step('edit');
  await page.getByRole('button', { name: C.edit }).click();
  await dialog().waitFor();
  if ((await field('mode').inputValue()) !== 'progressive') fail('the edit dialog does not show the mode');
  if ((await field('dial_timeout').inputValue()) !== '20s') fail('the edit dialog does not show the ring time');
  await checkA11y(page, 'campaigns: edit dialog');
  await field('name').fill('Spring 2027');
  await dialog().getByRole('button', { name: S.common.save }).click();
  await dialog().waitFor({ state: 'detached' });
  await page.locator('#cp-detail-h', { hasText: fmt(C.detailTitle, { name: 'Spring 2027' }) }).waitFor();
  result.edited_name = await page.locator('#cp-detail-h').innerText();

  step('do-not-call list');
  await page.getByRole('tab', { name: C.tabDNC }).click();
  await page.getByText(C.dnc.none).waitFor();
  await checkA11y(page, 'campaigns: do-not-call list');
  await page.getByLabel(C.dnc.numbers, { exact: true }).fill('061 100 009\n+387 61 100 008');
  await page.getByLabel(C.dnc.region, { exact: true }).fill('BA');
  await page.getByRole('button', { name: C.dnc.add }).click();
  await page.locator('#dnc-list tr[data-number]').nth(1).waitFor();
  result.dnc_listed = await page.locator('#dnc-list tr[data-number] th').allInnerTexts();
  await page.getByRole('button', { name: fmt(C.dnc.removeOne, { number: '+38761100009' }) }).click();
  await dialog().waitFor();
  await checkA11y(page, 'campaigns: do-not-call remove confirmation');
  await dialog().getByRole('button', { name: C.dnc.remove }).click();
  await page.locator('#dnc-list tr[data-number="+38761100009"]').waitFor({ state: 'detached' });
  result.dnc_after_remove = await page.locator('#dnc-list tr[data-number] th').allInnerTexts();
  await checkA11y(page, 'campaigns: do-not-call after remove');

  step('leaving the page ends the stream');
  const closed = page.waitForEvent('requestfailed', { predicate: (r) => r.url().includes('/api/v1/dialer/stream'), timeout: env.stepTimeout })
    .then(() => true, () => false);
  await openPage(page, 'phonebook');
  result.stream_closed = await closed;

  step('without the stream: polling');
  await page.route('**/api/v1/dialer/stream', (route) => route.abort('connectionrefused'));
  await openPage(page, 'campaigns');
  await page.locator('#cp-live[data-mode="poll"]').waitFor();
  await page.locator('#cp-list tr[data-campaign="spring"] [data-live="state"]', { hasText: C.states.stopped }).waitFor();
  await page.locator('#cp-list tr[data-campaign="spring"] [data-live="dialed"]', { hasText: /^1$/ }).waitFor();
  result.polling = await page.locator('#cp-live').innerText();
  await checkA11y(page, 'campaigns: polling');

  step('a user with the dialer ability');
  await page.unroute('**/api/v1/dialer/stream');
  await page.locator('#sign-out').click();
  await page.locator('#login-form').waitFor();
  await login(page, process.env.DIALER_USER, process.env.DIALER_PASSWORD);
  result.dialer_user_nav = await page.locator('#nav a').allInnerTexts();
  await openPage(page, 'campaigns');
  await page.locator('#cp-live[data-mode="stream"]').waitFor();
  await page.locator('#cp-list tr[data-campaign="spring"] [data-live="dialed"]', { hasText: /^1$/ }).waitFor();
  result.dialer_user_sees = await page.locator('#cp-list tr[data-campaign="spring"] th').innerText();
});
