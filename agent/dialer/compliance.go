package dialer

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // calling windows need zone data even on hosts without it

	"github.com/nyaruka/phonenumbers"
)

// CanonicalNumber returns the E.164 form of a number ("+441234567890"),
// reading numbers without a leading "+" in region (ISO country code, e.g.
// "GB"; callers pick it with Dialer.Region). It fails on anything that is
// not a possible number, and on a national number when region is empty:
// guessing a country would list or dial the wrong person.
func CanonicalNumber(number, region string) (string, error) {
	s := strings.TrimSpace(number)
	if s == "" {
		return "", fmt.Errorf("number: empty")
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789+-() ./", r) {
			return "", fmt.Errorf("number %q: character %q not allowed", number, r)
		}
	}
	if region == "" && !strings.HasPrefix(s, "+") {
		return "", fmt.Errorf("number %q has no country code and no region is set: write it with \"+\", or set the campaign's default_region, the request's region or numbers.default_region", number)
	}
	pn, err := phonenumbers.Parse(s, strings.ToUpper(region))
	if err != nil {
		return "", fmt.Errorf("number %q: %w", number, err)
	}
	if !phonenumbers.IsPossibleNumber(pn) {
		return "", fmt.Errorf("number %q: not a possible number", number)
	}
	e164 := phonenumbers.Format(pn, phonenumbers.E164)
	if again, err := phonenumbers.Parse(e164, ""); err != nil || phonenumbers.Format(again, phonenumbers.E164) != e164 {
		return "", fmt.Errorf("number %q: no stable international form", number)
	}
	return e164, nil
}

// zoneSet is the set of time zones a lead may be in; a calling window must
// hold in all of them.
type zoneSet struct {
	key  string
	locs []*time.Location
}

// zoneCache resolves zones once per distinct key and remembers the next
// window opening per zone set.
type zoneCache struct {
	mu       sync.Mutex
	sets     map[string]*zoneSet
	opens    map[string]time.Time // zone+window key -> next opening
	openedAt map[string]time.Time // when that opening was computed (window closed then)
}

func newZoneCache() *zoneCache {
	return &zoneCache{sets: map[string]*zoneSet{}, opens: map[string]time.Time{}, openedAt: map[string]time.Time{}}
}

// zonesFor returns the zones of a lead: its TZ if given, else the zones of
// its number's region, else def.
func (zc *zoneCache) zonesFor(tz, number, def string) (*zoneSet, error) {
	var names []string
	if tz != "" {
		names = []string{tz}
	} else if pn, err := phonenumbers.Parse(number, ""); err == nil {
		if zs, err := phonenumbers.GetTimezonesForNumber(pn); err == nil {
			for _, z := range zs {
				if z != "" && z != "Etc/Unknown" {
					names = append(names, z)
				}
			}
		}
	}
	if len(names) == 0 {
		names = []string{def}
	}
	key := strings.Join(names, ",")
	zc.mu.Lock()
	defer zc.mu.Unlock()
	if s, ok := zc.sets[key]; ok {
		return s, nil
	}
	s := &zoneSet{key: key}
	for _, n := range names {
		loc, err := time.LoadLocation(n)
		if err != nil {
			return nil, fmt.Errorf("timezone %q: %w", n, err)
		}
		s.locs = append(s.locs, loc)
	}
	zc.sets[key] = s
	return s, nil
}

// window is a parsed CallingWindow.
type window struct{ start, end time.Duration }

func parseWindow(w CallingWindow) (window, error) {
	s, err := parseHHMM(w.Start)
	if err != nil {
		return window{}, fmt.Errorf("window start: %w", err)
	}
	e, err := parseHHMM(w.End)
	if err != nil {
		return window{}, fmt.Errorf("window end: %w", err)
	}
	return window{start: s, end: e}, nil
}

// open reports whether t falls inside the window in every zone of zs.
func (w window) open(t time.Time, zs *zoneSet) bool {
	for _, loc := range zs.locs {
		lt := t.In(loc)
		tod := time.Duration(lt.Hour())*time.Hour + time.Duration(lt.Minute())*time.Minute + time.Duration(lt.Second())*time.Second
		if w.start <= w.end {
			if tod < w.start || tod >= w.end {
				return false
			}
		} else if tod < w.start && tod >= w.end { // window across midnight
			return false
		}
	}
	return true
}

// nextOpen returns the first minute boundary after t when the window is
// open in every zone, searching up to 8 days; ok is false when it never opens.
func (w window) nextOpen(t time.Time, zs *zoneSet) (time.Time, bool) {
	c := t.Truncate(time.Minute).Add(time.Minute)
	for i := 0; i < 8*24*60; i++ {
		if w.open(c, zs) {
			return c, true
		}
		c = c.Add(time.Minute)
	}
	return time.Time{}, false
}

// Region returns the region national numbers are read in: explicit (the
// campaign's default_region, or a request's ?region=) when set, else the
// dialer's default (WithDefaultRegion, numbers.default_region). Leads and
// the do-not-call list use this one rule, so that a number listed as
// do-not-call matches the lead it was meant to block.
func (d *Dialer) Region(explicit string) string {
	if explicit != "" {
		return explicit
	}
	return d.region
}

// DNCList is a do-not-call list of canonical numbers. It is safe for
// concurrent use.
type DNCList struct {
	mu  sync.RWMutex
	set map[string]time.Time
}

// NewDNCList returns an empty list.
func NewDNCList() *DNCList { return &DNCList{set: map[string]time.Time{}} }

// Add records a canonical number as do-not-call from at.
func (l *DNCList) Add(number string, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.set[number]; !ok {
		l.set[number] = at
	}
}

// Contains reports whether the number is on the list.
func (l *DNCList) Contains(number string) bool {
	l.mu.RLock()
	defer l.mu.RUnlock()
	_, ok := l.set[number]
	return ok
}

// Len returns how many numbers are listed.
func (l *DNCList) Len() int {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return len(l.set)
}

// ParseDNC reads one number per line (the first comma-separated field;
// blank lines and lines starting with '#' are skipped; a first line that is
// not a number, such as "number", is taken as a header). It returns every
// number canonical, or an error naming the first bad line and nothing else.
func ParseDNC(r io.Reader, region string) ([]string, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	var out []string
	line := 0
	for sc.Scan() {
		line++
		f := strings.TrimSpace(sc.Text())
		if line == 1 {
			f = strings.TrimPrefix(f, "\ufeff")
		}
		if f == "" || strings.HasPrefix(f, "#") {
			continue
		}
		if i := strings.IndexByte(f, ','); i >= 0 {
			f = strings.TrimSpace(f[:i])
		}
		f = strings.Trim(f, `"`)
		n, err := CanonicalNumber(f, region)
		if err != nil {
			if line == 1 && !strings.ContainsAny(f, "0123456789") {
				continue // header
			}
			return nil, fmt.Errorf("dnc line %d: %w", line, err)
		}
		out = append(out, n)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("dnc line %d: %w", line+1, err)
	}
	return out, nil
}

// nextOpen returns the next opening of w for zs after now, cached per zone
// set: every instant between a closed instant and the next opening shares
// that opening.
func (zc *zoneCache) nextOpen(w window, now time.Time, zs *zoneSet) (time.Time, bool) {
	zc.mu.Lock()
	key := zs.key + "|" + strconv.FormatInt(int64(w.start), 10) + "-" + strconv.FormatInt(int64(w.end), 10)
	if t, ok := zc.opens[key]; ok && now.Before(t) && !zc.openedAt[key].After(now) {
		zc.mu.Unlock()
		return t, true
	}
	zc.mu.Unlock()
	t, ok := w.nextOpen(now, zs)
	if ok {
		zc.mu.Lock()
		zc.opens[key] = t
		zc.openedAt[key] = now
		zc.mu.Unlock()
	}
	return t, ok
}
