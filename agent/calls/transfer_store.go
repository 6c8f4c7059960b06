package calls

import (
	"context"
	"encoding/json"
)

// TransferStore keeps the transfers in progress (and the transferred
// calls still followed) across restarts; phonebook's Meta namespaces
// satisfy it (the daemon gives b.store.Meta("transfers")).
type TransferStore interface {
	// Put stores the value.
	Put(ctx context.Context, key string, val []byte) error
	// Delete removes the key; absent keys are not an error.
	Delete(ctx context.Context, key string) error
	// List calls fn for every key in key order.
	List(ctx context.Context, fn func(key string, val []byte) error) error
}

// WithTransferStore keeps transfers in st, so that a later run completes
// or cleans up the transfers an earlier one left (see reconcileTransfers).
func WithTransferStore(st TransferStore) Option { return func(e *Engine) { e.tx.store = st } }

// xferRecord is a transfer as stored.
type xferRecord struct {
	Transfer   Transfer `json:"transfer"`
	UserLeg    string   `json:"user_leg,omitempty"`
	Transferee string   `json:"transferee"`
	Recipient  string   `json:"recipient"`
	CallBridge string   `json:"call_bridge"`
	Consult    string   `json:"consult,omitempty"`
	Refer      string   `json:"refer,omitempty"`
	UserGone   bool     `json:"user_gone,omitempty"`
	Detached   bool     `json:"detached,omitempty"`
	Paired     bool     `json:"paired,omitempty"`
}

// recordLocked is x as stored. Called with mu.
func recordLocked(x *xfer) xferRecord {
	return xferRecord{Transfer: x.t, UserLeg: x.userLeg, Transferee: x.transferee, Recipient: x.recipient,
		CallBridge: x.callBridge, Consult: x.consult, Refer: x.refer, UserGone: x.userGone, Detached: x.detached, Paired: x.paired}
}

// save writes x's current state (or deletes it once nothing of it is
// left to follow). Failures are logged: the transfer goes on, only a
// restart would not find it.
func (e *Engine) save(ctx context.Context, x *xfer) {
	e.mu.Lock()
	st := e.tx.store
	rec := recordLocked(x)
	gone := x.t.State.final() && !x.paired
	e.mu.Unlock()
	if st == nil {
		return
	}
	ctx = context.WithoutCancel(ctx)
	if gone {
		if err := st.Delete(ctx, rec.Transfer.ID); err != nil {
			e.log.Warn("calls: forget a transfer", "transfer", rec.Transfer.ID, "err", err)
		}
		return
	}
	b, err := json.Marshal(rec)
	if err == nil {
		err = st.Put(ctx, rec.Transfer.ID, b)
	}
	if err != nil {
		e.log.Warn("calls: store a transfer", "transfer", rec.Transfer.ID, "err", err)
	}
}

// drop deletes a transfer's record.
func (e *Engine) drop(ctx context.Context, id string) {
	e.mu.Lock()
	st := e.tx.store
	e.mu.Unlock()
	if st == nil {
		return
	}
	if err := st.Delete(context.WithoutCancel(ctx), id); err != nil {
		e.log.Warn("calls: forget a transfer", "transfer", id, "err", err)
	}
}
