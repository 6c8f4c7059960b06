package phones

import (
	"net/url"
	"strings"
)

// phoneQuery is the query string of a phone request, read in one pass the
// way url.ParseQuery reads it (pairs split on '&', a pair holding ';'
// dropped, a pair that does not unescape dropped, the first value of a key
// wins; every token value is also noted as a credential) without building the url.Values map: a phone request reads a few
// known keys, and the revalidation path runs for every phone of a fleet.
// Values are unescaped only when they need it.
type phoneQuery struct {
	token, term, number, cursor, page string
	// toks are the distinct non-empty token values (the first two): every
	// one is a credential, where token is only the first value.
	toks urlTokens
	// hasTerm says q or term was present (even empty); q wins over term.
	hasTerm bool
}

// query keys a phone request reads.
const (
	qToken = 1 << iota
	qQ
	qTerm
	qNumber
	qCursor
	qPage
)

// parsePhoneQuery reads raw (URL.RawQuery).
func parsePhoneQuery(raw string) phoneQuery {
	var pq phoneQuery
	var seen int
	var termQ, termT string
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" || strings.IndexByte(pair, ';') >= 0 {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		if needsUnescape(k) {
			dk, err := url.QueryUnescape(k)
			if err != nil {
				continue
			}
			k = dk
		}
		var bit int
		var dst *string
		switch k {
		case "token":
			bit, dst = qToken, &pq.token
		case "q":
			bit, dst = qQ, &termQ
		case "term":
			bit, dst = qTerm, &termT
		case "number":
			bit, dst = qNumber, &pq.number
		case "cursor":
			bit, dst = qCursor, &pq.cursor
		case "page":
			bit, dst = qPage, &pq.page
		default:
			continue
		}
		if seen&bit != 0 && bit != qToken {
			continue
		}
		if needsUnescape(v) {
			dv, err := url.QueryUnescape(v)
			if err != nil {
				if bit == qToken {
					pq.toks.add(v) // no token reads so: a bad credential
				}
				continue // url.ParseQuery drops the pair: a later one counts
			}
			v = dv
		}
		if bit == qToken {
			pq.toks.add(v)
			if seen&bit != 0 {
				continue
			}
		}
		seen |= bit
		*dst = v
	}
	switch {
	case seen&qQ != 0:
		pq.term, pq.hasTerm = termQ, true
	case seen&qTerm != 0:
		pq.term, pq.hasTerm = termT, true
	}
	return pq
}

// needsUnescape reports whether s holds '%' or '+'.
func needsUnescape(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '%' || s[i] == '+' {
			return true
		}
	}
	return false
}
