package contract

import (
	"context"
	"encoding/base64"
	"slices"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/ari"
)

// TestPresenceContract pins down what the presence feature writes on
// Asterisk: the DND lamp, an ARI-controlled device state "Stasis:dnd-<ext>"
// (PUT/GET/DELETE /deviceStates), and the presence state written through
// POST /asterisk/variable as PRESENCE_STATE(CustomPresence:<ext>). Sources
// (asterisk/asterisk on GitHub, 22.10.1):
//
//   - https://github.com/asterisk/asterisk/blob/22.10.1/res/ari/resource_device_states.c
//   - https://github.com/asterisk/asterisk/blob/22.10.1/res/res_stasis_device_state.c
//   - https://github.com/asterisk/asterisk/blob/22.10.1/res/ari/resource_asterisk.c
//   - https://github.com/asterisk/asterisk/blob/22.10.1/funcs/func_presencestate.c
//
// Against a real Asterisk it needs the dialplan of TestAsteriskBehaviour
// (ARI_LOCAL_ENDPOINT answers and waits): a channel reads the presence
// state back, since GET /asterisk/variable does not evaluate functions.
func TestPresenceContract(t *testing.T) {
	for name, mk := range targets(t) {
		t.Run(name, func(t *testing.T) {
			tg := mk(t)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			appName := app + "-presence"
			c := connect(ctx, t, tg, appName)
			ds := c.DeviceStates()

			t.Run("DND lamp: set, read, list, delete", func(t *testing.T) {
				ext := ari.NewID("x")
				dev := "Stasis:dnd-" + ext
				if err := ds.Update(ctx, dev, "BUSY"); err != nil {
					t.Fatal(err)
				}
				defer func() { _ = ds.Delete(context.Background(), dev) }()
				if d, err := ds.Get(ctx, dev); err != nil || d.State != "BUSY" || d.Name != dev {
					t.Fatalf("get %+v %v", d, err)
				}
				listed := func() (ari.DeviceState, bool) {
					t.Helper()
					list, err := ds.List(ctx)
					if err != nil {
						t.Fatal(err)
					}
					i := slices.IndexFunc(list, func(d ari.DeviceState) bool { return d.Name == dev })
					if i < 0 {
						return ari.DeviceState{}, false
					}
					return list[i], true
				}
				if d, ok := listed(); !ok || d.State != "BUSY" {
					t.Errorf("listed %+v %v", d, ok)
				}
				// The scheme is matched with strncasecmp: the device is
				// stored (astdb family StasisDeviceState) under the name
				// after the prefix and listed as "Stasis:<name>".
				if err := ds.Update(ctx, "stasis:dnd-"+ext, "NOT_INUSE"); err != nil {
					t.Fatal(err)
				}
				if d, err := ds.Get(ctx, dev); err != nil || d.State != "NOT_INUSE" {
					t.Errorf("after an update with a lower-case scheme: %+v %v", d, err)
				}
				if d, ok := listed(); !ok || d.State != "NOT_INUSE" {
					t.Errorf("listed after an update with a lower-case scheme %+v %v", d, ok)
				}
				// stasis_app_device_state_update refuses what it does not control
				// or know.
				wantErr(t, "update uncontrolled", ds.Update(ctx, "Custom:"+ext, "BUSY"), 409, "Uncontrolled device specified")
				wantErr(t, "update unknown state", ds.Update(ctx, dev, "SLEEPING"), 500, "Unknown device")
				wantErr(t, "update no name", ds.Update(ctx, "Stasis:", "BUSY"), 404, "Device name is missing")

				if err := ds.Delete(ctx, dev); err != nil {
					t.Fatal(err)
				}
				if d, err := ds.Get(ctx, dev); err != nil || d.State != "UNKNOWN" {
					t.Errorf("after delete: %+v %v", d, err)
				}
				if d, ok := listed(); ok {
					t.Errorf("still listed after delete: %+v", d)
				}
				// stasis_app_device_state_delete: a device with nothing cached
				// is STASIS_DEVICE_STATE_UNKNOWN, which
				// ast_ari_device_states_delete answers 204 like a deletion.
				if err := ds.Delete(ctx, dev); err != nil {
					t.Errorf("delete again: %v", err)
				}
				if err := ds.Delete(ctx, "stasis:dnd-never-"+ext); err != nil {
					t.Errorf("delete a device never set, lower-case scheme: %v", err)
				}
				wantErr(t, "delete uncontrolled", ds.Delete(ctx, "Custom:"+ext), 409, "Uncontrolled device specified")
				wantErr(t, "delete no name", ds.Delete(ctx, "Stasis:"), 404, "Device name is missing")
			})

			t.Run("PRESENCE_STATE through /asterisk/variable", func(t *testing.T) {
				ext := ari.NewID("x")
				fn := "PRESENCE_STATE(CustomPresence:" + ext + ")"
				msg := "In a meeting, back at 3"
				if err := c.Asterisk().SetVariable(ctx, fn, "dnd,,"+base64.StdEncoding.EncodeToString([]byte(msg))+",e"); err != nil {
					t.Fatal(err)
				}
				defer func() { _ = c.Asterisk().SetVariable(context.Background(), fn, "not_set") }()
				// ast_ari_asterisk_get_global_var looks variables up with
				// ast_str_retrieve_variable, which evaluates no function.
				if v, err := c.Asterisk().GetVariable(ctx, fn); err != nil || v != "" {
					t.Errorf("GET /asterisk/variable %s = %q %v; want \"\"", fn, v, err)
				}
				// A value func_presencestate's parse_data refuses: still 204
				// (ast_ari_asterisk_set_global_var does not check the write),
				// and the state is unchanged.
				if err := c.Asterisk().SetVariable(ctx, fn, "sleeping"); err != nil {
					t.Errorf("set an unknown state: %v", err)
				}

				// A channel evaluates the function (presence_read): the state,
				// the message decoded, or encoded again with option e.
				id := ari.NewID("contract-pres-")
				sub := c.Events().Subscribe(ari.Filter{Keys: []ari.Key{ari.ChannelKey(id)}})
				defer sub.Cancel()
				if _, err := c.Channels().Originate(ctx, ari.OriginateRequest{Endpoint: tg.local, ChannelID: id, App: appName, Timeout: 10 * time.Second}); err != nil {
					t.Fatal(err)
				}
				if tg.advance != nil {
					tg.advance(2 * time.Second)
				}
				until(t, sub, func(ev ari.Event) bool { _, ok := ev.(*ari.StasisStart); return ok })
				defer func() {
					_ = c.Channels().Hangup(context.Background(), id, "")
					if tg.advance != nil {
						tg.advance(0)
					}
				}()
				for _, tt := range []struct{ args, want string }{
					{args: "value", want: "dnd"},
					{args: "message", want: msg},
					{args: "message,e", want: base64.StdEncoding.EncodeToString([]byte(msg))},
					{args: "subtype", want: ""},
				} {
					v, err := c.Channels().GetVariable(ctx, id, "PRESENCE_STATE(CustomPresence:"+ext+","+tt.args+")")
					if err != nil || v != tt.want {
						t.Errorf("PRESENCE_STATE(CustomPresence:%s,%s) = %q %v; want %q", ext, tt.args, v, err, tt.want)
					}
				}
				// The DND lamp as the dialplan sees it (func_devstate.c
				// devstate_read: ast_devstate_str of the cached state).
				dev := "Stasis:dnd-" + ext
				if err := ds.Update(ctx, dev, "BUSY"); err != nil {
					t.Fatal(err)
				}
				defer func() { _ = ds.Delete(context.Background(), dev) }()
				if v, err := c.Channels().GetVariable(ctx, id, "DEVICE_STATE("+dev+")"); err != nil || v != "BUSY" {
					t.Errorf("DEVICE_STATE(%s) = %q %v", dev, v, err)
				}
			})
		})
	}
}
