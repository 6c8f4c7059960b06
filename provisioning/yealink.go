package provisioning

import (
	"strconv"

	"github.com/beevik/etree"
)

// YealinkMaxUnitPhones is the number of PhoneN attributes a YealinkIPPhoneBook
// Unit carries: Yealink DECT handsets show only three fixed number fields,
// desk phones show the labels (github.com/Nevexo/voip-phonebook
// vendor/yealink-xml-basic/README.md), so Phone1..3 work on both.
const YealinkMaxUnitPhones = 3

// YealinkDirectory renders the flat YealinkIPPhoneDirectory (as
// github.com/wazo-platform/wazo-phoned serves it,
// wazo_phoned/plugins/yealink/templates/yealink_results.jinja; several
// Telephone children as in github.com/fusionpbx/fusionpbx
// resources/templates/provision/yealink/t46u/directory.xml): one
// DirectoryEntry per contact with a number, a Telephone per number carrying a
// label attribute with the number type. It serves the full book, search
// results and incoming-call lookups alike; with no contacts it is an empty
// but valid root (an "No entries" placeholder would be shown as the caller's
// name on a lookup miss).
func YealinkDirectory(b Book) *etree.Document {
	doc := newDocument(UTF8)
	root := doc.CreateElement("YealinkIPPhoneDirectory")
	if t := Clean(b.Title); t != "" {
		root.CreateElement("Title").SetText(t)
	}
	for _, c := range b.Contacts {
		nums := Numbers(c)
		if len(nums) == 0 {
			continue
		}
		e := root.CreateElement("DirectoryEntry")
		e.CreateElement("Name").SetText(DisplayName(c))
		for _, n := range nums {
			t := e.CreateElement("Telephone")
			t.CreateAttr("label", n.Label)
			t.SetText(n.Value)
		}
	}
	return doc
}

// YealinkPhoneBook renders the grouped YealinkIPPhoneBook (Title, Menu Name,
// Unit Name/Phone1..3, as in github.com/Nevexo/voip-phonebook
// vendor/yealink-xml-basic/README.md): a Menu
// per group, a Unit per contact with Name and Phone1..Phone3 attributes.
// Empty groups are left out; with no groups the root holds only the Title.
func YealinkPhoneBook(title string, groups []Group) *etree.Document {
	doc := newDocument(UTF8)
	root := doc.CreateElement("YealinkIPPhoneBook")
	root.CreateElement("Title").SetText(Clean(title))
	for _, g := range groups {
		var menu *etree.Element
		for _, c := range g.Contacts {
			nums := Numbers(c)
			if len(nums) == 0 {
				continue
			}
			if menu == nil {
				menu = root.CreateElement("Menu")
				menu.CreateAttr("Name", Clean(g.Name))
			}
			u := menu.CreateElement("Unit")
			u.CreateAttr("Name", DisplayName(c))
			for i := 0; i < YealinkMaxUnitPhones; i++ {
				v := ""
				if i < len(nums) {
					v = nums[i].Value
				}
				u.CreateAttr("Phone"+strconv.Itoa(i+1), v)
			}
		}
	}
	return doc
}
