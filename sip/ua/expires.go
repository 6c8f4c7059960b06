package ua

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"
)

// maxDeltaSeconds is the largest delta-seconds value taken: RFC 3261
// section 20.19 bounds Expires by 2**32-1; larger values are read as that.
const maxDeltaSeconds = 1<<32 - 1

// parseDeltaSeconds reads a delta-seconds value (an Expires or Min-Expires
// header, a Contact's expires parameter; RFC 3261 section 25.1: 1*DIGIT).
// what names the field in the error.
func parseDeltaSeconds(what, s string) (time.Duration, error) {
	v := strings.TrimSpace(s)
	if v == "" {
		return 0, fmt.Errorf("%s: empty, want delta-seconds", what)
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return 0, fmt.Errorf("%s %q: not delta-seconds (digits only)", what, s)
		}
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil || n > maxDeltaSeconds {
		n = maxDeltaSeconds // too large reads as the maximum
	}
	return time.Duration(n) * time.Second, nil
}

// headerDeltaSeconds reads header name of m as delta-seconds; ok is false
// when m has no such header.
func headerDeltaSeconds(m sip.Message, name string) (d time.Duration, ok bool, err error) {
	hs := m.GetHeaders(name)
	if len(hs) == 0 {
		return 0, false, nil
	}
	d, err = parseDeltaSeconds(name+" header", hs[0].Value())
	return d, true, err
}

// contactExpires reads a Contact's expires parameter; ok is false when it
// has none.
func contactExpires(c *sip.ContactHeader) (d time.Duration, ok bool, err error) {
	v, ok := c.Params.Get("expires")
	if !ok {
		return 0, false, nil
	}
	d, err = parseDeltaSeconds(fmt.Sprintf("Contact <%s> expires parameter", c.Address.String()), v)
	return d, true, err
}

// seconds formats d as delta-seconds, rounding a part second up (so that
// a binding with 0.4 s left is not announced as expired).
func seconds(d time.Duration) string {
	if d <= 0 {
		return "0"
	}
	return strconv.FormatInt(int64((d+time.Second-1)/time.Second), 10)
}

// contacts returns m's Contact header values in order (a header line
// with several comma-separated values counts as several).
func contacts(m sip.Message) []*sip.ContactHeader {
	var out []*sip.ContactHeader
	for _, h := range m.GetHeaders("Contact") {
		switch c := h.(type) {
		case *sip.ContactHeader:
			out = append(out, c)
		default:
			var ch sip.ContactHeader
			if _, err := sip.ParseAddressValue(h.Value(), &ch.Address, &ch.Params); err == nil {
				out = append(out, &ch)
			}
		}
	}
	return out
}
