// Package rating costs a hotel room's calls (hotel.Rater) from rate
// tables matched by the longest number prefix, checks rate tables before
// they are stored (Validate), and writes bills as CSV in the format the
// API serves (WriteBillCSV). The rules, with their public source (Kazoo's
// rate document), are in docs/hotel-costs-wakeups.md.
package rating
