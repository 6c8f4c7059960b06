// Package recordings keeps the recordings of users' calls: their metadata
// (call, owner, parties, times, duration, size) in the daemon's store,
// the files in Asterisk (ARI recordings/stored), the API
// /api/v1/recordings to list, read, download and delete them, and the
// retention that deletes old ones. The calls engine (agent/calls) starts
// and stops the recordings and tells the Service (its RecordingSink).
package recordings
