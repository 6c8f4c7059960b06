package provisioning

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/beevik/etree"
)

// Charset is the character encoding of a rendered document.
type Charset string

// Supported charsets.
const (
	UTF8   Charset = "UTF-8"
	Latin1 Charset = "ISO-8859-1"
)

// unknownQ marks a charset absent from Accept-Charset.
const unknownQ = -1.0

// ContentType returns the text/xml content type for c, e.g.
// "text/xml; charset=utf-8".
func (c Charset) ContentType() string { return c.MediaType("text/xml") }

// MediaType returns mediaType with c as its charset parameter.
func (c Charset) MediaType(mediaType string) string {
	return mediaType + "; charset=" + strings.ToLower(string(c))
}

// NegotiateCharset picks the charset for a phone from its Accept-Charset
// header (old Cisco 79xx send "iso-8859-1, utf-8;q=0.8", newer ones "utf-8":
// Cisco OL-18696-01,
// https://www.manualslib.com/manual/796620/Cisco-Ol-18696-01.html?page=68;
// a phone falls back to its locale's encoding when no charset is named:
// Cisco OL-20949-01,
// https://manualsdump.com/en/manuals/cisco_systems-ol-20949-01/257218/75):
// UTF-8 when the header is absent, or when UTF-8 (or "*") is accepted at
// least as strongly as ISO-8859-1; ISO-8859-1 when the phone prefers it
// ("iso-8859-1, utf-8;q=0.8", old Cisco 79xx) or when neither UTF-8 nor "*"
// is acceptable (the fallback for old models).
func NegotiateCharset(acceptCharset string) Charset {
	if strings.TrimSpace(acceptCharset) == "" {
		return UTF8
	}
	utf, latin, star := unknownQ, unknownQ, unknownQ
	for _, part := range strings.Split(acceptCharset, ",") {
		name, params, _ := strings.Cut(part, ";")
		name = strings.ToLower(strings.TrimSpace(name))
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
		}
		switch name {
		case "utf-8", "utf8":
			utf = max(utf, q)
		case "iso-8859-1", "iso_8859-1", "latin1", "iso8859-1", "l1", "iso-ir-100", "cp819":
			latin = max(latin, q)
		case "*":
			star = max(star, q)
		}
	}
	if utf == unknownQ {
		utf = star
	}
	if latin == unknownQ {
		// RFC 2616 §14.2: ISO-8859-1 is acceptable unless named with q=0,
		// but "*" gives it the star's weight when present.
		latin = max(star, 0)
		if star == unknownQ {
			latin = 1
		}
	}
	if utf > 0 && utf >= latin {
		return UTF8
	}
	return Latin1
}

// writeSettings are the etree settings every document uses: all five XML
// special characters are escaped in text and attributes.
func writeSettings() etree.WriteSettings {
	return etree.WriteSettings{CanonicalText: false, CanonicalAttrVal: false}
}

// newDocument returns an empty document with the XML declaration for c.
func newDocument(c Charset) *etree.Document {
	doc := etree.NewDocument()
	doc.WriteSettings = writeSettings()
	doc.CreateProcInst("xml", `version="1.0" encoding="`+string(c)+`"`)
	return doc
}

// Marshal serialises doc in charset c, without a BOM. The XML declaration of
// doc is rewritten to name c. For ISO-8859-1 every character outside
// Latin-1 is replaced by '?': the phones that ask for Latin-1 cannot display
// anything else (Cisco OL-18696-01, the page cited on NegotiateCharset).
func Marshal(doc *etree.Document, c Charset) ([]byte, error) {
	if c == "" {
		c = UTF8
	}
	if c != UTF8 && c != Latin1 {
		return nil, fmt.Errorf("marshal: unsupported charset %q", c)
	}
	setDeclaration(doc, c)
	doc.WriteSettings = writeSettings()
	var buf bytes.Buffer
	if _, err := doc.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("marshal: %w", err)
	}
	if c == Latin1 {
		return toLatin1(buf.Bytes()), nil
	}
	return buf.Bytes(), nil
}

// setDeclaration replaces (or adds) the xml declaration so that it names c.
func setDeclaration(doc *etree.Document, c Charset) {
	inst := `version="1.0" encoding="` + string(c) + `"`
	for _, tok := range doc.Child {
		if p, ok := tok.(*etree.ProcInst); ok && p.Target == "xml" {
			if strings.Contains(p.Inst, "standalone=") {
				inst += ` standalone="yes"`
			}
			p.Inst = inst
			return
		}
	}
	p := etree.NewProcInst("xml", inst)
	doc.InsertChildAt(0, p)
}

// toLatin1 transcodes UTF-8 to ISO-8859-1, '?' for what Latin-1 lacks.
func toLatin1(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); {
		r, w := utf8.DecodeRune(b[i:])
		i += w
		if r < 0x100 && !(r == utf8.RuneError && w == 1) {
			out = append(out, byte(r))
		} else {
			out = append(out, '?')
		}
	}
	return out
}
