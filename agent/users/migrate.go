package users

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/pbxagent/pbxagent/provisioning"
)

// PhonesKV is the phones registry's key-value namespace (the store's
// Meta("phones")), whose records "phone/<mac>" carry an "owner".
type PhonesKV interface {
	List(ctx context.Context, fn func(key string, val []byte) error) error
	Put(ctx context.Context, key string, val []byte) error
}

// OwnerMigration reports what MigratePhoneOwners did.
type OwnerMigration struct {
	// Mapped maps each old owner to the user id it now is.
	Mapped map[string]string `json:"mapped"`
	// Changed counts the phone records rewritten.
	Changed int `json:"changed"`
	// Unmatched are owners that name no user (their phones are left as
	// they are; no user is created for them).
	Unmatched []string `json:"unmatched"`
	// Conflicts are phones another user already lists as their device
	// (left as they are).
	Conflicts []string `json:"conflicts"`
}

// ResolveOwner maps an owner as phones and personal contacts stored it
// before users existed to a user id: a user id stays as it is; else a
// username (any case); else an e-mail address exactly one user has.
func (s *Service) ResolveOwner(owner string) (string, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if _, ok := s.byID[owner]; ok {
		return owner, true
	}
	if id, ok := s.byName[usernameKey(owner)]; ok {
		return id, true
	}
	var found string
	for id, u := range s.byID {
		if u.Email != "" && strings.EqualFold(u.Email, owner) {
			if found != "" {
				return "", false
			}
			found = id
		}
	}
	return found, found != ""
}

// MigratePhoneOwners turns the owners of the phones registry into user
// ids and lists each phone among its user's devices. Owners that match no
// user are reported, never created. Run it before phones.New loads the
// registry; running it again changes nothing.
func (s *Service) MigratePhoneOwners(ctx context.Context, kv PhonesKV) (OwnerMigration, error) {
	m := OwnerMigration{Mapped: map[string]string{}, Unmatched: []string{}, Conflicts: []string{}}
	type phone struct {
		key, mac, owner, id string
		doc                 map[string]json.RawMessage
	}
	var phones []phone
	err := kv.List(ctx, func(key string, val []byte) error {
		if !strings.HasPrefix(key, "phone/") {
			return nil
		}
		var doc map[string]json.RawMessage
		if err := json.Unmarshal(val, &doc); err != nil {
			return fmt.Errorf("phone record %s: %w", key, err)
		}
		var owner, mac string
		_ = json.Unmarshal(doc["owner"], &owner)
		_ = json.Unmarshal(doc["mac"], &mac)
		if owner == "" {
			return nil
		}
		mac, _ = provisioning.ParseMAC(mac)
		phones = append(phones, phone{key: key, mac: mac, owner: owner, doc: doc})
		return nil
	})
	if err != nil {
		return m, fmt.Errorf("read phones: %w", err)
	}
	byUser := map[string][]string{}
	for i := range phones {
		p := &phones[i]
		id, ok := s.ResolveOwner(p.owner)
		if !ok {
			if !slices.Contains(m.Unmatched, p.owner) {
				m.Unmatched = append(m.Unmatched, p.owner)
			}
			continue
		}
		s.mu.RLock()
		holder := s.byPhone[p.mac]
		s.mu.RUnlock()
		if p.mac == "" || holder != "" && holder != id {
			m.Conflicts = append(m.Conflicts, p.key)
			continue
		}
		p.id = id
		m.Mapped[p.owner] = id
		if holder == "" {
			byUser[id] = append(byUser[id], p.mac)
		}
	}
	for id, macs := range byUser {
		_, err := s.update(ctx, id, change{apply: func(cur Input) (Input, error) {
			cur.Devices.Phones = append(slices.Clone(cur.Devices.Phones), macs...)
			return cur, nil
		}})
		if err != nil {
			return m, fmt.Errorf("add phones to user %s: %w", id, err)
		}
	}
	for _, p := range phones {
		if p.id == "" || p.id == p.owner {
			continue
		}
		p.doc["owner"] = json.RawMessage(marshal(p.id))
		if err := kv.Put(ctx, p.key, marshal(p.doc)); err != nil {
			return m, fmt.Errorf("rewrite %s: %w", p.key, err)
		}
		m.Changed++
	}
	slices.Sort(m.Unmatched)
	slices.Sort(m.Conflicts)
	return m, nil
}
