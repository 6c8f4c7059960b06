// Chat (console_chat_test.go): two users in two browser contexts. ada
// (admin) opens the conversation with bob and sends a message; bob, on
// the Chat page in his own context, sees the conversation appear with one
// unread message without reloading, opens it and reads it, sees ada
// typing, and answers; ada sees the answer arrive live. Then bob sets
// Do not disturb on his Presence page and ada's Chat page, not reloaded,
// shows him as Do not disturb with his message (bob is in ada's roster,
// set through the API). axe runs on both pages.
import { run, login, openPage, checkA11y, step, fail, env, S, fmt } from './lib.mjs';

const s = S.chat;
const P = S.presence;

run(async ({ page, context, result }) => {
  const ada = page;
  const other = await context.browser().newContext({ viewport: { width: 1200, height: 900 } });
  other.setDefaultTimeout(env.stepTimeout);
  const bob = await other.newPage();
  const errors = [];
  bob.on('pageerror', (e) => errors.push(String(e)));
  try {
    await login(ada, env.adminUser, env.adminPassword);
    step('ada follows bob (her roster, through the JS client\'s presence module)');
    await ada.evaluate(async (name) => {
      const { PbxAgent } = await import('/public/pbxagent.js');
      const c = new PbxAgent();
      await c.getUsersMe(); // the CSRF token
      const bob = (await c.chat.users()).find((u) => u.username === name);
      await c.presence.setRoster([...(await c.presence.roster()), bob.id]);
    }, env.userUser);
    await openPage(ada, 'chat');
    await login(bob, env.userUser, env.userPassword);
    await openPage(bob, 'chat');
    await bob.locator('#page-chat[data-socket="open"]').waitFor();
    await ada.locator('#page-chat[data-socket="open"]').waitFor();
    await checkA11y(bob, 'chat: no conversation');

    step('ada opens the conversation with bob and sends');
    await ada.getByLabel(s.with, { exact: true }).selectOption({ label: 'Bob' });
    await ada.locator('#chat-open').click();
    await ada.locator('#chat-send-form:not([hidden])').waitFor();
    result.ada_heading = (await ada.locator('#chat-conv-h').innerText()).trim();
    await ada.getByLabel(s.message, { exact: true }).fill('Hello Bob, lunch at 12?');
    await ada.locator('#chat-send').click();
    await ada.locator('#chat-messages li', { hasText: 'Hello Bob, lunch at 12?' }).waitFor();
    await checkA11y(ada, 'chat: a message sent');

    step('bob sees the conversation with one unread message, live');
    const unread = bob.getByRole('button', { name: fmt(s.roomUnread, { name: 'Ada', n: 1 }) });
    await unread.waitFor();
    result.bob_room = (await unread.innerText()).trim();
    await checkA11y(bob, 'chat: unread conversation');
    await unread.click();
    await bob.locator('#chat-messages li', { hasText: 'Hello Bob, lunch at 12?' }).waitFor();
    result.bob_messages = await bob.locator('#chat-messages li').allInnerTexts();
    // Opened: read, the count goes.
    await bob.getByRole('button', { name: 'Ada', exact: true }).waitFor();

    step('ada types: bob sees it');
    await ada.getByLabel(s.message, { exact: true }).pressSequentially('Or 1');
    await bob.locator('#chat-typing', { hasText: fmt(s.typing, { name: 'Ada' }) }).waitFor();
    result.bob_typing = (await bob.locator('#chat-typing').innerText()).trim();
    await ada.getByLabel(s.message, { exact: true }).fill('');

    step('bob answers: ada sees it live');
    await bob.getByLabel(s.message, { exact: true }).fill('Yes, see you there');
    await bob.getByLabel(s.message, { exact: true }).press('Enter');
    await ada.locator('#chat-messages li', { hasText: 'Yes, see you there' }).waitFor();
    result.ada_messages = await ada.locator('#chat-messages li').allInnerTexts();
    await ada.locator('#chat-partner-presence[data-state="available"]').waitFor();
    result.ada_sees_before = (await ada.locator('#chat-partner-presence').innerText()).trim();
    await checkA11y(ada, 'chat: conversation');
    await checkA11y(bob, 'chat: conversation (bob)');

    step('bob sets Do not disturb: ada sees it live on her Chat page');
    await openPage(bob, 'presence');
    await bob.getByLabel(P.state, { exact: true }).selectOption('dnd');
    await bob.getByLabel(P.message, { exact: true }).fill('Board meeting');
    await bob.locator('#presence-save').click();
    await bob.locator('#presence-current[data-state="dnd"]').waitFor();
    await ada.locator('#chat-partner-presence[data-state="dnd"]').waitFor();
    result.ada_sees = (await ada.locator('#chat-partner-presence').innerText()).trim();
    result.ada_list_sees = (await ada.locator('#chat-rooms .chat-presence').first().innerText()).trim();
    await checkA11y(ada, 'chat: partner in do not disturb');
    if (errors.length) fail(`uncaught exceptions in bob's page: ${errors.join(' | ')}`);
  } finally {
    await other.close().catch(() => {});
  }
});
