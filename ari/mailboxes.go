package ari

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

// Mailboxes is the /mailboxes resource (res_ari_mailboxes over
// res_mwi_external): mailboxes whose message counts an application keeps
// itself, so that the phones subscribed to them (PJSIP endpoint option
// mailboxes=NAME) light their message-waiting lamp. *Conn implements it.
type Mailboxes interface {
	// Mailboxes lists every mailbox.
	Mailboxes(ctx context.Context) ([]Mailbox, error)
	// Mailbox returns one mailbox (404: IsNotFound).
	Mailbox(ctx context.Context, name string) (*Mailbox, error)
	// UpdateMailbox sets a mailbox's counts, creating it if needed.
	UpdateMailbox(ctx context.Context, name string, oldMessages, newMessages int) error
	// DeleteMailbox removes a mailbox (404 when there is none).
	DeleteMailbox(ctx context.Context, name string) error
}

// Mailboxes implements Mailboxes.
func (c *Conn) Mailboxes(ctx context.Context) ([]Mailbox, error) {
	var out []Mailbox
	err := c.call(ctx, "mailboxes.list", http.MethodGet, "/mailboxes", nil, nil, &out)
	return out, err
}

// Mailbox implements Mailboxes.
func (c *Conn) Mailbox(ctx context.Context, name string) (*Mailbox, error) {
	var out Mailbox
	if err := c.call(ctx, "mailboxes.get", http.MethodGet, "/mailboxes"+seg(name), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateMailbox implements Mailboxes.
func (c *Conn) UpdateMailbox(ctx context.Context, name string, oldMessages, newMessages int) error {
	q := url.Values{}
	q.Set("oldMessages", strconv.Itoa(oldMessages))
	q.Set("newMessages", strconv.Itoa(newMessages))
	return c.call(ctx, "mailboxes.update", http.MethodPut, "/mailboxes"+seg(name), q, nil, nil)
}

// DeleteMailbox implements Mailboxes.
func (c *Conn) DeleteMailbox(ctx context.Context, name string) error {
	return c.call(ctx, "mailboxes.delete", http.MethodDelete, "/mailboxes"+seg(name), nil, nil, nil)
}
