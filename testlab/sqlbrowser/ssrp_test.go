package sqlbrowser_test

import (
	"bytes"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/testlab/sqlbrowser"
)

func TestParseRequest(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		want sqlbrowser.Request
		err  string
	}{
		{name: "ucast ex", in: []byte{0x03}, want: sqlbrowser.Request{Type: 0x03}},
		{name: "bcast ex", in: []byte{0x02}, want: sqlbrowser.Request{Type: 0x02}},
		{name: "ucast inst", in: []byte("\x04SQLEXPRESS\x00"), want: sqlbrowser.Request{Type: 0x04, Instance: "SQLEXPRESS"}},
		{name: "dac", in: []byte("\x0f\x01PBX\x00"), want: sqlbrowser.Request{Type: 0x0f, Instance: "PBX"}},
		{name: "empty", in: nil, err: "empty"},
		{name: "unknown", in: []byte{0x07}, err: "unknown request type 0x07"},
		{name: "ex with data", in: []byte{0x03, 0}, err: "want 1"},
		{name: "no NUL", in: []byte("\x04SQL"), err: "not NUL-terminated"},
		{name: "empty name", in: []byte("\x04\x00"), err: "empty instance name"},
		{name: "trailing", in: []byte("\x04A\x00B"), err: "after the instance name"},
		{name: "too long", in: append(append([]byte{4}, bytes.Repeat([]byte("A"), 33)...), 0), err: "at most 32"},
		{name: "dac version", in: []byte("\x0f\x02PBX\x00"), err: "version"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := sqlbrowser.ParseRequest(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("want error %q, got %v", tc.err, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %+v, %v", got, err)
			}
		})
	}
}

func TestResponseRoundTrip(t *testing.T) {
	b, err := sqlbrowser.FormatResponse([]sqlbrowser.Instance{
		{Server: "DB1", Name: "SQLEXPRESS", Version: "16.0.1000.6", TCPPort: 50123},
		{Server: "DB1", Name: "NOTCP", Version: "15.0.2000.5"}})
	if err != nil {
		t.Fatal(err)
	}
	want := "ServerName;DB1;InstanceName;SQLEXPRESS;IsClustered;No;Version;16.0.1000.6;tcp;50123;;" +
		"ServerName;DB1;InstanceName;NOTCP;IsClustered;No;Version;15.0.2000.5;;"
	if b[0] != 0x05 || int(b[1])|int(b[2])<<8 != len(want) || string(b[3:]) != want {
		t.Fatalf("SVR_RESP %q", b)
	}
	recs, err := sqlbrowser.ParseResponse(b)
	if err != nil || len(recs) != 2 || recs[0]["tcp"] != "50123" || recs[1]["InstanceName"] != "NOTCP" {
		t.Fatalf("%v %v", recs, err)
	}
}

// The responder answers on loopback; an unknown instance gets no answer.
func TestResponder(t *testing.T) {
	r, err := sqlbrowser.Listen("127.0.0.1:0", sqlbrowser.Instance{Server: "DB1", Name: "PBX", Version: "16.0.1.1", TCPPort: 4242, DACPort: 4243})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	c, err := net.Dial("udp", r.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ask := func(req []byte) []byte {
		if _, err := c.Write(req); err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		buf := make([]byte, 4096)
		n, err := c.Read(buf)
		if err != nil {
			return nil
		}
		return buf[:n]
	}
	if recs, err := sqlbrowser.ParseResponse(ask([]byte{0x03})); err != nil || recs[0]["tcp"] != "4242" {
		t.Fatalf("CLNT_UCAST_EX: %v %v", recs, err)
	}
	if recs, err := sqlbrowser.ParseResponse(ask([]byte("\x04pbx\x00"))); err != nil || recs[0]["InstanceName"] != "PBX" {
		t.Fatalf("CLNT_UCAST_INST: %v %v", recs, err)
	}
	if got := ask([]byte("\x0f\x01PBX\x00")); !bytes.Equal(got, []byte{5, 6, 0, 1, 0x93, 0x10}) {
		t.Fatalf("DAC: % x", got)
	}
	if got := ask([]byte("\x04OTHER\x00")); got != nil {
		t.Fatalf("unknown instance answered: %q", got)
	}
	if got := ask([]byte{0x09}); got != nil || r.Malformed() != 1 {
		t.Fatalf("malformed answered: %q (%d)", got, r.Malformed())
	}
	types := []byte{}
	for _, q := range r.Requests() {
		types = append(types, q.Type)
	}
	if !slices.Equal(types, []byte{3, 4, 0x0f, 4}) {
		t.Fatalf("requests % x", types)
	}
}

// FuzzParse feeds arbitrary bytes to both parsers: no panic, and a
// parsed request's instance name is at most 32 bytes without a NUL.
func FuzzParse(f *testing.F) {
	f.Add([]byte{0x03})
	f.Add([]byte("\x04SQLEXPRESS\x00"))
	f.Add([]byte("\x0f\x01PBX\x00"))
	resp, _ := sqlbrowser.FormatResponse([]sqlbrowser.Instance{{Server: "S", Name: "I", Version: "1", TCPPort: 1}})
	f.Add(resp)
	f.Add([]byte{5, 3, 0, ';', ';', ';'})
	f.Fuzz(func(t *testing.T, b []byte) {
		if r, err := sqlbrowser.ParseRequest(b); err == nil {
			if len(r.Instance) > 32 || strings.ContainsRune(r.Instance, 0) {
				t.Fatalf("instance %q", r.Instance)
			}
		}
		if recs, err := sqlbrowser.ParseResponse(b); err == nil {
			for _, m := range recs {
				if m["InstanceName"] == "" {
					t.Fatalf("record without a name: %v", m)
				}
			}
		}
	})
}
