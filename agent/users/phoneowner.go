package users

import (
	"context"
	"fmt"
	"slices"

	"github.com/pbxagent/pbxagent/provisioning"
)

// SetPhoneOwner lists the desk phone mac among the devices of the user
// userID and of no one else; an empty userID removes it from whoever
// lists it. The phones registry calls it when a phone is registered,
// given another owner, or removed. Errors are the users API's (a user
// with the most phones already refuses another).
func (s *Service) SetPhoneOwner(ctx context.Context, mac, userID string) error {
	m, ok := provisioning.ParseMAC(mac)
	if !ok {
		return fmt.Errorf("set phone owner: %q is not a MAC address", mac)
	}
	s.mu.RLock()
	holder := s.byPhone[m]
	s.mu.RUnlock()
	if holder == userID {
		return nil
	}
	if holder != "" {
		_, err := s.update(ctx, holder, change{apply: func(cur Input) (Input, error) {
			cur.Devices.Phones = slices.DeleteFunc(slices.Clone(cur.Devices.Phones), func(p string) bool {
				pm, _ := provisioning.ParseMAC(p)
				return pm == m
			})
			return cur, nil
		}})
		if err != nil {
			return fmt.Errorf("remove phone %s from user %s: %w", m, holder, err)
		}
	}
	if userID == "" {
		return nil
	}
	_, err := s.update(ctx, userID, change{apply: func(cur Input) (Input, error) {
		cur.Devices.Phones = append(slices.Clone(cur.Devices.Phones), m)
		return cur, nil
	}})
	if err != nil {
		return fmt.Errorf("add phone %s to user %s: %w", m, userID, err)
	}
	return nil
}
