// Package presence keeps who is available: per user, the state they set
// (available, away, dnd, with a message and an optional end), whether a
// client of theirs is connected, whether their devices are registered,
// their call state, and a location they share with whom they allow. It
// publishes presence_updated on the events socket to the users whose
// roster holds the user, and makes the PBX honour DND: BLF device states
// (Stasis:dnd-<ext>) and Asterisk's presence state
// (PRESENCE_STATE(CustomPresence:<ext>)), re-applied after every ARI
// (re)connection. See docs/presence.md.
package presence
