package provisioning

import (
	"fmt"
	"strconv"

	"github.com/beevik/etree"
)

// Cisco limits, from Cisco's "CiscoIPPhone XML Objects" chapter (below
// "the Cisco chapter"),
// https://www.cisco.com/c/en/us/td/docs/voice_ip_comm/cuipph/all_models/xsi/9-1-1/CUIP_BK_P82B3B16_00_phones-services-application-development-notes/CUIP_BK_P82B3B16_00_phones-services-application-development-notes_chapter_011.html:
// 32 DirectoryEntry per directory, 100 MenuItem per menu, MenuItem/Name 64
// characters. The 32-character and 256-byte figures are not in Cisco's
// current text: they are the ones usually attributed to the old SDK schema,
// kept as conservative limits for the 79xx.
const (
	CiscoMaxEntries   = 32  // DirectoryEntry per CiscoIPPhoneDirectory
	CiscoMaxMenuItems = 100 // MenuItem per CiscoIPPhoneMenu
	CiscoMaxText      = 32  // Name, Telephone, Title, Prompt: characters
	CiscoMaxMenuName  = 64  // MenuItem/Name: characters
	CiscoMaxURL       = 256 // any URL: bytes
)

// Cisco softkey positions used on directory pages.
const (
	CiscoKeyDial = 1
	CiscoKeyPrev = 2
	CiscoKeyNext = 3
	CiscoKeyExit = 4
)

// CiscoMenuItem is one entry of a CiscoIPPhoneMenu.
type CiscoMenuItem struct {
	Name string
	URL  string
}

// CiscoMenu renders a CiscoIPPhoneMenu (Title, Prompt, MenuItem*): the entry
// point the phone's directoryURL names. It is valid even with no items
// (the Cisco chapter, "Custom Directories": the directory URL must return a
// valid CiscoIPPhoneMenu, even an empty one). Item names are cut to 64
// characters; at most 100 items.
func CiscoMenu(title, prompt string, items []CiscoMenuItem) (*etree.Document, error) {
	if len(items) > CiscoMaxMenuItems {
		return nil, fmt.Errorf("cisco menu: %d items, at most %d", len(items), CiscoMaxMenuItems)
	}
	doc := newDocument(UTF8)
	root := doc.CreateElement("CiscoIPPhoneMenu")
	ciscoTitlePrompt(root, title, prompt)
	for i, it := range items {
		if err := checkURL(it.URL); err != nil {
			return nil, fmt.Errorf("cisco menu item %d: %w", i+1, err)
		}
		m := root.CreateElement("MenuItem")
		m.CreateElement("Name").SetText(TruncateRunes(Clean(it.Name), CiscoMaxMenuName))
		m.CreateElement("URL").SetText(it.URL)
	}
	return doc, nil
}

// CiscoInput renders a CiscoIPPhoneInput asking for one search term sent as
// query parameter param (InputItem/QueryStringParam) to url (the Cisco
// chapter, CiscoIPPhoneInput).
func CiscoInput(title, prompt, url, param string) (*etree.Document, error) {
	if err := checkURL(url); err != nil {
		return nil, fmt.Errorf("cisco input: %w", err)
	}
	doc := newDocument(UTF8)
	root := doc.CreateElement("CiscoIPPhoneInput")
	ciscoTitlePrompt(root, title, prompt)
	root.CreateElement("URL").SetText(url)
	item := root.CreateElement("InputItem")
	item.CreateElement("DisplayName").SetText(TruncateRunes(Clean(prompt), CiscoMaxText))
	item.CreateElement("QueryStringParam").SetText(param)
	item.CreateElement("DefaultValue")
	item.CreateElement("InputFlags").SetText("A")
	return doc, nil
}

// CiscoPage is one page of a Cisco directory.
type CiscoPage struct {
	Title  string
	Prompt string
	// Entries are the page's contacts; each shows its primary number.
	// Contacts without a number are skipped. At most CiscoMaxEntries.
	Entries []CiscoEntry
	// PrevURL and NextURL, when set, add Prev and Next softkeys.
	PrevURL, NextURL string
}

// CiscoEntry is one DirectoryEntry.
type CiscoEntry struct {
	Name      string
	Telephone string
}

// CiscoEntries turns contacts into directory entries: one per contact with
// its primary number, names and numbers cut to 32 characters.
func CiscoEntries(b Book) []CiscoEntry {
	out := make([]CiscoEntry, 0, len(b.Contacts))
	for _, c := range b.Contacts {
		n, ok := PrimaryNumber(c)
		if !ok {
			continue
		}
		out = append(out, CiscoEntry{Name: DisplayName(c), Telephone: n.Value})
	}
	return out
}

// CiscoDirectory renders a CiscoIPPhoneDirectory page in the schema's element
// order: Title, Prompt, DirectoryEntry (Name, Telephone) ×≤32, SoftKeyItem
// (Name, URL, Position). Because any custom softkey removes the defaults
// (the Cisco chapter, SoftKeyItem), Dial and Exit are always defined, plus
// Prev/Next when given.
func CiscoDirectory(p CiscoPage) (*etree.Document, error) {
	if len(p.Entries) > CiscoMaxEntries {
		return nil, fmt.Errorf("cisco directory: %d entries, at most %d", len(p.Entries), CiscoMaxEntries)
	}
	for _, u := range []string{p.PrevURL, p.NextURL} {
		if err := checkURL(u); err != nil {
			return nil, fmt.Errorf("cisco directory: %w", err)
		}
	}
	doc := newDocument(UTF8)
	root := doc.CreateElement("CiscoIPPhoneDirectory")
	ciscoTitlePrompt(root, p.Title, p.Prompt)
	for _, e := range p.Entries {
		d := root.CreateElement("DirectoryEntry")
		d.CreateElement("Name").SetText(TruncateRunes(Clean(e.Name), CiscoMaxText))
		d.CreateElement("Telephone").SetText(TruncateRunes(Clean(e.Telephone), CiscoMaxText))
	}
	ciscoSoftKey(root, "Dial", "SoftKey:Dial", CiscoKeyDial)
	if p.PrevURL != "" {
		ciscoSoftKey(root, "Prev", p.PrevURL, CiscoKeyPrev)
	}
	if p.NextURL != "" {
		ciscoSoftKey(root, "Next", p.NextURL, CiscoKeyNext)
	}
	ciscoSoftKey(root, "Exit", "SoftKey:Exit", CiscoKeyExit)
	return doc, nil
}

// CiscoText renders a CiscoIPPhoneText: the answer when the directory fails,
// so the phone shows a message rather than an error page (our choice: the
// Cisco chapter defines CiscoIPPhoneText for plain messages; no vendor
// documents what a phone does with a 5xx page).
func CiscoText(title, text string) *etree.Document {
	doc := newDocument(UTF8)
	root := doc.CreateElement("CiscoIPPhoneText")
	root.CreateElement("Title").SetText(TruncateRunes(Clean(title), CiscoMaxText))
	root.CreateElement("Text").SetText(Clean(text))
	ciscoSoftKey(root, "Exit", "SoftKey:Exit", 1)
	return doc
}

func ciscoTitlePrompt(root *etree.Element, title, prompt string) {
	if t := TruncateRunes(Clean(title), CiscoMaxText); t != "" {
		root.CreateElement("Title").SetText(t)
	}
	if p := TruncateRunes(Clean(prompt), CiscoMaxText); p != "" {
		root.CreateElement("Prompt").SetText(p)
	}
}

func ciscoSoftKey(root *etree.Element, name, url string, pos int) {
	k := root.CreateElement("SoftKeyItem")
	k.CreateElement("Name").SetText(name)
	k.CreateElement("URL").SetText(url)
	k.CreateElement("Position").SetText(strconv.Itoa(pos))
}

func checkURL(u string) error {
	if len(u) > CiscoMaxURL {
		return fmt.Errorf("URL of %d bytes, at most %d", len(u), CiscoMaxURL)
	}
	return nil
}
