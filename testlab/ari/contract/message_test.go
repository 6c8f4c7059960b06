package contract

import (
	"context"
	"testing"
	"time"
)

// TestSendMessageContract pins down PUT /endpoints/sendMessage, which the
// chat feature uses for SIP MESSAGE, where it does not depend on PJSIP
// being loaded: ast_ari_endpoints_send_message → send_message
// (https://github.com/asterisk/asterisk/blob/22.10.1/res/ari/resource_endpoints.c)
// answers 400 without to, and 404 "Endpoint not found" when ast_msg_send
// has no handler for the technology (main/message.c "Unknown message
// tech"), e.g. a Local channel's "local:101@desks".
func TestSendMessageContract(t *testing.T) {
	for name, mk := range targets(t) {
		t.Run(name, func(t *testing.T) {
			tg := mk(t)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			ep := connect(ctx, t, tg, app+"-msg").Endpoints()
			wantErr(t, "no to", ep.SendMessage(ctx, "", "102", "hi", nil), 400, "To must be specified")
			wantErr(t, "unknown technology", ep.SendMessage(ctx, "local:101@desks", "102", "hi", map[string]string{"X-Room": "r1"}), 404, "Endpoint not found")
		})
	}
}
