package number

// keyLayout holds the index keys of one number back to back, in level
// order, in one string: "x:<clean>", then "e164:<+…>" when there is an
// E.164 form, then "nsn:<cc>:<nsn>" when there is a national number.
// Normalize and Probe both take their strings from it, so each builds its
// keys with one allocation.
type keyLayout struct {
	all       string
	exact     int // end of the exact key in all
	e164      int // end of the e164 key (== exact when there is none)
	hasNSN    bool
	hasE164   bool
	cleanFrom int // start of the clean digits (after PrefixExact)
}

// layoutKeys lays out the keys of clean, e164, cc and nsn; e164 and nsn
// may be empty (no such key), cc is used only with nsn.
func layoutKeys(clean, e164, cc, nsn []byte) keyLayout {
	size := len(PrefixExact) + len(clean)
	if len(e164) > 0 {
		size += len(PrefixE164) + len(e164)
	}
	if len(nsn) > 0 {
		size += len(PrefixNational) + len(cc) + 1 + len(nsn)
	}
	var stack [128]byte
	buf := stack[:0]
	if size > len(stack) {
		buf = make([]byte, 0, size)
	}
	buf = append(append(buf, PrefixExact...), clean...)
	exact := len(buf)
	if len(e164) > 0 {
		buf = append(append(buf, PrefixE164...), e164...)
	}
	end := len(buf)
	if len(nsn) > 0 {
		buf = append(append(append(buf, PrefixNational...), cc...), ':')
		buf = append(buf, nsn...)
	}
	return keyLayout{all: string(buf), exact: exact, e164: end, hasE164: len(e164) > 0, hasNSN: len(nsn) > 0, cleanFrom: len(PrefixExact)}
}

// clean is the cleaned number.
func (k keyLayout) clean() string { return k.all[k.cleanFrom:k.exact] }

// exactKey is "x:<clean>".
func (k keyLayout) exactKey() string { return k.all[:k.exact] }

// e164Key is "e164:<+…>" ("" without an E.164 form).
func (k keyLayout) e164Key() string { return k.all[k.exact:k.e164] }

// e164Value is the E.164 form without its key prefix ("" without one).
func (k keyLayout) e164Value() string {
	if !k.hasE164 {
		return ""
	}
	return k.all[k.exact+len(PrefixE164) : k.e164]
}

// nsnKey is "nsn:<cc>:<nsn>" ("" without a national number).
func (k keyLayout) nsnKey() string { return k.all[k.e164:] }

// nsnValue is "<cc>:<nsn>" ("" without a national number).
func (k keyLayout) nsnValue() string {
	if !k.hasNSN {
		return ""
	}
	return k.all[k.e164+len(PrefixNational):]
}
