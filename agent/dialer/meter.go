package dialer

import (
	"cmp"
	"slices"
	"time"
)

// meter counts live answers and abandoned calls in time buckets so the
// abandonment rate over a rolling window (24 h or 30 days) is O(1).
type meter struct {
	bucket  time.Duration
	buckets []meterBucket
	answers int
	aband   int
	// since start, for reports
	totalAnswers, totalAband int
	// dirty: changed since the last snapshot was saved
	dirty bool
}

type meterBucket struct {
	idx            int64
	answers, aband int
}

func newMeter(window time.Duration) *meter {
	n := 1440
	b := window / time.Duration(n)
	if b < time.Second {
		b = time.Second
	}
	return &meter{bucket: b, buckets: make([]meterBucket, n)}
}

func (m *meter) slot(t time.Time) *meterBucket {
	idx := t.UnixNano() / int64(m.bucket)
	s := &m.buckets[int(idx%int64(len(m.buckets)))]
	if s.idx != idx {
		m.answers -= s.answers
		m.aband -= s.aband
		*s = meterBucket{idx: idx}
	}
	return s
}

// expire drops buckets that left the window.
func (m *meter) expire(now time.Time) {
	cur := now.UnixNano() / int64(m.bucket)
	for i := range m.buckets {
		s := &m.buckets[i]
		if s.idx <= cur-int64(len(m.buckets)) && (s.answers != 0 || s.aband != 0) {
			m.answers -= s.answers
			m.aband -= s.aband
			*s = meterBucket{}
		}
	}
}

func (m *meter) answer(t time.Time) {
	m.slot(t).answers++
	m.answers++
	m.totalAnswers++
	m.dirty = true
}

func (m *meter) abandon(t time.Time) {
	m.slot(t).aband++
	m.aband++
	m.totalAband++
	m.dirty = true
}

// snapshot returns the non-empty buckets still in the window at now.
func (m *meter) snapshot(now time.Time) MeterSnapshot {
	cur := now.UnixNano() / int64(m.bucket)
	s := MeterSnapshot{Bucket: Duration(m.bucket)}
	for _, b := range m.buckets {
		if (b.answers != 0 || b.aband != 0) && b.idx > cur-int64(len(m.buckets)) && b.idx <= cur {
			s.Buckets = append(s.Buckets, MeterBucket{Index: b.idx, Answers: b.answers, Abandoned: b.aband})
		}
	}
	slices.SortFunc(s.Buckets, func(a, b MeterBucket) int { return cmp.Compare(a.Index, b.Index) })
	return s
}

// restore loads a snapshot's buckets that are still in the window at now.
// A snapshot of another bucket width (the window changed) is ignored.
func (m *meter) restore(s MeterSnapshot, now time.Time) bool {
	if time.Duration(s.Bucket) != m.bucket {
		return false
	}
	cur := now.UnixNano() / int64(m.bucket)
	for _, b := range s.Buckets {
		if b.Index <= cur-int64(len(m.buckets)) || b.Index > cur || b.Answers < 0 || b.Abandoned < 0 {
			continue
		}
		sl := m.slot(time.Unix(0, b.Index*int64(m.bucket)))
		sl.answers += b.Answers
		sl.aband += b.Abandoned
		m.answers += b.Answers
		m.aband += b.Abandoned
		m.totalAnswers += b.Answers
		m.totalAband += b.Abandoned
	}
	return true
}

// rate returns abandoned / answered over the window (0 with no answers).
func (m *meter) rate() float64 {
	if m.answers == 0 {
		return 0
	}
	return float64(m.aband) / float64(m.answers)
}

// recent returns answers and abandons in the buckets covering the last d.
func (m *meter) recent(now time.Time, d time.Duration) (answers, aband int) {
	cur := now.UnixNano() / int64(m.bucket)
	n := int64(d / m.bucket)
	if n < 1 {
		n = 1
	}
	if n > int64(len(m.buckets)) {
		n = int64(len(m.buckets))
	}
	for i := cur - n + 1; i <= cur; i++ {
		s := &m.buckets[int(((i%int64(len(m.buckets)))+int64(len(m.buckets)))%int64(len(m.buckets)))]
		if s.idx == i {
			answers += s.answers
			aband += s.aband
		}
	}
	return answers, aband
}
