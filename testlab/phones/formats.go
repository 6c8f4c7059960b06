package phones

import "encoding/xml"

// YealinkDirectory is YealinkIPPhoneDirectory.
type YealinkDirectory struct {
	XMLName xml.Name `xml:"YealinkIPPhoneDirectory"`
	Title   string   `xml:"Title"`
	Entries []struct {
		Name       string `xml:"Name"`
		Telephones []struct {
			Label  string `xml:"label,attr"`
			Number string `xml:",chardata"`
		} `xml:"Telephone"`
	} `xml:"DirectoryEntry"`
}

// YealinkPhoneBook is YealinkIPPhoneBook.
type YealinkPhoneBook struct {
	XMLName xml.Name `xml:"YealinkIPPhoneBook"`
	Title   string   `xml:"Title"`
	Menus   []struct {
		Name  string `xml:"Name,attr"`
		Units []struct {
			Name   string `xml:"Name,attr"`
			Phone1 string `xml:"Phone1,attr"`
			Phone2 string `xml:"Phone2,attr"`
			Phone3 string `xml:"Phone3,attr"`
		} `xml:"Unit"`
	} `xml:"Menu"`
}

// CiscoSoftKey is a SoftKeyItem.
type CiscoSoftKey struct {
	Name     string `xml:"Name"`
	URL      string `xml:"URL"`
	Position int    `xml:"Position"`
}

// CiscoDirectory is CiscoIPPhoneDirectory.
type CiscoDirectory struct {
	XMLName xml.Name `xml:"CiscoIPPhoneDirectory"`
	Title   string   `xml:"Title"`
	Prompt  string   `xml:"Prompt"`
	Entries []struct {
		Name      string `xml:"Name"`
		Telephone string `xml:"Telephone"`
	} `xml:"DirectoryEntry"`
	SoftKeys []CiscoSoftKey `xml:"SoftKeyItem"`
}

// Key returns the softkey named name.
func (d *CiscoDirectory) Key(name string) (CiscoSoftKey, bool) {
	for _, k := range d.SoftKeys {
		if k.Name == name {
			return k, true
		}
	}
	return CiscoSoftKey{}, false
}

// CiscoMenu is CiscoIPPhoneMenu.
type CiscoMenu struct {
	XMLName xml.Name `xml:"CiscoIPPhoneMenu"`
	Title   string   `xml:"Title"`
	Items   []struct {
		Name string `xml:"Name"`
		URL  string `xml:"URL"`
	} `xml:"MenuItem"`
}

// CiscoInput is CiscoIPPhoneInput.
type CiscoInput struct {
	XMLName xml.Name `xml:"CiscoIPPhoneInput"`
	URL     string   `xml:"URL"`
	Items   []struct {
		DisplayName      string `xml:"DisplayName"`
		QueryStringParam string `xml:"QueryStringParam"`
		InputFlags       string `xml:"InputFlags"`
	} `xml:"InputItem"`
}

// PolycomDirectory is a <MAC>-directory.xml.
type PolycomDirectory struct {
	XMLName xml.Name `xml:"directory"`
	Items   []struct {
		FirstName string `xml:"fn"`
		LastName  string `xml:"ln"`
		Contact   string `xml:"ct"`
		Label     string `xml:"lb"`
	} `xml:"item_list>item"`
}

// GrandstreamAddressBook is phonebook.xml.
type GrandstreamAddressBook struct {
	XMLName xml.Name `xml:"AddressBook"`
	Groups  []struct {
		ID   int    `xml:"id"`
		Name string `xml:"name"`
	} `xml:"pbgroup"`
	Contacts []struct {
		FirstName string `xml:"FirstName"`
		LastName  string `xml:"LastName"`
		Phones    []struct {
			Type   string `xml:"type,attr"`
			Number string `xml:"phonenumber"`
		} `xml:"Phone"`
		Group int `xml:"Group"`
	} `xml:"Contact"`
}

// SnomTBook is a <tbook>.
type SnomTBook struct {
	XMLName  xml.Name `xml:"tbook"`
	E        string   `xml:"e,attr"`
	Complete string   `xml:"complete,attr"`
	Items    []struct {
		Index  int    `xml:"index,attr"`
		Type   string `xml:"type,attr"`
		Name   string `xml:"name"`
		Number string `xml:"number"`
	} `xml:"item"`
}

// SnomMenu is SnomIPPhoneMenu.
type SnomMenu struct {
	XMLName xml.Name `xml:"SnomIPPhoneMenu"`
	Items   []struct {
		Name      string `xml:"name,attr"`
		URL       string `xml:"Url"`
		ExtraText string `xml:"ExtraText"`
	} `xml:"MenuItem"`
	SoftKeys []struct {
		Label string `xml:"Label"`
		URL   string `xml:"URL"`
	} `xml:"SoftKeyItem"`
}

// SnomInput is SnomIPPhoneInput.
type SnomInput struct {
	XMLName xml.Name `xml:"SnomIPPhoneInput"`
	URL     string   `xml:"Url"`
	Token   string   `xml:"InputItem>InputToken"`
}

// FanvilDirectory is FanvilIPPhoneDirectory.
type FanvilDirectory struct {
	XMLName xml.Name `xml:"FanvilIPPhoneDirectory"`
	Entries []struct {
		Name       string   `xml:"Name"`
		Telephones []string `xml:"Telephone"`
	} `xml:"DirectoryEntry"`
}

// FanvilPhoneBook is the downloadable <PhoneBook>.
type FanvilPhoneBook struct {
	XMLName xml.Name `xml:"PhoneBook"`
	Entries []struct {
		Name      string `xml:"Name"`
		Telephone string `xml:"Telephone"`
		Mobile    string `xml:"Mobile"`
		Other     string `xml:"Other"`
		Group     string `xml:"Group"`
	} `xml:"DirectoryEntry"`
}
