package callhistory

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/pbxagent/pbxagent/phonebook"
)

// List returns the records matching f, newest first (by the call's
// start), one page at a time.
func (h *History) List(ctx context.Context, f Filter) (Page, error) {
	if f.Limit <= 0 {
		f.Limit = DefaultLimit
	}
	f.Limit = min(f.Limit, MaxLimit)
	if f.Cursor != "" && !validPosition(f.Cursor) {
		return Page{}, fmt.Errorf("call history: bad cursor %q", f.Cursor)
	}
	prefix := pfxTime
	if f.UserID != "" {
		prefix = userPrefix(f.UserID)
	}
	from, to := prefix, prefix+keyEnd
	if !f.Since.IsZero() {
		from = prefix + timeKey(f.Since)
	}
	if !f.Until.IsZero() {
		to = prefix + timeKey(f.Until)
	}
	if f.Cursor != "" && prefix+f.Cursor < to {
		to = prefix + f.Cursor // exclusive: the cursor is the last record returned
	}
	page := Page{Calls: []Record{}}
	scanned := 0
	err := h.kv.Range(ctx, from, to, true, func(k string, v []byte) error {
		scanned++
		pos := k[len(prefix):]
		var r Record
		if err := json.Unmarshal(v, &r); err != nil {
			h.log.Warn("call history: unreadable record skipped", "key", k, "err", err)
		} else if f.match(&r) {
			if len(page.Calls) == f.Limit {
				page.NextCursor = position(&page.Calls[len(page.Calls)-1])
				return phonebook.ErrStopRange
			}
			page.Calls = append(page.Calls, r)
		}
		if scanned >= maxScan {
			page.NextCursor = pos
			return phonebook.ErrStopRange
		}
		return nil
	})
	if err != nil {
		return Page{}, fmt.Errorf("list call history: %w", err)
	}
	return page, nil
}
