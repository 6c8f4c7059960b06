package phonebook_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/number"
)

// openRegion opens the store in dir with the production numbering for
// region, logging into logs.
func openRegion(t *testing.T, dir, region string, logs *bytes.Buffer) *phonebook.Store {
	t.Helper()
	n, err := number.New(number.Config{DefaultRegion: region})
	if err != nil {
		t.Fatal(err)
	}
	s, err := phonebook.Open(context.Background(), phonebook.Options{Dir: dir, Numbering: number.Numbering{Normalizer: n},
		Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// waitRenumbered waits, with a deadline, for the store's background
// re-index to end, and fails on its error.
func waitRenumbered(t *testing.T, s *phonebook.Store) {
	t.Helper()
	select {
	case <-s.Renumbered():
	case <-time.After(30 * time.Second):
		t.Fatal("the re-index of numbers did not end within 30s")
	}
	if err := s.RenumberErr(); err != nil {
		t.Fatal(err)
	}
}

// TestRenumberAfterRegionChange: numbers stored under region BA are
// re-indexed by themselves, in the background, when the store is opened
// with region DE: contacts made through the API and synced ones alike;
// and a store opened again with the same rules does nothing.
func TestRenumberAfterRegionChange(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	var logs bytes.Buffer
	s := openRegion(t, dir, "BA", &logs)
	waitRenumbered(t, s)
	local, err := s.Create(ctx, &phonebook.Contact{FirstName: "Amra", Numbers: []phonebook.Number{{Type: phonebook.NumberMobile, Value: "061 111 111"}}})
	if err != nil {
		t.Fatal(err)
	}
	var synced string
	if _, err := s.Bulk(ctx, func(b *phonebook.Batch) error {
		id, _, err := b.UpsertFromSource(&phonebook.Contact{Source: "crm", ExternalID: "7", FirstName: "Berlin Office",
			Numbers: []phonebook.Number{{Type: phonebook.NumberWork, Value: "030 123 456"}}})
		synced = id
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if r, _ := s.Lookup(ctx, "+38761111111"); r.ContactID != local.ID {
		t.Fatalf("region BA: +38761111111 → %+v", r)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	logs.Reset()
	s = openRegion(t, dir, "DE", &logs)
	defer s.Close()
	waitRenumbered(t, s)
	for _, tc := range []struct {
		number string
		want   string
	}{
		{number: "+4961111111", want: local.ID},
		{number: "+4930123456", want: synced},
		{number: "+38761111111", want: ""},
	} {
		if r, err := s.Lookup(ctx, tc.number); err != nil || r.ContactID != tc.want {
			t.Errorf("region DE: %s → %+v, %v; want contact %q", tc.number, r, err, tc.want)
		}
	}
	for id, want := range map[string]string{local.ID: "+4961111111", synced: "+4930123456"} {
		if c, err := s.Get(ctx, id); err != nil || c.Numbers[0].Normalized != want {
			t.Errorf("contact %s: normalized %+v, %v; want %s", id, c, err, want)
		}
	}
	for _, want := range []string{"re-indexing the stored numbers", "region=BA", "region=DE", "re-indexing numbers done", "changed=2"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	logs.Reset()
	s = openRegion(t, dir, "DE", &logs)
	waitRenumbered(t, s)
	if strings.Contains(logs.String(), "re-index") {
		t.Errorf("same rules, re-indexed again:\n%s", logs.String())
	}
}

// TestRenumberStoppedStartsAgain: a store closed while it re-indexes
// (as a crash would) keeps the old index and the old fingerprint; the next
// start re-indexes again and finishes.
func TestRenumberStoppedStartsAgain(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	var logs bytes.Buffer
	s := openRegion(t, dir, "BA", &logs)
	if _, err := s.Bulk(ctx, func(b *phonebook.Batch) error {
		for i := range 3000 {
			if _, err := b.Put(&phonebook.Contact{FirstName: "N" + strings.Repeat("x", i%7),
				Numbers: []phonebook.Number{{Type: phonebook.NumberMobile, Value: "061 " + pad6(i)}}}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openRegion(t, dir, "DE", &logs)
	if err := s.Close(); err != nil { // at once: the re-index is stopped (or has just finished)
		t.Fatal(err)
	}
	logs.Reset()
	s = openRegion(t, dir, "DE", &logs)
	defer s.Close()
	waitRenumbered(t, s)
	if r, err := s.Lookup(ctx, "+4961000123"); err != nil || r.Match == phonebook.MatchNone || r.ContactID == "" {
		t.Fatalf("after a stopped re-index and a restart: %+v, %v", r, err)
	}
	if r, _ := s.Lookup(ctx, "+38761000123"); r.ContactID != "" {
		t.Fatalf("old region's number still indexed: %+v", r)
	}
}

func pad6(i int) string { return fmt.Sprintf("%06d", i) }
