package sdp

import "testing"

func TestDirectionReverseIntersect(t *testing.T) {
	tests := []struct {
		offered, ours Direction
		want          Direction // the answerer's: offered.Reverse() ∩ ours
	}{
		{offered: SendRecv, ours: SendRecv, want: SendRecv},
		{offered: "", ours: SendRecv, want: SendRecv},
		{offered: SendOnly, ours: SendRecv, want: RecvOnly},
		{offered: RecvOnly, ours: SendRecv, want: SendOnly},
		{offered: Inactive, ours: SendRecv, want: Inactive},
		{offered: SendRecv, ours: SendOnly, want: SendOnly},
		{offered: SendRecv, ours: RecvOnly, want: RecvOnly},
		{offered: SendOnly, ours: SendOnly, want: Inactive},
		{offered: RecvOnly, ours: RecvOnly, want: Inactive},
		{offered: SendOnly, ours: RecvOnly, want: RecvOnly},
		{offered: SendRecv, ours: Inactive, want: Inactive},
	}
	for _, tt := range tests {
		if got := tt.offered.Reverse().Intersect(tt.ours); got != tt.want {
			t.Errorf("%q reversed ∩ %q = %q, want %q", tt.offered, tt.ours, got, tt.want)
		}
	}
}

func TestParseDirection(t *testing.T) {
	for _, name := range []string{"sendrecv", "sendonly", "recvonly", "inactive"} {
		if d, ok := parseDirection(name); !ok || string(d) != name {
			t.Errorf("parseDirection(%q) = %q, %v", name, d, ok)
		}
	}
	for _, name := range []string{"", "SENDONLY", "hold", "rtcp"} {
		if _, ok := parseDirection(name); ok {
			t.Errorf("parseDirection(%q) accepted", name)
		}
	}
}
