package stats

import (
	"fmt"
	"time"
)

// DayLayout is how days are written: in keys, the API's day parameter
// and GroupStats.Day.
const DayLayout = "2006-01-02"

// day is the local day holding t.
func (s *Store) day(t time.Time) string { return t.In(s.loc).Format(DayLayout) }

// bounds are the local midnights starting and ending day (a day may last
// 23 or 25 hours across a daylight-saving change); zero times for a day
// that does not parse (a year past 9999).
func (s *Store) bounds(day string) (start, end time.Time) {
	d, err := time.ParseInLocation(DayLayout, day, s.loc)
	if err != nil {
		return time.Time{}, time.Time{}
	}
	return s.boundsOf(d)
}

// boundsOf are the local midnights around t.
func (s *Store) boundsOf(t time.Time) (start, end time.Time) {
	y, m, dd := t.In(s.loc).Date()
	return time.Date(y, m, dd, 0, 0, 0, 0, s.loc), time.Date(y, m, dd+1, 0, 0, 0, 0, s.loc)
}

// ParseDay reads a day (YYYY-MM-DD) in the store's time zone; "" is
// today.
func (s *Store) ParseDay(v string) (time.Time, error) {
	if v == "" {
		return s.clk.Now(), nil
	}
	d, err := time.ParseInLocation(DayLayout, v, s.loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("not a day (YYYY-MM-DD): %q", v)
	}
	return d, nil
}

// split calls fn for each day's part of [from, to).
func (s *Store) split(from, to time.Time, fn func(day string, d time.Duration)) {
	for from.Before(to) {
		day := s.day(from)
		_, end := s.boundsOf(from)
		if end.After(to) {
			end = to
		}
		fn(day, end.Sub(from))
		from = end
	}
}

// overlap is how much of [from, to) falls on day.
func (s *Store) overlap(from, to time.Time, day string) time.Duration {
	start, end := s.bounds(day)
	if from.Before(start) {
		from = start
	}
	if to.After(end) {
		to = end
	}
	if !from.Before(to) {
		return 0
	}
	return to.Sub(from)
}

// cutoff is the oldest day kept: today and the retention-1 days before.
func (s *Store) cutoff(now time.Time) string {
	start, _ := s.boundsOf(now)
	y, m, d := start.Date()
	return time.Date(y, m, d-(s.retention-1), 0, 0, 0, 0, s.loc).Format(DayLayout)
}
