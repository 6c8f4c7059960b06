package ari

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"
)

type channelsAPI struct{ c *Conn }

type variablesBody struct {
	Variables map[string]string `json:"variables,omitempty"`
}

// varsBody is the {"variables": ...} body, or nil (no body) when empty.
func varsBody(vars map[string]string) any {
	if len(vars) == 0 {
		return nil
	}
	return variablesBody{vars}
}

func (a channelsAPI) List(ctx context.Context) ([]Channel, error) {
	var out []Channel
	err := a.c.call(ctx, "channels.list", http.MethodGet, "/channels", nil, nil, &out)
	return out, err
}

func (a channelsAPI) Get(ctx context.Context, id string) (*Channel, error) {
	var out Channel
	if err := a.c.call(ctx, "channels.get", http.MethodGet, "/channels"+seg(id), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func (a channelsAPI) Originate(ctx context.Context, r OriginateRequest) (*Channel, error) {
	id := r.ChannelID
	if id == "" {
		id = NewID("pbx-")
	}
	q := url.Values{}
	q.Set("endpoint", r.Endpoint)
	app := r.App
	if app == "" && r.Dialplan.Extension == "" && r.Dialplan.Context == "" && len(a.c.apps) > 0 {
		app = a.c.apps[0]
	}
	if app != "" {
		q.Set("app", app)
		if len(r.AppArgs) > 0 {
			q.Set("appArgs", strings.Join(r.AppArgs, ","))
		}
	} else {
		setStr(q, "extension", r.Dialplan.Extension)
		setStr(q, "context", r.Dialplan.Context)
		setInt(q, "priority", r.Dialplan.Priority)
		setStr(q, "label", r.Dialplan.Label)
	}
	setStr(q, "callerId", r.CallerID)
	switch {
	case r.Timeout > 0:
		q.Set("timeout", itoa(int((r.Timeout+time.Second-1)/time.Second)))
	case r.Timeout < 0:
		q.Set("timeout", "-1")
	}
	setStr(q, "otherChannelId", r.OtherChannelID)
	setStr(q, "originator", r.Originator)
	setStr(q, "formats", strings.Join(r.Formats, ","))
	var out Channel
	if err := a.c.call(ctx, "channels.originate", http.MethodPost, "/channels"+seg(id), q, varsBody(r.Variables), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func (a channelsAPI) Create(ctx context.Context, r CreateRequest) (*Channel, error) {
	q := url.Values{}
	q.Set("endpoint", r.Endpoint)
	app := r.App
	if app == "" && len(a.c.apps) > 0 {
		app = a.c.apps[0]
	}
	q.Set("app", app)
	if len(r.AppArgs) > 0 {
		q.Set("appArgs", strings.Join(r.AppArgs, ","))
	}
	id := r.ChannelID
	if id == "" {
		id = NewID("pbx-")
	}
	q.Set("channelId", id)
	setStr(q, "otherChannelId", r.OtherChannelID)
	setStr(q, "originator", r.Originator)
	setStr(q, "formats", strings.Join(r.Formats, ","))
	var out Channel
	if err := a.c.call(ctx, "channels.create", http.MethodPost, "/channels/create", q, varsBody(r.Variables), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func (a channelsAPI) Dial(ctx context.Context, id, caller string, timeout time.Duration) error {
	q := url.Values{}
	setStr(q, "caller", caller)
	if timeout > 0 {
		q.Set("timeout", itoa(int((timeout+time.Second-1)/time.Second)))
	}
	return a.c.call(ctx, "channels.dial", http.MethodPost, "/channels"+seg(id)+"/dial", q, nil, nil)
}

func (a channelsAPI) Hangup(ctx context.Context, id, reason string) error {
	q := url.Values{}
	setStr(q, "reason", reason)
	return a.c.call(ctx, "channels.hangup", http.MethodDelete, "/channels"+seg(id), q, nil, nil)
}

func (a channelsAPI) simple(ctx context.Context, op, method, id, sub string, q url.Values) error {
	return a.c.call(ctx, "channels."+op, method, "/channels"+seg(id)+sub, q, nil, nil)
}

func (a channelsAPI) Answer(ctx context.Context, id string) error {
	return a.simple(ctx, "answer", http.MethodPost, id, "/answer", nil)
}

func (a channelsAPI) Ring(ctx context.Context, id string) error {
	return a.simple(ctx, "ring", http.MethodPost, id, "/ring", nil)
}

func (a channelsAPI) StopRing(ctx context.Context, id string) error {
	return a.simple(ctx, "ringStop", http.MethodDelete, id, "/ring", nil)
}

func (a channelsAPI) Progress(ctx context.Context, id string) error {
	return a.simple(ctx, "progress", http.MethodPost, id, "/progress", nil)
}

func (a channelsAPI) Continue(ctx context.Context, id string, to DialplanTarget) error {
	q := url.Values{}
	setStr(q, "context", to.Context)
	setStr(q, "extension", to.Extension)
	setInt(q, "priority", to.Priority)
	setStr(q, "label", to.Label)
	return a.simple(ctx, "continue", http.MethodPost, id, "/continue", q)
}

func (a channelsAPI) Move(ctx context.Context, id, app string, args ...string) error {
	q := url.Values{}
	q.Set("app", app)
	if len(args) > 0 {
		q.Set("appArgs", strings.Join(args, ","))
	}
	return a.simple(ctx, "move", http.MethodPost, id, "/move", q)
}

func (a channelsAPI) Redirect(ctx context.Context, id, endpoint string) error {
	q := url.Values{}
	q.Set("endpoint", endpoint)
	return a.simple(ctx, "redirect", http.MethodPost, id, "/redirect", q)
}

func (a channelsAPI) GetVariable(ctx context.Context, id, name string) (string, error) {
	q := url.Values{}
	q.Set("variable", name)
	var out Variable
	if err := a.c.call(ctx, "channels.getVariable", http.MethodGet, "/channels"+seg(id)+"/variable", q, nil, &out); err != nil {
		return "", err
	}
	return out.Value, nil
}

func (a channelsAPI) SetVariable(ctx context.Context, id, name, value string) error {
	q := url.Values{}
	q.Set("variable", name)
	q.Set("value", value)
	return a.simple(ctx, "setVariable", http.MethodPost, id, "/variable", q)
}

func (a channelsAPI) SendDTMF(ctx context.Context, id, digits string, o DTMFOptions) error {
	q := url.Values{}
	q.Set("dtmf", digits)
	setInt(q, "before", int(o.Before/time.Millisecond))
	setInt(q, "between", int(o.Between/time.Millisecond))
	setInt(q, "duration", int(o.Duration/time.Millisecond))
	setInt(q, "after", int(o.After/time.Millisecond))
	return a.simple(ctx, "sendDTMF", http.MethodPost, id, "/dtmf", q)
}

func dirQuery(direction string) url.Values {
	q := url.Values{}
	setStr(q, "direction", direction)
	return q
}

func (a channelsAPI) Mute(ctx context.Context, id, direction string) error {
	return a.simple(ctx, "mute", http.MethodPost, id, "/mute", dirQuery(direction))
}

func (a channelsAPI) Unmute(ctx context.Context, id, direction string) error {
	return a.simple(ctx, "unmute", http.MethodDelete, id, "/mute", dirQuery(direction))
}

func (a channelsAPI) Hold(ctx context.Context, id string) error {
	return a.simple(ctx, "hold", http.MethodPost, id, "/hold", nil)
}

func (a channelsAPI) Unhold(ctx context.Context, id string) error {
	return a.simple(ctx, "unhold", http.MethodDelete, id, "/hold", nil)
}

func (a channelsAPI) StartMOH(ctx context.Context, id, class string) error {
	q := url.Values{}
	setStr(q, "mohClass", class)
	return a.simple(ctx, "startMoh", http.MethodPost, id, "/moh", q)
}

func (a channelsAPI) StopMOH(ctx context.Context, id string) error {
	return a.simple(ctx, "stopMoh", http.MethodDelete, id, "/moh", nil)
}

func (a channelsAPI) StartSilence(ctx context.Context, id string) error {
	return a.simple(ctx, "startSilence", http.MethodPost, id, "/silence", nil)
}

func (a channelsAPI) StopSilence(ctx context.Context, id string) error {
	return a.simple(ctx, "stopSilence", http.MethodDelete, id, "/silence", nil)
}

func playQuery(r PlayRequest) (string, url.Values) {
	id := r.PlaybackID
	if id == "" {
		id = NewID("pb-")
	}
	q := url.Values{}
	q.Set("media", strings.Join(r.Media, ","))
	setStr(q, "lang", r.Lang)
	setInt(q, "offsetms", r.OffsetMs)
	setInt(q, "skipms", r.SkipMs)
	setStr(q, "announcer_format", r.AnnouncerFormat)
	return id, q
}

func (a channelsAPI) Play(ctx context.Context, id string, r PlayRequest) (*Playback, error) {
	pid, q := playQuery(r)
	var out Playback
	if err := a.c.call(ctx, "channels.play", http.MethodPost, "/channels"+seg(id)+"/play"+seg(pid), q, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func recordQuery(r RecordRequest, recorderFormat bool) url.Values {
	q := url.Values{}
	q.Set("name", r.Name)
	q.Set("format", r.Format)
	setInt(q, "maxDurationSeconds", int((r.MaxDuration+time.Second-1)/time.Second))
	setInt(q, "maxSilenceSeconds", int((r.MaxSilence+time.Second-1)/time.Second))
	setStr(q, "ifExists", r.IfExists)
	setBool(q, "beep", r.Beep)
	setStr(q, "terminateOn", r.TerminateOn)
	if recorderFormat {
		setStr(q, "recorder_format", r.RecorderFormat)
	}
	return q
}

func (a channelsAPI) Record(ctx context.Context, id string, r RecordRequest) (*LiveRecording, error) {
	var out LiveRecording
	if err := a.c.call(ctx, "channels.record", http.MethodPost, "/channels"+seg(id)+"/record", recordQuery(r, false), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func (a channelsAPI) Snoop(ctx context.Context, id string, r SnoopRequest) (*Channel, error) {
	sid := r.SnoopID
	if sid == "" {
		sid = NewID("snoop-")
	}
	q := url.Values{}
	setStr(q, "spy", r.Spy)
	setStr(q, "whisper", r.Whisper)
	app := r.App
	if app == "" && len(a.c.apps) > 0 {
		app = a.c.apps[0]
	}
	q.Set("app", app)
	if len(r.AppArgs) > 0 {
		q.Set("appArgs", strings.Join(r.AppArgs, ","))
	}
	var out Channel
	if err := a.c.call(ctx, "channels.snoop", http.MethodPost, "/channels"+seg(id)+"/snoop"+seg(sid), q, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func (a channelsAPI) TransferProgress(ctx context.Context, id, state string) error {
	return a.simple(ctx, "transferProgress", http.MethodPost, id, "/transfer_progress", url.Values{"states": {state}})
}
