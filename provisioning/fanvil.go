package provisioning

import (
	"github.com/beevik/etree"
)

// FanvilDirectory renders search results as a FanvilIPPhoneDirectory in the
// Title / DirectoryEntry (Name, Telephone…) shape (as FusionPBX serves it:
// github.com/fusionpbx/fusionpbx
// resources/templates/provision/fanvil/w611w/directory.xml), a Telephone
// per number. With no contacts it is an empty but valid root.
func FanvilDirectory(b Book) *etree.Document {
	doc := newDocument(UTF8)
	root := doc.CreateElement("FanvilIPPhoneDirectory")
	root.CreateElement("Title").SetText(Clean(b.Title))
	for _, c := range b.Contacts {
		nums := Numbers(c)
		if len(nums) == 0 {
			continue
		}
		e := root.CreateElement("DirectoryEntry")
		e.CreateElement("Name").SetText(DisplayName(c))
		for _, n := range nums {
			e.CreateElement("Telephone").SetText(n.Value)
		}
	}
	return doc
}

// FanvilPhoneBook renders the downloadable <PhoneBook> (as wazo-phoned
// serves it: github.com/wazo-platform/wazo-phoned
// wazo_phoned/plugins/fanvil/templates/fanvil_results_v2.jinja): per
// contact Name, Telephone (primary), Mobile, Other, Ring and Group.
func FanvilPhoneBook(groups []Group) *etree.Document {
	doc := newDocument(UTF8)
	root := doc.CreateElement("PhoneBook")
	for _, g := range groups {
		for _, c := range g.Contacts {
			nums := Numbers(c)
			if len(nums) == 0 {
				continue
			}
			primary, _ := PrimaryNumber(c)
			var mobile, other string
			for _, n := range nums {
				switch {
				case n.Value == primary.Value:
				case n.Label == "Mobile" && mobile == "":
					mobile = n.Value
				case other == "":
					other = n.Value
				}
			}
			e := root.CreateElement("DirectoryEntry")
			e.CreateElement("Name").SetText(DisplayName(c))
			e.CreateElement("Telephone").SetText(primary.Value)
			e.CreateElement("Mobile").SetText(mobile)
			e.CreateElement("Other").SetText(other)
			e.CreateElement("Ring").SetText("Default")
			e.CreateElement("Group").SetText(Clean(g.Name))
		}
	}
	return doc
}
