// Package rating costs a hotel room's calls (hotel.Rater) from rate
// tables matched by the longest number prefix, checks rate tables before
// they are stored (Validate), and writes a room's bill as CSV (BillCSV).
// The rules, with their public source (Kazoo's rate document), are in
// docs/hotel-costs-wakeups.md.
package rating
