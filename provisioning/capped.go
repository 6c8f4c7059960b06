package provisioning

import (
	"fmt"

	"github.com/beevik/etree"
)

// CappedNote is the line a book cut to its vendor's cap shows: how many of
// how many contacts it holds, and that a search finds the others.
func CappedNote(shown, total int) string {
	return fmt.Sprintf("First %d of %d contacts: search for the others", shown, total)
}

// NoteCapped writes note into a rendered book where its format has a place
// the phone shows: the Title of a YealinkIPPhoneDirectory or
// YealinkIPPhoneBook, and an extra, empty group named with it in a
// Grandstream AddressBook (groups are listed on the phone). The Fanvil
// PhoneBook and the Snom tbook have no such place: an XML comment carries
// the note for whoever reads the file, and the phones find the others
// through their search URL. It reports whether the phone shows the note.
func NoteCapped(doc *etree.Document, note string) bool {
	root := doc.Root()
	if root == nil {
		return false
	}
	note = Clean(note)
	switch root.Tag {
	case "YealinkIPPhoneDirectory", "YealinkIPPhoneBook":
		t := root.SelectElement("Title")
		if t == nil {
			t = etree.NewElement("Title")
			root.InsertChildAt(0, t)
		}
		if cur := t.Text(); cur != "" {
			t.SetText(cur + " - " + note)
		} else {
			t.SetText(note)
		}
		return true
	case "AddressBook":
		id := len(root.SelectElements("pbgroup")) + 1
		// Groups come before contacts: insert after the last group (or
		// the version).
		at := 0
		for i, ch := range root.Child {
			if e, ok := ch.(*etree.Element); ok && (e.Tag == "pbgroup" || e.Tag == "version") {
				at = i + 1
			}
		}
		pg := etree.NewElement("pbgroup")
		pg.CreateElement("id").SetText(fmt.Sprint(id))
		pg.CreateElement("name").SetText(note)
		pg.CreateElement("ringtones").SetText("default ringtone")
		root.InsertChildAt(at, pg)
		return true
	}
	root.InsertChildAt(0, etree.NewComment(" "+note+" "))
	return false
}
