package provisioning

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"

	"github.com/beevik/etree"
)

// PhoneConfig is what a per-phone configuration file needs. The URLs are
// built by the caller (agent/phones knows its routes and base URL) and may
// already carry the phone's token.
type PhoneConfig struct {
	// MAC is the phone's MAC address, 12 lower-case hex digits.
	MAC string
	// Model is the phone's model, informational.
	Model string
	// BookName is the directory's name as the phone shows it.
	BookName string
	// BookURL is the vendor's phonebook URL: Yealink's search URL ending in
	// "q=#SEARCH", Cisco's menu, Polycom's microbrowser page, Grandstream's
	// download path prefix, Snom's input page, Fanvil's URL ending in "q=".
	BookURL string
	// DownloadURL is the full-book URL where the vendor also downloads one
	// (Snom tbook, Fanvil PhoneBook); optional.
	DownloadURL string
	// Username and Password are the phone's HTTP credentials; empty when the
	// phone authenticates with a token in the URL instead.
	Username, Password string
	// RefreshSeconds is the full-book refresh interval; see RefreshInterval.
	RefreshSeconds int
	// CTIAllow is pbxagent's address as the phone sees it: the only
	// address the phone takes remote-control commands from (Yealink
	// features.action_uri_limit_ip). Empty: no remote-control keys are
	// written.
	CTIAllow string
	// LDAP is the LDAP directory offered beside the XML book; nil: none.
	// Each vendor's writer adds its LDAP keys when it is set.
	LDAP *LDAP
}

// RefreshInterval spreads the refresh of a fleet over base..base+spread-1
// seconds by the MAC, so phones rebooted together do not all refresh at
// once (our own measure: Yealink phones refresh on boot and then every
// features.remote_phonebook.flash_time seconds, Grandstream every P332
// minutes).
func RefreshInterval(mac string, base, spread int) int {
	if spread <= 0 {
		return base
	}
	h := fnv.New32a()
	h.Write([]byte(mac))
	return base + int(h.Sum32()%uint32(spread))
}

// YealinkConfig renders the Yealink <mac>.cfg lines that point the phone at
// its remote phonebook (keys as in github.com/fusionpbx/fusionpbx
// resources/templates/provision/yealink/t46u/y000000000108.cfg): URL, name,
// credentials (V84+), the lookup on incoming/outgoing calls and the refresh
// interval (clamped to Yealink's 3600–2592000 s range). The V84 and range
// figures are from the comments of Yealink's own template files as public
// provisioning repositories reproduce them ("##V84 ADD"; "Integer from 3600
// to 2592000"), not re-checked in a Yealink guide.
func YealinkConfig(c PhoneConfig) []byte {
	var b bytes.Buffer
	b.WriteString("#!version:1.0.0.1\n")
	b.WriteString("## pbxagent remote phonebook for " + c.MAC + "\n")
	kv := func(k, v string) { fmt.Fprintf(&b, "%s = %s\n", k, cfgValue(v)) }
	kv("remote_phonebook.data.1.url", c.BookURL)
	kv("remote_phonebook.data.1.name", Clean(c.BookName))
	kv("remote_phonebook.data.1.username", c.Username)
	kv("remote_phonebook.data.1.password", c.Password)
	kv("features.remote_phonebook.enable", "1")
	kv("features.remote_phonebook.flash_time", strconv.Itoa(min(max(c.RefreshSeconds, 3600), 2592000)))
	kv("features.remote_phonebook.enter_update_enable", "1")
	if c.CTIAllow != "" {
		// Remote control (action URI) from pbxagent only, without the
		// phone's "Allow remote control?" prompt (Yealink administrator
		// guides, "Action URI Configuration":
		// https://easymanua.ls/yealink/t21pe2/manual?p=465).
		kv("features.action_uri.enable", "1")
		kv("features.action_uri_limit_ip", c.CTIAllow)
		kv("features.show_action_uri_option", "0")
	}
	if c.LDAP != nil {
		yealinkLDAP(kv, c.LDAP)
	}
	return b.Bytes()
}

// cfgValue keeps a key = value line on one line.
func cfgValue(v string) string {
	return strings.NewReplacer("\r", "", "\n", "").Replace(v)
}

// CiscoSEPConfig renders the enterprise SEP<MAC>.cnf.xml fragment with
// directoryURL pointing at the directory menu (as
// github.com/wazo-platform/wazo-provd-plugins does,
// plugins/wazo_cisco_sip/common/templates/base.tpl).
func CiscoSEPConfig(c PhoneConfig) *etree.Document {
	doc := newDocument(UTF8)
	dev := doc.CreateElement("device")
	dev.CreateElement("directoryURL").SetText(c.BookURL)
	return doc
}

// CiscoMPPConfig renders the MPP/3PCC flat profile with the XML directory
// service keys: XML_Directory_Service_Name/URL
// (github.com/wazo-platform/wazo-provd-plugins
// plugins/wazo_cisco_spa/common/templates/base.tpl) and the
// XML_User_Name/XML_Password pair the phone authenticates with
// (github.com/fusionpbx/fusionpbx, Cisco MPP templates under
// resources/templates/provision/cisco/).
func CiscoMPPConfig(c PhoneConfig) *etree.Document {
	doc := newDocument(UTF8)
	fp := doc.CreateElement("flat-profile")
	fp.CreateElement("XML_Directory_Service_Name").SetText(Clean(c.BookName))
	fp.CreateElement("XML_Directory_Service_URL").SetText(c.BookURL)
	fp.CreateElement("XML_User_Name").SetText(c.Username)
	fp.CreateElement("XML_Password").SetText(c.Password)
	if c.CTIAllow != "" {
		// CGI/Execute authenticated by Digest with the XML_User_Name and
		// XML_Password above ("CISCO XML EXE Auth Mode" = Remote
		// Credential: Cisco IP Phone 6800/7800 Multiplatform Phones
		// administration guides, "XML Applications",
		// https://manualshive.com/en/manual/cisco/6800-series/19535?page=156).
		fp.CreateElement("CISCO_XML_EXE_Auth_Mode").SetText("Remote Credential")
	}
	if c.LDAP != nil {
		ciscoMPPLDAP(fp, Clean(c.BookName), c.LDAP)
	}
	return doc
}

// PolycomMaster renders a Polycom master configuration file (<mac>.cfg):
// an APPLICATION element whose CONFIG_FILES lists the given files. It
// names no firmware (APP_FILE_PATH empty) and keeps the contacts directory
// at the default place.
func PolycomMaster(configFiles ...string) *etree.Document {
	doc := newDocument(UTF8)
	doc.Child = nil
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8" standalone="yes"`)
	app := doc.CreateElement("APPLICATION")
	app.CreateAttr("APP_FILE_PATH", "")
	app.CreateAttr("CONFIG_FILES", strings.Join(configFiles, ", "))
	app.CreateAttr("MISC_FILES", "")
	app.CreateAttr("LOG_FILE_DIRECTORY", "")
	app.CreateAttr("OVERRIDES_DIRECTORY", "")
	app.CreateAttr("CONTACTS_DIRECTORY", "")
	return doc
}

// PolycomConfig renders the Polycom settings file: the microbrowser home and a
// Directory soft key on the search page (mb.main.home, softkey.1.*, as
// github.com/wazo-platform/wazo-provd-plugins sets them,
// plugins/wazo_polycom/common/templates/base.tpl), and a read-only local
// directory since pbxagent owns its content (dir.local.readonly, as in
// github.com/fusionpbx/fusionpbx resources/templates/provision/polycom/5.x/;
// otherwise the phone uploads its edits, Polycom SIP 3.1 admin guide,
// http://audio.manualsonline.com/manuals/mfg/polycom/sip_31.html?p=64).
func PolycomConfig(c PhoneConfig) *etree.Document {
	doc := newDocument(UTF8)
	doc.Child = nil
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8" standalone="yes"`)
	root := doc.CreateElement("polycomConfig")
	mb := root.CreateElement("mb")
	mb.CreateAttr("mb.main.home", c.BookURL)
	sk := root.CreateElement("softkey")
	sk.CreateAttr("softkey.1.action", c.BookURL)
	sk.CreateAttr("softkey.1.label", Clean(c.BookName))
	sk.CreateAttr("softkey.1.enable", "1")
	sk.CreateAttr("softkey.1.use.idle", "1")
	dir := root.CreateElement("dir")
	dir.CreateAttr("dir.local.readonly", "1")
	if c.LDAP != nil {
		polycomLDAP(root, dir, c.LDAP)
	}
	return doc
}

// GrandstreamConfig renders cfg<mac>.xml (P-values as in
// github.com/fusionpbx/fusionpbx
// resources/templates/provision/grandstream/dp750/{$mac}.xml and
// grp2612/{$mac}.xml): phonebook download
// over HTTP or HTTPS (P330), server path without scheme (P331), interval in
// minutes (P332, rounded to the GXP/GRP choices), keep no edited entries
// (P333) and the download credentials (P6713/P6714).
func GrandstreamConfig(c PhoneConfig) *etree.Document {
	doc := newDocument(UTF8)
	root := doc.CreateElement("gs_provision")
	root.CreateAttr("version", "1")
	root.CreateElement("mac").SetText(c.MAC)
	cfg := root.CreateElement("config")
	cfg.CreateAttr("version", "1")
	mode, server := "1", c.BookURL
	switch {
	case strings.HasPrefix(server, "https://"):
		mode, server = "3", strings.TrimPrefix(server, "https://")
	case strings.HasPrefix(server, "http://"):
		server = strings.TrimPrefix(server, "http://")
	}
	cfg.CreateElement("P330").SetText(mode)
	cfg.CreateElement("P331").SetText(server)
	cfg.CreateElement("P332").SetText(strconv.Itoa(grandstreamInterval(c.RefreshSeconds)))
	cfg.CreateElement("P333").SetText("1")
	cfg.CreateElement("P6713").SetText(c.Username)
	cfg.CreateElement("P6714").SetText(c.Password)
	if c.LDAP != nil {
		grandstreamLDAP(cfg, c.LDAP)
	}
	return doc
}

// grandstreamInterval picks the smallest allowed GXP/GRP interval (minutes)
// not below the wanted one: 120, 240, 360, 480 or 720.
func grandstreamInterval(seconds int) int {
	m := seconds / 60
	for _, v := range []int{120, 240, 360, 480, 720} {
		if m <= v {
			return v
		}
	}
	return 720
}

// SnomConfig renders the Snom <MAC>.xml settings: the Directory key
// (dkey_directory, as github.com/wazo-platform/wazo-provd-plugins sets it,
// plugins/wazo_snom/common/templates/base.tpl) opens the search input in the
// minibrowser, and the tbook is downloaded as a setting file (Snom wiki,
// https://service.snom.com/display/wiki/%3Ctbook%3E%2C%3Cphone-book%3E+tag). Snom's http_user/http_pass protect the
// phone's own web interface, so the phone proves itself to pbxagent by the
// token or the user:password@ in the URLs instead; Username and Password
// are not written.
func SnomConfig(c PhoneConfig) *etree.Document {
	doc := newDocument(UTF8)
	root := doc.CreateElement("settings")
	ps := root.CreateElement("phone-settings")
	ps.CreateAttr("e", "2")
	dk := ps.CreateElement("dkey_directory")
	dk.CreateAttr("perm", "R")
	dk.SetText("url " + c.BookURL)
	if c.DownloadURL != "" {
		sf := root.CreateElement("setting-files")
		f := sf.CreateElement("file")
		f.CreateAttr("url", c.DownloadURL)
	}
	if c.LDAP != nil {
		snomLDAP(ps, c.LDAP)
	}
	return doc
}

// FanvilConfig renders the Fanvil <mac>.cfg (sysConf format): an XML
// phonebook entry (xmlContact, as github.com/wazo-platform/wazo-provd-plugins
// writes it, plugins/wazo_fanvil/common/templates/base-V-series.tpl) with the
// search URL ending in "q=" and its credentials, and a soft DSS key of type
// 21 opening it. Etree escapes the '&' of URLs: an unescaped '&' breaks the
// file (wazo-provd-plugins escapes it too, plugins/wazo_fanvil/common/common.py
// _add_phonebook_url).
func FanvilConfig(c PhoneConfig) *etree.Document {
	doc := newDocument(UTF8)
	root := doc.CreateElement("sysConf")
	root.CreateElement("Version").SetText("2.0000000000")
	xc := root.CreateElement("xmlContact")
	xc.CreateAttr("index", "1")
	xc.CreateElement("Name").SetText(Clean(c.BookName))
	xc.CreateElement("Addr").SetText(c.BookURL)
	xc.CreateElement("UserName").SetText(c.Username)
	xc.CreateElement("PassWd").SetText(c.Password)
	xc.CreateElement("Sipline").SetText("-1")
	xc.CreateElement("BindLine").SetText("-1")
	xc.CreateElement("PhonebookType").SetText("0")
	ds := root.CreateElement("dsskey")
	soft := ds.CreateElement("dssSoft")
	soft.CreateAttr("index", "1")
	soft.CreateElement("Type").SetText("21")
	soft.CreateElement("Value").SetText(c.BookURL)
	soft.CreateElement("Title").SetText(Clean(c.BookName))
	if c.LDAP != nil {
		fanvilLDAP(root, Clean(c.BookName), c.LDAP)
	}
	return doc
}
