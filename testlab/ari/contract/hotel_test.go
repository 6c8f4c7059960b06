package contract

import (
	"context"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/ari"
)

// TestHotelContract pins down what the hotel writes on Asterisk for a
// room (agent/hotel_telephony.go; the DND lamp and presence state are
// TestPresenceContract's):
//
//   - the classes a room may call while pbxagent is down, as a global
//     variable PBXAGENT_HOTEL_<ext> (POST /asterisk/variable), read back
//     with GET /asterisk/variable and by the dialplan;
//   - why not astdb: DB() is an escalating function (funcs/func_db.c
//     ast_custom_function_register_escalating AST_CFE_BOTH) and ARI's
//     HTTP threads inhibit escalations (main/tcptls.c), so on a stock
//     Asterisk (live_dangerously = no) a DB() write through ARI answers
//     204 and writes nothing, and a channel's GET of DB() answers 500;
//   - the message-waiting light, a mailbox of res_mwi_external through
//     /mailboxes (res/ari/resource_mailboxes.c, res/res_stasis_mailbox.c):
//     PUT creates or updates, GET reads, DELETE removes, 404 for a
//     missing one.
//
// Sources (asterisk/asterisk on GitHub, 22.10.1): funcs/func_db.c,
// main/pbx_functions.c, main/tcptls.c, res/ari/resource_asterisk.c,
// res/ari/resource_channels.c, res/ari/resource_mailboxes.c,
// res/res_stasis_mailbox.c, res/res_mwi_external.c. Against a real
// Asterisk, res_mwi_external and res_ari_mailboxes must be loaded (and
// app_voicemail not: they conflict).
func TestHotelContract(t *testing.T) {
	for name, mk := range targets(t) {
		t.Run(name, func(t *testing.T) {
			tg := mk(t)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			appName := app + "-hotel"
			c := connect(ctx, t, tg, appName)

			t.Run("offline classes: a global variable, not DB()", func(t *testing.T) {
				ext := ari.NewID("r")
				glob := "PBXAGENT_HOTEL_" + ext
				if err := c.Asterisk().SetVariable(ctx, glob, "internal,local"); err != nil {
					t.Fatal(err)
				}
				defer func() { _ = c.Asterisk().SetVariable(context.Background(), glob, "") }()
				if v, err := c.Asterisk().GetVariable(ctx, glob); err != nil || v != "internal,local" {
					t.Errorf("GET %s = %q %v", glob, v, err)
				}
				// The write of DB() is refused quietly: still 204.
				fn := "DB(pbxagent_hotel/" + ext + ")"
				if err := c.Asterisk().SetVariable(ctx, fn, "internal,local"); err != nil {
					t.Errorf("set %s: %v, want 204 (blocked quietly)", fn, err)
				}
				id := ari.NewID("contract-hotel-")
				sub := answeredLeg(ctx, t, c, tg, appName, id)
				_ = sub
				// The dialplan reads the global on a channel.
				if v, err := c.Channels().GetVariable(ctx, id, "GLOBAL("+glob+")"); err != nil || v != "internal,local" {
					t.Errorf("GLOBAL(%s) on a channel = %q %v", glob, v, err)
				}
				_, err := c.Channels().GetVariable(ctx, id, fn)
				wantErr(t, "read DB() through ARI", err, 500, "Unable to read provided function")
			})

			t.Run("message-waiting light: mailboxes", func(t *testing.T) {
				name := ari.NewID("r") + "@pbxagent"
				mb := c // *ari.Conn implements ari.Mailboxes
				_, err := mb.Mailbox(ctx, name)
				wantErr(t, "get a missing mailbox", err, 404, "Mailbox is does not exist")
				wantErr(t, "delete a missing mailbox", mb.DeleteMailbox(ctx, name), 404, "Mailbox does not exist")
				if err := mb.UpdateMailbox(ctx, name, 0, 1); err != nil {
					t.Fatal(err)
				}
				defer func() { _ = mb.DeleteMailbox(context.Background(), name) }()
				if m, err := mb.Mailbox(ctx, name); err != nil || *m != (ari.Mailbox{Name: name, NewMessages: 1}) {
					t.Errorf("get %+v %v", m, err)
				}
				if err := mb.UpdateMailbox(ctx, name, 0, 0); err != nil {
					t.Fatal(err)
				}
				list, err := mb.Mailboxes(ctx)
				found := false
				for _, m := range list {
					if m.Name == name {
						found = m.NewMessages == 0 && m.OldMessages == 0
					}
				}
				if err != nil || !found {
					t.Errorf("listed %+v %v", list, err)
				}
				if err := mb.DeleteMailbox(ctx, name); err != nil {
					t.Errorf("delete: %v", err)
				}
				_, err = mb.Mailbox(ctx, name)
				wantErr(t, "get after delete", err, 404, "Mailbox is does not exist")
			})
		})
	}
}
