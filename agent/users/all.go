package users

import "sort"

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

// All returns every enabled user, by id.
func (s *Service) All() []User {
	s.mu.RLock()
	out := make([]User, 0, len(s.byID))
	for _, rec := range s.byID {
		if !rec.Disabled {
			out = append(out, rec.view())
		}
	}
	s.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
