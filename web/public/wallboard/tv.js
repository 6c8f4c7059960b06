// The wallboard's full-screen page for a wall TV: /wallboard/#id=<id>&token=<token>
// (the token in the fragment, which browsers do not send to the server).
// It reads the board with the read-only token through the JavaScript
// client and keeps it live (the events socket's topic callgroups).

import { PbxAgent } from '../pbxagent.js';
import S from './strings/en.js';
import { mountBoard } from './board.js';
import { h } from '../console/ui.js';

const root = document.getElementById('wallboard');
let live = null;
let stop = null;
let started = 0; // each start's number: a later one supersedes it
let retry = null;

/** Wait before asking again while the server cannot show the board. */
const RETRY_MS = 30000;

function notice(text, id) {
  root.replaceChildren(h('p', { class: 'wb wb-notice', id, role: 'alert' }, text));
}

async function start() {
  const gen = ++started;
  clearTimeout(retry);
  if (stop) stop();
  if (live) live.close();
  stop = null;
  live = null;
  const params = new URLSearchParams(location.hash.slice(1));
  const id = params.get('id');
  const token = params.get('token');
  document.title = S.title;
  if (!id || !token) {
    notice(S.noLink, 'wb-no-link');
    return;
  }
  const client = new PbxAgent({ token });
  // The socket of a token the server refuses does not open (the board
  // would wait for it): ask for the board once first.
  try {
    await client.wallboard.data(id);
  } catch (err) {
    if (err.status === 401 || err.status === 403 || err.status === 404) {
      notice(S.badToken, 'wb-bad-token');
      return;
    }
    notice(err.status === 503 ? S.unavailable : err.message, 'wb-unavailable');
    retry = setTimeout(start, RETRY_MS);
    return;
  }
  if (gen !== started) return; // the fragment changed meanwhile
  const lv = client.wallboard.live(id);
  live = lv;
  // A token revoked or replaced while the board is up: its socket ends
  // (4001) or the board's reading is refused.
  lv.on('error', (e) => {
    const st = e.error && e.error.status;
    if (st === 401 || st === 403 || st === 404) {
      if (stop) stop();
      stop = null;
      lv.close();
      notice(S.badToken, 'wb-bad-token');
    }
  });
  lv.on('ready', () => {
    const b = lv.board;
    if (b && b.wallboard.name) document.title = `${b.wallboard.name} · ${S.title}`;
  });
  stop = mountBoard(root, lv, S, { fullScreen: true });
}

window.addEventListener('hashchange', start);
start();
