package manager

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/pbxagent/pbxagent/agent/hotel"
	"github.com/pbxagent/pbxagent/agent/platform"
)

var (
	roomNumber = regexp.MustCompile(`^[0-9A-Z]{1,8}$`)
	extension  = regexp.MustCompile(`^[0-9]{1,16}$`)
	device     = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,15}/[A-Za-z0-9_.@:+-]{1,64}$`)
	groupID    = regexp.MustCompile(`^[a-z0-9_-]{1,32}$`)
	dateRe     = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
	languageRe = regexp.MustCompile(`^[a-z]{2}$`)
)

// fieldErr is a 400 naming one field.
func fieldErr(msg, field, what string) *platform.APIError {
	return platform.Invalid(msg, platform.FieldError{Field: field, Message: what})
}

// conflict is a 409 naming a field.
func conflict(field, msg string) *platform.APIError {
	return &platform.APIError{Status: http.StatusConflict, Code: platform.CodeConflict, Message: msg,
		Details: []platform.FieldError{{Field: field, Message: msg}}}
}

// ValidRoomNumber checks a room number: 1 to 8 of 0-9 and A-Z (FIAS RN).
func ValidRoomNumber(n string) error {
	if !roomNumber.MatchString(n) {
		return fmt.Errorf("must be 1 to 8 of 0-9 and A-Z (is %q)", n)
	}
	return nil
}

// validClass checks c ("" allowed when empty is).
func validClass(c hotel.Class, empty bool) error {
	if c == "" && empty {
		return nil
	}
	if c.Rank() < 0 {
		return fmt.Errorf("must be one of emergency, internal, local, national, international (is %q)", c)
	}
	return nil
}

// text checks a short free text: valid UTF-8, at most max characters,
// no control characters.
func text(s string, max int) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("must be valid UTF-8")
	}
	if n := utf8.RuneCountInString(s); n > max {
		return fmt.Errorf("must be at most %d characters (is %d)", max, n)
	}
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return fmt.Errorf("must not hold control characters")
	}
	return nil
}

// normalizeRoom checks r's configuration (errors name the field) and
// fills the defaults: the room's number as its extension.
func normalizeRoom(r *hotel.Room) error {
	const msg = "invalid room"
	if err := ValidRoomNumber(r.Number); err != nil {
		return fieldErr(msg, "number", err.Error())
	}
	if len(r.Extensions) == 0 {
		if !extension.MatchString(r.Number) {
			return fieldErr(msg, "extensions", "is required when the number is not all digits")
		}
		r.Extensions = []string{r.Number}
	}
	seen := map[string]bool{}
	for i, e := range r.Extensions {
		f := fmt.Sprintf("extensions[%d]", i)
		if !extension.MatchString(e) {
			return fieldErr(msg, f, fmt.Sprintf("must be 1 to 16 digits (is %q)", e))
		}
		if seen[e] {
			return fieldErr(msg, f, "is listed twice")
		}
		seen[e] = true
	}
	if r.Devices == nil {
		r.Devices = []string{}
	}
	seen = map[string]bool{}
	for i, d := range r.Devices {
		f := fmt.Sprintf("devices[%d]", i)
		if !device.MatchString(d) {
			return fieldErr(msg, f, fmt.Sprintf("must be TECH/resource, e.g. PJSIP/101 (is %q)", d))
		}
		if seen[d] {
			return fieldErr(msg, f, "is listed twice")
		}
		seen[d] = true
	}
	if err := text(r.Floor, 16); err != nil {
		return fieldErr(msg, "floor", err.Error())
	}
	if err := text(r.Type, 32); err != nil {
		return fieldErr(msg, "type", err.Error())
	}
	if r.Group != "" && !groupID.MatchString(r.Group) {
		return fieldErr(msg, "group", "must be a room group's id")
	}
	if err := validClass(r.Class, true); err != nil {
		return fieldErr(msg, "class", err.Error())
	}
	return nil
}

// normalizeGroup checks g.
func normalizeGroup(g *hotel.RoomGroup) error {
	const msg = "invalid room group"
	if !groupID.MatchString(g.ID) {
		return fieldErr(msg, "id", fmt.Sprintf("must be 1 to 32 of a-z, 0-9, _ and - (is %q)", g.ID))
	}
	if err := text(g.Name, 64); err != nil {
		return fieldErr(msg, "name", err.Error())
	}
	if err := validClass(g.Class, false); err != nil {
		return fieldErr(msg, "class", err.Error())
	}
	return nil
}

// normalizeGuest checks g (field names prefixed with prefix: "guest." or
// "").
func normalizeGuest(g *hotel.Guest, prefix string) error {
	const msg = "invalid guest"
	g.Name = strings.TrimSpace(g.Name)
	if g.Name == "" {
		return fieldErr(msg, prefix+"name", "is required")
	}
	for _, c := range []struct {
		field string
		v     string
		max   int
	}{{"name", g.Name, 80}, {"first_name", g.FirstName, 40}, {"reservation", g.Reservation, 32}, {"vip", g.VIP, 8}} {
		if err := text(c.v, c.max); err != nil {
			return fieldErr(msg, prefix+c.field, err.Error())
		}
	}
	g.Language = strings.ToLower(g.Language)
	if g.Language != "" && !languageRe.MatchString(g.Language) {
		return fieldErr(msg, prefix+"language", fmt.Sprintf("must be a two-letter ISO 639-1 code (is %q)", g.Language))
	}
	for _, d := range []struct{ field, v string }{{"arrival", g.Arrival}, {"departure", g.Departure}} {
		if d.v != "" && !validDate(d.v) {
			return fieldErr(msg, prefix+d.field, fmt.Sprintf("must be a date YYYY-MM-DD (is %q)", d.v))
		}
	}
	if g.Arrival != "" && g.Departure != "" && g.Departure < g.Arrival {
		return fieldErr(msg, prefix+"departure", "must not be before arrival")
	}
	return nil
}

func validDate(s string) bool {
	if !dateRe.MatchString(s) {
		return false
	}
	_, err := parseDate(s)
	return err == nil
}
