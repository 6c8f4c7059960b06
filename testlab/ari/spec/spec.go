// Package spec embeds the ARI Swagger 1.1 specification (Asterisk's
// rest-api JSON, ARI 12.0.0, from rest-api/ in Asterisk's source tree,
// https://github.com/asterisk/asterisk/tree/master/rest-api; SOURCE.md says
// which version) and checks
// requests and events against it. The fake Asterisk validates every request
// it accepts and every event it sends with it, and the contract tests check
// a real Asterisk's traffic the same way.
package spec

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync"
)

//go:embed *.json
var files embed.FS

// Param is one operation parameter.
type Param struct {
	Name          string   `json:"name"`
	ParamType     string   `json:"paramType"` // path, query or body
	DataType      string   `json:"dataType"`  // string, int, long, boolean, containers, object
	Required      bool     `json:"required"`
	AllowMultiple bool     `json:"allowMultiple"`
	Allowed       []string `json:"-"`
	Min, Max      *float64 `json:"-"`

	AllowableValues *struct {
		ValueType string   `json:"valueType"`
		Values    []string `json:"values"`
		Min       *float64 `json:"min"`
		Max       *float64 `json:"max"`
	} `json:"allowableValues"`
}

// ErrorResponse is a documented error status.
type ErrorResponse struct {
	Code   json.Number `json:"code"`
	Reason string      `json:"reason"`
}

// Operation is one REST operation.
type Operation struct {
	Resource       string          `json:"-"` // file, e.g. "channels"
	Path           string          `json:"-"` // template under /ari, e.g. "/channels/{channelId}"
	Method         string          `json:"httpMethod"`
	Nickname       string          `json:"nickname"`
	ResponseClass  string          `json:"responseClass"`
	Upgrade        string          `json:"upgrade"`
	Params         []Param         `json:"parameters"`
	ErrorResponses []ErrorResponse `json:"errorResponses"`

	segs []string
}

// Property is one model property.
type Property struct {
	Type     string   `json:"type"`
	Required bool     `json:"required"`
	Allowed  []string `json:"-"`

	AllowableValues *struct {
		Values []string `json:"values"`
	} `json:"allowableValues"`
}

// Model is a Swagger model.
type Model struct {
	ID         string              `json:"id"`
	Properties map[string]Property `json:"properties"`
	SubTypes   []string            `json:"subTypes"`
	// Parent is the model this one extends (from the parent's subTypes).
	Parent string `json:"-"`
}

// Spec is the parsed specification.
type Spec struct {
	// Version is the ARI version from resources.json.
	Version string
	// Operations lists every REST operation.
	Operations []*Operation
	// Models maps model id to model.
	Models map[string]*Model
	// Events lists the event type names (subtypes of Event).
	Events []string
}

var loadOnce = sync.OnceValues(parse)

// Load returns the embedded specification (parsed once; treat it as read-only).
func Load() (*Spec, error) { return loadOnce() }

// MustLoad is Load for tests and init paths; it panics on a broken embed.
func MustLoad() *Spec {
	s, err := Load()
	if err != nil {
		panic(err)
	}
	return s
}

type apiFile struct {
	APIVersion string `json:"apiVersion"`
	APIs       []struct {
		Path       string       `json:"path"`
		Operations []*Operation `json:"operations"`
	} `json:"apis"`
	Models map[string]*Model `json:"models"`
}

func parse() (*Spec, error) {
	s := &Spec{Models: map[string]*Model{}}
	names, err := fs.Glob(files, "*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	for _, name := range names {
		raw, err := files.ReadFile(name)
		if err != nil {
			return nil, err
		}
		var af apiFile
		if err := json.Unmarshal(raw, &af); err != nil {
			return nil, fmt.Errorf("spec %s: %w", name, err)
		}
		res := strings.TrimSuffix(name, ".json")
		if res == "resources" {
			s.Version = af.APIVersion
			continue
		}
		for _, api := range af.APIs {
			for _, op := range api.Operations {
				op.Resource = res
				op.Path = api.Path
				op.segs = strings.Split(strings.Trim(api.Path, "/"), "/")
				for i := range op.Params {
					p := &op.Params[i]
					if av := p.AllowableValues; av != nil {
						p.Allowed = av.Values
						p.Min, p.Max = av.Min, av.Max
					}
				}
				s.Operations = append(s.Operations, op)
			}
		}
		for id, m := range af.Models {
			for pn, p := range m.Properties {
				if p.AllowableValues != nil {
					p.Allowed = p.AllowableValues.Values
					m.Properties[pn] = p
				}
			}
			s.Models[id] = m
		}
	}
	for id, m := range s.Models {
		for _, sub := range m.SubTypes {
			if c, ok := s.Models[sub]; ok {
				c.Parent = id
			}
		}
	}
	if ev, ok := s.Models["Event"]; ok {
		s.Events = append([]string(nil), ev.SubTypes...)
		sort.Strings(s.Events)
	}
	if s.Version == "" || len(s.Operations) == 0 || len(s.Events) == 0 {
		return nil, fmt.Errorf("spec: embedded files incomplete")
	}
	return s, nil
}

// Match finds the operation for method and path (relative to /ari, e.g.
// "/channels/abc/continue") and returns the path parameters. Literal
// segments win over parameters ("/channels/create" is not a channel id).
func (s *Spec) Match(method, path string) (*Operation, map[string]string, bool) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	var best *Operation
	bestLit := -1
	for _, op := range s.Operations {
		if op.Method != method || len(op.segs) != len(segs) {
			continue
		}
		lit, ok := 0, true
		for i, t := range op.segs {
			if strings.HasPrefix(t, "{") {
				if segs[i] == "" {
					ok = false
					break
				}
				continue
			}
			if t != segs[i] {
				ok = false
				break
			}
			lit++
		}
		if ok && lit > bestLit {
			best, bestLit = op, lit
		}
	}
	if best == nil {
		return nil, nil, false
	}
	params := map[string]string{}
	for i, t := range best.segs {
		if strings.HasPrefix(t, "{") {
			params[strings.Trim(t, "{}")] = segs[i]
		}
	}
	return best, params, true
}

// Param returns the named parameter of op.
func (op *Operation) Param(name string) (Param, bool) {
	for _, p := range op.Params {
		if p.Name == name {
			return p, true
		}
	}
	return Param{}, false
}
