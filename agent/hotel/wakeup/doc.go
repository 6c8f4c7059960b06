// Package wakeup places a hotel's wake-up calls (hotel.WakeUpScheduler):
// each at its time, at most a cap in progress at once with the rest
// waiting in order of due time, retried when unanswered, snoozed on the
// guest's request, and every change reported to the manager. The
// behaviour and the figures of the 500-wake-ups simulation are in
// docs/hotel-costs-wakeups.md.
package wakeup
