// Package sqlbrowser is a fake SQL Server Browser: a UDP responder
// speaking the SQL Server Resolution Protocol (SSRP, [MC-SQLR]
// https://learn.microsoft.com/en-us/openspecs/windows_protocols/mc-sqlr)
// that names the TCP port of its instances, for testing clients that find a
// named instance's port through it (go-mssqldb with "host\instance" and no
// port). It parses the client requests of [MC-SQLR] §2.2.1–2.2.4 and
// answers CLNT_BCAST_EX, CLNT_UCAST_EX and CLNT_UCAST_INST with SVR_RESP
// (§2.2.5); CLNT_UCAST_DAC is answered for the instance's DAC port when
// it has one (§2.2.6).
package sqlbrowser

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// Request types ([MC-SQLR] §2.2).
const (
	ClntBcastEx   = 0x02 // CLNT_BCAST_EX: every instance, broadcast
	ClntUcastEx   = 0x03 // CLNT_UCAST_EX: every instance of one host
	ClntUcastInst = 0x04 // CLNT_UCAST_INST: one named instance
	ClntUcastDAC  = 0x0F // CLNT_UCAST_DAC: an instance's DAC port
	SvrResp       = 0x05 // SVR_RESP: the answer
)

// maxInstanceName is the longest INSTANCENAME of CLNT_UCAST_INST (32
// bytes without the terminating NUL, [MC-SQLR] §2.2.3).
const maxInstanceName = 32

// Request is a decoded client request.
type Request struct {
	// Type is one of the Clnt constants.
	Type byte
	// Instance is the instance asked for (CLNT_UCAST_INST, CLNT_UCAST_DAC).
	Instance string
}

// ParseRequest decodes a client request: a one-byte type, then for
// CLNT_UCAST_INST a NUL-terminated instance name of at most 32 bytes, for
// CLNT_UCAST_DAC the protocol version 0x01 and a NUL-terminated name.
func ParseRequest(b []byte) (Request, error) {
	if len(b) == 0 {
		return Request{}, errors.New("ssrp: empty request")
	}
	r := Request{Type: b[0]}
	switch b[0] {
	case ClntBcastEx, ClntUcastEx:
		if len(b) != 1 {
			return Request{}, fmt.Errorf("ssrp: request 0x%02x: %d bytes, want 1", b[0], len(b))
		}
		return r, nil
	case ClntUcastInst:
		name, err := cstring(b[1:])
		if err != nil {
			return Request{}, fmt.Errorf("ssrp: CLNT_UCAST_INST: %w", err)
		}
		r.Instance = name
		return r, nil
	case ClntUcastDAC:
		if len(b) < 2 || b[1] != 0x01 {
			return Request{}, errors.New("ssrp: CLNT_UCAST_DAC: protocol version must be 0x01")
		}
		name, err := cstring(b[2:])
		if err != nil {
			return Request{}, fmt.Errorf("ssrp: CLNT_UCAST_DAC: %w", err)
		}
		r.Instance = name
		return r, nil
	}
	return Request{}, fmt.Errorf("ssrp: unknown request type 0x%02x", b[0])
}

// cstring reads a NUL-terminated instance name that ends the message.
func cstring(b []byte) (string, error) {
	i := bytes.IndexByte(b, 0)
	switch {
	case i < 0:
		return "", errors.New("instance name not NUL-terminated")
	case i != len(b)-1:
		return "", errors.New("bytes after the instance name's NUL")
	case i == 0:
		return "", errors.New("empty instance name")
	case i > maxInstanceName:
		return "", fmt.Errorf("instance name of %d bytes, at most %d", i, maxInstanceName)
	}
	return string(b[:i]), nil
}

// Instance is one SQL Server instance the responder announces.
type Instance struct {
	Server, Name, Version string
	// TCPPort is the instance's TCP port; 0 announces no tcp.
	TCPPort int
	// DACPort is the dedicated administrator connection's port (0: none).
	DACPort int
}

// record is the instance's RESP_DATA record ([MC-SQLR] §2.2.5):
// "ServerName;S;InstanceName;I;IsClustered;No;Version;V;tcp;P;;".
func (in Instance) record() string {
	var b strings.Builder
	fmt.Fprintf(&b, "ServerName;%s;InstanceName;%s;IsClustered;No;Version;%s;", in.Server, in.Name, in.Version)
	if in.TCPPort != 0 {
		fmt.Fprintf(&b, "tcp;%d;", in.TCPPort)
	}
	b.WriteString(";")
	return b.String()
}

// FormatResponse builds the SVR_RESP for instances: 0x05, RESP_SIZE (a
// little-endian uint16), then RESP_DATA, the records one after the other.
func FormatResponse(instances []Instance) ([]byte, error) {
	var data strings.Builder
	for _, in := range instances {
		data.WriteString(in.record())
	}
	if data.Len() > 65535 {
		return nil, errors.New("ssrp: RESP_DATA longer than 65535 bytes")
	}
	out := []byte{SvrResp, 0, 0}
	binary.LittleEndian.PutUint16(out[1:], uint16(data.Len()))
	return append(out, data.String()...), nil
}

// FormatDACResponse builds the DAC answer ([MC-SQLR] §2.2.6): 0x05,
// RESP_SIZE 0x0006, version 0x01, the DAC port.
func FormatDACResponse(port uint16) []byte {
	out := []byte{SvrResp, 6, 0, 1, 0, 0}
	binary.LittleEndian.PutUint16(out[4:], port)
	return out
}

// ParseResponse decodes an SVR_RESP into its records (key → value), as a
// client reads it; for checking the responder's answers.
func ParseResponse(b []byte) ([]map[string]string, error) {
	if len(b) < 3 || b[0] != SvrResp {
		return nil, errors.New("ssrp: not an SVR_RESP")
	}
	n := int(binary.LittleEndian.Uint16(b[1:3]))
	if n != len(b)-3 {
		return nil, fmt.Errorf("ssrp: RESP_SIZE %d, but %d bytes follow", n, len(b)-3)
	}
	var out []map[string]string
	for rec := range strings.SplitSeq(string(b[3:]), ";;") {
		if rec == "" {
			continue
		}
		f := strings.Split(rec, ";")
		if len(f)%2 != 0 {
			return nil, fmt.Errorf("ssrp: record %q: odd number of fields", rec)
		}
		m := map[string]string{}
		for i := 0; i < len(f); i += 2 {
			m[f[i]] = f[i+1]
		}
		if m["InstanceName"] == "" {
			return nil, fmt.Errorf("ssrp: record %q without InstanceName", rec)
		}
		out = append(out, m)
	}
	return out, nil
}
