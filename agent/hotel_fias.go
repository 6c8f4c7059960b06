package agent

import (
	"fmt"

	"github.com/pbxagent/pbxagent/agent/hotel"
	"github.com/pbxagent/pbxagent/agent/hotel/fias"
	"github.com/pbxagent/pbxagent/agent/hotel/manager"
)

// newHotelLink builds the FIAS link to the PMS from hotel.fias.* and makes
// it the manager's PMS (nil without hotel.fias.addr or .listen). Its queue
// is kept in the store's namespace "hotel-fias"; its state goes out as
// the pms_link event. The feature's Run runs it.
func newHotelLink(b *build, m *manager.Manager, st hotel.Settings) (*fias.Link, error) {
	fc := b.cfg.Hotel.FIAS
	if !fc.Enabled() {
		return nil, nil
	}
	cfg, err := fc.Config()
	if err != nil {
		return nil, fmt.Errorf("config %w", err)
	}
	cfg.Location = st.Location
	ctx := b.ctx
	link, err := fias.New(ctx, b.store.Meta("hotel-fias"), cfg, fias.WithLogger(b.logger("hotel-fias")),
		fias.WithStateFunc(func(s hotel.LinkState) { m.LinkChanged(ctx, s) }))
	if err != nil {
		return nil, fmt.Errorf("hotel: PMS link: %w", err)
	}
	manager.WithPMS(link)(m)
	return link, nil
}
