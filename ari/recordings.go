package ari

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// Mute mutes a live recording: silence is written instead of audio.
func (a recordingsAPI) Mute(ctx context.Context, name string) error {
	return a.live(ctx, "mute", http.MethodPost, name, "/mute")
}

// Unmute undoes Mute.
func (a recordingsAPI) Unmute(ctx context.Context, name string) error {
	return a.live(ctx, "unmute", http.MethodDelete, name, "/mute")
}

// CopyStored copies a stored recording to a new name.
func (a recordingsAPI) CopyStored(ctx context.Context, name, destination string) (*StoredRecording, error) {
	var out StoredRecording
	q := url.Values{"destinationRecordingName": {destination}}
	if err := a.c.call(ctx, "recordings.copyStored", http.MethodPost, "/recordings/stored"+seg(name)+"/copy", q, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// StoredFile streams a stored recording's file to w. It returns the
// Content-Type Asterisk sent ("audio/wav", "audio/gsm", ...) and the bytes
// written. The request timeout of WithRequestTimeout does not apply (files
// can be long): bound it with ctx.
func (a recordingsAPI) StoredFile(ctx context.Context, name string, w io.Writer) (string, int64, error) {
	const op = "recordings.getStoredFile"
	path := "/recordings/stored" + seg(name) + "/file"
	req, err := a.c.newRequest(ctx, http.MethodGet, path, nil)
	if err != nil {
		return "", 0, fmt.Errorf("ari %s: %w", op, err)
	}
	resp, err := a.c.hc.Do(req)
	if err != nil {
		return "", 0, fmt.Errorf("ari %s: GET %s: %w", op, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		return "", 0, statusError(op, http.MethodGet, path, resp.StatusCode, data)
	}
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		return "", n, fmt.Errorf("ari %s: GET %s: read file: %w", op, path, err)
	}
	return resp.Header.Get("Content-Type"), n, nil
}
