package ldapsrc

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"time"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/go-ldap/ldap/v3"
)

// oidStartTLS is the StartTLS extended operation's name (RFC 4511 §4.14.1).
const oidStartTLS = "1.3.6.1.4.1.1466.20037"

// dial opens the TCP connection under ctx and the timeout, and gets TLS on it: at once for
// ldaps://, through the StartTLS extended operation for start_tls. It does the StartTLS exchange
// itself, before go-ldap takes the connection, so that the handshake's error keeps its type
// (x509.UnknownAuthorityError, …) for the engine's classification; go-ldap's own StartTLS
// flattens it into text.
func dial(ctx context.Context, cfg *config, tc *tls.Config) (*ldap.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	d := &net.Dialer{}
	raw, err := d.DialContext(ctx, "tcp", cfg.host)
	if err != nil {
		return nil, err
	}
	var c net.Conn = raw
	if cfg.u.Scheme == "ldaps" || cfg.set.StartTLS {
		if cfg.set.StartTLS {
			if err := startTLS(ctx, raw); err != nil {
				raw.Close()
				return nil, err
			}
		}
		tconn := tls.Client(raw, tc)
		if err := tconn.HandshakeContext(ctx); err != nil {
			raw.Close()
			return nil, fmt.Errorf("TLS handshake: %w%s", err, negativeSerialHint(err))
		}
		c = tconn
	}
	l := ldap.NewConn(c, c != raw)
	l.Start()
	return l, nil
}

// startTLS sends the StartTLS extended request (message id 1) on a fresh connection and reads
// its response; a result other than success is returned as the server's error.
func startTLS(ctx context.Context, c net.Conn) error {
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
		defer c.SetDeadline(time.Time{})
	}
	packet := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "LDAP Request")
	packet.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, int64(1), "MessageID"))
	req := ber.Encode(ber.ClassApplication, ber.TypeConstructed, ldap.ApplicationExtendedRequest, nil, "Start TLS")
	req.AppendChild(ber.NewString(ber.ClassContext, ber.TypePrimitive, 0, oidStartTLS, "TLS Extended Command"))
	packet.AppendChild(req)
	if _, err := c.Write(packet.Bytes()); err != nil {
		return fmt.Errorf("StartTLS request: %w", err)
	}
	resp, err := ber.ReadPacket(c)
	if err != nil {
		return fmt.Errorf("StartTLS response: %w", err)
	}
	if len(resp.Children) < 2 || resp.Children[1].Tag != ldap.ApplicationExtendedResponse {
		return fmt.Errorf("StartTLS: the server answered something else than an extended response")
	}
	if err := ldap.GetLDAPError(resp); err != nil {
		return fmt.Errorf("StartTLS refused: %w", err)
	}
	return nil
}
