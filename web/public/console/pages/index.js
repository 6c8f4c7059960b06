// The console's pages, in navigation order. Adding a page: write
// pages/<id>.js exporting {id, titleKey, adminOnly, allowed?, render(root, ctx) → cleanup},
// add its strings section to strings/en.js, and import it here.
import phonebook from './phonebook.js';
import calls from './calls.js';
import presence from './presence.js';
import wallboard from './wallboard.js';
import chat from './chat.js';
import callgroups from './callgroups.js';
import hotel from './hotel.js';
import sources from './sources.js';
import phones from './phones.js';
import callerid from './callerid.js';
import campaigns from './campaigns.js';
import users from './users.js';
import apps from './apps.js';
import cors from './cors.js';
import audit from './audit.js';

export default [phonebook, calls, presence, chat, callgroups, wallboard, hotel, sources, phones, callerid, campaigns, users, apps, cors, audit];
