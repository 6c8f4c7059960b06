package provisioning

import (
	"sort"
	"strings"

	"github.com/pbxagent/pbxagent/phonebook"
)

// Book is what a directory renderer shows: a title and contacts in display
// order (the order the directory returned them in).
type Book struct {
	Title    string
	Contacts []*phonebook.Contact
}

// Dialable is one number of a contact as a phone will dial it.
type Dialable struct {
	// Label is the display label of the number type ("Work", "Mobile"…).
	Label string
	// Type is the number's type.
	Type phonebook.NumberType
	// Value is the DialString of the stored number.
	Value string
}

// NumberLabel returns the label phones show for a number type.
func NumberLabel(t phonebook.NumberType) string {
	switch t {
	case phonebook.NumberWork:
		return "Work"
	case phonebook.NumberMobile:
		return "Mobile"
	case phonebook.NumberHome:
		return "Home"
	case phonebook.NumberFax:
		return "Fax"
	}
	return "Other"
}

// Numbers returns the contact's dialable numbers in stored order, without
// empty or duplicate values.
func Numbers(c *phonebook.Contact) []Dialable {
	out := make([]Dialable, 0, len(c.Numbers))
	seen := make(map[string]bool, len(c.Numbers))
	for _, n := range c.Numbers {
		v := DialString(n.Value)
		if v == "" || seen[v] {
			continue
		}
		seen[v] = true
		out = append(out, Dialable{Label: NumberLabel(n.Type), Type: n.Type, Value: v})
	}
	return out
}

// PrimaryNumber picks the one number shown where a format has room for only
// one: the first work number, else mobile, else any number but fax, else fax.
func PrimaryNumber(c *phonebook.Contact) (Dialable, bool) {
	nums := Numbers(c)
	for _, want := range []phonebook.NumberType{phonebook.NumberWork, phonebook.NumberMobile} {
		for _, n := range nums {
			if n.Type == want {
				return n, true
			}
		}
	}
	for _, n := range nums {
		if n.Type != phonebook.NumberFax {
			return n, true
		}
	}
	if len(nums) > 0 {
		return nums[0], true
	}
	return Dialable{}, false
}

// DisplayName returns the cleaned name a phone shows for c.
func DisplayName(c *phonebook.Contact) string {
	if s := Clean(c.DisplayName); s != "" {
		return s
	}
	return Clean(c.DeriveDisplayName())
}

// GroupBy names the contact field that groups a grouped book.
type GroupBy string

// Grouping fields.
const (
	GroupByCompany    GroupBy = "company"
	GroupByDepartment GroupBy = "department"
	GroupBySource     GroupBy = "source"
	// GroupByScope puts global contacts in one group and the owner's
	// personal contacts in another (the "personal book").
	GroupByScope GroupBy = "scope"
)

// ParseGroupBy maps a configuration value to a GroupBy: company,
// department, source, or scope (alias personal: the personal book apart).
func ParseGroupBy(s string) (GroupBy, bool) {
	switch g := GroupBy(strings.ToLower(strings.TrimSpace(s))); g {
	case GroupByCompany, GroupByDepartment, GroupBySource, GroupByScope:
		return g, true
	case "personal":
		return GroupByScope, true
	}
	return "", false
}

// Group is a named set of contacts in a grouped book.
type Group struct {
	Name     string
	Contacts []*phonebook.Contact
}

// Group names used when a contact has no value for the grouping field, and
// for the two scopes.
const (
	GroupOther    = "Other"
	GroupCompany  = "Company"
	GroupPersonal = "Personal"
)

// GroupContacts splits contacts into groups by the field by names. Groups
// are sorted by name (case-insensitively) with the "Other" group last;
// contacts keep their relative order inside each group.
func GroupContacts(contacts []*phonebook.Contact, by GroupBy) []Group {
	index := map[string]int{}
	var groups []Group
	for _, c := range contacts {
		name := groupName(c, by)
		i, ok := index[name]
		if !ok {
			i = len(groups)
			index[name] = i
			groups = append(groups, Group{Name: name})
		}
		groups[i].Contacts = append(groups[i].Contacts, c)
	}
	sort.SliceStable(groups, func(i, j int) bool {
		a, b := groups[i].Name, groups[j].Name
		if (a == GroupOther) != (b == GroupOther) {
			return b == GroupOther
		}
		la, lb := strings.ToLower(a), strings.ToLower(b)
		if la != lb {
			return la < lb
		}
		return a < b
	})
	return groups
}

func groupName(c *phonebook.Contact, by GroupBy) string {
	var v string
	switch by {
	case GroupByDepartment:
		v = c.Department
	case GroupBySource:
		v = c.Source
	case GroupByScope:
		if c.Scope == phonebook.ScopePersonal {
			return GroupPersonal
		}
		return GroupCompany
	default:
		v = c.Company
	}
	if v = Clean(v); v == "" {
		return GroupOther
	}
	return v
}
