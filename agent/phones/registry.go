package phones

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pbxagent/pbxagent/provisioning"
)

// phoneKeyPrefix prefixes phone records in the KV namespace.
const phoneKeyPrefix = "phone/"

// Phone is a registered phone as the admin API shows it. Secrets are never
// part of it, except Token in the answer that creates or rotates it.
type Phone struct {
	// MAC is the phone's MAC address, 12 lower-case hex digits; its id.
	MAC string `json:"mac" doc:"The phone's MAC address, 12 lower-case hex digits; its id" example:"0015654aa937"`
	// Vendor selects the phonebook and provisioning formats.
	Vendor provisioning.Vendor `json:"vendor" doc:"The phone's make, which selects the phone book and provisioning formats" example:"yealink"`
	// Model is informational (e.g. "T46U").
	Model string `json:"model,omitempty" doc:"The model, informational" example:"T46U"`
	// Owner is the user id whose personal contacts the phone also sees.
	Owner string `json:"owner,omitempty" doc:"The user id whose personal contacts the phone also sees" example:"01JEQ7H2B3C4D5E6F7G8H9J0K1"`
	// Username is the phone's HTTP username; empty for token-only phones.
	Username string `json:"username,omitempty" doc:"The phone's HTTP username; empty for token-only phones" example:"phone-0015654aa937"`
	// HasPassword says a password is set (it is never shown).
	HasPassword bool `json:"has_password" doc:"A password is set (it is never shown)" example:"true"`
	// Token is the phone's URL token, present only when just generated.
	Token string `json:"token,omitempty" doc:"The phone's URL token, present only when just generated (registration, rotate_token)" example:"pt_Q3vX9mK2wL7nR4tY8bC1"`
	// Files lists the provisioning files served for this phone.
	Files []string `json:"provisioning_files" doc:"The provisioning files served for this phone, under /provisioning/" example:"[\"0015654aa937.cfg\",\"y000000000028.cfg\"]"`
	// ProvisioningURL is what to enter in the phone's provisioning server
	// field (its name depends on the vendor: docs/phones.md): the base
	// URL's /provisioning/ directory, or for Cisco MPP and Snom the
	// phone's own file, for Grandstream without the scheme.
	ProvisioningURL string `json:"provisioning_url" doc:"What to enter in the phone's provisioning server field (its name depends on the vendor)" example:"https://pbx.example.com/provisioning/"`
	// LastProvisioning is the phone's last request for a provisioning
	// file; LastPhonebook its last phonebook request. Kept in memory: both
	// are absent until the phone's first request since the daemon started.
	LastProvisioning *Fetch `json:"last_provisioning_fetch,omitempty" doc:"The phone's last provisioning request since the daemon started (kept in memory)"`
	LastPhonebook    *Fetch `json:"last_phonebook_fetch,omitempty" doc:"The phone's last phonebook request since the daemon started (kept in memory)"`
	// CTI is what pbxagent can do to the phone remotely
	// (POST /api/v1/phones/{mac}/cti).
	CTI       PhoneCTI  `json:"cti" doc:"What pbxagent can do to the phone remotely (POST /api/v1/phones/{mac}/cti)"`
	CreatedAt time.Time `json:"created_at" doc:"When the phone was registered" example:"2026-11-30T09:12:00Z"`
	UpdatedAt time.Time `json:"updated_at" doc:"When the phone last changed" example:"2026-12-01T10:00:00Z"`
	// Endpoints are the Asterisk endpoints the phone registers (its SIP
	// accounts), as the administrator declared them.
	Endpoints []string `json:"endpoints" doc:"The Asterisk endpoints the phone registers (its SIP accounts, e.g. PJSIP/101), declared by the administrator; each is on at most one phone and, for an owned phone, one of the owner's devices.endpoints. The calls API answers on, and picks the auto-answer header for, the phone of the endpoint that rings" example:"[\"PJSIP/101\"]"`
}

// record is a phone as stored: the public fields plus its secrets, hashed
// and sealed.
type record struct {
	MAC       string              `json:"mac"`
	Vendor    provisioning.Vendor `json:"vendor"`
	Model     string              `json:"model,omitempty"`
	Owner     string              `json:"owner,omitempty"`
	Username  string              `json:"username,omitempty"`
	Endpoints []string            `json:"endpoints,omitempty"`
	CreatedAt time.Time           `json:"created_at"`
	UpdatedAt time.Time           `json:"updated_at"`

	TokenHash   string `json:"token_hash"`
	SealedToken []byte `json:"sealed_token"`
	PassSalt    []byte `json:"pass_salt,omitempty"`
	PassHash    []byte `json:"pass_hash,omitempty"`
	HA1         string `json:"ha1,omitempty"`
	Realm       string `json:"realm,omitempty"`
	SealedPass  []byte `json:"sealed_pass,omitempty"`
}

func (r *record) hasPassword() bool { return len(r.PassHash) > 0 }

// registry is the in-memory view of the phones, written through to the KV.
type registry struct {
	kv    KV
	keys  *keys
	realm string

	// version counts changes of the phones and their secrets; caches of
	// verified credentials are valid for one version only.
	version atomic.Uint64

	mu      sync.RWMutex
	byMAC   map[string]*record
	byUser  map[string]string // username → mac
	byToken map[string]string // token hash → mac
	// byEndpoint maps each declared Asterisk endpoint to its phone.
	byEndpoint map[string]string // endpoint → mac
}

func loadRegistry(ctx context.Context, kv KV, k *keys, realm string) (*registry, error) {
	r := &registry{kv: kv, keys: k, realm: realm,
		byMAC: map[string]*record{}, byUser: map[string]string{}, byToken: map[string]string{}, byEndpoint: map[string]string{}}
	err := kv.List(ctx, func(key string, val []byte) error {
		if !strings.HasPrefix(key, phoneKeyPrefix) {
			return nil
		}
		var rec record
		if err := json.Unmarshal(val, &rec); err != nil {
			return fmt.Errorf("phone record %s: %w", key, err)
		}
		if rec.Realm != realm && len(rec.SealedPass) > 0 {
			if pass, err := k.open(rec.SealedPass, "pass:"+rec.MAC); err == nil {
				rec.HA1, rec.Realm = ha1(rec.Username, realm, pass), realm
			}
		}
		r.index(&rec)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load phones: %w", err)
	}
	return r, nil
}

func (r *registry) index(rec *record) {
	r.byMAC[rec.MAC] = rec
	if rec.Username != "" {
		r.byUser[rec.Username] = rec.MAC
	}
	if rec.TokenHash != "" {
		r.byToken[rec.TokenHash] = rec.MAC
	}
	for _, ep := range rec.Endpoints {
		r.byEndpoint[ep] = rec.MAC
	}
}

func (r *registry) unindex(rec *record) {
	delete(r.byMAC, rec.MAC)
	if r.byUser[rec.Username] == rec.MAC {
		delete(r.byUser, rec.Username)
	}
	if r.byToken[rec.TokenHash] == rec.MAC {
		delete(r.byToken, rec.TokenHash)
	}
	for _, ep := range rec.Endpoints {
		if r.byEndpoint[ep] == rec.MAC {
			delete(r.byEndpoint, ep)
		}
	}
}

func (r *registry) get(mac string) (*record, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	rec, ok := r.byMAC[mac]
	return rec, ok
}

func (r *registry) byUsername(user string) (*record, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	rec, ok := r.byMAC[r.byUser[user]]
	return rec, ok
}

func (r *registry) byTokenValue(token string) (*record, bool) {
	h := tokenHash(token)
	r.mu.RLock()
	defer r.mu.RUnlock()
	rec, ok := r.byMAC[r.byToken[h]]
	return rec, ok
}

func (r *registry) list() []*record {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]*record, 0, len(r.byMAC))
	for _, rec := range r.byMAC {
		out = append(out, rec)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].MAC < out[j].MAC })
	return out
}

// token returns the phone's token (unsealed), or "" when it cannot be read.
func (r *registry) token(rec *record) string {
	t, err := r.keys.open(rec.SealedToken, "token:"+rec.MAC)
	if err != nil {
		return ""
	}
	return t
}

// password returns the phone's password (unsealed), or "".
func (r *registry) password(rec *record) string {
	if len(rec.SealedPass) == 0 {
		return ""
	}
	p, err := r.keys.open(rec.SealedPass, "pass:"+rec.MAC)
	if err != nil {
		return ""
	}
	return p
}

// Input errors of the registry, mapped to HTTP statuses by the admin API.
var (
	errConflict = errors.New("conflict")
	errInvalid  = errors.New("invalid")
	errMissing  = errors.New("no such phone")
)

// fieldError names the bad parameter.
type fieldError struct {
	kind    error
	field   string
	message string
}

func (e *fieldError) Error() string { return e.field + ": " + e.message }
func (e *fieldError) Unwrap() error { return e.kind }

func invalid(field, msg string) error  { return &fieldError{errInvalid, field, msg} }
func conflict(field, msg string) error { return &fieldError{errConflict, field, msg} }

// setPassword fills the password secrets of rec.
func (r *registry) setPassword(rec *record, pass string) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	rec.PassSalt, rec.PassHash = salt, passHash(salt, pass)
	rec.HA1, rec.Realm = ha1(rec.Username, r.realm, pass), r.realm
	rec.SealedPass = r.keys.seal(pass, "pass:"+rec.MAC)
}

// setToken gives rec a new token and returns it.
func (r *registry) setToken(rec *record) string {
	t := newToken()
	rec.TokenHash, rec.SealedToken = tokenHash(t), r.keys.seal(t, "token:"+rec.MAC)
	return t
}

func (r *registry) save(ctx context.Context, rec *record) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encode phone %s: %w", rec.MAC, err)
	}
	if err := r.kv.Put(ctx, phoneKeyPrefix+rec.MAC, b); err != nil {
		return fmt.Errorf("save phone %s: %w", rec.MAC, err)
	}
	return nil
}

// create registers a phone and returns its record and new token.
func (r *registry) create(ctx context.Context, rec *record, pass string, now time.Time) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.byMAC[rec.MAC]; ok {
		return "", conflict("mac", "a phone with this MAC is already registered")
	}
	if rec.Username != "" {
		if _, ok := r.byUser[rec.Username]; ok {
			return "", conflict("username", "already used by another phone")
		}
	}
	if err := r.endpointsTaken(rec.MAC, rec.Endpoints); err != nil {
		return "", err
	}
	rec.CreatedAt, rec.UpdatedAt = now, now
	tok := r.setToken(rec)
	if pass != "" {
		r.setPassword(rec, pass)
	}
	if err := r.save(ctx, rec); err != nil {
		return "", err
	}
	r.index(rec)
	r.version.Add(1)
	return tok, nil
}

// patch describes a PATCH; nil fields are left alone.
type patch struct {
	Vendor      *string `json:"vendor" doc:"The phone's make" example:"yealink"`
	Model       *string `json:"model" doc:"The model" example:"T46U"`
	Owner       *string `json:"owner" doc:"The owning user's id (\"\" clears)" example:"01JEQ7H2B3C4D5E6F7G8H9J0K1"`
	Username    *string `json:"username" doc:"The HTTP username (\"\" clears)" example:"phone-0015654aa937"`
	Password    *string `json:"password" doc:"The HTTP password (\"\" clears; write-only)" example:"Vq9!rT4zL2wX"`
	RotateToken bool    `json:"rotate_token" doc:"Generate a new URL token (returned once); the old one stops working" example:"false"`
	// Endpoints replaces the phone's endpoints ([] clears).
	Endpoints *[]string `json:"endpoints" doc:"The Asterisk endpoints the phone registers, replacing the list ([] clears); each on at most one phone and, for an owned phone, one of the owner's devices.endpoints" example:"[\"PJSIP/101\"]"`
}

// update applies p to the phone mac; it returns the new record and the new
// token when rotated.
func (r *registry) update(ctx context.Context, mac string, p patch, now time.Time) (*record, string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	old, ok := r.byMAC[mac]
	if !ok {
		return nil, "", errMissing
	}
	rec := *old
	if p.Vendor != nil {
		v, ok := provisioning.ParseVendor(*p.Vendor)
		if !ok {
			return nil, "", invalid("vendor", vendorsMsg())
		}
		rec.Vendor = v
	}
	if p.Model != nil {
		rec.Model = strings.TrimSpace(*p.Model)
	}
	if p.Owner != nil {
		rec.Owner = strings.TrimSpace(*p.Owner)
	}
	if p.Endpoints != nil {
		eps, err := parseEndpoints(*p.Endpoints)
		if err != nil {
			return nil, "", err
		}
		if err := r.endpointsTaken(mac, eps); err != nil {
			return nil, "", err
		}
		rec.Endpoints = eps
	}
	pass := ""
	if p.Password != nil {
		pass = *p.Password
		if err := checkPassword(pass); err != nil {
			return nil, "", err
		}
	}
	if p.Username != nil {
		u := strings.TrimSpace(*p.Username)
		if err := checkUsername(u); err != nil {
			return nil, "", err
		}
		if other, ok := r.byUser[u]; ok && other != mac && u != "" {
			return nil, "", conflict("username", "already used by another phone")
		}
		if u != rec.Username {
			if u == "" {
				rec.PassSalt, rec.PassHash, rec.HA1, rec.Realm, rec.SealedPass = nil, nil, "", "", nil
			} else if pass == "" {
				pass = r.password(&rec)
				if pass == "" {
					return nil, "", invalid("password", "required when the username changes")
				}
			}
		}
		rec.Username = u
	}
	if pass != "" {
		if rec.Username == "" {
			return nil, "", invalid("password", "a password needs a username")
		}
		r.setPassword(&rec, pass)
	}
	tok := ""
	if p.RotateToken {
		tok = r.setToken(&rec)
	}
	rec.UpdatedAt = now
	if err := r.save(ctx, &rec); err != nil {
		return nil, "", err
	}
	r.unindex(old)
	r.index(&rec)
	r.version.Add(1)
	return &rec, tok, nil
}

func (r *registry) remove(ctx context.Context, mac string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	rec, ok := r.byMAC[mac]
	if !ok {
		return errMissing
	}
	if err := r.kv.Delete(ctx, phoneKeyPrefix+mac); err != nil {
		return fmt.Errorf("delete phone %s: %w", mac, err)
	}
	r.unindex(rec)
	r.version.Add(1)
	return nil
}

func checkUsername(u string) error {
	if strings.ContainsAny(u, ":\"\\") || strings.ContainsFunc(u, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return invalid("username", `must not contain ':', '"', '\' or control characters`)
	}
	if len(u) > 64 {
		return invalid("username", "at most 64 bytes")
	}
	return nil
}

func checkPassword(p string) error {
	if p == "" {
		return invalid("password", "must not be empty")
	}
	if len(p) > 128 || strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return invalid("password", "at most 128 bytes, no control characters")
	}
	return nil
}

func vendorsMsg() string {
	vs := provisioning.Vendors()
	names := make([]string, len(vs))
	for i, v := range vs {
		names[i] = string(v)
	}
	return "must be one of " + strings.Join(names, ", ")
}
