package wallboard

// epsilon absorbs the rounding of a service level computed in floating
// point (100 × 4 ÷ 5 must be at a target of 80).
const epsilon = 1e-9

// Colour judges a service level (percent) against target: green at or
// above the target, amber below it by at most margin points, red further
// below; none when nothing was answered (no service level yet). The bands
// follow the usual wallboard defaults (a 5-point amber band below the
// goal: red at or under 90 %, amber 90-95 %, green from 95 %, Integrator's
// wallboard; docs/callgroups.md).
func Colour(serviceLevel, target, margin float64, answered int) string {
	switch {
	case answered <= 0:
		return ColourNone
	case serviceLevel+epsilon >= target:
		return ColourGreen
	case serviceLevel+epsilon >= target-margin:
		return ColourAmber
	}
	return ColourRed
}
