package phones

import (
	"net/netip"
	"time"
)

// NoteFetchForTest records a phonebook fetch of mac from addr, as if the
// phone had fetched its book.
func (s *Service) NoteFetchForTest(mac, addr string) {
	s.fetches.note(mac, fetchPhonebook, "test.xml", netip.MustParseAddr(addr), time.Now())
}
