package provisioning

import (
	"fmt"
	"net/url"
	"strconv"

	"github.com/beevik/etree"
	"github.com/pbxagent/pbxagent/phonebook"
)

// SnomInputToken is the placeholder the Snom minibrowser replaces with the
// typed text inside the input's Url (InputToken; as
// github.com/wazo-platform/wazo-phoned uses it,
// wazo_phoned/plugins/snom/templates/snom_input.jinja).
const SnomInputToken = "__X__"

// SnomTBook renders a downloadable <tbook e="2" complete="true"> (Snom wiki,
// https://service.snom.com/display/wiki/%3Ctbook%3E%2C%3Cphone-book%3E+tag):
// one item per number, unique index from 0, context "active", type
// "colleagues" for global contacts and "friends" for personal ones. The
// complete flag makes the phone replace its list, deleting stale entries.
func SnomTBook(contacts []*phonebook.Contact) *etree.Document {
	doc := newDocument(UTF8)
	root := doc.CreateElement("tbook")
	root.CreateAttr("e", "2")
	root.CreateAttr("complete", "true")
	idx := 0
	for _, c := range contacts {
		name := DisplayName(c)
		typ := "colleagues"
		if c.Scope == phonebook.ScopePersonal {
			typ = "friends"
		}
		for _, n := range Numbers(c) {
			it := root.CreateElement("item")
			it.CreateAttr("context", "active")
			it.CreateAttr("type", typ)
			it.CreateAttr("index", strconv.Itoa(idx))
			idx++
			it.CreateElement("name").SetText(name)
			it.CreateElement("number").SetText(n.Value)
		}
	}
	return doc
}

// SnomInput renders a SnomIPPhoneInput whose Url contains SnomInputToken
// where the phone puts the typed text (wazo-phoned's snom_input.jinja, see
// SnomInputToken).
func SnomInput(title, prompt, url string) *etree.Document {
	doc := newDocument(UTF8)
	root := doc.CreateElement("SnomIPPhoneInput")
	root.CreateElement("Title").SetText(Clean(title))
	root.CreateElement("Url").SetText(url)
	item := root.CreateElement("InputItem")
	item.CreateElement("DisplayName").SetText(Clean(prompt))
	item.CreateElement("InputToken").SetText(SnomInputToken)
	item.CreateElement("DefaultValue")
	item.CreateElement("InputFlags").SetText("a")
	return doc
}

// SnomPage is one page of Snom minibrowser results.
type SnomPage struct {
	Title            string
	Contacts         []*phonebook.Contact
	PrevURL, NextURL string
}

// SnomMenu renders search results as a SnomIPPhoneMenu (as
// github.com/wazo-platform/wazo-phoned serves it,
// wazo_phoned/plugins/snom/templates/snom_results.jinja): a
// MenuItem per number that dials it, ExtraText with the number, and Prev/Next
// softkeys on F3/F4 when given. With no results it holds one "No entries"
// item that dials nothing.
func SnomMenu(p SnomPage) *etree.Document {
	doc := newDocument(UTF8)
	root := doc.CreateElement("SnomIPPhoneMenu")
	root.CreateElement("Title").SetText(Clean(p.Title))
	n := 0
	for _, c := range p.Contacts {
		name := DisplayName(c)
		nums := Numbers(c)
		for _, num := range nums {
			label := name
			if len(nums) > 1 {
				label = fmt.Sprintf("%s (%s)", name, num.Label)
			}
			m := root.CreateElement("MenuItem")
			m.CreateAttr("name", label)
			m.CreateElement("Url").SetText("snom://mb_nop#numberdial=" + url.QueryEscape(num.Value))
			m.CreateElement("ExtraText").SetText(num.Value)
			n++
		}
	}
	if n == 0 {
		m := root.CreateElement("MenuItem")
		m.CreateAttr("name", "No entries")
		m.CreateElement("Url").SetText("snom://mb_nop")
	}
	if p.PrevURL != "" {
		snomKey(root, "Prev", p.PrevURL, "F3")
	}
	if p.NextURL != "" {
		snomKey(root, "Next", p.NextURL, "F4")
	}
	return doc
}

func snomKey(root *etree.Element, label, url, name string) {
	k := root.CreateElement("SoftKeyItem")
	k.CreateElement("Label").SetText(label)
	k.CreateElement("URL").SetText(url)
	k.CreateElement("Name").SetText(name)
}
