// Package chat is the users' chat: one-to-one conversations and group
// rooms, their messages kept in the daemon's store, read and delivered
// receipts, typing indications, unread counts, history with paging and
// search, and the edits and deletions of one's own messages. Everything a
// member should see happen is published on the events socket (topic
// "chat") to the room's members only. A recipient with no client
// connected may get the message on their desk phone as a SIP MESSAGE
// (through ARI). docs/chat.md describes the model and the API.
package chat
