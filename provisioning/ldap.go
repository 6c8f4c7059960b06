package provisioning

import (
	"net"
	"strconv"

	"github.com/beevik/etree"
)

// LDAP is the LDAP directory (pbxagent's own, agent/ldapdir) a phone is
// given beside its XML book (docs/phones.md, "LDAP in the provisioning
// files"). The bind credentials are the phone's own phone-book username
// and password, the ones its XML book uses: never another secret.
type LDAP struct {
	// Host is the directory's host name or address as the phone reaches it.
	Host string
	// Port is the directory's TCP port (389 is LDAP's).
	Port int
	// BaseDN is where searches start (ldap.base_dn).
	BaseDN string
	// User and Password are the phone's own credentials (simple bind).
	User, Password string
	// MaxHits is the most entries the phone asks for (ldap.size_limit).
	MaxHits int
}

// The filters and attributes written per vendor: the forms of the
// "Vendors' filters" table of docs/phones.md (each a case of
// agent/ldapdir's TestVendorFilters), with the attributes the directory
// serves (cn, sn, givenName, telephoneNumber, mobile, homePhone).
const (
	// Yealink ldap.name_filter / ldap.number_filter.
	yealinkNameFilter   = "(|(cn=%)(sn=%))"
	yealinkNumberFilter = "(|(telephoneNumber=%)(mobile=%)(ipPhone=%))"
	// Grandstream P8026 / P8025.
	grandstreamNameFilter   = "(|(cn=%)(sn=%))"
	grandstreamNumberFilter = "(|(telephoneNumber=%)(Mobile=%))"
	// Snom ldap_search_filter / ldap_number_filter.
	snomNameFilter   = "(|(sn=%*)(cn=%*))"
	snomNumberFilter = "(&(telephoneNumber=%)(sn=*))"
	// Fanvil NameFilter / NumberFilter.
	fanvilNameFilter   = "(|(cn=%)(sn=%))"
	fanvilNumberFilter = "(|(telephoneNumber=%)(mobile=%)(homePhone=%))"
	// Cisco MPP LDAP_Last_Name_Filter / LDAP_First_Name_Filter /
	// LDAP_Display_Attrs.
	ciscoLastNameFilter  = "sn:(sn=$VALUE)"
	ciscoFirstNameFilter = "cn:(cn=$VALUE)"
	ciscoDisplayAttrs    = "a=givenName,n=firstname;a=sn,n=lastname;a=cn,n=cn;a=telephoneNumber,n=tele,t=p"
	// Polycom dir.corp.filterPrefix.
	polycomFilterPrefix = "(objectclass=person)"

	nameAttrs   = "cn sn"
	numberAttrs = "telephoneNumber mobile homePhone"
)

// maxHits keeps the hit count within the 1–32000 every vendor accepts
// (Yealink ldap.max_hits, Grandstream P8031).
func (l *LDAP) maxHits() string {
	return strconv.Itoa(min(max(l.MaxHits, 1), 32000))
}

// yealinkLDAP writes the Yealink ldap.* keys (y0000000000xx.cfg, as in
// github.com/fusionpbx/fusionpbx
// resources/templates/provision/yealink/t58w/y000000000150.cfg). The XML
// book keeps the lookup on incoming calls (ldap.call_in_lookup = 0), so a
// call is looked up once.
func yealinkLDAP(kv func(k, v string), l *LDAP) {
	kv("ldap.enable", "1")
	kv("ldap.host", l.Host)
	kv("ldap.port", strconv.Itoa(l.Port))
	kv("ldap.base", l.BaseDN)
	kv("ldap.user", l.User)
	kv("ldap.password", l.Password)
	kv("ldap.version", "3")
	kv("ldap.tls_mode", "0")
	kv("ldap.name_filter", yealinkNameFilter)
	kv("ldap.number_filter", yealinkNumberFilter)
	kv("ldap.name_attr", nameAttrs)
	kv("ldap.numb_attr", numberAttrs)
	kv("ldap.display_name", "%cn")
	kv("ldap.max_hits", l.maxHits())
	kv("ldap.call_in_lookup", "0")
	kv("ldap.ldap_sort", "0")
}

// grandstreamLDAP writes the Grandstream LDAP P-values (as in
// github.com/fusionpbx/fusionpbx
// resources/templates/provision/grandstream/dp750/{$mac}.xml, whose
// comments name each one, and grp2612/{$mac}.xml, which pairs them with
// the ldap.* names). The downloaded XML book keeps the incoming-call
// lookup (P8035 = 0).
func grandstreamLDAP(cfg *etree.Element, l *LDAP) {
	p := func(k, v string) { cfg.CreateElement(k).SetText(v) }
	p("P8037", "0") // LDAP, not LDAPS
	p("P8020", l.Host)
	p("P8021", strconv.Itoa(l.Port))
	p("P8022", l.BaseDN)
	p("P8023", l.User)
	p("P8024", l.Password)
	p("P8025", grandstreamNumberFilter)
	p("P8026", grandstreamNameFilter)
	p("P8027", "3") // version 3
	p("P8028", nameAttrs)
	p("P8029", numberAttrs)
	p("P8030", "%cn")
	p("P8031", l.maxHits())
	p("P8034", "0") // outgoing-call lookup
	p("P8035", "0") // incoming-call lookup
}

// snomLDAP writes Snom's ldap_* settings (as in github.com/fusionpbx/fusionpbx
// resources/templates/provision/snom/720/{$mac}.xml; filters and attributes
// from https://service.snom.com/display/wiki/LDAP+Directory).
func snomLDAP(ps *etree.Element, l *LDAP) {
	s := func(k, v string) {
		e := ps.CreateElement(k)
		e.CreateAttr("perm", "R")
		e.SetText(v)
	}
	s("ldap_server", l.Host)
	s("ldap_port", strconv.Itoa(l.Port))
	s("ldap_base", l.BaseDN)
	s("ldap_username", l.User)
	s("ldap_password", l.Password)
	s("ldap_over_tls", "off")
	s("ldap_search_filter", snomNameFilter)
	s("ldap_number_filter", snomNumberFilter)
	s("ldap_name_attributes", nameAttrs)
	s("ldap_number_attributes", numberAttrs)
	s("ldap_display_name", "%cn")
	s("ldap_max_hits", l.maxHits())
}

// fanvilLDAP writes Fanvil's first LDAP book (<phone><ldap index="1">, as
// in github.com/fusionpbx/fusionpbx
// resources/templates/provision/fanvil/x4u/{$mac}.cfg). Fanvil's XML book
// is not known to answer incoming calls, so the LDAP book does
// (InCallSearch 1).
func fanvilLDAP(root *etree.Element, name string, l *LDAP) {
	ph := root.CreateElement("phone")
	e := ph.CreateElement("ldap")
	e.CreateAttr("index", "1")
	f := func(k, v string) { e.CreateElement(k).SetText(v) }
	f("Title", name)
	f("Server", l.Host)
	f("port", strconv.Itoa(l.Port))
	f("Base", l.BaseDN)
	f("UseSSL", "0")
	f("Version", "3")
	f("InCallSearch", "1")
	f("OutCallSearch", "0")
	f("Username", l.User)
	f("Password", l.Password)
	f("TelAttr", "telephoneNumber")
	f("MobileAttr", "mobile")
	f("OtherAttr", "homePhone")
	f("NameAttr", nameAttrs)
	f("SortAttr", "cn")
	f("Displayname", "cn")
	f("NumberFilter", fanvilNumberFilter)
	f("NameFilter", fanvilNameFilter)
	f("MaxHits", l.maxHits())
}

// ciscoMPPLDAP writes the MPP/3PCC LDAP corporate directory (as in
// github.com/fusionpbx/fusionpbx
// resources/templates/provision/cisco/9861/{$mac}.xml and 8841/{$mac}.xml):
// simple bind with the phone's username as the client DN. The template has
// no port field: a port other than 389 is written as host:port in
// LDAP_Server (to check on hardware).
func ciscoMPPLDAP(fp *etree.Element, name string, l *LDAP) {
	c := func(k, v string) { fp.CreateElement(k).SetText(v) }
	server := l.Host
	if l.Port != 389 {
		server = net.JoinHostPort(l.Host, strconv.Itoa(l.Port))
	}
	c("LDAP_Dir_Enable", "Yes")
	c("LDAP_Corp_Dir_Name", name)
	c("LDAP_Server", server)
	c("LDAP_Search_Base", l.BaseDN)
	c("LDAP_Auth_Method", "Simple")
	c("LDAP_StartTLS_Enable", "No")
	c("LDAP_Client_DN", l.User)
	c("LDAP_Password", l.Password)
	c("LDAP_Last_Name_Filter", ciscoLastNameFilter)
	c("LDAP_First_Name_Filter", ciscoFirstNameFilter)
	c("LDAP_Display_Attrs", ciscoDisplayAttrs)
}

// polycomLDAP sets Polycom's corporate directory (dir.corp.*, as in
// github.com/fusionpbx/fusionpbx resources/templates/provision/polycom/650/sip.cfg;
// feature.corporateDirectory.enabled and the attribute types from the Poly
// UC Software administrator guide, "Corporate Directory",
// https://documents.polycom.com/bundle/ucs-ag-5-9-0/page/c-ucs-ag-corporate-directory.html).
func polycomLDAP(root, dir *etree.Element, l *LDAP) {
	ft := root.CreateElement("feature")
	ft.CreateAttr("feature.corporateDirectory.enabled", "1")
	a := func(k, v string) { dir.CreateAttr(k, v) }
	a("dir.corp.address", l.Host)
	a("dir.corp.port", strconv.Itoa(l.Port))
	a("dir.corp.transport", "TCP")
	a("dir.corp.baseDN", l.BaseDN)
	a("dir.corp.scope", "sub")
	a("dir.corp.filterPrefix", polycomFilterPrefix)
	a("dir.corp.user", l.User)
	a("dir.corp.password", l.Password)
	for i, at := range []struct{ name, label, typ string }{
		{"sn", "Last Name", "last_name"},
		{"givenName", "First Name", "first_name"},
		{"telephoneNumber", "Phone", "phone_number"},
	} {
		k := "dir.corp.attribute." + strconv.Itoa(i+1) + "."
		a(k+"name", at.name)
		a(k+"label", at.label)
		a(k+"type", at.typ)
		a(k+"searchable", "1")
	}
}
