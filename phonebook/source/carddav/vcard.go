package carddav

import (
	"errors"
	"fmt"
	"strings"

	"github.com/emersion/go-vcard"

	"github.com/pbxagent/pbxagent/phonebook"
)

// maxCardBytes bounds one vCard's text; a larger card (usually a big
// PHOTO) is refused with an error naming its href.
const maxCardBytes = 1 << 20

// ParseCard decodes one vCard (3.0, RFC 2426, or 4.0, RFC 6350) and maps it
// to a contact. href names the card in errors and is the external id when
// the card has no UID.
func ParseCard(href, data string) (*phonebook.Contact, error) {
	if len(data) > maxCardBytes {
		return nil, fmt.Errorf("%s: vCard of %d bytes is larger than %d", href, len(data), maxCardBytes)
	}
	card, err := vcard.NewDecoder(strings.NewReader(data)).Decode()
	if err != nil {
		return nil, fmt.Errorf("%s: vCard: %w", href, err)
	}
	return MapCard(href, card)
}

// MapCard maps a decoded vCard to a contact: UID (else href) is the
// external id; FN, N (family; given; additional), ORG (company;
// department), TITLE, EMAIL and TEL with their TYPEs. PHOTO and the rest
// are ignored.
func MapCard(href string, card vcard.Card) (*phonebook.Contact, error) {
	if v := card.Value(vcard.FieldVersion); v != "" && v != "3.0" && v != "4.0" {
		return nil, fmt.Errorf("%s: VERSION %q: only vCard 3.0 and 4.0 are read", href, trunc(v))
	}
	id := strings.TrimSpace(card.Value(vcard.FieldUID))
	if id == "" {
		id = href
	}
	if len(id) > 256 || strings.ContainsRune(id, 0) {
		return nil, fmt.Errorf("%s: UID: longer than 256 bytes or with a NUL", href)
	}
	c := &phonebook.Contact{ExternalID: id}
	c.DisplayName = clean(card.Value(vcard.FieldFormattedName))
	if f := card.Get(vcard.FieldName); f != nil {
		parts := splitStructured(f.Value)
		c.LastName, c.FirstName, c.MiddleName = clean(get(parts, 0)), clean(get(parts, 1)), clean(get(parts, 2))
	}
	if f := card.Get(vcard.FieldOrganization); f != nil {
		parts := splitStructured(f.Value)
		c.Company, c.Department = clean(get(parts, 0)), clean(get(parts, 1))
	}
	c.JobTitle = clean(card.Value(vcard.FieldTitle))
	for _, f := range card[vcard.FieldEmail] {
		a := clean(strings.TrimPrefix(f.Value, "mailto:"))
		if a == "" {
			continue
		}
		e := phonebook.Email{Address: a}
		switch {
		case hasType(f, "work"):
			e.Label = "work"
		case hasType(f, "home"):
			e.Label = "home"
		}
		c.Emails = append(c.Emails, e)
	}
	for _, f := range card[vcard.FieldTelephone] {
		n, err := telValue(f)
		if err != nil {
			return nil, fmt.Errorf("%s: TEL %q: %w", href, trunc(f.Value), err)
		}
		if n == "" {
			continue
		}
		c.Numbers = append(c.Numbers, phonebook.Number{Type: telType(f), Value: n})
	}
	if c.DisplayName == "" && c.FirstName == "" && c.LastName == "" && c.Company == "" && len(c.Emails) == 0 && len(c.Numbers) == 0 {
		return nil, fmt.Errorf("%s: FN: the card has no name, organisation, e-mail or number", href)
	}
	if c.DisplayName == "" {
		c.DisplayName = c.DeriveDisplayName()
	}
	return c, nil
}

// telValue returns the number of a TEL: a text value (vCard 3) or a tel:
// URI (vCard 4, VALUE=uri), its parameters (";ext=…") dropped.
func telValue(f *vcard.Field) (string, error) {
	v := strings.TrimSpace(f.Value)
	lower := strings.ToLower(v)
	isURI := strings.EqualFold(f.Params.Get(vcard.ParamValue), "uri")
	switch {
	case strings.HasPrefix(lower, "tel:"):
		// A server may store the URI text-escaped ("\;ext=1").
		v = strings.ReplaceAll(v[len("tel:"):], `\;`, ";")
		if i := strings.IndexByte(v, ';'); i >= 0 {
			v = v[:i]
		}
	case isURI && strings.Contains(v, ":"):
		return "", errors.New("a URI that is not tel:")
	}
	return clean(v), nil
}

// telType maps TEL TYPEs (v3 TYPE=CELL, TYPE=WORK,FAX; v4
// TYPE="cell,voice") to a number type: fax first, then mobile, work, home.
func telType(f *vcard.Field) phonebook.NumberType {
	switch {
	case hasType(f, "fax"):
		return phonebook.NumberFax
	case hasType(f, "cell"), hasType(f, "mobile"), hasType(f, "iphone"):
		return phonebook.NumberMobile
	case hasType(f, "work"):
		return phonebook.NumberWork
	case hasType(f, "home"):
		return phonebook.NumberHome
	}
	return phonebook.NumberOther
}

// hasType reports whether a field's TYPE parameter lists t (values may be
// given as several parameters or comma-separated, quoted or not).
func hasType(f *vcard.Field, t string) bool {
	for _, v := range f.Params[vcard.ParamType] {
		for _, x := range strings.Split(v, ",") {
			if strings.EqualFold(strings.Trim(strings.TrimSpace(x), `"`), t) {
				return true
			}
		}
	}
	return false
}

// splitStructured splits a structured value (N, ORG) at the semicolons
// not escaped by a backslash, and unescapes "\;".
func splitStructured(v string) []string {
	var out []string
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		switch {
		case v[i] == '\\' && i+1 < len(v) && v[i+1] == ';':
			b.WriteByte(';')
			i++
		case v[i] == ';':
			out = append(out, b.String())
			b.Reset()
		default:
			b.WriteByte(v[i])
		}
	}
	return append(out, b.String())
}

func get(p []string, i int) string {
	if i < len(p) {
		return p[i]
	}
	return ""
}

// clean trims a value and replaces control characters by spaces.
func clean(v string) string {
	v = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, v)
	return strings.TrimSpace(v)
}

func trunc(v string) string {
	if len(v) > 60 {
		return v[:60] + "…"
	}
	return v
}
