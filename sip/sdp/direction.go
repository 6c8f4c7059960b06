package sdp

// parseDirection reads a direction attribute's name.
func parseDirection(name string) (Direction, bool) {
	switch d := Direction(name); d {
	case SendRecv, SendOnly, RecvOnly, Inactive:
		return d, true
	}
	return "", false
}

// directionOf is the direction that sends and receives as told.
func directionOf(sends, receives bool) Direction {
	switch {
	case sends && receives:
		return SendRecv
	case sends:
		return SendOnly
	case receives:
		return RecvOnly
	default:
		return Inactive
	}
}

// Intersect is the direction that does only what both d and o allow: an
// answerer's direction is the reverse of the offered one intersected with
// what the answerer wants (RFC 3264 section 6.1).
func (d Direction) Intersect(o Direction) Direction {
	return directionOf(d.Sends() && o.Sends(), d.Receives() && o.Receives())
}
