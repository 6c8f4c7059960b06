package cti

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// CiscoExecute is the CiscoIPPhoneExecute object asking the phone to run
// the given URIs (at most three, Cisco's limit), each at priority 0
// ("execute immediately").
func CiscoExecute(uris ...string) string {
	var b strings.Builder
	b.WriteString("<CiscoIPPhoneExecute>")
	for _, u := range uris {
		b.WriteString(`<ExecuteItem Priority="0" URL="`)
		xml.EscapeText(&b, []byte(u))
		b.WriteString(`"/>`)
	}
	b.WriteString("</CiscoIPPhoneExecute>")
	return b.String()
}

// CiscoResponse is a phone's answer to CiscoIPPhoneExecute: a
// CiscoIPPhoneResponse with one item per ExecuteItem, or a
// CiscoIPPhoneError (1 parse error, 2 framing error, 3 internal file
// error, 4 authentication error).
type CiscoResponse struct {
	// Items are the ResponseItems (nil for an error).
	Items []CiscoResponseItem
	// ErrorNumber is the CiscoIPPhoneError Number (0: not an error).
	ErrorNumber int
	// ErrorText is the error's optional message.
	ErrorText string
}

// CiscoResponseItem is one ResponseItem: Status 0 means success.
type CiscoResponseItem struct {
	Status int    `xml:"Status,attr"`
	Data   string `xml:"Data,attr"`
	URL    string `xml:"URL,attr"`
}

// ParseCiscoResponse reads a CiscoIPPhoneResponse or CiscoIPPhoneError.
func ParseCiscoResponse(b []byte) (*CiscoResponse, error) {
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("no CiscoIPPhoneResponse or CiscoIPPhoneError: %v", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "CiscoIPPhoneResponse":
			var r struct {
				Items []CiscoResponseItem `xml:"ResponseItem"`
			}
			if err := dec.DecodeElement(&r, &se); err != nil {
				return nil, fmt.Errorf("CiscoIPPhoneResponse: %v", err)
			}
			if len(r.Items) == 0 {
				return nil, errors.New("CiscoIPPhoneResponse without a ResponseItem")
			}
			return &CiscoResponse{Items: r.Items}, nil
		case "CiscoIPPhoneError":
			var e struct {
				Number int    `xml:"Number,attr"`
				Text   string `xml:",chardata"`
			}
			if err := dec.DecodeElement(&e, &se); err != nil {
				return nil, fmt.Errorf("CiscoIPPhoneError: %v", err)
			}
			if e.Number == 0 {
				return nil, errors.New("CiscoIPPhoneError without a Number")
			}
			return &CiscoResponse{ErrorNumber: e.Number, ErrorText: strings.TrimSpace(e.Text)}, nil
		default:
			return nil, fmt.Errorf("unexpected root element %q", se.Name.Local)
		}
	}
}

// ciscoErrors are the CiscoIPPhoneError numbers' meanings.
var ciscoErrors = map[int]string{1: "error parsing the CiscoIPPhoneExecute object", 2: "error framing the CiscoIPPhoneResponse object",
	3: "internal file error", 4: "authentication error"}

// Kind classifies the answer: "" when every item succeeded, KindRefused
// for error 4, KindRejected otherwise, with a detail.
func (r *CiscoResponse) Kind() (Kind, string) {
	if r.ErrorNumber != 0 {
		msg := ciscoErrors[r.ErrorNumber]
		if msg == "" {
			msg = "unknown error"
		}
		detail := fmt.Sprintf("CiscoIPPhoneError %d (%s)", r.ErrorNumber, msg)
		if r.ErrorText != "" {
			detail += ": " + snippet([]byte(r.ErrorText))
		}
		if r.ErrorNumber == 4 {
			return KindRefused, detail
		}
		return KindRejected, detail
	}
	for _, it := range r.Items {
		if it.Status != 0 {
			return KindRejected, fmt.Sprintf("%s: status %d, %s", snippet([]byte(it.URL)), it.Status, snippet([]byte(it.Data)))
		}
	}
	return "", ""
}
