//go:build race

package calls

// raceEnabled: the race detector slows every request several times, so
// timing targets are only logged.
const raceEnabled = true
