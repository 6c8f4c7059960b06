package wallboard

import "testing"

// TestColourBoundaries checks the bands at their edges: the target itself
// is green, just under it amber, target − margin still amber, just under
// that red; nothing answered is none whatever the level.
func TestColourBoundaries(t *testing.T) {
	tests := []struct {
		name     string
		sl       float64
		target   float64
		margin   float64
		answered int
		want     string
	}{
		{name: "at the target", sl: 80, target: 80, margin: 5, answered: 10, want: ColourGreen},
		{name: "above the target", sl: 100, target: 80, margin: 5, answered: 10, want: ColourGreen},
		{name: "just under the target", sl: 79.99, target: 80, margin: 5, answered: 10, want: ColourAmber},
		{name: "at target minus margin", sl: 75, target: 80, margin: 5, answered: 10, want: ColourAmber},
		{name: "just under target minus margin", sl: 74.99, target: 80, margin: 5, answered: 10, want: ColourRed},
		{name: "zero", sl: 0, target: 80, margin: 5, answered: 3, want: ColourRed},
		{name: "computed 4 of 5 at 80", sl: 100 * 4.0 / 5.0, target: 80, margin: 5, answered: 5, want: ColourGreen},
		{name: "computed 2 of 3 vs 66.67 margin 0", sl: 100 * 2.0 / 3.0, target: 100 * 2.0 / 3.0, margin: 0, answered: 3, want: ColourGreen},
		{name: "margin 0: under is red", sl: 79.9, target: 80, margin: 0, answered: 10, want: ColourRed},
		{name: "target 100 at 100", sl: 100, target: 100, margin: 5, answered: 1, want: ColourGreen},
		{name: "target 100 at 95", sl: 95, target: 100, margin: 5, answered: 20, want: ColourAmber},
		{name: "nothing answered", sl: 0, target: 80, margin: 5, answered: 0, want: ColourNone},
	}
	for _, tt := range tests {
		if got := Colour(tt.sl, tt.target, tt.margin, tt.answered); got != tt.want {
			t.Errorf("%s: Colour(%v, %v, %v, %d) = %s, want %s", tt.name, tt.sl, tt.target, tt.margin, tt.answered, got, tt.want)
		}
	}
}
