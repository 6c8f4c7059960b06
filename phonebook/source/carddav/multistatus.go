package carddav

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// XML namespaces of WebDAV (RFC 4918) and CardDAV (RFC 6352).
const (
	nsDAV     = "DAV:"
	nsCardDAV = "urn:ietf:params:xml:ns:carddav"
)

// Response is one <D:response> of a multistatus (RFC 4918 §14.24), with
// what this source reads of it.
type Response struct {
	Href   string `xml:"DAV: href"`
	Status string `xml:"DAV: status"`
	Stats  []struct {
		Status string `xml:"DAV: status"`
		Prop   struct {
			ETag         string `xml:"DAV: getetag"`
			AddressData  string `xml:"urn:ietf:params:xml:ns:carddav address-data"`
			ResourceType struct {
				Inner []struct {
					XMLName xml.Name
				} `xml:",any"`
			} `xml:"DAV: resourcetype"`
		} `xml:"DAV: prop"`
	} `xml:"DAV: propstat"`
}

// Code returns the response's own status code (0 when it has none: the
// status is per propstat).
func (r *Response) Code() int { return statusCode(r.Status) }

// OK returns the first propstat with a 2xx status: its ETag, address data
// and whether its resourcetype is a collection.
func (r *Response) OK() (etag, data string, collection, ok bool) {
	for _, s := range r.Stats {
		if c := statusCode(s.Status); c >= 200 && c < 300 {
			for _, x := range s.Prop.ResourceType.Inner {
				if x.XMLName.Local == "collection" {
					collection = true
				}
			}
			return s.Prop.ETag, s.Prop.AddressData, collection, true
		}
	}
	return "", "", false, false
}

// statusCode reads the code of an HTTP status line ("HTTP/1.1 404 Not
// Found"); 0 when absent or malformed.
func statusCode(line string) int {
	f := strings.Fields(line)
	if len(f) < 2 {
		return 0
	}
	c, err := strconv.Atoi(f[1])
	if err != nil || c < 100 || c > 999 {
		return 0
	}
	return c
}

// maxResponses bounds the responses of one multistatus.
const maxResponses = 10_000_000

// ReadMultistatus streams a multistatus body: each <D:response> is decoded
// on its own and handed to each (memory stays bounded by one response),
// and the top-level <D:sync-token> (RFC 6578 §6.2) is returned.
func ReadMultistatus(r io.Reader, each func(*Response) error) (syncToken string, err error) {
	d := xml.NewDecoder(r)
	depth, n := 0, 0
	root := false
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			if !root {
				return "", errors.New("multistatus: no <D:multistatus> element")
			}
			return syncToken, nil
		}
		if err != nil {
			return "", fmt.Errorf("multistatus: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch {
			case depth == 1:
				if t.Name.Space != nsDAV || t.Name.Local != "multistatus" {
					return "", fmt.Errorf("multistatus: root element is <%s>, not DAV: multistatus", t.Name.Local)
				}
				root = true
			case depth == 2 && t.Name.Space == nsDAV && t.Name.Local == "response":
				var resp Response
				if err := d.DecodeElement(&resp, &t); err != nil {
					return "", fmt.Errorf("multistatus: response %d: %w", n+1, err)
				}
				depth--
				if n++; n > maxResponses {
					return "", fmt.Errorf("multistatus: more than %d responses", maxResponses)
				}
				resp.Href = strings.TrimSpace(resp.Href)
				if resp.Href == "" {
					return "", fmt.Errorf("multistatus: response %d has no href", n)
				}
				if err := each(&resp); err != nil {
					return "", err
				}
			case depth == 2 && t.Name.Space == nsDAV && t.Name.Local == "sync-token":
				var s string
				if err := d.DecodeElement(&s, &t); err != nil {
					return "", fmt.Errorf("multistatus: sync-token: %w", err)
				}
				depth--
				syncToken = strings.TrimSpace(s)
			case depth == 2:
				if err := d.Skip(); err != nil {
					return "", fmt.Errorf("multistatus: %w", err)
				}
				depth--
			}
		case xml.EndElement:
			depth--
		}
	}
}

// DAVError is the body of a WebDAV error answer (RFC 4918 §16): the names
// of its precondition elements.
type DAVError struct {
	Conditions []string
}

// ParseDAVError reads the precondition names of a <D:error> body ("" and
// nil when the body is not one).
func ParseDAVError(body []byte) *DAVError {
	var e struct {
		XMLName xml.Name
		Inner   []struct {
			XMLName xml.Name
		} `xml:",any"`
	}
	if xml.Unmarshal(body, &e) != nil || e.XMLName.Space != nsDAV || e.XMLName.Local != "error" {
		return nil
	}
	de := &DAVError{}
	for _, x := range e.Inner {
		de.Conditions = append(de.Conditions, x.XMLName.Local)
	}
	return de
}

// Has reports whether the error names the precondition cond.
func (e *DAVError) Has(cond string) bool {
	if e == nil {
		return false
	}
	for _, c := range e.Conditions {
		if c == cond {
			return true
		}
	}
	return false
}
