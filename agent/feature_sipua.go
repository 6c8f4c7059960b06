package agent

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/pbxagent/pbxagent/agent/config"
	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/sip/media"
	"github.com/pbxagent/pbxagent/sip/ua"
)

// sipUAFeature is pbxagent's own SIP user agent (sip_ua.*): it listens
// from the start (Listen) to the stop (Shutdown, after the dialer has
// hung up its calls), registers to sip_ua.registrar and pings the trunk
// while the daemon runs.
type sipUAFeature struct {
	a   *ua.Agent
	cfg config.SIPUA
	log interface {
		Info(msg string, args ...any)
		Warn(msg string, args ...any)
	}

	stop context.CancelFunc
	done chan error

	mu         sync.Mutex
	registered bool
	regErr     error
	trunkDown  bool
}

func newSIPUA(b *build) (platform.Component, error) {
	c := b.cfg.SIPUA
	if c.Addr == "" {
		return nil, nil
	}
	ucfg, err := uaConfig(c)
	if err != nil {
		return nil, err
	}
	ucfg.UserAgent = "pbxagent/" + Build().Version
	ucfg.Logger = b.logger("sip-ua")
	a, err := ua.New(ucfg)
	if err != nil {
		return nil, fmt.Errorf("config sip_ua: %w", err)
	}
	b.d.sipUA = a
	return &sipUAFeature{a: a, cfg: c, log: b.logger("sip-ua")}, nil
}

// uaConfig turns the sip_ua section into the user agent's configuration.
func uaConfig(c config.SIPUA) (ua.Config, error) {
	min, max, err := c.RTPPortRange()
	if err != nil {
		return ua.Config{}, fmt.Errorf("config %w", err)
	}
	ports, err := media.NewPortRange(min, max)
	if err != nil {
		return ua.Config{}, fmt.Errorf("config sip_ua.rtp_ports: %w", err)
	}
	allow, err := c.AllowPrefixes()
	if err != nil {
		return ua.Config{}, fmt.Errorf("config %w", err)
	}
	cfg := ua.Config{ListenAddr: c.Addr, Transports: c.Transports, ContactHost: c.ContactHost, MediaHost: c.MediaHost,
		Ports: ports, OutboundProxy: c.OutboundProxy, Allow: allow}
	if c.Username != "" {
		user, pass := c.Username, c.Password
		cfg.Credentials = func(string) (string, string, bool) { return user, pass, true }
	}
	if c.PhonesRealm != "" {
		pw, err := c.PhonePasswords()
		if err != nil {
			return ua.Config{}, fmt.Errorf("config %w", err)
		}
		cfg.Registrar = ua.NewRegistrar(ua.RegistrarConfig{Realm: c.PhonesRealm, Password: func(user string) (string, bool) {
			p, ok := pw[user]
			return p, ok
		}})
	}
	return cfg, nil
}

// sipUAListener names the user agent's listener in a failed start.
var sipUAListener = listener{what: "pbxagent's SIP user agent (UDP and TCP)", key: "sip_ua.addr", canDisable: true}

// Name implements platform.Component.
func (*sipUAFeature) Name() string { return "sip_ua" }

// Listen starts the user agent and waits until it listens, so that a
// port already taken fails the daemon's start.
func (f *sipUAFeature) Listen(ctx context.Context) error {
	actx, stop := context.WithCancel(context.Background())
	f.stop, f.done = stop, make(chan error, 1)
	go func() { f.done <- f.a.Run(actx) }()
	select {
	case <-f.a.Ready():
		f.log.Info("sip_ua: listening", "addr", f.cfg.Addr)
		return nil
	case err := <-f.done:
		f.stop = nil // it has stopped: nothing for Shutdown to do
		stop()
		return sipUAListener.bindError(f.cfg.Addr, err)
	case <-ctx.Done():
		return fmt.Errorf("sip_ua: %w", ctx.Err())
	}
}

// Run keeps the registration (sip_ua.registrar) and the trunk's OPTIONS
// pings (sip_ua.keepalive) going until ctx ends.
func (f *sipUAFeature) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	if f.cfg.Registrar != "" {
		reg := ua.Registration{Registrar: f.cfg.Registrar, AOR: f.cfg.AOR, Username: f.cfg.Username, Password: f.cfg.Password,
			Expires: f.cfg.Expires, OnChange: func(up bool, err error) {
				f.mu.Lock()
				f.registered, f.regErr = up, err
				f.mu.Unlock()
				f.log.Info("sip_ua: registration", "registrar", f.cfg.Registrar, "registered", up, "err", err)
			}}
		if reg.AOR == "" {
			reg.AOR = defaultAOR(f.cfg.Username, f.cfg.Registrar)
		}
		wg.Go(func() {
			if err := f.a.Register(ctx, reg); err != nil && ctx.Err() == nil {
				f.mu.Lock()
				f.registered, f.regErr = false, err
				f.mu.Unlock()
				f.log.Warn("sip_ua: registration ended", "registrar", f.cfg.Registrar, "err", err)
			}
		})
	}
	if f.cfg.KeepAlive > 0 && f.cfg.Trunk != "" {
		target := trunkTarget(f.cfg.Trunk)
		wg.Go(func() {
			err := f.a.KeepAlive(ctx, target, f.cfg.KeepAlive, func(up bool) {
				f.mu.Lock()
				f.trunkDown = !up
				f.mu.Unlock()
				f.log.Info("sip_ua: trunk", "target", target, "up", up)
			})
			if err != nil && ctx.Err() == nil {
				f.log.Warn("sip_ua: keepalive ended", "target", target, "err", err)
			}
		})
	}
	<-ctx.Done()
	wg.Wait()
	return nil
}

// Ready reports the registration and the trunk's pings.
func (f *sipUAFeature) Ready(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case f.cfg.Registrar != "" && !f.registered:
		if f.regErr != nil {
			return fmt.Errorf("not registered to %s: %w", f.cfg.Registrar, f.regErr)
		}
		return fmt.Errorf("not registered to %s", f.cfg.Registrar)
	case f.trunkDown:
		return errors.New("the trunk does not answer OPTIONS")
	}
	return nil
}

// Shutdown stops the user agent (it hangs up what calls are left) and
// waits for it.
func (f *sipUAFeature) Shutdown(ctx context.Context) error {
	if f.stop == nil {
		return nil
	}
	f.stop()
	select {
	case err := <-f.done:
		if err != nil && !errors.Is(err, context.Canceled) {
			return fmt.Errorf("sip_ua: %w", err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("sip_ua: stop: %w", ctx.Err())
	}
}

// trunkTarget is the URI OPTIONS pings go to: the trunk template without
// its user part ("sip:{number}@trunk.example.com;transport=tcp" →
// "sip:trunk.example.com;transport=tcp").
func trunkTarget(tpl string) string {
	scheme, rest, ok := strings.Cut(tpl, ":")
	if !ok {
		return tpl
	}
	if _, host, ok := strings.Cut(rest, "@"); ok {
		rest = host
	}
	return scheme + ":" + strings.ReplaceAll(rest, "{number}", "")
}

// defaultAOR is sip:user@host of the registrar URI (RFC 3261 section
// 10.2: the To of a REGISTER is the address of record).
func defaultAOR(user, registrar string) string {
	_, rest, _ := strings.Cut(registrar, ":")
	if _, h, ok := strings.Cut(rest, "@"); ok {
		rest = h
	}
	host := rest
	if i := strings.IndexAny(host, ";?"); i >= 0 {
		host = host[:i]
	}
	if strings.HasPrefix(host, "[") { // [v6]:port
		if i := strings.Index(host, "]"); i >= 0 {
			host = host[:i+1]
		}
	} else if i := strings.LastIndex(host, ":"); i >= 0 {
		host = host[:i]
	}
	return "sip:" + user + "@" + host
}
