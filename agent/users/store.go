package users

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/oklog/ulid/v2"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// newUser is one user to create: label prefixes its field errors ("line
// 3, "), hash is its password hash ("" for none).
type newUser struct {
	label string
	in    Input
	hash  string
}

// claims are the unique values taken by the users of one write, checked
// against the stored users (minus self) and each other.
type claims struct {
	s     *Service
	self  string
	taken map[string]string // kind + value → label that took it
}

// claim checks the unique values of u and records them; the caller holds
// wmu.
func (c *claims) claim(label string, u User) []platform.FieldError {
	var errs []platform.FieldError
	check := func(kind, field string, m map[string]string, key, shown string) {
		if id := m[key]; id != "" && id != c.self {
			errs = append(errs, platform.FieldError{Field: label + field,
				Message: fmt.Sprintf("%s is already used by user %s", safeText(shown), c.s.byID[id].Username)})
			return
		}
		if other, ok := c.taken[kind+key]; ok {
			errs = append(errs, platform.FieldError{Field: label + field,
				Message: fmt.Sprintf("%s is also given by %s", safeText(shown), strings.TrimSuffix(other, ", "))})
			return
		}
		c.taken[kind+key] = label
	}
	check("n", "username", c.s.byName, usernameKey(u.Username), u.Username)
	for i, e := range u.Extensions {
		check("x", fmt.Sprintf("extensions[%d]", i), c.s.byExt, e, e)
	}
	for i, e := range u.Devices.Endpoints {
		k, _ := validateEndpoint(e)
		check("e", fmt.Sprintf("devices.endpoints[%d]", i), c.s.byEndpoint, k, e)
	}
	for i, m := range u.Devices.Phones {
		check("p", fmt.Sprintf("devices.phones[%d]", i), c.s.byPhone, m, m)
	}
	return errs
}

func conflict(msg string, details []platform.FieldError) error {
	return &platform.APIError{Status: http.StatusConflict, Code: platform.CodeConflict, Message: msg, Details: details}
}

// prefixed returns errs with label before each field.
func prefixed(label string, errs []platform.FieldError) []platform.FieldError {
	for i := range errs {
		errs[i].Field = label + errs[i].Field
	}
	return errs
}

// create stores new users, all or none.
func (s *Service) create(ctx context.Context, items []newUser) ([]*record, error) {
	users := make([]User, len(items))
	var invalid []platform.FieldError
	for i, it := range items {
		u, errs := normalize(it.in)
		users[i] = u
		invalid = append(invalid, prefixed(it.label, errs)...)
	}
	if len(invalid) > 0 {
		return nil, platform.Invalid("invalid user", invalid...)
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	c := &claims{s: s, taken: map[string]string{}}
	var taken []platform.FieldError
	for i, u := range users {
		taken = append(taken, c.claim(items[i].label, u)...)
	}
	if len(taken) > 0 {
		return nil, conflict("username, extension or device already taken", taken)
	}
	now := s.clk.Now().UTC()
	recs := make([]*record, len(users))
	puts := map[string][]byte{}
	for i, u := range users {
		u.ID = strings.ToLower(ulid.Make().String())
		u.CreatedAt, u.UpdatedAt = now, now
		recs[i] = &record{User: u, PasswordHash: items[i].hash}
		puts[keyUser+u.ID] = marshal(recs[i])
		puts[keyName+usernameKey(u.Username)] = []byte(u.ID)
	}
	if err := s.kv.WriteBatch(ctx, puts, nil); err != nil {
		return nil, fmt.Errorf("store users: %w", err)
	}
	s.mu.Lock()
	devices := false
	for _, r := range recs {
		s.index(r)
		devices = devices || len(r.Devices.Endpoints) > 0
	}
	s.mu.Unlock()
	if devices && s.devicesChanged != nil {
		s.devicesChanged()
	}
	return recs, nil
}

// change is a change to one user.
type change struct {
	// apply returns the new input from the current one.
	apply func(cur Input) (Input, error)
	// hash, when set, replaces the password hash.
	hash string
	// keep, when set, is the one session that survives a password change
	// (the user's own, changing their password).
	keep *session
	// ifHash, when set, makes the change apply only while the stored
	// hash is still this one (a rehash at login).
	ifHash string
}

// update changes a user. A new password or disabling the user ends their
// sessions (all but ch.keep) in the same write.
func (s *Service) update(ctx context.Context, id string, ch change) (*record, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	cur, ok := s.byID[id]
	if !ok {
		return nil, errNotFound
	}
	if ch.ifHash != "" && cur.PasswordHash != ch.ifHash {
		return cur, nil
	}
	in := input(cur.User)
	if ch.apply != nil {
		var err error
		if in, err = ch.apply(in); err != nil {
			return nil, err
		}
	}
	u, errs := normalize(in)
	if len(errs) > 0 {
		return nil, platform.Invalid("invalid user", errs...)
	}
	c := &claims{s: s, self: id, taken: map[string]string{}}
	if errs := c.claim("", u); len(errs) > 0 {
		return nil, conflict("username, extension or device already taken", errs)
	}
	u.ID, u.CreatedAt, u.UpdatedAt = id, cur.CreatedAt, s.clk.Now().UTC()
	rec := &record{User: u, PasswordHash: cur.PasswordHash}
	if ch.hash != "" {
		rec.PasswordHash = ch.hash
	}
	puts := map[string][]byte{keyUser + id: marshal(rec)}
	var dels []string
	if oldKey, newKey := usernameKey(cur.Username), usernameKey(u.Username); oldKey != newKey {
		puts[keyName+newKey] = []byte(id)
		dels = append(dels, keyName+oldKey)
	}
	var ended []*session
	s.skv.Lock()
	defer s.skv.Unlock()
	if (ch.hash != "" && ch.ifHash == "") || u.Disabled && !cur.Disabled {
		for _, ss := range s.sessions.ofUser(id) {
			if ss != ch.keep {
				ended = append(ended, ss)
				dels = append(dels, ss.key)
			}
		}
	}
	if err := s.kv.WriteBatch(ctx, puts, dels); err != nil {
		return nil, fmt.Errorf("store user %s: %w", id, err)
	}
	s.mu.Lock()
	s.unindex(cur)
	s.index(rec)
	s.mu.Unlock()
	s.sessions.remove(ended...)
	if s.devicesChanged != nil && !slices.Equal(cur.Devices.Endpoints, rec.Devices.Endpoints) {
		s.devicesChanged()
	}
	return rec, nil
}

// remove deletes a user and their sessions.
func (s *Service) remove(ctx context.Context, id string) (*record, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	cur, ok := s.byID[id]
	if !ok {
		return nil, errNotFound
	}
	// Refuse the user's sessions at once, before the write: a request
	// racing the delete must not get through.
	s.mu.Lock()
	s.unindex(cur)
	s.mu.Unlock()
	s.skv.Lock()
	defer s.skv.Unlock()
	ss := s.sessions.ofUser(id)
	dels := []string{keyUser + id, keyName + usernameKey(cur.Username)}
	for _, x := range ss {
		dels = append(dels, x.key)
	}
	if err := s.kv.WriteBatch(ctx, nil, dels); err != nil {
		s.mu.Lock()
		s.index(cur)
		s.mu.Unlock()
		return nil, fmt.Errorf("delete user %s: %w", id, err)
	}
	s.sessions.remove(ss...)
	return cur, nil
}
