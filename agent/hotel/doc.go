// Package hotel is the hotel manager's contract (docs/hotel.md): rooms
// with their occupancy, housekeeping, DND, message light and class of
// service; guests checked in and out; wake-up calls; call costs and the
// room's bill; and what the hotel asks of the PBX (Telephony) and of a
// property-management system (PMS).
//
// The package holds the types and interfaces every part shares; the parts
// live beside it: agent/hotel/manager (the Service), agent/hotel/rating
// (the Rater), agent/hotel/wakeup (the WakeUpScheduler), agent/hotel/fias
// (the PMS link over FIAS) and, in the daemon, the telephony on the
// calls engine (agent/hotel_telephony.go).
package hotel
