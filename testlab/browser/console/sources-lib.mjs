// sources-lib.mjs: what the Contacts → Settings scripts (sources*.mjs)
// share: the page's locators, adding a source of a type, running its
// "test" (error or preview) and a sync through its confirmation.
import { checkA11y, S, fmt } from './lib.mjs';

const P = S.sources;

/** The locators of the sources page open in page. */
export function sourcesPage(page) {
  const panel = () => page.locator('[role=tabpanel]:not([hidden])');
  const top = () => page.locator('dialog[open]').last();
  const card = (name) => panel().locator(`section[data-source-name="${name}"]`);
  const newCard = () => panel().locator('section.source-card:not([data-source-id])');
  const statusMsg = (name) => card(name).locator('[id$=-status-msg]');
  // statusCounts is the end of the status message with these counts.
  const statusCounts = (synced, deleted) => fmt(P.statusLast, { time: '', synced, deleted }).split('. ')[1];
  // field finds a control by its label as a person reads it (a required
  // one says so after the label).
  const field = (scope, label) => scope.getByLabel(new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}( ${S.common.required.replace(/[()]/g, '\\$&')})?$`));
  return { panel, top, card, newCard, statusMsg, statusCounts, field };
}

/** Opens the tab of type T (checked with axe-core as tabA11y) and adds a new source form. */
export async function addSource(page, T, tabA11y) {
  const { panel } = sourcesPage(page);
  await page.getByRole('tab', { name: T.label }).click();
  await checkA11y(page, tabA11y);
  await panel().getByRole('button', { name: fmt(P.add, { type: T.label }) }).click();
}

/** Runs the test of the new source form expecting a refusal; returns the test area's text. */
export async function testRefused(page) {
  const { newCard } = sourcesPage(page);
  await newCard().getByRole('button', { name: P.test, exact: true }).click();
  await newCard().locator('[id$=-test] .error-box').waitFor();
  return (await newCard().locator('[id$=-test]').innerText()).trim();
}

/** Runs the test of the new source form expecting a preview; returns its rows' headers. */
export async function testPreview(page) {
  const { newCard } = sourcesPage(page);
  await newCard().getByRole('button', { name: P.test, exact: true }).click();
  await newCard().locator('[id$=-test] table').waitFor();
  return newCard().locator('[id$=-test] tbody th').allInnerTexts();
}

/** Syncs source name through the confirmation, waits for the status with these counts and returns it. */
export async function syncNow(page, name, synced, deleted) {
  const { card, top, statusMsg, statusCounts } = sourcesPage(page);
  await card(name).getByRole('button', { name: P.trigger }).click();
  await top().getByRole('button', { name: P.triggerYes }).click();
  await statusMsg(name).filter({ hasText: statusCounts(synced, deleted) }).waitFor();
  return statusMsg(name).innerText();
}
