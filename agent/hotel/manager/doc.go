// Package manager is the hotel manager (docs/hotel.md): it keeps the
// rooms, room groups, guests, wake-ups, rate tables and bills in the
// daemon's store, and implements hotel.Service (what the HTTP API, the
// console and the PMS link use) and hotel.Sink (what the PBX reports:
// outgoing calls to gate, feature codes, wake-up results, calls ended).
//
// Every decision is made under one mutex; what it asks of the outside
// world (the telephony, the PMS, the events hub, the directory, the
// wake-up scheduler) is collected under it and done after it is
// released, in the order the decisions were made (one goroutine at a
// time does the queued actions), so that a peer answering synchronously
// may call back into the manager and two changes of a room reach the PBX
// in their order. Time comes from an internal/clock.Clock, so
// tests are deterministic.
package manager
