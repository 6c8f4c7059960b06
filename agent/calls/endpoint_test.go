package calls

import "testing"

// TestEndpointResource: the calling number shown for a click-to-call is
// the resource of the user's first device; a Local channel's is its
// extension (observed on Asterisk 22.10.1 with Local/101@desks, which
// showed "101@desks" before).
func TestEndpointResource(t *testing.T) {
	tests := []struct{ in, want string }{
		{in: "PJSIP/101", want: "101"},
		{in: "Local/101@desks", want: "101"},
		{in: "Local/101@desks/n", want: "101"},
		{in: "local/+38761@from-internal", want: "+38761"},
		{in: "SIP/trunk/200", want: "200"},
		{in: "101", want: "101"},
	}
	for _, tt := range tests {
		if got := endpointResource(tt.in); got != tt.want {
			t.Errorf("endpointResource(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
