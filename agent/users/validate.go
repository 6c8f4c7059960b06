package users

import (
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"

	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/provisioning"
)

// Limits of the user fields.
const (
	MaxUsernameLen    = 64
	MaxDisplayNameLen = 128 // characters
	MaxEmailLen       = 254
	MaxExtensionLen   = 20
	MaxEndpointLen    = 80
	MaxExtensions     = 10
	MaxEndpoints      = 20
	MaxPhones         = 20
	MinPasswordLen    = 8 // characters (NIST SP 800-63B §5.1.1.2)
	MaxPasswordLen    = 1024
)

// Input is what an admin may set on a user: the body of a create, and a
// user after a merge patch.
type Input struct {
	Username    string             `json:"username" doc:"Signs in; unique regardless of case" example:"jmueller"`
	DisplayName string             `json:"display_name,omitempty" doc:"Shown to others (the username when empty)" example:"Jürgen Müller"`
	Email       string             `json:"email,omitempty" doc:"E-mail address" example:"j.mueller@example.com"`
	Language    string             `json:"language,omitempty" doc:"The console's language, a BCP 47 tag" example:"en"`
	Extensions  []string           `json:"extensions,omitempty" doc:"The numbers the user is reached at" example:"[\"101\"]"`
	Role        platform.Role      `json:"role,omitempty" doc:"admin, supervisor or user (default user)" example:"user"`
	Abilities   []platform.Ability `json:"abilities,omitempty" doc:"Rights on top of the role: manage_callcenter, change_presence, hotel_admin, dialer, recordings" example:"[\"dialer\"]"`
	Devices     Devices            `json:"devices,omitzero" doc:"What rings for the user"`
	Disabled    bool               `json:"disabled,omitempty" doc:"The user cannot sign in; their sessions end at once" example:"false"`
	// Password sets the password (write-only; at least 8 characters).
	Password string `json:"password,omitempty" doc:"Sets the password (write-only; at least 8 characters)" example:"correct-horse-battery-staple"`
}

// input returns what an admin may set on u (its password left empty).
func input(u User) Input {
	return Input{Username: u.Username, DisplayName: u.DisplayName, Email: u.Email, Language: u.Language,
		Extensions: u.Extensions, Role: u.Role, Abilities: u.Abilities, Devices: u.Devices, Disabled: u.Disabled}
}

// Abilities lists every ability, in the order the docs give them.
var Abilities = []platform.Ability{platform.AbilityManageCallCenter, platform.AbilityChangePresence,
	platform.AbilityHotelAdmin, platform.AbilityDialer, platform.AbilityRecordings}

// usernameKey is the case-insensitive form usernames are unique in.
func usernameKey(s string) string { return strings.ToLower(s) }

// ValidateUsername checks a username: 1 to 64 of the ASCII letters, digits
// and . _ - @ +, starting with a letter or digit.
func ValidateUsername(s string) error {
	if s == "" {
		return fmt.Errorf("is required")
	}
	if len(s) > MaxUsernameLen {
		return fmt.Errorf("must be at most %d characters", MaxUsernameLen)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if i == 0 && !alnum {
			return fmt.Errorf("must start with a letter or digit")
		}
		if !alnum && !strings.ContainsRune("._-@+", rune(c)) {
			return fmt.Errorf("may hold only letters, digits and . _ - @ + (found %q)", safeRune(s[i:]))
		}
	}
	return nil
}

// ValidateEmail checks an e-mail address: a bare addr-spec (RFC 5322 §3.4.1)
// of at most 254 characters, without a display name or comments.
func ValidateEmail(s string) error {
	if len(s) > MaxEmailLen {
		return fmt.Errorf("must be at most %d characters", MaxEmailLen)
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return fmt.Errorf("must be an address like name@example.com")
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 || strings.IndexFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f || !unicode.IsPrint(r) }) >= 0 {
		return fmt.Errorf("must be an address like name@example.com")
	}
	return nil
}

// validateExtension checks an extension: 1 to 20 digits, '*' or '#'.
func validateExtension(s string) error {
	if s == "" || len(s) > MaxExtensionLen || strings.Trim(s, "0123456789*#") != "" {
		return fmt.Errorf("must be 1 to %d digits, '*' or '#'", MaxExtensionLen)
	}
	return nil
}

// validateEndpoint checks an Asterisk endpoint "TECH/resource" and returns
// the key it is unique by (the technology in upper case).
func validateEndpoint(s string) (string, error) {
	tech, res, ok := strings.Cut(s, "/")
	if !ok || tech == "" || res == "" || len(s) > MaxEndpointLen {
		return "", fmt.Errorf("must be TECHNOLOGY/resource, like PJSIP/101, at most %d characters", MaxEndpointLen)
	}
	for _, c := range tech {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return "", fmt.Errorf("technology %q: only letters, digits and _", tech)
		}
	}
	if strings.IndexFunc(res, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '/' || !unicode.IsPrint(r) }) >= 0 {
		return "", fmt.Errorf("resource %q: no spaces, control characters or '/'", res)
	}
	return strings.ToUpper(tech) + "/" + res, nil
}

func safeRune(s string) string {
	r, _ := utf8.DecodeRuneInString(s)
	return string(r)
}

// normalize checks in and returns the user it describes (ID and times
// unset) or the problems, one per field.
func normalize(in Input) (User, []platform.FieldError) {
	var errs []platform.FieldError
	bad := func(field, format string, a ...any) {
		errs = append(errs, platform.FieldError{Field: field, Message: fmt.Sprintf(format, a...)})
	}
	u := User{Username: strings.TrimSpace(in.Username), DisplayName: strings.TrimSpace(in.DisplayName),
		Email: strings.TrimSpace(in.Email), Role: in.Role, Disabled: in.Disabled}
	if err := ValidateUsername(u.Username); err != nil {
		bad("username", "%v", err)
	}
	switch {
	case utf8.RuneCountInString(u.DisplayName) > MaxDisplayNameLen:
		bad("display_name", "must be at most %d characters", MaxDisplayNameLen)
	case !utf8.ValidString(u.DisplayName) || strings.IndexFunc(u.DisplayName, unicode.IsControl) >= 0:
		bad("display_name", "must be text without control characters")
	case u.DisplayName == "":
		u.DisplayName = u.Username
	}
	if u.Email != "" {
		if err := ValidateEmail(u.Email); err != nil {
			bad("email", "%v", err)
		}
	}
	if l := strings.TrimSpace(in.Language); l != "" {
		tag, err := language.Parse(l)
		if err != nil || len(l) > 35 {
			bad("language", "must be a language tag like en or de-CH")
		} else {
			u.Language = tag.String()
		}
	}
	if u.Role == "" {
		u.Role = platform.RoleUser
	}
	if !slices.Contains([]platform.Role{platform.RoleAdmin, platform.RoleSupervisor, platform.RoleUser}, u.Role) {
		bad("role", "must be admin, supervisor or user")
	}
	for i, a := range in.Abilities {
		switch {
		case !slices.Contains(Abilities, a):
			bad(fmt.Sprintf("abilities[%d]", i), "unknown ability %q; known: %s", safeText(string(a)), joinAbilities())
		case !slices.Contains(u.Abilities, a):
			u.Abilities = append(u.Abilities, a)
		}
	}
	slices.Sort(u.Abilities)
	u.Extensions = cleanList(in.Extensions, "extensions", MaxExtensions, func(s string) (string, error) { return s, validateExtension(s) }, bad)
	u.Devices.Endpoints = cleanList(in.Devices.Endpoints, "devices.endpoints", MaxEndpoints, func(s string) (string, error) {
		_, err := validateEndpoint(s)
		return s, err
	}, bad)
	u.Devices.Phones = cleanList(in.Devices.Phones, "devices.phones", MaxPhones, func(s string) (string, error) {
		mac, ok := provisioning.ParseMAC(s)
		if !ok {
			return "", fmt.Errorf("must be a MAC address of 12 hex digits")
		}
		return mac, nil
	}, bad)
	if in.Password != "" {
		if err := validatePassword(in.Password); err != nil {
			bad("password", "%v", err)
		}
	}
	return u, errs
}

// cleanList trims, checks and de-duplicates a list field.
func cleanList(in []string, field string, max int, check func(string) (string, error), bad func(string, string, ...any)) []string {
	if len(in) > max {
		bad(field, "at most %d", max)
		return nil
	}
	var out []string
	for i, s := range in {
		v, err := check(strings.TrimSpace(s))
		if err != nil {
			bad(fmt.Sprintf("%s[%d]", field, i), "%q: %v", safeText(s), err)
			continue
		}
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// validatePassword checks a new password's length.
func validatePassword(p string) error {
	switch {
	case utf8.RuneCountInString(p) < MinPasswordLen:
		return fmt.Errorf("must be at least %d characters", MinPasswordLen)
	case len(p) > MaxPasswordLen:
		return fmt.Errorf("must be at most %d bytes", MaxPasswordLen)
	}
	return nil
}

// safeText cuts s for an error message.
func safeText(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}

func joinAbilities() string {
	s := make([]string, len(Abilities))
	for i, a := range Abilities {
		s[i] = string(a)
	}
	return strings.Join(s, ", ")
}
