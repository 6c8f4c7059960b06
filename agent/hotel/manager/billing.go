package manager

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"

	"github.com/pbxagent/pbxagent/agent/hotel"
	"github.com/pbxagent/pbxagent/phonebook"
)

var (
	prefixRe   = regexp.MustCompile(`^[0-9]{1,20}$`)
	currencyRe = regexp.MustCompile(`^[A-Z]{3}$`)
)

// maxEarly caps the acknowledgements kept for postings not yet recorded.
const maxEarly = 1024

// Rates implements hotel.Service.
func (m *Manager) Rates(ctx context.Context) []hotel.RateTable {
	m.mu.Lock()
	defer m.mu.Unlock()
	return copyTables(m.rates)
}

func copyTables(ts []hotel.RateTable) []hotel.RateTable {
	out := make([]hotel.RateTable, len(ts))
	for i, t := range ts {
		t.Rates = slices.Clone(t.Rates)
		if t.Rates == nil {
			t.Rates = []hotel.Rate{}
		}
		out[i] = t
	}
	return out
}

// ValidateRates checks rate tables whole: an error names the table and
// the rate by index (tables[0].rates[2].per_minute) and, in its message,
// by id and prefix.
func ValidateRates(tables []hotel.RateTable) error {
	const msg = "invalid rate tables"
	ids := map[string]bool{}
	for i, t := range tables {
		tf := fmt.Sprintf("tables[%d]", i)
		at := fmt.Sprintf("table %d (%s)", i, t.ID)
		if !groupID.MatchString(t.ID) {
			return fieldErr(msg, tf+".id", fmt.Sprintf("%s: id must be 1 to 32 of a-z, 0-9, _ and -", at))
		}
		if ids[t.ID] {
			return fieldErr(msg, tf+".id", fmt.Sprintf("%s: id is used by another table", at))
		}
		ids[t.ID] = true
		if err := text(t.Name, 64); err != nil {
			return fieldErr(msg, tf+".name", at+": "+err.Error())
		}
		if err := text(t.Trunk, 64); err != nil {
			return fieldErr(msg, tf+".trunk", at+": "+err.Error())
		}
		if err := validClass(t.Class, true); err != nil {
			return fieldErr(msg, tf+".class", at+": "+err.Error())
		}
		if !currencyRe.MatchString(t.Currency) {
			return fieldErr(msg, tf+".currency", fmt.Sprintf("%s: currency must be an ISO 4217 code of 3 capitals (is %q)", at, t.Currency))
		}
		type key struct {
			p string
			w int
		}
		seen := map[key]bool{}
		for j, r := range t.Rates {
			rf := fmt.Sprintf("%s.rates[%d]", tf, j)
			ar := fmt.Sprintf("%s, rate %d (prefix %s)", at, j, r.Prefix)
			if !prefixRe.MatchString(r.Prefix) {
				return fieldErr(msg, rf+".prefix", ar+": prefix must be 1 to 20 digits")
			}
			if seen[key{r.Prefix, r.Weight}] {
				return fieldErr(msg, rf+".prefix", ar+": the table has this prefix with this weight already")
			}
			seen[key{r.Prefix, r.Weight}] = true
			if err := text(r.Name, 64); err != nil {
				return fieldErr(msg, rf+".name", ar+": "+err.Error())
			}
			checks := []struct {
				field string
				bad   bool
				what  string
			}{
				{"weight", r.Weight < 0 || r.Weight > 100, "weight must be 0 to 100"},
				{"per_minute", r.PerMinute < 0, "per_minute must not be negative"},
				{"increment", r.Increment < 0 || r.Increment > 3600, "increment must be 0 (60) to 3600 seconds"},
				{"minimum", r.Minimum < 0 || r.Minimum > 86400, "minimum must be 0 to 86400 seconds"},
				{"no_charge", r.NoCharge < 0 || r.NoCharge > 86400, "no_charge must be 0 to 86400 seconds"},
				{"surcharge", r.Surcharge < 0, "surcharge must not be negative"},
			}
			for _, c := range checks {
				if c.bad {
					return fieldErr(msg, rf+"."+c.field, ar+": "+c.what)
				}
			}
		}
	}
	return nil
}

// PutRates implements hotel.Service.
func (m *Manager) PutRates(ctx context.Context, tables []hotel.RateTable) error {
	if err := ValidateRates(tables); err != nil {
		return err
	}
	ts := copyTables(tables)
	return m.locked(ctx, func(f *fx) error {
		f.rates, f.rated = ts, true
		return nil
	})
}

// Bill implements hotel.Service.
func (m *Manager) Bill(ctx context.Context, room string) (hotel.Bill, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.rooms[room]
	if !ok || r.BillID == "" {
		return hotel.Bill{}, false
	}
	b, ok := m.open[r.BillID]
	if !ok {
		return hotel.Bill{}, false
	}
	return copyBill(*b), true
}

func copyBill(b hotel.Bill) hotel.Bill {
	b.Lines = slices.Clone(b.Lines)
	if b.Lines == nil {
		b.Lines = []hotel.Charge{}
	}
	return b
}

// Bills implements hotel.Service.
func (m *Manager) Bills(ctx context.Context, room string, limit int) []hotel.Bill {
	m.mu.Lock()
	var ids []string
	for _, c := range m.closedBills {
		if limit > 0 && len(ids) >= limit {
			break
		}
		if room == "" || c.Room == room {
			ids = append(ids, c.ID)
		}
	}
	m.mu.Unlock()
	out := make([]hotel.Bill, 0, len(ids))
	for _, id := range ids {
		b, err := m.readBill(ctx, id)
		if err != nil {
			m.log.Warn("hotel: read a closed bill", "bill", id, "err", err)
			continue
		}
		out = append(out, b)
	}
	return out
}

// readBill reads a bill from the store.
func (m *Manager) readBill(ctx context.Context, id string) (hotel.Bill, error) {
	v, err := m.kv.Get(ctx, keyBill+id)
	if err != nil {
		if errors.Is(err, phonebook.ErrNotFound) {
			return hotel.Bill{}, hotel.ErrNotFound
		}
		return hotel.Bill{}, fmt.Errorf("hotel: read bill %s: %w", id, err)
	}
	var b hotel.Bill
	if err := json.Unmarshal(v, &b); err != nil {
		return hotel.Bill{}, fmt.Errorf("hotel: read bill %s: %w", id, err)
	}
	return copyBill(b), nil
}

// BillByID implements hotel.Service.
func (m *Manager) BillByID(ctx context.Context, id string) (hotel.Bill, bool) {
	m.mu.Lock()
	if b, ok := m.open[id]; ok {
		out := copyBill(*b)
		m.mu.Unlock()
		return out, true
	}
	known := m.closedIDs[id]
	m.mu.Unlock()
	if !known {
		return hotel.Bill{}, false
	}
	b, err := m.readBill(ctx, id)
	if err != nil {
		m.log.Warn("hotel: read a closed bill", "bill", id, "err", err)
		return hotel.Bill{}, false
	}
	return b, true
}

// ChargePosted implements hotel.Service: the line of posting seq is
// marked posted. An acknowledgement that comes before the posting's
// number is recorded is kept for it.
func (m *Manager) ChargePosted(ctx context.Context, seq int) error {
	m.mu.Lock()
	id, ok := m.postings[seq]
	if !ok {
		if len(m.early) < maxEarly {
			m.early[seq] = true
		}
		m.mu.Unlock()
		return nil
	}
	m.mu.Unlock()
	return m.markPosting(ctx, id, "", seq, true)
}

// markPosting records posting seq on bill id's line of call callID ("":
// the line holding seq), posted or not.
func (m *Manager) markPosting(ctx context.Context, id, callID string, seq int, posted bool) error {
	return m.locked(ctx, func(f *fx) error {
		// A closed bill is read from the store under the mutex: two
		// acknowledgements of one bill must not both start from the same
		// version.
		b, ok := m.billFx(f, id)
		if !ok {
			var err error
			if b, err = m.readBill(ctx, id); err != nil {
				return err
			}
		}
		b.Lines = slices.Clone(b.Lines)
		i := slices.IndexFunc(b.Lines, func(c hotel.Charge) bool {
			return (callID != "" && c.CallID == callID) || (callID == "" && c.Posting == seq)
		})
		if i < 0 {
			return hotel.ErrNotFound
		}
		early := m.early[seq]
		b.Lines[i].Posting, b.Lines[i].Posted = seq, posted || early
		f.stageBill(b)
		f.commits = append(f.commits, func() {
			delete(m.early, seq)
			if posted || early {
				delete(m.postings, seq)
			} else {
				m.postings[seq] = id
			}
		})
		return nil
	})
}

// CallEnded implements hotel.Sink: an answered external call of an
// occupied room is costed with the rate tables, added to the room's bill
// (once per call id), published, and posted to the PMS when it costs
// something.
func (m *Manager) CallEnded(ctx context.Context, c hotel.CallRecord) {
	if c.Room == "" || c.Answered == nil {
		return
	}
	if c.Class == "" {
		c.Class = m.Classify(c.Number)
	}
	if c.Class == hotel.ClassInternal {
		return
	}
	if c.Seconds == 0 && c.Duration > 0 {
		c.Seconds = int((c.Duration + 999_999_999) / 1_000_000_000)
	}
	var ch hotel.Charge
	var billID string
	err := m.locked(ctx, func(f *fx) error {
		r, ok := m.roomFx(f, c.Room)
		if !ok || r.Occupancy != hotel.Occupied {
			return nil
		}
		b, ok := m.billFx(f, r.BillID)
		if !ok || slices.ContainsFunc(b.Lines, func(x hotel.Charge) bool { return x.CallID == c.CallID }) {
			return nil
		}
		if m.rater != nil {
			ch = m.rater.Rate(m.rates, c)
		} else {
			ch = hotel.Charge{CallRecord: c}
		}
		ch.CallRecord = c
		b.Lines = append(slices.Clone(b.Lines), ch)
		b.Total += ch.Cost
		if b.Currency == "" {
			b.Currency = ch.Currency
		}
		f.stageBill(b)
		billID = b.ID
		m.publish(f, hotel.EventCharge, ch)
		return nil
	})
	if err != nil {
		m.log.Warn("hotel: add a call to a bill", "room", c.Room, "call", c.CallID, "err", err)
		return
	}
	if billID == "" || m.pms == nil || ch.Cost <= 0 {
		return
	}
	seq, err := m.pms.Post(ctx, ch)
	if err != nil {
		m.log.Warn("hotel: post a call charge to the PMS", "room", c.Room, "call", c.CallID, "err", err)
		return
	}
	if err := m.markPosting(ctx, billID, ch.CallID, seq, false); err != nil {
		m.log.Warn("hotel: record a posting", "bill", billID, "posting", seq, "err", err)
	}
}
