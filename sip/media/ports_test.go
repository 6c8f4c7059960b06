package media

import (
	"context"
	"errors"
	"slices"
	"testing"
)

func TestNewPortRange(t *testing.T) {
	tests := []struct {
		name     string
		min, max int
		wantErr  bool
		wantSize int
	}{
		{name: "typical", min: 10000, max: 20000, wantSize: 5000},
		{name: "odd min rounded up", min: 10001, max: 10005, wantSize: 2},
		{name: "one pair", min: 10000, max: 10001, wantSize: 1},
		{name: "no pair", min: 10000, max: 10000, wantErr: true},
		{name: "privileged", min: 80, max: 2000, wantErr: true},
		{name: "above 65535", min: 60000, max: 70000, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := NewPortRange(tc.min, tc.max)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if err == nil && r.Size() != tc.wantSize {
				t.Fatalf("size %d, want %d", r.Size(), tc.wantSize)
			}
		})
	}
}

func TestPortRangeAllocateReleaseExhaust(t *testing.T) {
	r, err := NewPortRange(20000, 20007)
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for range 4 {
		p, err := r.Allocate()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, p)
	}
	if want := []int{20000, 20002, 20004, 20006}; !slices.Equal(got, want) {
		t.Fatalf("allocated %v, want %v", got, want)
	}
	if _, err := r.Allocate(); !errors.Is(err, ErrPortsExhausted) {
		t.Fatalf("err = %v, want ErrPortsExhausted", err)
	}
	r.Release(20002)
	r.Release(20002)
	if p, err := r.Allocate(); err != nil || p != 20002 {
		t.Fatalf("after release got %d, %v", p, err)
	}
	r.Release(20000)
	r.Release(20006)
	// Round robin: the next pair after the last allocated is reused first.
	if p, _ := r.Allocate(); p != 20006 {
		t.Fatalf("got %d, want 20006", p)
	}
	if r.InUse() != 3 {
		t.Fatalf("in use %d", r.InUse())
	}
}

func TestPortRangeListenLoopback(t *testing.T) {
	r, err := NewPortRange(41000, 41099)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a, err := r.Listen(ctx, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.Listen(ctx, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if a.Port%2 != 0 || b.Port == a.Port || r.InUse() != 2 {
		t.Fatalf("ports %d %d in use %d", a.Port, b.Port, r.InUse())
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if r.InUse() != 0 {
		t.Fatalf("in use %d after close", r.InUse())
	}
}
