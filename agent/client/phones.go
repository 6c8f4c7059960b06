package client

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/pbxagent/pbxagent/agent/phones"
)

// Phone is a registered desk phone as the phones API shows it; Token is
// set only in the answer that generated it.
type Phone = phones.Phone

const phonesPath = "/api/v1/phones"

var errNoMAC = errors.New("phone MAC: empty")

func phonePath(mac string) string { return phonesPath + "/" + url.PathEscape(mac) }

// ListPhones returns every registered phone.
func (c *Client) ListPhones(ctx context.Context) ([]Phone, error) {
	var out struct {
		Phones []Phone `json:"phones"`
	}
	if err := c.doJSON(ctx, http.MethodGet, phonesPath, nil, "", nil, &out); err != nil {
		return nil, err
	}
	return out.Phones, nil
}

// GetPhone returns the phone with that MAC (any of ":", "-", "." or none).
func (c *Client) GetPhone(ctx context.Context, mac string) (*Phone, error) {
	if mac == "" {
		return nil, errNoMAC
	}
	var p Phone
	if err := c.doJSON(ctx, http.MethodGet, phonePath(mac), nil, "", nil, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// CreatePhone registers a phone from a JSON object (mac, vendor, model,
// owner, username, password); the answer carries its token, shown once.
func (c *Client) CreatePhone(ctx context.Context, in any) (*Phone, error) {
	var p Phone
	if err := c.doJSON(ctx, http.MethodPost, phonesPath, nil, "application/json", in, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// PatchPhone changes a phone's fields; {"rotate_token": true} issues a new
// token (in the answer).
func (c *Client) PatchPhone(ctx context.Context, mac string, p Patch) (*Phone, error) {
	if mac == "" {
		return nil, errNoMAC
	}
	var out Phone
	if err := c.doJSON(ctx, http.MethodPatch, phonePath(mac), nil, "application/json", p, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// RotatePhoneToken gives the phone a new token and returns the phone with
// it; the old token stops working at once.
func (c *Client) RotatePhoneToken(ctx context.Context, mac string) (*Phone, error) {
	return c.PatchPhone(ctx, mac, Patch{"rotate_token": true})
}

// DeletePhone unregisters a phone: its credentials and token stop working.
func (c *Client) DeletePhone(ctx context.Context, mac string) error {
	if mac == "" {
		return errNoMAC
	}
	return c.doJSON(ctx, http.MethodDelete, phonePath(mac), nil, "", nil, nil)
}

// CTIResult is the answer of PhoneCTI: the phone accepted the command.
type CTIResult struct {
	MAC     string `json:"mac"`
	Action  string `json:"action"`
	Address string `json:"address"`
}

// PhoneCTI sends a remote-control command to the phone (POST
// /api/v1/phones/{mac}/cti): action answer, hangup, hold, dtmf or dial,
// digits for dtmf and dial.
func (c *Client) PhoneCTI(ctx context.Context, mac, action, digits string) (*CTIResult, error) {
	if mac == "" {
		return nil, errNoMAC
	}
	in := map[string]string{"action": action}
	if digits != "" {
		in["digits"] = digits
	}
	var out CTIResult
	if err := c.doJSON(ctx, http.MethodPost, phonePath(mac)+"/cti", nil, "application/json", in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
