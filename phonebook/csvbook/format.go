package csvbook

import (
	"strconv"
	"strings"

	"github.com/pbxagent/pbxagent/phonebook"
)

// Format is a CSV dialect the Reader understands.
type Format int

// Formats.
const (
	// FormatUnknown: not detected yet (nothing read).
	FormatUnknown Format = iota
	// FormatCentralPhoneBook: PBXware Central Phone Book, no header.
	FormatCentralPhoneBook
	// FormatGoogle: Google Contacts export (current or old header).
	FormatGoogle
	// FormatOutlook: Outlook CSV export.
	FormatOutlook
)

// String returns the format's name.
func (f Format) String() string {
	switch f {
	case FormatCentralPhoneBook:
		return "central-phone-book"
	case FormatGoogle:
		return "google"
	case FormatOutlook:
		return "outlook"
	}
	return "unknown"
}

// Describe says, in a sentence fragment for people, what the format is and
// how it was told: "Central Phone Book (no header row)".
func (f Format) Describe() string {
	switch f {
	case FormatCentralPhoneBook:
		return "Central Phone Book (no header row)"
	case FormatGoogle:
		return "Google Contacts export (recognised by its header row)"
	case FormatOutlook:
		return "Outlook export (recognised by its header row)"
	}
	return "unknown (the file is empty)"
}

// role is what a header column holds.
type role uint8

const (
	roleIgnore role = iota
	roleFirst
	roleMiddle
	roleLast
	roleFullName
	roleCompany
	roleDepartment
	roleJobTitle
	roleOffice
	rolePhone      // value of a fixed-type phone column (Outlook)
	rolePhoneLabel // "Phone n - Label/Type" (Google)
	rolePhoneValue // "Phone n - Value" (Google)
	roleEmail      // address of a fixed e-mail column (Outlook)
	roleEmailLabel // "E-mail n - Label/Type" (Google)
	roleEmailValue // "E-mail n - Value" (Google)
)

// column describes one header column.
type column struct {
	role  role
	typ   phonebook.NumberType // rolePhone
	group int                  // Google "n" of "Phone n - …"; pairs label and value
	name  string               // header text, for messages
}

// plan maps the columns of a headed file.
type plan struct {
	cols []column
	// label column index per Google phone/e-mail group (-1 if none).
	phoneLabel map[int]int
	emailLabel map[int]int
}

// detect inspects a first record and returns the header format it is, or
// FormatCentralPhoneBook.
func detect(fields []string) (Format, *plan) {
	lower := make([]string, len(fields))
	has := map[string]bool{}
	google := false
	for i, f := range fields {
		l := strings.ToLower(strings.TrimSpace(f))
		lower[i] = l
		has[l] = true
		if _, kind, _, ok := googleGroup(l); ok && (kind == "value" || kind == "label" || kind == "type") {
			google = true
		}
	}
	switch {
	case google || (has["given name"] && has["family name"]):
		return FormatGoogle, googlePlan(fields, lower)
	case (has["first name"] || has["last name"]) &&
		(has["business phone"] || has["mobile phone"] || has["home phone"] || has["e-mail address"] || has["company"]):
		return FormatOutlook, outlookPlan(fields, lower)
	}
	return FormatCentralPhoneBook, nil
}

// googleGroup splits "phone 2 - value" into ("phone", "value", 2).
func googleGroup(l string) (what, kind string, n int, ok bool) {
	i := strings.Index(l, " - ")
	if i < 0 {
		return "", "", 0, false
	}
	head, kind := l[:i], l[i+3:]
	j := strings.LastIndexByte(head, ' ')
	if j < 0 {
		return "", "", 0, false
	}
	n, err := strconv.Atoi(head[j+1:])
	if err != nil {
		return "", "", 0, false
	}
	return head[:j], kind, n, true
}

func googlePlan(fields, lower []string) *plan {
	p := &plan{cols: make([]column, len(fields)), phoneLabel: map[int]int{}, emailLabel: map[int]int{}}
	for i, l := range lower {
		c := column{name: fields[i]}
		switch l {
		case "first name", "given name":
			c.role = roleFirst
		case "middle name", "additional name":
			c.role = roleMiddle
		case "last name", "family name":
			c.role = roleLast
		case "name":
			c.role = roleFullName
		case "organization name", "organization 1 - name":
			c.role = roleCompany
		case "organization title", "organization 1 - title":
			c.role = roleJobTitle
		case "organization department", "organization 1 - department":
			c.role = roleDepartment
		default:
			what, kind, n, ok := googleGroup(l)
			if !ok {
				break
			}
			c.group = n
			switch {
			case what == "phone" && (kind == "label" || kind == "type"):
				c.role = rolePhoneLabel
				p.phoneLabel[n] = i
			case what == "phone" && kind == "value":
				c.role = rolePhoneValue
			case what == "e-mail" && (kind == "label" || kind == "type"):
				c.role = roleEmailLabel
				p.emailLabel[n] = i
			case what == "e-mail" && kind == "value":
				c.role = roleEmailValue
			}
		}
		p.cols[i] = c
	}
	return p
}

// outlookOtherPhones are Outlook phone columns whose names do not end in
// "phone" or "fax".
var outlookOtherPhones = map[string]bool{"callback": true, "isdn": true, "pager": true, "telex": true}

// genericPhones are phone column names of hand-made files with a header
// row that Outlook's detection accepts (first name or last name, and
// company…): read as numbers rather than skipped.
var genericPhones = map[string]bool{
	"phone": true, "telephone": true, "tel": true, "phone number": true, "telephone number": true, "number": true,
	"mobile": true, "cell": true, "mobile number": true, "cell number": true, "gsm": true,
	"fax": true, "fax number": true, "work": true, "home": true, "business": true, "other": true,
}

func outlookPlan(fields, lower []string) *plan {
	p := &plan{cols: make([]column, len(fields))}
	for i, l := range lower {
		c := column{name: fields[i]}
		switch {
		case l == "first name":
			c.role = roleFirst
		case l == "middle name":
			c.role = roleMiddle
		case l == "last name":
			c.role = roleLast
		case l == "company":
			c.role = roleCompany
		case l == "department":
			c.role = roleDepartment
		case l == "job title":
			c.role = roleJobTitle
		case l == "office location":
			c.role = roleOffice
		case l == "e-mail address" || (strings.HasPrefix(l, "e-mail ") && strings.HasSuffix(l, " address")):
			c.role = roleEmail
		case strings.HasSuffix(l, " phone") || strings.HasSuffix(l, " phone 2") ||
			strings.HasSuffix(l, " fax") || outlookOtherPhones[l] || genericPhones[l]:
			c.role = rolePhone
			c.typ = mapLabel(l)
		}
		p.cols[i] = c
	}
	return p
}

// mapLabel maps a Google label or Outlook column name to a number type
// (our mapping of the labels Google Contacts exports and of Outlook's column
// names, e.g. "Business Fax", "Mobile Phone", "Company Main Phone"; Outlook's
// export: https://support.microsoft.com/office/import-contacts-to-outlook-bb796340-b58a-46c1-90c7-b549b8f3c5f8):
// *fax → fax; mobile/cell → mobile; business/work/company main → work;
// home → home; else other.
func mapLabel(l string) phonebook.NumberType {
	l = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "*")))
	switch {
	case strings.Contains(l, "fax"):
		return phonebook.NumberFax
	case strings.Contains(l, "mobile") || strings.Contains(l, "cell") || l == "gsm":
		return phonebook.NumberMobile
	case strings.HasPrefix(l, "business") || strings.HasPrefix(l, "work") || strings.HasPrefix(l, "company main"):
		return phonebook.NumberWork
	case strings.HasPrefix(l, "home"):
		return phonebook.NumberHome
	}
	return phonebook.NumberOther
}
