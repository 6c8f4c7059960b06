package agent

import (
	"context"
	"fmt"

	"github.com/pbxagent/pbxagent/agent/hotel"
	"github.com/pbxagent/pbxagent/agent/hotel/fias"
	"github.com/pbxagent/pbxagent/agent/hotel/manager"
	"github.com/pbxagent/pbxagent/agent/hotel/rating"
	"github.com/pbxagent/pbxagent/agent/hotel/wakeup"
	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/internal/clock"
)

// hotelFeature is the hotel manager (docs/hotel.md): rooms, guests,
// wake-ups, rates and bills kept in the store, the API under
// /api/v1/hotel, and the parts that attach to it: the PBX side (the
// calls engine) and the PMS link.
type hotelFeature struct {
	m  *manager.Manager
	st hotel.Settings
	// pbx is the PBX side on the calls engine (nil: none).
	pbx *hotelTelephony
	// link answers GET /api/v1/hotel/link (nil: no PMS link).
	link func(ctx context.Context) hotel.LinkState
	// fias is the PMS link (hotel_fias.go; nil: none), run by Run.
	fias *fias.Link
}

func newHotel(b *build) (platform.Component, error) {
	st, err := b.cfg.Hotel.Settings()
	if err != nil {
		return nil, fmt.Errorf("config %w", err)
	}
	log := b.logger("hotel")
	dir := &hotelDirectory{store: b.store, ids: b.store.Meta("hotel_directory")}
	m := manager.New(b.store.MetaBatch("hotel"), st, manager.WithLogger(log), manager.WithDirectory(dir),
		manager.WithRater(rating.New()))
	if b.d.events != nil {
		manager.WithHub(b.d.events)(m)
	}
	f := &hotelFeature{m: m, st: st}

	// The PBX side: what rings rooms, applies their state and gates
	// their calls (nil: none; the API works, wake-ups are kept unplaced).
	var tel hotel.Telephony
	if pbx := newHotelTelephony(b.d, st, log); pbx != nil { // hotel_telephony.go
		pbx.sink = m
		tel, f.pbx = pbx, pbx
	}
	if tel != nil {
		manager.WithTelephony(tel)(m)
		sched := wakeup.New(clock.Real{}, tel, st.WakeUp, m.WakeUpChanged, wakeup.WithLogger(log), wakeup.WithLanguage(st.Language))
		manager.WithScheduler(sched)(m)
	}

	if f.fias, err = newHotelLink(b, m, st); err != nil {
		return nil, err
	}
	if f.fias != nil {
		f.link = func(context.Context) hotel.LinkState { return f.fias.State() }
	}

	if err := m.Load(b.ctx); err != nil {
		return nil, fmt.Errorf("hotel: %w", err)
	}
	b.d.hotel = m
	return f, nil
}

// Name implements platform.Component.
func (*hotelFeature) Name() string { return "hotel" }

// Routes implements platform.Router: the hotel API.
func (f *hotelFeature) Routes() []platform.Route {
	opts := []manager.HandlerOption{manager.WithLocation(f.st.Location)}
	if f.link != nil {
		opts = append(opts, manager.WithLinkStatus(f.link))
	}
	return manager.NewHandler(f.m, opts...).Routes()
}

// Run keeps the manager and the PMS link until ctx ends, then closes
// them (the wake-up scheduler stops). With a PBX side, every room's state
// is applied again after each connection to Asterisk. A PMS listener that
// cannot open ends Run with its error.
func (f *hotelFeature) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		if f.pbx != nil {
			f.pbx.follow(ctx, f.m.ApplyAll) // hotel_telephony.go
		}
	}()
	var err error
	if f.fias != nil {
		err = f.fias.Run(ctx, f.m) // until ctx ends (LE sent)
	} else {
		<-ctx.Done()
	}
	cancel()
	<-done
	f.m.Close()
	if f.pbx != nil {
		f.pbx.Close()
	}
	return err
}
