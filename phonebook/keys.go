package phonebook

import "bytes"

// Key layout (one Badger keyspace, namespaced by prefix; every index entry
// is written in the same commit as the contact it indexes):
//
//	meta/schema                    schema version (uvarint)
//	meta/pub                       the published commit timestamp (8 bytes BE)
//	meta/bulk                      the timestamp of a bulk operation in flight
//	meta/numbering                 the fingerprint of the numbering rules the number keys follow (renumber.go)
//	c/<id>                         the effective contact (binary record, see codec.go; JSON before schema 3)
//	sv/<id>                        a synced contact's source version (a record like c/), when an overlay exists
//	ov/<id>                        the local overlay of a synced contact (JSON)
//	ix/num/<numkey>                a number key (x:, ext:, e164:, nsn:); value: the contacts that have
//	                               it, each with its visibility and display name (see numindex.go)
//	ix/tok/<token>\x00<sort>\x00<id>   name/company/e-mail tokens; value: visibility
//	ix/pfx/<bucket>\x00<sort>\x00<id>  in display-name order, one per distinct bucket: the
//	                               first 3 and the first 4 bytes of a token (of 3 or 4 bytes or
//	                               more, not a whole e-mail address; value: visibility and every
//	                               token; 4-byte buckets since schema 4) or '#'
//	                               and the first 6 digits of an x:/e164:/ext: number key (value:
//	                               visibility, an empty token list, \x01, the number keys)
//	ix/sort/<sort>\x00<id>         every contact in display-name order; value: visibility,
//	                               every token and the x:/e164:/ext: number keys
//	ix/src/<source>\x00<extid>     (source, external id) → id
//	x/<ns>/<key>                   small named key-value namespaces (phones, sources, sync state)
const (
	pfxContact = "c/"
	pfxSrcVer  = "sv/"
	pfxOverlay = "ov/"
	pfxNum     = "ix/num/"
	pfxToken   = "ix/tok/"
	pfxSort    = "ix/sort/"
	pfxBucket  = "ix/pfx/"
	pfxSource  = "ix/src/"
	pfxKV      = "x/"

	keySchema    = "meta/schema"
	keyPublished = "meta/pub"
	keyBulk      = "meta/bulk"
	keyFlush     = "meta/flush" // dropped to make Badger flush its memtables (see Store.streamWriter)
)

// SchemaVersion is the on-disk layout version this build writes.
const SchemaVersion = 5

const sep = "\x00"

func kContact(id string) []byte { return []byte(pfxContact + id) }
func kSrcVer(id string) []byte  { return []byte(pfxSrcVer + id) }
func kOverlay(id string) []byte { return []byte(pfxOverlay + id) }
func kNum(numKey string) []byte { return []byte(pfxNum + numKey) }
func kToken(tok, sortKey, id string) []byte {
	return []byte(pfxToken + tok + sep + sortKey + sep + id)
}
func kSort(sortKey, id string) []byte { return []byte(pfxSort + sortKey + sep + id) }
func kBucket(bucket, sortKey, id string) []byte {
	return []byte(pfxBucket + bucket + sep + sortKey + sep + id)
}

// Token-prefix buckets (ix/pfx) come in two lengths: every token of at
// least bucketLen bytes is in the bucket of its first bucketLen bytes and,
// when it has bucketLongLen bytes or more, also in the bucket of its first
// bucketLongLen. A query word walks the longest bucket it fills: a 4-letter
// prefix is dense in its own bucket where it may be one match in twenty of
// a 3-byte one.
const (
	bucketLen     = 3
	bucketLongLen = 4
)

// bucketOf returns the ix/pfx bucket a query word walks: its first
// bucketLongLen bytes, or its first bucketLen (the whole word when
// shorter).
func bucketOf(w string) string {
	switch {
	case len(w) >= bucketLongLen:
		return w[:bucketLongLen]
	case len(w) > bucketLen:
		return w[:bucketLen]
	}
	return w
}
func kSource(source, extID string) []byte {
	return []byte(pfxSource + source + sep + extID)
}
func kKV(ns, key string) []byte { return []byte(pfxKV + ns + "/" + key) }

// sortKey orders contacts by folded display name; cut so keys stay small.
func sortKey(c *Contact) string {
	s := Fold(c.DisplayName)
	if len(s) > 48 {
		s = s[:48]
	}
	return s
}

// sourceExtID is the key a contact is found under in ix/src: its external
// id, or "@"+id for contacts without one (local and CSV contacts).
func sourceExtID(c *Contact) string {
	if c.ExternalID != "" {
		return c.ExternalID
	}
	return "@" + c.ID
}

// visibility is stored as the value of ix/tok and ix/sort entries so that
// searches filter on scope, owner and source without reading contacts:
// 'g' or 'p' + owner + \x00 + source.
func visibility(c *Contact) []byte {
	b := make([]byte, 0, 2+len(c.Owner)+len(c.Source))
	if c.Scope == ScopePersonal {
		b = append(b, 'p')
		b = append(b, c.Owner...)
	} else {
		b = append(b, 'g')
	}
	b = append(b, 0)
	b = append(b, c.Source...)
	return b
}

// visible reports whether an index entry's visibility value passes q.
func (q *Query) visible(v []byte) bool {
	if len(v) == 0 {
		return false
	}
	i := 0
	for i < len(v) && v[i] != 0 {
		i++
	}
	scope, owner := v[0], string(v[1:i])
	src := ""
	if i < len(v) {
		rest := v[i+1:]
		if j := bytes.IndexByte(rest, 0); j >= 0 {
			rest = rest[:j] // an ix/num value goes on with the name
		}
		src = string(rest)
	}
	if q.Source != "" && src != q.Source {
		return false
	}
	if q.VisibleTo != "" {
		return scope == 'g' || owner == q.VisibleTo
	}
	switch q.Scope {
	case ScopeGlobal:
		if scope != 'g' {
			return false
		}
	case ScopePersonal:
		if scope != 'p' {
			return false
		}
	}
	if q.Owner != "" && (scope != 'p' || owner != q.Owner) {
		return false
	}
	return true
}
