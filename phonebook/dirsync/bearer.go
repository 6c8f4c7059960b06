package dirsync

import (
	"context"
	"io"
	"net/http"
)

// maxBody bounds the body read by GetBearer.
const maxBody = 256 << 20

// GetBearer GETs link as JSON with an OAuth bearer token through r's
// back-off. token returns the access token, renewed when force is set: a
// first 401 answer renews it once and tries again. A 200 answer returns its
// body (read up to 256 MiB); any other answer is handed, with its body, to
// fail, which turns the API's own error envelope into the error returned.
func (r Retry) GetBearer(ctx context.Context, link string, token func(ctx context.Context, force bool) (string, error),
	fail func(status int, body []byte) error) ([]byte, error) {
	for attempt := 0; ; attempt++ {
		tok, err := token(ctx, attempt > 0)
		if err != nil {
			return nil, err
		}
		resp, err := r.Do(ctx, func(ctx context.Context) (*http.Request, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, link, nil)
			if err == nil {
				req.Header.Set("Authorization", "Bearer "+tok)
				req.Header.Set("Accept", "application/json")
			}
			return req, err
		})
		if err != nil {
			return nil, err
		}
		body, rerr := io.ReadAll(io.LimitReader(resp.Body, maxBody))
		resp.Body.Close()
		if rerr != nil {
			return nil, rerr
		}
		if resp.StatusCode == http.StatusOK {
			return body, nil
		}
		if resp.StatusCode == http.StatusUnauthorized && attempt == 0 {
			continue
		}
		return nil, fail(resp.StatusCode, body)
	}
}
