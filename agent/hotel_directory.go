package agent

import (
	"context"
	"fmt"
	"sync"

	"github.com/pbxagent/pbxagent/agent/hotel"
	"github.com/pbxagent/pbxagent/phonebook"
)

// hotelSource is the phone book source of the guests' entries. The
// manager owns it as a sync source owns its contacts: they are written
// and removed as a source's are (phonebook.Batch.UpsertFromSource,
// Delete), so a local edit or delete never leaves a tombstone that would
// stop the room's next guest from being listed.
const hotelSource = "hotel"

// hotelDirectory keeps a global contact per occupied room in the phone
// book (source hotel, external id room-<number>): the guest's name on
// the room's extensions, so that a caller-ID lookup of a room's
// extension inside the hotel names the guest. It implements
// manager.Directory.
type hotelDirectory struct {
	store *phonebook.Store
	// ids maps a room number to its contact's id (Meta("hotel_directory")).
	ids phonebook.KV
	mu  sync.Mutex // one change at a time: the id kept follows the contact
}

// roomExtID is a room's contact's external id.
func roomExtID(number string) string { return "room-" + number }

// SetRoomName implements manager.Directory.
func (d *hotelDirectory) SetRoomName(ctx context.Context, room hotel.Room, name string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	nums := make([]phonebook.Number, len(room.Extensions))
	for i, e := range room.Extensions {
		nums[i] = phonebook.Number{Type: phonebook.NumberWork, Value: e}
	}
	c := &phonebook.Contact{Scope: phonebook.ScopeGlobal, DisplayName: name, OfficeLocation: "Room " + room.Number, Numbers: nums,
		Source: hotelSource, ExternalID: roomExtID(room.Number), Custom: map[string]string{"hotel_room": room.Number}}
	var id string
	_, err := d.store.Bulk(ctx, func(b *phonebook.Batch) error {
		var err error
		id, _, err = b.UpsertFromSource(c)
		return err
	})
	if err == nil {
		err = d.ids.Put(ctx, room.Number, []byte(id))
	}
	if err != nil {
		return fmt.Errorf("hotel directory: room %s: %w", room.Number, err)
	}
	return nil
}

// ClearRoomName implements manager.Directory.
func (d *hotelDirectory) ClearRoomName(ctx context.Context, room hotel.Room) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	id := ""
	if v, err := d.ids.Get(ctx, room.Number); err == nil {
		id = string(v)
	}
	_, err := d.store.Bulk(ctx, func(b *phonebook.Batch) error {
		if id != "" {
			return b.Delete(id)
		}
		// The id was lost: find the room's contact among the source's.
		return b.SourceIDs(hotelSource, func(ext, cid string) error {
			if ext == roomExtID(room.Number) {
				return b.Delete(cid)
			}
			return nil
		})
	})
	if err == nil {
		err = d.ids.Delete(ctx, room.Number)
	}
	if err != nil {
		return fmt.Errorf("hotel directory: room %s: %w", room.Number, err)
	}
	return nil
}
