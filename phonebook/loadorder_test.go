package phonebook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	badger "github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/pb"
	"github.com/dgraph-io/ristretto/v2/z"
)

// outOfOrderStream makes deterministic what happens under load: Badger's
// stream writer builds several tables at once and adds each to its level
// when it is built, so a table of later keys can be added before a table
// of earlier keys. The wrapper holds back the first buffer it is given
// (the load's lowest keys) and, before the stream is finished, writes it
// as a stream of its own (ended at once, so its table is built) only once
// a table of the later keys is in the level, then waits until the held
// keys' table is in too.
type outOfOrderStream struct {
	t        *testing.T
	db       *badger.DB
	inner    tableStream
	held     []*pb.KV
	released bool // the held keys' table was added after a later one
}

func (o *outOfOrderStream) Write(buf *z.Buffer) error {
	if o.held != nil {
		return o.inner.Write(buf)
	}
	list, err := badger.BufferToKVList(buf)
	if err != nil {
		return err
	}
	for _, kv := range list.Kv {
		o.held = append(o.held, &pb.KV{Key: bytes.Clone(kv.Key), Value: bytes.Clone(kv.Value),
			Version: kv.Version, StreamId: 2})
	}
	return nil
}

func (o *outOfOrderStream) Flush() error {
	err := o.release()
	if ferr := o.inner.Flush(); err == nil {
		err = ferr
	}
	return err
}

// release writes the held keys after a table of later keys is in Badger's
// level, and waits for their own table.
func (o *outOfOrderStream) release() error {
	if len(o.held) == 0 {
		return errors.New("the load wrote nothing to its stream")
	}
	ts, first := o.held[0].Version, o.held[0].Key
	if err := o.waitTable("a table of the later keys", func(ti badger.TableInfo) bool {
		return ti.MaxVersion == ts && bytes.Compare(tableKey(ti.Left), first) > 0
	}); err != nil {
		return err
	}
	buf := z.NewBuffer(8<<20, "phonebook.test")
	defer func() { _ = buf.Release() }()
	for _, kv := range o.held {
		badger.KVToBuffer(kv, buf)
	}
	// Ending the stream makes Badger build its last table now.
	badger.KVToBuffer(&pb.KV{StreamId: 2, StreamDone: true}, buf)
	if err := o.inner.Write(buf); err != nil {
		return fmt.Errorf("write the held keys: %w", err)
	}
	if err := o.waitTable("the held keys' table", func(ti badger.TableInfo) bool {
		return ti.MaxVersion == ts && bytes.Equal(tableKey(ti.Left), first)
	}); err != nil {
		return err
	}
	o.released = true
	return nil
}

// waitTable waits, up to a deadline, until Badger lists a table for which
// ok is true.
func (o *outOfOrderStream) waitTable(what string, ok func(badger.TableInfo) bool) error {
	deadline := time.Now().Add(20 * time.Second)
	for {
		for _, ti := range o.db.Tables() {
			if ok(ti) {
				return nil
			}
		}
		if time.Now().After(deadline) {
			for _, ti := range o.db.Tables() {
				o.t.Logf("table %d level %d max %d left %q", ti.ID, ti.Level, ti.MaxVersion, tableKey(ti.Left))
			}
			return fmt.Errorf("%s was not added within the deadline", what)
		}
		time.Sleep(time.Millisecond) // polling Badger: it reports no event
	}
}

// tableKey strips the version Badger appends to a table's bounds.
func tableKey(k []byte) []byte { return k[:len(k)-8] }

// TestLoadTablesOutOfOrder: whether a streamed load succeeds or fails
// (two rows with one external id, found while its tables are written),
// tables that Badger added to their level out of key order leave the
// store consistent, with a published contact that shares numbers with the
// load intact (its number-index entries were deleted by the rollback when
// a failed load's tables were abandoned instead of finished).
func TestLoadTablesOutOfOrder(t *testing.T) {
	for _, tt := range []struct {
		name     string
		dup      bool
		contacts int
	}{
		{name: "load fails", dup: true, contacts: 1},
		{name: "load succeeds", dup: false, contacts: 1 + 20000},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			s := openTest(t, t.TempDir())
			var wrap *outOfOrderStream
			s.streamHook = func(st tableStream) tableStream {
				wrap = &outOfOrderStream{t: t, db: s.db, inner: st}
				return wrap
			}
			before := crashContact("Before", 1)
			before.Source = SourceLocal
			if _, err := s.Create(ctx, before); err != nil {
				t.Fatal(err)
			}
			_, err := s.Load(ctx, SourceCSV, func(l *Loader) error {
				for i := range 20000 {
					c := crashContact("Bad", i)
					c.ExternalID = fmt.Sprintf("row%d", i)
					if tt.dup && i == 15000 {
						c.ExternalID = "row10"
					}
					if _, err := l.Add(c); err != nil {
						return err
					}
				}
				return nil
			})
			switch {
			case tt.dup && (err == nil || !strings.Contains(err.Error(), "row10")):
				t.Fatalf("load: %v, want the duplicate external id named", err)
			case !tt.dup && err != nil:
				t.Fatal(err)
			}
			if wrap == nil || !wrap.released {
				t.Fatal("the tables were not added out of order")
			}
			if r := mustVerify(t, s); r.Contacts != tt.contacts {
				t.Fatalf("%d contacts, want %d", r.Contacts, tt.contacts)
			}
			p, err := s.Search(ctx, Query{Q: "before000001"})
			if err != nil || p.Total != 1 {
				t.Fatalf("search for the published contact: %d found, %v", p.Total, err)
			}
			if p, _ := s.Search(ctx, Query{Q: "bad000001"}); tt.dup && p.Total != 0 {
				t.Fatal("a contact of the failed load is visible")
			}
		})
	}
}
