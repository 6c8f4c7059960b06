//go:build !race

package calls

// raceEnabled: see race_on_test.go.
const raceEnabled = false
