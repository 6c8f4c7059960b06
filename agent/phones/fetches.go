package phones

import (
	"net/netip"
	"sync"
	"time"
)

// Fetch is one request a phone made for its files, as the admin API shows
// it: when, from which address, and which file.
type Fetch struct {
	// At is when the request was answered (UTC).
	At time.Time `json:"at" doc:"When the request was answered (UTC)" example:"2026-12-07T08:15:02Z"`
	// Address is the address the request came from.
	Address string `json:"address" doc:"The address the request came from" example:"192.0.2.41"`
	// File is the file asked for, under /provisioning/ or /phonebook/
	// (e.g. "805ec0a1b2c3.cfg", "yealink.xml"); never a token.
	File string `json:"file" doc:"The file asked for, under /provisioning/ or /phonebook/ (never a token)" example:"yealink.xml"`
}

// Kinds of fetch a phone makes.
const (
	fetchProvisioning = "provisioning"
	fetchPhonebook    = "phonebook"
)

// lastFetch is the last provisioning and phonebook fetch of one phone.
type lastFetch struct {
	prov, book fetchAt
}

// fetchAt holds a fetch without formatting: the address as parsed, the
// file as the handler named it.
type fetchAt struct {
	at   time.Time
	addr netip.Addr
	file string
}

func (f fetchAt) view() *Fetch {
	if f.at.IsZero() {
		return nil
	}
	out := &Fetch{At: f.at.UTC(), File: f.file}
	if f.addr.IsValid() {
		out.Address = f.addr.String()
	}
	return out
}

// fetchLog remembers, in memory only, each phone's last provisioning and
// last phonebook fetch (since the daemon started). Noting a fetch
// allocates nothing once the phone has an entry: it is on the fast lane's
// path.
type fetchLog struct {
	mu sync.Mutex
	m  map[string]*lastFetch
}

// note records a fetch of kind (fetchProvisioning or fetchPhonebook) by
// the phone mac.
func (l *fetchLog) note(mac, kind, file string, addr netip.Addr, at time.Time) {
	if mac == "" {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil {
		l.m = map[string]*lastFetch{}
	}
	e := l.m[mac]
	if e == nil {
		e = &lastFetch{}
		l.m[mac] = e
	}
	f := fetchAt{at: at, addr: addr, file: file}
	if kind == fetchProvisioning {
		e.prov = f
	} else {
		e.book = f
	}
}

// get returns the last fetches of mac (nil when none).
func (l *fetchLog) get(mac string) (prov, book *Fetch) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.m[mac]
	if e == nil {
		return nil, nil
	}
	return e.prov.view(), e.book.view()
}

// forget drops what is known of mac (the phone was removed).
func (l *fetchLog) forget(mac string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.m, mac)
}

// addr returns the address of mac's latest fetch, provisioning or
// phonebook (invalid when none).
func (l *fetchLog) addr(mac string) netip.Addr {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.m[mac]
	if e == nil {
		return netip.Addr{}
	}
	if e.book.at.After(e.prov.at) {
		return e.book.addr
	}
	return e.prov.addr
}
