package ari

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

func itoa(i int) string { return strconv.Itoa(i) }

type asteriskAPI struct{ c *Conn }

func (a asteriskAPI) Info(ctx context.Context) (*AsteriskInfo, error) {
	var out AsteriskInfo
	if err := a.c.call(ctx, "asterisk.getInfo", http.MethodGet, "/asterisk/info", nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func (a asteriskAPI) Ping(ctx context.Context) (*AsteriskPing, error) {
	var out AsteriskPing
	if err := a.c.call(ctx, "asterisk.ping", http.MethodGet, "/asterisk/ping", nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func (a asteriskAPI) GetVariable(ctx context.Context, name string) (string, error) {
	q := url.Values{}
	q.Set("variable", name)
	var out Variable
	if err := a.c.call(ctx, "asterisk.getGlobalVar", http.MethodGet, "/asterisk/variable", q, nil, &out); err != nil {
		return "", err
	}
	return out.Value, nil
}

func (a asteriskAPI) SetVariable(ctx context.Context, name, value string) error {
	q := url.Values{}
	q.Set("variable", name)
	q.Set("value", value)
	return a.c.call(ctx, "asterisk.setGlobalVar", http.MethodPost, "/asterisk/variable", q, nil, nil)
}

type bridgesAPI struct{ c *Conn }

func (a bridgesAPI) List(ctx context.Context) ([]Bridge, error) {
	var out []Bridge
	err := a.c.call(ctx, "bridges.list", http.MethodGet, "/bridges", nil, nil, &out)
	return out, err
}

func (a bridgesAPI) Get(ctx context.Context, id string) (*Bridge, error) {
	var out Bridge
	if err := a.c.call(ctx, "bridges.get", http.MethodGet, "/bridges"+seg(id), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func (a bridgesAPI) Create(ctx context.Context, r BridgeRequest) (*Bridge, error) {
	id := r.ID
	if id == "" {
		id = NewID("br-")
	}
	q := url.Values{}
	setStr(q, "type", strings.Join(r.Type, ","))
	setStr(q, "name", r.Name)
	var out Bridge
	if err := a.c.call(ctx, "bridges.createWithId", http.MethodPost, "/bridges"+seg(id), q, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func (a bridgesAPI) Destroy(ctx context.Context, id string) error {
	return a.c.call(ctx, "bridges.destroy", http.MethodDelete, "/bridges"+seg(id), nil, nil, nil)
}

func (a bridgesAPI) AddChannel(ctx context.Context, id string, r AddChannelRequest) error {
	q := url.Values{}
	q.Set("channel", strings.Join(r.Channels, ","))
	setStr(q, "role", r.Role)
	setBool(q, "absorbDTMF", r.AbsorbDTMF)
	setBool(q, "mute", r.Mute)
	setBool(q, "inhibitConnectedLineUpdates", r.InhibitConnectedLineUpdates)
	return a.c.call(ctx, "bridges.addChannel", http.MethodPost, "/bridges"+seg(id)+"/addChannel", q, nil, nil)
}

func (a bridgesAPI) RemoveChannel(ctx context.Context, id string, channelIDs ...string) error {
	q := url.Values{}
	q.Set("channel", strings.Join(channelIDs, ","))
	return a.c.call(ctx, "bridges.removeChannel", http.MethodPost, "/bridges"+seg(id)+"/removeChannel", q, nil, nil)
}

func (a bridgesAPI) StartMOH(ctx context.Context, id, class string) error {
	q := url.Values{}
	setStr(q, "mohClass", class)
	return a.c.call(ctx, "bridges.startMoh", http.MethodPost, "/bridges"+seg(id)+"/moh", q, nil, nil)
}

func (a bridgesAPI) StopMOH(ctx context.Context, id string) error {
	return a.c.call(ctx, "bridges.stopMoh", http.MethodDelete, "/bridges"+seg(id)+"/moh", nil, nil, nil)
}

func (a bridgesAPI) Play(ctx context.Context, id string, r PlayRequest) (*Playback, error) {
	pid, q := playQuery(r)
	var out Playback
	if err := a.c.call(ctx, "bridges.play", http.MethodPost, "/bridges"+seg(id)+"/play"+seg(pid), q, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func (a bridgesAPI) Record(ctx context.Context, id string, r RecordRequest) (*LiveRecording, error) {
	var out LiveRecording
	if err := a.c.call(ctx, "bridges.record", http.MethodPost, "/bridges"+seg(id)+"/record", recordQuery(r, true), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

type playbacksAPI struct{ c *Conn }

func (a playbacksAPI) Get(ctx context.Context, id string) (*Playback, error) {
	var out Playback
	if err := a.c.call(ctx, "playbacks.get", http.MethodGet, "/playbacks"+seg(id), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func (a playbacksAPI) Stop(ctx context.Context, id string) error {
	return a.c.call(ctx, "playbacks.stop", http.MethodDelete, "/playbacks"+seg(id), nil, nil, nil)
}

func (a playbacksAPI) Control(ctx context.Context, id, operation string) error {
	q := url.Values{}
	q.Set("operation", operation)
	return a.c.call(ctx, "playbacks.control", http.MethodPost, "/playbacks"+seg(id)+"/control", q, nil, nil)
}

type recordingsAPI struct{ c *Conn }

func (a recordingsAPI) Live(ctx context.Context, name string) (*LiveRecording, error) {
	var out LiveRecording
	if err := a.c.call(ctx, "recordings.getLive", http.MethodGet, "/recordings/live"+seg(name), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func (a recordingsAPI) live(ctx context.Context, op, method, name, sub string) error {
	return a.c.call(ctx, "recordings."+op, method, "/recordings/live"+seg(name)+sub, nil, nil, nil)
}

func (a recordingsAPI) Stop(ctx context.Context, name string) error {
	return a.live(ctx, "stop", http.MethodPost, name, "/stop")
}

func (a recordingsAPI) Cancel(ctx context.Context, name string) error {
	return a.live(ctx, "cancel", http.MethodDelete, name, "")
}

func (a recordingsAPI) Pause(ctx context.Context, name string) error {
	return a.live(ctx, "pause", http.MethodPost, name, "/pause")
}

func (a recordingsAPI) Unpause(ctx context.Context, name string) error {
	return a.live(ctx, "unpause", http.MethodDelete, name, "/pause")
}

func (a recordingsAPI) ListStored(ctx context.Context) ([]StoredRecording, error) {
	var out []StoredRecording
	err := a.c.call(ctx, "recordings.listStored", http.MethodGet, "/recordings/stored", nil, nil, &out)
	return out, err
}

func (a recordingsAPI) Stored(ctx context.Context, name string) (*StoredRecording, error) {
	var out StoredRecording
	if err := a.c.call(ctx, "recordings.getStored", http.MethodGet, "/recordings/stored"+seg(name), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func (a recordingsAPI) DeleteStored(ctx context.Context, name string) error {
	return a.c.call(ctx, "recordings.deleteStored", http.MethodDelete, "/recordings/stored"+seg(name), nil, nil, nil)
}

type endpointsAPI struct{ c *Conn }

func (a endpointsAPI) List(ctx context.Context) ([]Endpoint, error) {
	var out []Endpoint
	err := a.c.call(ctx, "endpoints.list", http.MethodGet, "/endpoints", nil, nil, &out)
	return out, err
}

func (a endpointsAPI) Get(ctx context.Context, tech, resource string) (*Endpoint, error) {
	var out Endpoint
	if err := a.c.call(ctx, "endpoints.get", http.MethodGet, "/endpoints"+seg(tech)+seg(resource), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func (a endpointsAPI) SendMessage(ctx context.Context, to, from, body string, variables map[string]string) error {
	q := url.Values{}
	q.Set("to", to)
	q.Set("from", from)
	setStr(q, "body", body)
	return a.c.call(ctx, "endpoints.sendMessage", http.MethodPut, "/endpoints/sendMessage", q, varsBody(variables), nil)
}

type deviceStatesAPI struct{ c *Conn }

func (a deviceStatesAPI) List(ctx context.Context) ([]DeviceState, error) {
	var out []DeviceState
	err := a.c.call(ctx, "deviceStates.list", http.MethodGet, "/deviceStates", nil, nil, &out)
	return out, err
}

func (a deviceStatesAPI) Get(ctx context.Context, name string) (*DeviceState, error) {
	var out DeviceState
	if err := a.c.call(ctx, "deviceStates.get", http.MethodGet, "/deviceStates"+seg(name), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func (a deviceStatesAPI) Update(ctx context.Context, name, state string) error {
	q := url.Values{}
	q.Set("deviceState", state)
	return a.c.call(ctx, "deviceStates.update", http.MethodPut, "/deviceStates"+seg(name), q, nil, nil)
}

func (a deviceStatesAPI) Delete(ctx context.Context, name string) error {
	return a.c.call(ctx, "deviceStates.delete", http.MethodDelete, "/deviceStates"+seg(name), nil, nil, nil)
}

type applicationsAPI struct{ c *Conn }

func (a applicationsAPI) List(ctx context.Context) ([]Application, error) {
	var out []Application
	err := a.c.call(ctx, "applications.list", http.MethodGet, "/applications", nil, nil, &out)
	return out, err
}

func (a applicationsAPI) Get(ctx context.Context, name string) (*Application, error) {
	var out Application
	if err := a.c.call(ctx, "applications.get", http.MethodGet, "/applications"+seg(name), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func sourcesQuery(sources []Key) url.Values {
	names := make([]string, len(sources))
	for i, s := range sources {
		names[i] = s.String()
	}
	q := url.Values{}
	q.Set("eventSource", strings.Join(names, ","))
	return q
}

func (a applicationsAPI) Subscribe(ctx context.Context, app string, sources ...Key) (*Application, error) {
	var out Application
	if err := a.c.call(ctx, "applications.subscribe", http.MethodPost, "/applications"+seg(app)+"/subscription", sourcesQuery(sources), nil, &out); err != nil {
		return nil, err
	}
	a.c.mu.Lock()
	m := a.c.subs[app]
	if m == nil {
		m = map[Key]struct{}{}
		a.c.subs[app] = m
	}
	for _, s := range sources {
		m[s] = struct{}{}
	}
	a.c.mu.Unlock()
	return &out, nil
}

func (a applicationsAPI) Unsubscribe(ctx context.Context, app string, sources ...Key) (*Application, error) {
	a.c.mu.Lock()
	for _, s := range sources {
		delete(a.c.subs[app], s)
	}
	a.c.mu.Unlock()
	var out Application
	if err := a.c.call(ctx, "applications.unsubscribe", http.MethodDelete, "/applications"+seg(app)+"/subscription", sourcesQuery(sources), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
