package provisioning

import (
	"sort"

	"github.com/beevik/etree"
	"github.com/pbxagent/pbxagent/phonebook"
)

// PolycomMaxBytes is the limit of fn, ln and lb: 40 bytes of UTF-8 (Polycom
// SIP 3.0.2 administrator's guide,
// https://manualsbrain.com/de/manuals/988802/?page=59; 1.4.x guide,
// https://manualsdump.com/en/manuals/polycom-version_1.4.x_17/126223/37).
const PolycomMaxBytes = 40

// PolycomDirectory renders a Polycom <MAC>-directory.xml (or the
// 000000000000-directory.xml seed; Polycom SIP 3.1 admin guide,
// http://audio.manualsonline.com/manuals/mfg/polycom/sip_31.html?p=64, and
// the guides cited on PolycomMaxBytes): one item per distinct number, since
// ct must be non-empty and unique in the file; fn, ln and lb are cut to 40
// bytes on a rune boundary. The label is the display name, with
// the number type appended for a contact's second and further numbers.
func PolycomDirectory(contacts []*phonebook.Contact) *etree.Document {
	doc := newDocument(UTF8)
	doc.Child = nil
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8" standalone="yes"`)
	root := doc.CreateElement("directory")
	list := root.CreateElement("item_list")
	seen := map[string]bool{}
	for _, c := range contacts {
		name := DisplayName(c)
		first, last := Clean(c.FirstName), Clean(c.LastName)
		if first == "" && last == "" {
			first = name
		}
		for i, n := range Numbers(c) {
			if seen[n.Value] {
				continue
			}
			seen[n.Value] = true
			label := TruncateBytes(name, PolycomMaxBytes)
			if i > 0 {
				suffix := " (" + n.Label + ")"
				label = TruncateBytes(name, PolycomMaxBytes-len(suffix)) + suffix
			}
			it := list.CreateElement("item")
			it.CreateElement("ln").SetText(TruncateBytes(last, PolycomMaxBytes))
			it.CreateElement("fn").SetText(TruncateBytes(first, PolycomMaxBytes))
			it.CreateElement("ct").SetText(n.Value)
			it.CreateElement("lb").SetText(label)
		}
	}
	return doc
}

// PolycomPage is the microbrowser search page (an XHTML form, as
// github.com/wazo-platform/wazo-phoned serves it,
// wazo_phoned/plugins/polycom/templates/).
type PolycomPage struct {
	Title string
	// Action is the URL the search form is sent to (method GET, field q).
	Action string
	// Hidden are extra form fields (e.g. the phone's token), sent with the term.
	Hidden map[string]string
	// Term is the current search text, shown in the field.
	Term string
	// Contacts are the results; empty on the first visit.
	Contacts []*phonebook.Contact
	// Searched says a search was made, so "No entries" is shown when empty.
	Searched bool
	// PrevURL and NextURL, when set, add paging links.
	PrevURL, NextURL string
}

// PolycomSearchPage renders an XHTML page for the Polycom microbrowser: a
// search form and the results as tel:// links, one per number.
func PolycomSearchPage(p PolycomPage) *etree.Document {
	doc := newDocument(UTF8)
	html := doc.CreateElement("html")
	html.CreateAttr("xmlns", "http://www.w3.org/1999/xhtml")
	head := html.CreateElement("head")
	head.CreateElement("title").SetText(Clean(p.Title))
	body := html.CreateElement("body")
	form := body.CreateElement("form")
	form.CreateAttr("method", "get")
	form.CreateAttr("action", p.Action)
	keys := make([]string, 0, len(p.Hidden))
	for k := range p.Hidden {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		in := form.CreateElement("input")
		in.CreateAttr("type", "hidden")
		in.CreateAttr("name", k)
		in.CreateAttr("value", p.Hidden[k])
	}
	in := form.CreateElement("input")
	in.CreateAttr("type", "text")
	in.CreateAttr("name", "q")
	in.CreateAttr("value", Clean(p.Term))
	sub := form.CreateElement("input")
	sub.CreateAttr("type", "submit")
	sub.CreateAttr("value", "Search")
	n := 0
	for _, c := range p.Contacts {
		name := DisplayName(c)
		for _, num := range Numbers(c) {
			para := body.CreateElement("p")
			a := para.CreateElement("a")
			a.CreateAttr("href", "tel://"+num.Value)
			a.SetText(name + " (" + num.Label + ")")
			n++
		}
	}
	if n == 0 && p.Searched {
		body.CreateElement("p").SetText("No entries")
	}
	if p.PrevURL != "" || p.NextURL != "" {
		nav := body.CreateElement("p")
		if p.PrevURL != "" {
			a := nav.CreateElement("a")
			a.CreateAttr("href", p.PrevURL)
			a.SetText("Prev")
		}
		if p.NextURL != "" {
			a := nav.CreateElement("a")
			a.CreateAttr("href", p.NextURL)
			a.SetText("Next")
		}
	}
	return doc
}
