package ldapdir

import (
	"bufio"
	"bytes"
	"testing"

	"github.com/go-ldap/ldap/v3"

	"github.com/pbxagent/pbxagent/phonebook"
)

// filterSeeds are phones' filters, BER-encoded by go-ldap.
func filterSeeds(f *testing.F) [][]byte {
	var out [][]byte
	for _, s := range []string{
		"(|(cn=smi*)(sn=smi*))", "(|(telephoneNumber=1001*)(mobile=1001*)(ipPhone=1001*))",
		"(&(objectclass=person)(|(sn=mar*)(givenName=mar*)))", "(!(cn=a))", "(cn=*a*b*c)", "(sn~=x)",
		"(objectClass=*)", "(&)", "(|)", "(cn>=a)", "(cn:caseExactMatch:=x)",
	} {
		p, err := ldap.CompileFilter(s)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, p.Bytes())
	}
	return out
}

func FuzzFilter(f *testing.F) {
	for _, s := range filterSeeds(f) {
		f.Add(s)
	}
	c := &phonebook.Contact{ID: "01JEQ7G8ZK4M2N5P6R7S8T9V0W", FirstName: "Jürgen", LastName: "Müller", DisplayName: "Jürgen Müller",
		Company: "Acme", Numbers: []phonebook.Number{{Type: phonebook.NumberWork, Value: "+49 30 1234"}}}
	f.Fuzz(func(t *testing.T, b []byte) {
		flt, err := DecodeFilter(b)
		if err != nil {
			return
		}
		_ = flt.String()
		_ = plan(flt)
		m := &matcher{hits: map[string]string{"1234": c.ID}}
		_ = m.match(flt, c)
		// What decodes re-encodes (through go-ldap's compiler) to a filter
		// that decodes to the same string form.
		p, err := ldap.CompileFilter(flt.String())
		if err != nil {
			return // forms go-ldap does not compile (extensible, empty values)
		}
		again, err := DecodeFilter(p.Bytes())
		if err != nil {
			t.Fatalf("%s: re-encoded filter does not decode: %v", flt, err)
		}
		if again.String() != flt.String() {
			t.Fatalf("round trip: %s became %s", flt, again)
		}
	})
}

func FuzzLDAPMessage(f *testing.F) {
	// A bind, a search with the paged control, an unbind, as go-ldap
	// sends them (captured from its encoder).
	for _, s := range filterSeeds(f)[:3] {
		f.Add(searchMessage(7, s))
	}
	f.Add([]byte{0x30, 0x05, 0x02, 0x01, 0x03, 0x42, 0x00})
	f.Add([]byte{0x30, 0x0c, 0x02, 0x01, 0x01, 0x60, 0x07, 0x02, 0x01, 0x03, 0x04, 0x00, 0x80, 0x00})
	f.Add([]byte{0x30, 0x84, 0x7f, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		body, _, err := readMessage(bufio.NewReader(bytes.NewReader(b)), nil, 64<<10)
		if err != nil {
			return
		}
		m, err := DecodeMessage(body)
		if err != nil {
			return
		}
		if m.Search != nil {
			_ = plan(m.Search.Filter)
			_ = selectAttrs(m.Search.Attributes)
		}
		for _, c := range m.Controls {
			if c.Type == oidPaged {
				_, _ = decodePaged(c.Value)
			}
		}
	})
}

// searchMessage encodes a search request with filter f and a paged
// results control.
func searchMessage(id int64, f []byte) []byte {
	e := encoder{}
	e.open(tagSequence)
	e.int(tagInteger, id)
	e.open(classApplication | constructed | appSearchRequest)
	e.str(tagOctetString, "ou=contacts,dc=pbxagent")
	e.int(tagEnumerated, 2)
	e.int(tagEnumerated, 0)
	e.int(tagInteger, 0)
	e.int(tagInteger, 0)
	e.bytes(tagBoolean, []byte{0})
	e.b = append(e.b, f...)
	e.open(tagSequence)
	e.str(tagOctetString, "cn")
	e.close()
	e.close()
	e.open(classContext | constructed) // [0] Controls
	e.open(tagSequence)
	e.str(tagOctetString, oidPaged)
	e.open(tagOctetString)
	e.open(tagSequence)
	e.int(tagInteger, 20)
	e.str(tagOctetString, "")
	e.close()
	e.close()
	e.close()
	e.close()
	e.close()
	return e.b
}

// TestEncoderLengths checks the encoder's length forms against go-ldap's
// BER reader for contents of every length class.
func TestEncoderLengths(t *testing.T) {
	for _, n := range []int{0, 1, 127, 128, 255, 256, 65535, 65536, 70000} {
		e := encoder{}
		e.open(tagSequence)
		e.bytes(tagOctetString, bytes.Repeat([]byte{'x'}, n))
		e.close()
		tag, body, rest, err := readTLV(e.b)
		if err != nil || tag != tagSequence || len(rest) != 0 {
			t.Fatalf("%d: %v %#x rest %d", n, err, tag, len(rest))
		}
		_, v, _, err := readTLV(body)
		if err != nil || len(v) != n {
			t.Fatalf("%d: inner %v len %d", n, err, len(v))
		}
	}
	for _, v := range []int64{0, 1, 127, 128, 255, 256, -1, -128, -129, 1<<31 - 1} {
		e := encoder{}
		e.int(tagInteger, v)
		got, _, err := expectInt(e.b, tagInteger, "int")
		if err != nil || got != v {
			t.Fatalf("int %d: got %d %v", v, got, err)
		}
	}
}

func TestDecodeMessageRoundTrip(t *testing.T) {
	f, err := ldap.CompileFilter("(|(cn=smi*)(sn=smi*))")
	if err != nil {
		t.Fatal(err)
	}
	msg := searchMessage(7, f.Bytes())
	body, _, err := readMessage(bufio.NewReader(bytes.NewReader(msg)), nil, 64<<10)
	if err != nil {
		t.Fatal(err)
	}
	m, err := DecodeMessage(body)
	if err != nil {
		t.Fatal(err)
	}
	if m.ID != 7 || m.Search == nil || m.Search.Filter.String() != "(|(cn=smi*)(sn=smi*))" || len(m.Controls) != 1 {
		t.Fatalf("decoded %+v", m)
	}
	p, err := decodePaged(m.Controls[0].Value)
	if err != nil || p.size != 20 {
		t.Fatalf("paged %+v %v", p, err)
	}
}
