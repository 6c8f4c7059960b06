package agent

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/pbxagent/pbxagent/agent/hotel"
	"github.com/pbxagent/pbxagent/phonebook"
)

// hotelSource is the phone book source of the guests' entries: no sync
// source, CSV import or API write of another source touches them.
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
	mu  sync.Mutex // one change at a time: a room's contact is found, then written
}

// roomExtID is a room's contact's external id.
func roomExtID(number string) string { return "room-" + number }

// find returns the room's contact, or nil: by the id kept for the room,
// else (the id lost) by a scan of the source's contacts.
func (d *hotelDirectory) find(ctx context.Context, number string) (*phonebook.Contact, error) {
	if id, err := d.ids.Get(ctx, number); err == nil {
		c, err := d.store.Get(ctx, string(id))
		if err == nil && c.Source == hotelSource && c.ExternalID == roomExtID(number) {
			return c, nil
		}
	}
	var found *phonebook.Contact
	errFound := errors.New("found")
	err := d.store.Iterate(ctx, phonebook.Query{Source: hotelSource}, func(c *phonebook.Contact) error {
		if c.ExternalID == roomExtID(number) {
			found = c
			return errFound
		}
		return nil
	})
	if err != nil && !errors.Is(err, errFound) {
		return nil, fmt.Errorf("hotel directory: find room %s: %w", number, err)
	}
	return found, nil
}

// SetRoomName implements manager.Directory.
func (d *hotelDirectory) SetRoomName(ctx context.Context, room hotel.Room, name string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	nums := make([]phonebook.Number, len(room.Extensions))
	for i, e := range room.Extensions {
		nums[i] = phonebook.Number{Type: phonebook.NumberWork, Value: e}
	}
	c, err := d.find(ctx, room.Number)
	if err != nil {
		return err
	}
	if c == nil {
		c, err = d.store.Create(ctx, &phonebook.Contact{Scope: phonebook.ScopeGlobal, DisplayName: name, OfficeLocation: "Room " + room.Number,
			Numbers: nums, Source: hotelSource, ExternalID: roomExtID(room.Number), Custom: map[string]string{"hotel_room": room.Number}})
	} else {
		c.DisplayName, c.Numbers, c.OfficeLocation = name, nums, "Room "+room.Number
		c, err = d.store.Update(ctx, c)
	}
	if err == nil {
		err = d.ids.Put(ctx, room.Number, []byte(c.ID))
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
	c, err := d.find(ctx, room.Number)
	if err != nil || c == nil {
		return err
	}
	if err := d.store.Delete(ctx, c.ID); err != nil && !errors.Is(err, phonebook.ErrNotFound) {
		return fmt.Errorf("hotel directory: room %s: %w", room.Number, err)
	}
	if err := d.ids.Delete(ctx, room.Number); err != nil {
		return fmt.Errorf("hotel directory: room %s: %w", room.Number, err)
	}
	return nil
}
