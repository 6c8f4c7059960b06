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
//	ix/pfx/#<digits>\x00<sort>\x00<id>  number buckets in display-name order: '#' and the
//	                               first 6 digits of an x:/e164:/ext: number key (value:
//	                               visibility, an empty token list, \x01, the number keys)
//	ix/sort/<sort>\x00<id>         every contact in display-name order; value: visibility,
//	                               every token (name, company, e-mail) and the x:/e164:/ext:
//	                               number keys; the in-memory name index is built from these
//	ix/src/<source>\x00<extid>     (source, external id) → id
//	x/<ns>/<key>                   small named key-value namespaces (phones, sources, sync state)
//
// Up to schema 5 the store also held ix/tok/<token>\x00<sort>\x00<id> (one per
// token) and name buckets ix/pfx/<3 or 4 bytes of a token>\x00<sort>\x00<id>
// (valued with every token); schema 6 drops them (migrate.go).
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
const SchemaVersion = 6

const sep = "\x00"

func kContact(id string) []byte       { return []byte(pfxContact + id) }
func kSrcVer(id string) []byte        { return []byte(pfxSrcVer + id) }
func kOverlay(id string) []byte       { return []byte(pfxOverlay + id) }
func kNum(numKey string) []byte       { return []byte(pfxNum + numKey) }
func kSort(sortKey, id string) []byte { return []byte(pfxSort + sortKey + sep + id) }
func kBucket(bucket, sortKey, id string) []byte {
	return []byte(pfxBucket + bucket + sep + sortKey + sep + id)
}

// bucketLen is the shortest joined form of a query word with an
// apostrophe that the search asks for ("o'br" asks for "obr"; "o'b" not
// for "ob"), as when such forms had ix/pfx buckets of 3 bytes.
const bucketLen = 3

func kSource(source, extID string) []byte {
	return []byte(pfxSource + source + sep + extID)
}
func kKV(ns, key string) []byte { return []byte(pfxKV + ns + "/" + key) }

// sortKey orders contacts by folded display name; cut so keys stay small.
func sortKey(c *Contact) string { return sortKeyFolded(Fold(c.DisplayName)) }

// sortKeyFolded is sortKey given the folded display name.
func sortKeyFolded(s string) string {
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
