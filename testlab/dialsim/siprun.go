package dialsim

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/pbxagent/pbxagent/agent/dialer"
	"github.com/pbxagent/pbxagent/agent/dialer/siptel"
	"github.com/pbxagent/pbxagent/internal/clock"
	"github.com/pbxagent/pbxagent/sip/media"
	"github.com/pbxagent/pbxagent/sip/ua"
)

// infoMessage is the information message the SIP path plays (8 s, the
// model's message length); it is written into a sounds folder per run.
const (
	infoSound  = "pbxagent-info"
	infoLength = 8 * time.Second
)

// sipSide is one user agent of the SIP path and its media ports.
type sipSide struct {
	agent *ua.Agent
	ports *media.PortRange
	done  chan error
}

// startUA starts a user agent on loopback UDP with RTP ports from
// [lo, hi] on the run's clock.
func startUA(ctx context.Context, name string, clk clock.Clock, lo, hi int, onInvite func(*ua.Incoming)) (*sipSide, error) {
	ports, err := media.NewPortRange(lo, hi)
	if err != nil {
		return nil, fmt.Errorf("sim sip: %s: %w", name, err)
	}
	a, err := ua.New(ua.Config{
		ListenAddr: "127.0.0.1:0", Transports: []string{"udp"}, Ports: ports, Clock: clk,
		UserAgent: "pbxagent-dialsim-" + name, OnInvite: onInvite, RingTimeout: time.Minute,
		Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, Logger: discard(),
	})
	if err != nil {
		return nil, fmt.Errorf("sim sip: %s: %w", name, err)
	}
	s := &sipSide{agent: a, ports: ports, done: make(chan error, 1)}
	go func() { s.done <- a.Run(ctx) }()
	select {
	case <-a.Ready():
	case err := <-s.done:
		return nil, fmt.Errorf("sim sip: %s: %w", name, err)
	case <-time.After(quietTimeout):
		return nil, fmt.Errorf("sim sip: %s not ready after %s", name, quietTimeout)
	}
	return s, nil
}

// stop waits (after the run's context ended) for the agent's Run.
func (s *sipSide) stop() error {
	select {
	case err := <-s.done:
		if err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
		return nil
	case <-time.After(quietTimeout):
		return errors.New("sim sip: user agent did not stop")
	}
}

// writeInfoMessage writes the information message (a 400 Hz tone) into dir.
func writeInfoMessage(dir string) error {
	samples := make([]int16, int(infoLength/time.Second)*media.ClockRate)
	for i := range samples {
		samples[i] = int16(3000 * math.Sin(2*math.Pi*400*float64(i)/media.ClockRate))
	}
	f, err := os.Create(filepath.Join(dir, infoSound+".wav"))
	if err != nil {
		return fmt.Errorf("sim sip: %w", err)
	}
	if err := media.WriteWAV(f, samples); err != nil {
		_ = f.Close()
		return fmt.Errorf("sim sip: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("sim sip: %w", err)
	}
	return nil
}

// RTP port ranges of the three user agents (pairs another process holds
// are skipped).
const (
	dialerPorts   = 30000
	customerPorts = 34000
	agentPorts    = 38000
	portSpan      = 3998
)

// RunSIP runs one simulation through the SIP path: the real dialer drives
// the SIP telephony (agent/dialer/siptel) over a real ua.Agent on loopback
// UDP; the customers behind the "trunk" are another ua.Agent playing the
// model of FIGURES.md as a SIP UAS with RTP, and the agents' phones a
// third that answers after 1 s. Signalling runs in real time, everything
// else on one virtual clock, advanced in lockstep (see sipTracker): the
// clock moves only once the signalling in flight has settled.
func RunSIP(cfg Config) (res Result, err error) {
	cfg.defaults()
	vclk := clock.NewVirtual(start)
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x9e3779b97f4a7c15))
	end := start.Add(cfg.Duration)
	pop := makeLeads(cfg, rng)
	dr := newDraws(cfg.Seed, answerProb(cfg), cfg.Talk)
	dr.keep = cfg.record != nil
	tr := newSIPTracker(vclk, dr)
	clk := sipClock{vclk, tr}

	sounds, err := os.MkdirTemp("", "dialsim-sounds-")
	if err != nil {
		return res, fmt.Errorf("sim sip: %w", err)
	}
	defer func() { _ = os.RemoveAll(sounds) }()
	if err := writeInfoMessage(sounds); err != nil {
		return res, err
	}

	ctx, cancel := context.WithCancel(context.Background())
	far := &farEnd{clk: clk, tr: tr, ctx: ctx, voice: voiceAudio(), answerAfter: time.Second}
	var sides []*sipSide
	defer func() {
		cancel()
		for _, s := range sides {
			if e := s.stop(); e != nil && err == nil {
				err = e
			}
		}
		far.wg.Wait()
	}()
	// The dialer's user agent: its ring timers (the dial timeout) tied to
	// their legs.
	dialClk := ringClock{sipClock: clk, ring: time.Duration(campaignConfig(cfg).DialTimeout)}
	dial, err := startUA(ctx, "dialer", dialClk, dialerPorts, dialerPorts+portSpan, nil)
	if err != nil {
		return res, err
	}
	sides = append(sides, dial)
	cust, err := startUA(ctx, "customers", clk, customerPorts, customerPorts+portSpan, far.onCustomer)
	if err != nil {
		return res, err
	}
	sides = append(sides, cust)
	phones, err := startUA(ctx, "phones", clk, agentPorts, agentPorts+portSpan, far.onAgent)
	if err != nil {
		return res, err
	}
	sides = append(sides, phones)

	tel := siptel.New(probeUA{inner: siptel.FromAgent(dial.agent), tr: tr}, siptel.Config{SoundsDir: sounds, Logger: discard()})
	probe := &sipProbe{inner: tel, tr: tr, msgLen: infoLength + media.FramePeriod}
	chk := NewChecker(probe, clk, pop.zones, pop.dnc, end)
	chk.Trace = cfg.Trace
	d := dialer.New(chk, dialer.WithClock(clk), dialer.WithCallIDPrefix("sim-"), dialer.WithLogger(discard()),
		dialer.WithBackends(dialer.BackendSIP))
	telCtx, telStop := context.WithCancel(ctx)
	runDone := make(chan error, 1)
	go func() { runDone <- tel.Run(telCtx, probe.sink(chk.Sink(d.HandleEvent))) }()
	defer func() {
		telStop()
		if e := <-runDone; e != nil && !errors.Is(e, context.Canceled) && err == nil {
			err = fmt.Errorf("sim sip: siptel: %w", e)
		}
	}()
	d.Start(ctx)
	defer d.Close()

	cc := campaignConfig(cfg)
	cc.DialString = "sip:{number}@" + cust.agent.Addr("udp").String()
	cc.Backend = dialer.BackendSIP
	phoneAddr := phones.agent.Addr("udp").String()
	if err := setupWith(d, cc, cfg, pop, func(i int) string { return "sip:agent" + strconv.Itoa(i) + "@" + phoneAddr }); err != nil {
		return res, err
	}
	if cfg.Mode == dialer.ModePreview {
		previewAgents(clk, d, cfg)
	}
	if err := tr.advanceTo(start.Add(2 * time.Second)); err != nil { // agents answer after 1 s
		return res, err
	}
	if err := d.StartCampaign("sim"); err != nil {
		return res, fmt.Errorf("sim sip: %w", err)
	}
	res, err = drive(cfg, d, tr.advanceTo, end)
	if err != nil {
		return res, err
	}
	if err := tr.quiet(); err != nil {
		return res, err
	}
	finish(&res, cfg, &chk.Checks, d, chk.Active(), end)
	cfg.record.setDraws(dr.drawn())
	invites, unknown, late, legs := tr.counts()
	res.TrunkInvites, res.UnexpectedInvites, res.LateDeadlines = invites, unknown, late
	res.SIPDialogsLeft, res.RTPPortsLeft = sipLeft(sides)
	if !far.wait(quietTimeout) { // the far ends' watchers have counted every call's packets
		return res, errors.New("sim sip: the far ends' goroutines did not end after the drain")
	}
	res.CustomerRTPSent, res.CustomerRTPReceived, res.PhoneRTPReceived = far.custSent.Load(), far.custRecv.Load(), far.phoneRecv.Load()
	res.Leaked += legs + res.SIPDialogsLeft + res.RTPPortsLeft
	return res, nil
}

// sipLeft waits (briefly, real time) for every dialog to end and every
// RTP port to be released on all the user agents, and returns what is
// still held.
func sipLeft(sides []*sipSide) (dialogs, ports int) {
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		dialogs, ports = 0, 0
		for _, s := range sides {
			dialogs += s.agent.Calls()
			ports += s.ports.InUse()
		}
		if dialogs+ports == 0 || time.Now().After(deadline) {
			return dialogs, ports
		}
		<-tick.C
	}
}
