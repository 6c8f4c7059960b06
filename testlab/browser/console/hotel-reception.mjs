// The Hotel page for others than administrators (console_hotel_test.go,
// after console/hotel.mjs): bob, a plain user without hotel_admin, has no
// Hotel entry in the navigation, is told on the page that he lacks the
// right, and gets 403 from the API; given hotel_admin, he has the entry
// and the page without the administration (rooms, groups, rates, the PMS
// link), and a change made elsewhere reaches it live.
import { run, login, openPage, checkA11y, step, fail, env, S, adminAPI } from './lib.mjs';

const P = S.hotel;

run(async ({ page, result }) => {
  const text = async (sel) => (await page.locator(sel).innerText()).replace(/\s+/g, ' ').trim();
  await login(page, env.userUser, env.userPassword);
  result.user_nav = await page.locator('#nav a').allInnerTexts();
  await openPage(page, 'hotel');
  result.user_page = await text('#need-role');
  result.user_api = await page.evaluate(async () => (await fetch('/api/v1/hotel/rooms')).status);
  if (result.user_nav.includes(P.title)) fail('bob sees the Hotel entry');

  step('bob is given hotel_admin: the page without the administration');
  await adminAPI('PATCH', `/api/v1/users/${env.userId}`, { abilities: ['hotel_admin'] });
  await page.reload();
  await page.locator('#sign-out').waitFor();
  result.reception_nav = await page.locator('#nav a').allInnerTexts();
  await openPage(page, 'hotel');
  await page.locator('#ht-grid li[data-room="101"]').waitFor();
  await page.locator('#ht-live[data-socket="open"]').waitFor();
  result.reception_admin_parts = await page.locator('#ht-add-room, #ht-rates, #ht-link').count();

  step('a change made elsewhere reaches bob live');
  await adminAPI('PUT', '/api/v1/hotel/rooms/101/housekeeping', { state: 'out_of_order' });
  await page.locator('#ht-grid li[data-room="101"][data-status="out_of_order"]').waitFor();
  result.reception_card = await text('#ht-grid li[data-room="101"]');
  await checkA11y(page, 'hotel: reception (hotel_admin)');
});
