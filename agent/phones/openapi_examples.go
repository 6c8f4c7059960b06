package phones

import (
	"net/http"

	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/provisioning"
)

// yealinkExample is a Yealink phone book of one contact as
// GET /phonebook/yealink.xml writes it (the same code renders it), the
// example of the phone book responses of the OpenAPI document.
func yealinkExample() string {
	doc := provisioning.YealinkDirectory(provisioning.Book{Contacts: []*phonebook.Contact{{
		DisplayName: "Jürgen Müller", Numbers: []phonebook.Number{
			{Type: phonebook.NumberWork, Value: "+38733123456", Normalized: "+38733123456"},
			{Type: phonebook.NumberMobile, Value: "061 111-111", Normalized: "+38761111111"}}}}})
	doc.Indent(2)
	s, _ := doc.WriteToString()
	return s
}

// Parameters and answers of the phones' own routes.
var (
	macParam   = platform.Param{Name: "mac", In: "path", Required: true, Description: "The phone's MAC address (12 hex digits, any common notation)", Example: "0015654aa937"}
	tokenParam = platform.Param{Name: "token", In: "query", Description: "The phone's URL token (or authenticate with Basic or Digest, or from an allowed address)", Example: "pt_Q3vX9mK2wL7nR4tY8bC1"}
	phoneText  = func(code int, desc string) platform.Body {
		return platform.Body{ContentType: "text/plain", Description: desc, Example: http.StatusText(code) + "\n"}
	}
	phoneErrors = map[int]platform.Body{
		401: phoneText(401, "no credentials or wrong ones (a Digest challenge in WWW-Authenticate)"),
		403: phoneText(403, "the phone's address is not in the allow-list"),
		404: phoneText(404, "no such file, or not for this phone"),
		429: phoneText(429, "too many failed attempts from this address: retry after Retry-After"),
		503: phoneText(503, "the directory is not available now"),
	}
)

// phoneResponses are phoneErrors with the success answer.
func phoneResponses(ok platform.Body) map[int]platform.Body {
	out := map[int]platform.Body{200: ok}
	for code, b := range phoneErrors {
		out[code] = b
	}
	return out
}

// provisioningExamples are a Cisco SEP<MAC>.cnf.xml and a Yealink
// <mac>.cfg as GET /provisioning/{file} writes them (the same code
// renders them).
func provisioningExamples() (xml, cfg string) {
	c := provisioning.PhoneConfig{MAC: "0015654aa937", BookName: "Phone book",
		BookURL:        "https://pbx.example.com/phonebook/yealink.xml?token=pt_Q3vX9mK2wL7nR4tY8bC1&q=#SEARCH",
		RefreshSeconds: 3600}
	doc := provisioning.CiscoSEPConfig(c)
	doc.Indent(2)
	xml, _ = doc.WriteToString()
	return xml, string(provisioning.YealinkConfig(c))
}
