package cti

import (
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
)

// digestChallenge is the part of a WWW-Authenticate: Digest challenge
// (RFC 7616) an MD5 answer needs.
type digestChallenge struct {
	realm, nonce, opaque, qop, algorithm string
}

// parseDigest reads a Digest challenge; ok is false for another scheme or
// an algorithm other than MD5.
func parseDigest(h string) (digestChallenge, bool) {
	scheme, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
	if !strings.EqualFold(scheme, "Digest") {
		return digestChallenge{}, false
	}
	var c digestChallenge
	for rest != "" {
		var kv string
		// Split on commas outside quotes.
		inq := false
		i := 0
		for ; i < len(rest); i++ {
			if rest[i] == '"' {
				inq = !inq
			} else if rest[i] == ',' && !inq {
				break
			}
		}
		kv, rest = rest[:i], strings.TrimPrefix(rest[i:], ",")
		k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
		v = strings.Trim(strings.TrimSpace(v), `"`)
		switch strings.ToLower(k) {
		case "realm":
			c.realm = v
		case "nonce":
			c.nonce = v
		case "opaque":
			c.opaque = v
		case "qop":
			for _, q := range strings.Split(v, ",") {
				if strings.TrimSpace(q) == "auth" {
					c.qop = "auth"
				}
			}
		case "algorithm":
			c.algorithm = v
		}
	}
	if c.nonce == "" || (c.algorithm != "" && !strings.EqualFold(c.algorithm, "MD5")) {
		return digestChallenge{}, false
	}
	return c, true
}

func md5hex(s string) string { h := md5.Sum([]byte(s)); return hex.EncodeToString(h[:]) }

// authorize sets req's Digest Authorization for the challenge c.
func (c digestChallenge) authorize(req *http.Request, user, pass string) {
	uri := req.URL.RequestURI()
	ha1 := md5hex(user + ":" + c.realm + ":" + pass)
	ha2 := md5hex(req.Method + ":" + uri)
	var b strings.Builder
	fmt.Fprintf(&b, `Digest username="%s", realm="%s", nonce="%s", uri="%s"`, user, c.realm, c.nonce, uri)
	if c.qop == "auth" {
		cb := make([]byte, 8)
		_, _ = rand.Read(cb)
		cnonce := hex.EncodeToString(cb)
		fmt.Fprintf(&b, `, qop=auth, nc=00000001, cnonce="%s", response="%s"`, cnonce,
			md5hex(ha1+":"+c.nonce+":00000001:"+cnonce+":auth:"+ha2))
	} else {
		fmt.Fprintf(&b, `, response="%s"`, md5hex(ha1+":"+c.nonce+":"+ha2))
	}
	if c.opaque != "" {
		fmt.Fprintf(&b, `, opaque="%s"`, c.opaque)
	}
	if c.algorithm != "" {
		b.WriteString(", algorithm=MD5")
	}
	req.Header.Set("Authorization", b.String())
}
