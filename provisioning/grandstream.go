package provisioning

import (
	"strconv"

	"github.com/beevik/etree"
	"github.com/pbxagent/pbxagent/phonebook"
)

// GrandstreamAddressBook renders phonebook.xml (the structure of
// github.com/fusionpbx/fusionpbx
// resources/templates/provision/grandstream/gxp2170/phonebook.xml): a
// pbgroup per group, then a Contact per contact with a number, each Phone
// typed Work, Home or Cell (fax and other numbers are sent as Work) on
// account 0.
func GrandstreamAddressBook(groups []Group) *etree.Document {
	doc := newDocument(UTF8)
	root := doc.CreateElement("AddressBook")
	root.CreateElement("version").SetText("1")
	for i, g := range groups {
		pg := root.CreateElement("pbgroup")
		pg.CreateElement("id").SetText(strconv.Itoa(i + 1))
		pg.CreateElement("name").SetText(Clean(g.Name))
		pg.CreateElement("ringtones").SetText("default ringtone")
	}
	id := 0
	for gi, g := range groups {
		for _, c := range g.Contacts {
			nums := Numbers(c)
			if len(nums) == 0 {
				continue
			}
			first, last := Clean(c.FirstName), Clean(c.LastName)
			if first == "" && last == "" {
				first = DisplayName(c)
			}
			ct := root.CreateElement("Contact")
			ct.CreateElement("id").SetText(strconv.Itoa(id))
			id++
			ct.CreateElement("FirstName").SetText(first)
			ct.CreateElement("LastName").SetText(last)
			if co := Clean(c.Company); co != "" {
				ct.CreateElement("Company").SetText(co)
			}
			for _, n := range nums {
				ph := ct.CreateElement("Phone")
				ph.CreateAttr("type", grandstreamType(n.Type))
				ph.CreateElement("phonenumber").SetText(n.Value)
				ph.CreateElement("accountindex").SetText("0")
			}
			ct.CreateElement("Group").SetText(strconv.Itoa(gi + 1))
			ct.CreateElement("Primary").SetText("0")
		}
	}
	return doc
}

func grandstreamType(t phonebook.NumberType) string {
	switch t {
	case phonebook.NumberMobile:
		return "Cell"
	case phonebook.NumberHome:
		return "Home"
	}
	return "Work"
}
