// The Hotel page (console_hotel_test.go). ada (admin) sees no room, adds
// room 101 through the form (room 102 comes through the API and appears
// live), checks a guest in to 101 from its dialog (the card turns
// occupied), sets a wake-up there (it appears in the wake-up list), then,
// with the focus on room 102's card and a wake-up time half typed in, a
// housekeeping change made through the API by another session turns 101's
// card "to clean" without moving the focus or clearing the field; she
// checks 101 out (the closed bill is shown, the card is free again, the
// bill is listed); she moves a guest and edits a rate table.
// console/hotel-reception.mjs is bob's side. axe runs in each state.
import { run, login, openPage, checkA11y, step, fail, env, S, fmt, adminAPI, expectStatus } from './lib.mjs';

const P = S.hotel;

/** A local date (and time) as the date and datetime-local inputs take them, days from now. */
function local(days, time) {
  const d = new Date(Date.now() + days * 86400e3);
  const p = (n) => String(n).padStart(2, '0');
  const day = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
  return time ? `${day}T${time}` : day;
}

run(async ({ page, result }) => {
  const a11y = (label) => checkA11y(page, label);
  const text = async (sel) => (await page.locator(sel).innerText()).replace(/\s+/g, ' ').trim();

  await login(page, env.adminUser, env.adminPassword);
  result.admin_nav = await page.locator('#nav a').allInnerTexts();
  await openPage(page, 'hotel');
  await page.locator('#ht-live[data-socket="open"]').waitFor();
  await page.locator('#ht-no-rooms').waitFor();
  result.empty = await text('#ht-grid');
  await a11y('hotel: no room');

  step('add room 101 through the form');
  await page.getByRole('button', { name: P.addRoom, exact: true }).click();
  const dlg = page.getByRole('dialog');
  await dlg.getByLabel(`${P.fNumber} ${S.common.required}`, { exact: true }).fill('101');
  await dlg.getByLabel(P.fFloor, { exact: true }).fill('1');
  await dlg.getByLabel(P.fType, { exact: true }).fill('double');
  await dlg.getByLabel(P.fExtensions, { exact: true }).fill('101');
  await dlg.getByLabel(P.fDevices, { exact: true }).fill('PJSIP/101');
  await a11y('hotel: the room form');
  await dlg.getByRole('button', { name: S.common.save, exact: true }).click();
  await expectStatus(page, fmt(P.roomAdded, { room: '101' }));
  await page.locator('#ht-grid li[data-room="101"][data-status="free"]').waitFor();

  step('room 102 through the API appears live');
  await adminAPI('POST', '/api/v1/hotel/rooms', { number: '102', floor: '1', extensions: ['102'], devices: ['PJSIP/102'] });
  await page.locator('#ht-grid li[data-room="102"][data-status="free"]').waitFor();
  result.free_card = await text('#ht-grid li[data-room="101"]');
  result.free_colour = await page.evaluate(() => getComputedStyle(document.querySelector('#ht-grid li[data-room="101"]')).borderLeftColor);

  step('check a guest in to 101');
  await page.locator('#ht-room-101').click();
  await dlg.getByLabel(`${P.fName} ${S.common.required}`, { exact: true }).fill('Rossi');
  await dlg.getByLabel(P.fFirstName, { exact: true }).fill('Anna');
  await dlg.getByLabel(P.fLanguage, { exact: true }).fill('it');
  await dlg.getByLabel(P.fArrival, { exact: true }).fill(local(0));
  await dlg.getByLabel(P.fDeparture, { exact: true }).fill(local(2));
  await a11y('hotel: the check-in form');
  await dlg.getByRole('button', { name: P.checkIn, exact: true }).click();
  await page.locator('#ht-dlg-info[data-occupancy="occupied"]').waitFor();
  await page.locator('#ht-grid li[data-room="101"][data-status="occupied"]').waitFor();
  result.occupied_card = await text('#ht-grid li[data-room="101"]');
  result.occupied_colour = await page.evaluate(() => getComputedStyle(document.querySelector('#ht-grid li[data-room="101"]')).borderLeftColor);

  step('set a wake-up for 101');
  await dlg.getByLabel(P.wkAt, { exact: true }).fill(local(1, '07:00'));
  await dlg.getByRole('button', { name: P.wkSet, exact: true }).click();
  await page.locator('#ht-dlg-wakeups li[data-status="pending"]').waitFor();
  await page.locator('#ht-wakeups tr[data-room="101"][data-status="pending"]').waitFor();
  await a11y('hotel: the room dialog, occupied');

  step('do not disturb from the dialog');
  await dlg.getByLabel(P.fDND, { exact: true }).check();
  await dlg.getByRole('button', { name: P.applyStatus, exact: true }).click();
  await page.locator('#ht-grid li[data-room="101"][data-dnd="true"]').waitFor();
  await page.keyboard.press('Escape');
  await page.locator('dialog').waitFor({ state: 'detached' });
  result.focus_after_dialog = await page.evaluate(() => document.activeElement && document.activeElement.id);
  result.wakeup_row = await text('#ht-wakeups tr[data-room="101"]');
  result.wakeup_counter = await page.locator('#ht-summary [data-key="wakeups"]').getAttribute('data-n');

  step('another session asks for 101 to be made up: live, the focus and a half-filled field kept');
  await page.getByLabel(`${P.wkAt} ${S.common.required}`, { exact: true }).fill(local(1, '08:30'));
  await page.locator('#ht-room-102').focus();
  await adminAPI('PUT', '/api/v1/hotel/rooms/101/housekeeping', { state: 'makeup_requested' });
  await page.locator('#ht-grid li[data-room="101"][data-status="makeup"][data-housekeeping="makeup_requested"]').waitFor();
  result.makeup_card = await text('#ht-grid li[data-room="101"]');
  result.focus_kept = await page.evaluate(() => document.activeElement && document.activeElement.id);
  result.field_kept = await page.locator('#ht-wk-at').inputValue();
  result.makeup_counter = await page.locator('#ht-summary [data-key="makeup_requested"]').getAttribute('data-n');
  await page.locator('#ht-announce').getByText(fmt(P.changes.housekeeping, { room: '101', state: P.housekeeping.makeup_requested })).waitFor();
  await a11y('hotel: 101 to clean');

  step('the half-typed wake-up set from the page\'s form, then cancelled from the list');
  await page.getByLabel(P.wkRoom, { exact: true }).selectOption('101');
  await page.getByRole('button', { name: P.wkSet, exact: true }).click();
  await page.locator('#ht-wakeups[data-count="2"]').waitFor();
  const second = page.locator('#ht-wakeups tr[data-room="101"][data-status="pending"]').nth(1);
  const wid = await second.getAttribute('data-wakeup');
  await second.getByRole('button', { name: P.wkCancel }).click();
  await page.locator(`#ht-wakeups tr[data-wakeup="${wid}"][data-status="canceled"]`).waitFor();
  result.canceled_row = await text(`#ht-wakeups tr[data-wakeup="${wid}"]`);

  step('filters: only occupied rooms');
  await page.getByLabel(P.filterOccupancy, { exact: true }).selectOption('occupied');
  await page.locator('#ht-grid[data-count="1"] li[data-room="101"]').waitFor();
  await page.getByLabel(P.filterOccupancy, { exact: true }).selectOption('');
  await page.locator('#ht-grid[data-count="2"]').waitFor();

  step('move the guest from 101 to 102: the dialog follows, the wake-up goes along');
  await page.locator('#ht-room-101').click();
  await dlg.getByLabel(P.moveTo, { exact: true }).selectOption('102');
  await dlg.getByRole('button', { name: P.move, exact: true }).click();
  await expectStatus(page, fmt(P.moved, { from: '101', to: '102' }));
  await page.locator('#ht-dlg[data-room="102"] #ht-dlg-info[data-occupancy="occupied"]').waitFor();
  await page.locator('#ht-grid li[data-room="101"][data-occupancy="vacant"]').waitFor();
  await page.locator('#ht-grid li[data-room="102"][data-occupancy="occupied"][data-dnd="true"]').waitFor();
  await page.locator('#ht-wakeups tr[data-room="102"][data-status="pending"]').waitFor();
  result.moved_card = await text('#ht-grid li[data-room="102"]');

  step('check 102 out: the closed bill');
  await dlg.first().getByRole('button', { name: P.checkOut, exact: true }).click();
  await page.getByRole('dialog', { name: fmt(P.checkOutTitle, { room: '102' }) }).getByRole('button', { name: P.checkOut, exact: true }).click();
  await page.locator('#ht-dlg-closed-bill').waitFor();
  await page.locator('#ht-dlg-info[data-occupancy="vacant"]').waitFor();
  result.closed_bill = await text('#ht-dlg-closed');
  result.bill_csv = await page.locator('#ht-dlg-closed-bill-csv').getAttribute('href');
  await a11y('hotel: checked out, the closed bill');
  await page.keyboard.press('Escape');
  await page.locator('dialog').waitFor({ state: 'detached' });
  await page.locator('#ht-grid li[data-room="102"][data-occupancy="vacant"]').waitFor();
  await page.locator('#ht-wakeups tr[data-room="102"][data-status="canceled"]').waitFor();
  await page.locator('#ht-bills tr[data-room="102"]').waitFor();
  result.vacant_card = await text('#ht-grid li[data-room="102"]');
  result.bills_row = await text('#ht-bills tr[data-room="102"]');
  const csv = await page.evaluate(async (href) => { const r = await fetch(href); return { status: r.status, type: r.headers.get('Content-Type'), body: await r.text() }; }, result.bill_csv);
  result.csv_status = csv.status;
  result.csv_head = csv.body.split('\n')[0];

  step('rates: a bad row named by its line, then a table saved');
  result.link = await text('#ht-link');
  await page.getByRole('button', { name: P.addTable, exact: true }).click();
  await dlg.getByLabel(`${P.fTableId} ${S.common.required}`, { exact: true }).fill('default');
  await dlg.getByLabel(P.fTableName, { exact: true }).fill('Main trunk');
  await dlg.getByLabel(P.fRates, { exact: true }).fill('0044,United Kingdom,0.25,60,60,5,0.10\n0039,Italy,cheap');
  await dlg.getByRole('button', { name: S.common.save, exact: true }).click();
  await page.locator('#ht-table-form-errors').getByText(fmt(P.rateBad, { line: 2, field: 'per_minute', value: 'cheap' })).waitFor();
  result.rate_error = await text('#ht-table-form-errors');
  await dlg.getByLabel(P.fRates, { exact: true }).fill('0044,United Kingdom,0.25,60,60,5,0.10\n0039,Italy,0.0350,30');
  await a11y('hotel: the rate table form');
  await dlg.getByRole('button', { name: S.common.save, exact: true }).click();
  await expectStatus(page, fmt(P.tableSaved, { table: 'default' }));
  await page.locator('#ht-rates tr[data-table="default"]').waitFor();
  result.rates_row = await text('#ht-rates tr[data-table="default"]');
});
