package users

import (
	"slices"
	"strings"
)

// ByExtension returns the enabled user reached at extension ext.
func (s *Service) ByExtension(ext string) (User, bool) {
	s.mu.RLock()
	rec, ok := s.byID[s.byExt[ext]]
	s.mu.RUnlock()
	if !ok || rec.Disabled {
		return User{}, false
	}
	return rec.view(), true
}

// ByEndpoint returns the enabled user whose devices.endpoints hold the
// Asterisk endpoint ep ("PJSIP/101"; the technology in any case).
func (s *Service) ByEndpoint(ep string) (User, bool) {
	tech, res, ok := strings.Cut(ep, "/")
	if !ok {
		return User{}, false
	}
	s.mu.RLock()
	rec, ok := s.byID[s.byEndpoint[strings.ToUpper(tech)+"/"+res]]
	s.mu.RUnlock()
	if !ok || rec.Disabled {
		return User{}, false
	}
	return rec.view(), true
}

// ByID returns the enabled user with id.
func (s *Service) ByID(id string) (User, bool) {
	s.mu.RLock()
	rec, ok := s.byID[id]
	s.mu.RUnlock()
	if !ok || rec.Disabled {
		return User{}, false
	}
	return rec.view(), true
}

// Enabled returns every enabled user, by username.
func (s *Service) Enabled() []User {
	s.mu.RLock()
	out := make([]User, 0, len(s.byID))
	for _, rec := range s.byID {
		if !rec.Disabled {
			out = append(out, rec.view())
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b User) int { return strings.Compare(strings.ToLower(a.Username), strings.ToLower(b.Username)) })
	return out
}
