package ua

// Q.850 causes this package names (ITU-T Q.850 table 1).
const (
	causeUnallocated      = 1
	causeNormalClearing   = 16
	causeUserBusy         = 17
	causeNoUserResponding = 18
	causeNoAnswer         = 19
	causeCallRejected     = 21
	causeNetworkOOO       = 38
	causeIncompatibleDest = 88
	causeRecoveryOnTimer  = 102
	causeInterworking     = 127
)

// sipToQ850 is RFC 3398 section 8.2.6.1 ("4xx-6xx responses"): the Q.850
// cause an ISDN gateway reports for a SIP final status. 487 is not in the
// RFC's table; it maps to 127 (interworking) here, a cancelled attempt not
// being a rejection.
var sipToQ850 = map[int]int{
	400: 41, // Bad Request: temporary failure
	401: 21, // Unauthorized: call rejected
	402: 21, // Payment Required: call rejected
	403: 21, // Forbidden: call rejected
	404: 1,  // Not Found: unallocated number
	405: 63, // Method Not Allowed: service or option unavailable
	406: 79, // Not Acceptable: service/option not implemented
	407: 21, // Proxy Authentication Required: call rejected
	408: 102,
	410: 22,  // Gone: number changed
	413: 127, // Request Entity Too Long: interworking
	414: 127, // Request-URI Too Long: interworking
	415: 79,  // Unsupported Media Type: service/option not implemented
	416: 127, // Unsupported URI Scheme: interworking
	420: 127, // Bad Extension: interworking
	421: 127, // Extension Required: interworking
	423: 127, // Interval Too Brief: interworking
	480: 18,  // Temporarily Unavailable: no user responding
	481: 41,  // Call/Transaction Does Not Exist: temporary failure
	482: 25,  // Loop Detected: exchange routing error
	483: 25,  // Too Many Hops: exchange routing error
	484: 28,  // Address Incomplete: invalid number format
	485: 1,   // Ambiguous: unallocated number
	486: 17,  // Busy Here: user busy
	487: 127, // Request Terminated: not in RFC 3398, interworking
	488: 127, // Not Acceptable Here: interworking
	500: 41,  // Server Internal Error: temporary failure
	501: 79,  // Not Implemented: not implemented, unspecified
	502: 38,  // Bad Gateway: network out of order
	503: 41,  // Service Unavailable: temporary failure
	504: 102, // Server Time-out: recovery on timer expiry
	505: 127, // Version Not Supported: interworking
	513: 127, // Message Too Large: interworking
	580: 47,  // Precondition Failure: resource unavailable, unspecified
	600: 17,  // Busy Everywhere: user busy
	603: 21,  // Decline: call rejected
	604: 1,   // Does Not Exist Anywhere: unallocated number
	606: 58,  // Not Acceptable: bearer capability not presently available
}

// CauseOf maps a SIP final status to the Q.850 cause an ISDN gateway
// would report (RFC 3398 section 8.2.6.1): 486 → 17 user busy, 480 → 18
// no user responding, 408 → 102 recovery on timer expiry, 404 → 1
// unallocated number, 603 → 21 call rejected … (the table is in
// docs/sip-ua.md). Unknown 4xx map to 21, 5xx to 38, 6xx to 31; a 2xx is
// 16 normal clearing, anything else 127 interworking.
func CauseOf(status int) int {
	if c, ok := sipToQ850[status]; ok {
		return c
	}
	switch {
	case status >= 200 && status < 300:
		return causeNormalClearing
	case status >= 400 && status < 500:
		return causeCallRejected
	case status >= 500 && status < 600:
		return causeNetworkOOO
	case status >= 600 && status < 700:
		return 31
	}
	return causeInterworking
}
