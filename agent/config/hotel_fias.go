package config

import (
	"fmt"
	"net"
	"time"

	"github.com/pbxagent/pbxagent/agent/hotel/fias"
)

// HotelFIAS configures the hotel's FIAS link to a property-management
// system (agent/hotel/fias, docs/hotel.md#the-pms-link-fias); with
// neither Addr nor Listen there is no link.
type HotelFIAS struct {
	// Addr is the PMS's host:port pbxagent dials.
	Addr string `yaml:"addr"`
	// Listen is the host:port pbxagent listens on when the PMS dials in.
	Listen string `yaml:"listen"`
	// KeepAlive is how often LA is sent; three periods without a record
	// from the PMS end the link.
	KeepAlive time.Duration `yaml:"keepalive"`
	// ResyncOnStart asks the PMS for its occupied rooms (DR) after each
	// link start.
	ResyncOnStart bool `yaml:"resync_on_start"`
	// CSMap maps RE's class-of-service values to classes
	// ("0=internal,1=local,2=national,3=international").
	CSMap string `yaml:"cs_map"`
}

// DefaultHotelFIAS is the link's configuration without keys: no link.
func DefaultHotelFIAS() HotelFIAS {
	return HotelFIAS{KeepAlive: 60 * time.Second, ResyncOnStart: true, CSMap: "0=internal,1=local,2=national,3=international"}
}

// Enabled reports whether a link is configured.
func (h HotelFIAS) Enabled() bool { return h.Addr != "" || h.Listen != "" }

// Validate checks the keys (errors name the key).
func (h HotelFIAS) Validate() error {
	_, err := h.Config()
	return err
}

// Config returns the link's fias.Config (Location is the caller's to
// set), or an error naming the key at fault.
func (h HotelFIAS) Config() (fias.Config, error) {
	c := fias.Config{Addr: h.Addr, Listen: h.Listen, KeepAlive: h.KeepAlive, ResyncOnStart: h.ResyncOnStart}
	if h.Addr != "" && h.Listen != "" {
		return c, fmt.Errorf("hotel.fias.addr and hotel.fias.listen: set one (pbxagent dials the PMS, or the PMS dials in)")
	}
	for key, v := range map[string]string{"hotel.fias.addr": h.Addr, "hotel.fias.listen": h.Listen} {
		if v == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(v); err != nil {
			return c, fmt.Errorf("%s %q: want host:port", key, v)
		}
	}
	if h.KeepAlive < time.Second || h.KeepAlive > 10*time.Minute {
		return c, fmt.Errorf("hotel.fias.keepalive %s: want 1s to 10m", h.KeepAlive)
	}
	m, err := fias.ParseClassCodes(h.CSMap)
	if err != nil {
		return c, fmt.Errorf("hotel.fias.cs_map %q: %w", h.CSMap, err)
	}
	c.ClassCodes = m
	return c, nil
}
