package config

import (
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/hotel"
)

func TestHotelFIAS(t *testing.T) {
	tests := []struct {
		name    string
		mut     func(*HotelFIAS)
		wantErr string
	}{
		{name: "default: no link", mut: func(*HotelFIAS) {}},
		{name: "dial", mut: func(h *HotelFIAS) { h.Addr = "10.0.0.5:5010" }},
		{name: "listen", mut: func(h *HotelFIAS) { h.Listen = ":5010" }},
		{name: "both", mut: func(h *HotelFIAS) { h.Addr, h.Listen = "10.0.0.5:5010", ":5010" }, wantErr: "set one"},
		{name: "no port", mut: func(h *HotelFIAS) { h.Addr = "pms.local" }, wantErr: `hotel.fias.addr "pms.local": want host:port`},
		{name: "keepalive too short", mut: func(h *HotelFIAS) { h.KeepAlive = 100 * time.Millisecond }, wantErr: "hotel.fias.keepalive 100ms"},
		{name: "bad cs_map", mut: func(h *HotelFIAS) { h.CSMap = "0=nowhere" }, wantErr: `hotel.fias.cs_map "0=nowhere"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := DefaultHotel()
			tt.mut(&h.FIAS)
			err := h.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Validate = %v, want an error with %q", err, tt.wantErr)
			}
		})
	}
	c, err := DefaultHotelFIAS().Config()
	if err != nil || !c.ResyncOnStart || c.KeepAlive != time.Minute || c.ClassCodes["1"] != hotel.ClassLocal {
		t.Fatalf("default link config %+v, %v", c, err)
	}
	if DefaultHotelFIAS().Enabled() {
		t.Fatal("a link without keys")
	}
}
