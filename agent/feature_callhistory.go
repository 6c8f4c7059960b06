package agent

import (
	"context"
	"fmt"

	"github.com/pbxagent/pbxagent/agent/callhistory"
	"github.com/pbxagent/pbxagent/agent/calls"
	"github.com/pbxagent/pbxagent/internal/clock"
	"github.com/pbxagent/pbxagent/phonebook"
)

// historyNamespace is the store namespace of the call history.
const historyNamespace = "callhistory"

// newCallHistory builds the call history in the store (names from the
// phone book, as caller ID finds them) and returns pub wrapped so that
// every ended call is recorded before call_ended goes out.
func newCallHistory(b *build, pub calls.Publisher) (*callhistory.History, calls.Publisher, error) {
	log := b.logger("callhistory")
	kv := historyKV{RangeKV: b.store.MetaRange(historyNamespace), batch: b.store.MetaBatch(historyNamespace)}
	h, err := callhistory.New(kv, callhistory.Config{Retention: b.cfg.Calls.HistoryRetention},
		callhistory.WithDirectory(b.store), callhistory.WithLogger(log), callhistory.WithClock(clock.Real{}))
	if err != nil {
		return nil, nil, fmt.Errorf("call history: %w", err)
	}
	return h, callhistory.Tee{History: h, Next: pub, Log: log}, nil
}

// historyKV is one store namespace with range listing and batches.
type historyKV struct {
	phonebook.RangeKV
	batch phonebook.BatchKV
}

// WriteBatch implements callhistory.KV.
func (k historyKV) WriteBatch(ctx context.Context, puts map[string][]byte, deletes []string) error {
	return k.batch.WriteBatch(ctx, puts, deletes)
}
