package spec

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Problem is one way a request or event departs from the specification.
type Problem struct {
	// Where names the operation or event and the field or parameter.
	Where string
	// What says what is wrong.
	What string
}

// Error renders where and what.
func (p Problem) Error() string { return p.Where + ": " + p.What }

// globalParams are accepted on every operation (res_ari.c authentication).
var globalParams = map[string]bool{"api_key": true}

// CheckRequest checks a request (path relative to /ari) against the
// specification: the operation exists, every query or body parameter is
// declared, required ones are present, values have the declared type and
// allowed values. It returns nil when the request conforms.
func (s *Spec) CheckRequest(method, path string, query url.Values, body []byte) []Problem {
	op, pathParams, ok := s.Match(method, path)
	if !ok {
		return []Problem{{Where: method + " " + path, What: "no such operation in the specification"}}
	}
	where := op.Resource + "." + op.Nickname
	var probs []Problem
	given := map[string][]string{}
	for k, v := range query {
		given[k] = v
	}
	var bodyObj map[string]json.RawMessage
	if len(strings.TrimSpace(string(body))) > 0 {
		if err := json.Unmarshal(body, &bodyObj); err != nil {
			probs = append(probs, Problem{where, "body is not a JSON object: " + err.Error()})
		}
	}
	for k, raw := range bodyObj {
		p, ok := op.Param(k)
		if ok && p.ParamType == "body" {
			if p.DataType == "containers" || p.DataType == "object" {
				var obj map[string]any
				if json.Unmarshal(raw, &obj) != nil {
					probs = append(probs, Problem{where + " body " + k, "must be a JSON object"})
				}
			}
			continue
		}
		// Other body keys are read as query parameters by Asterisk.
		var sv string
		if json.Unmarshal(raw, &sv) != nil {
			sv = strings.Trim(string(raw), `"`)
		}
		given[k] = append(given[k], sv)
	}
	for name, vals := range given {
		if globalParams[name] {
			continue
		}
		p, ok := op.Param(name)
		if !ok || p.ParamType == "path" {
			probs = append(probs, Problem{where, fmt.Sprintf("unknown parameter %q", name)})
			continue
		}
		if len(vals) > 1 {
			probs = append(probs, Problem{where + " " + name, "given more than once (Asterisk keeps only the last; join multiple values with commas)"})
		}
		for _, v := range vals {
			probs = append(probs, checkParamValue(where, p, v)...)
		}
	}
	for _, p := range op.Params {
		if !p.Required {
			continue
		}
		switch p.ParamType {
		case "path":
			if pathParams[p.Name] == "" {
				probs = append(probs, Problem{where, fmt.Sprintf("missing path parameter %q", p.Name)})
			}
		case "query":
			if len(given[p.Name]) == 0 {
				probs = append(probs, Problem{where, fmt.Sprintf("missing required parameter %q", p.Name)})
			}
		case "body":
			if _, ok := bodyObj[p.Name]; !ok {
				probs = append(probs, Problem{where, fmt.Sprintf("missing required body field %q", p.Name)})
			}
		}
	}
	for name, v := range pathParams {
		if p, ok := op.Param(name); ok {
			probs = append(probs, checkParamValue(where, p, v)...)
		}
	}
	return probs
}

func checkParamValue(where string, p Param, v string) []Problem {
	w := where + " " + p.Name
	vals := []string{v}
	if p.AllowMultiple {
		vals = strings.Split(v, ",")
	}
	var probs []Problem
	for _, one := range vals {
		switch p.DataType {
		case "int", "long":
			n, err := strconv.ParseInt(one, 10, 64)
			if err != nil {
				probs = append(probs, Problem{w, fmt.Sprintf("%q is not an integer", one)})
				continue
			}
			if p.Min != nil && float64(n) < *p.Min {
				probs = append(probs, Problem{w, fmt.Sprintf("%d below minimum %v", n, *p.Min)})
			}
			if p.Max != nil && float64(n) > *p.Max {
				probs = append(probs, Problem{w, fmt.Sprintf("%d above maximum %v", n, *p.Max)})
			}
		case "boolean":
			if one != "true" && one != "false" {
				probs = append(probs, Problem{w, fmt.Sprintf("%q is not true or false", one)})
			}
		}
		if len(p.Allowed) > 0 && !slices.Contains(p.Allowed, one) {
			probs = append(probs, Problem{w, fmt.Sprintf("%q not in %v", one, p.Allowed)})
		}
	}
	return probs
}

// wireDrift lists values Asterisk sends that the specification does not
// list: channel snapshots take their state from ast_state2str in Asterisk's
// main/channel.c, which says "Rsrvd" (the Channel model in
// rest-api/api-docs/channels.json says "Rsrved") and has "Mute" (which the
// model does not list).
var wireDrift = map[string][]string{
	"Channel.state": {"Rsrvd", "Mute"},
}

// CheckEvent checks one events-WebSocket message: a JSON object whose
// "type" is an event in the specification, every required property present,
// every property declared, typed as declared (nested models too), and
// enumerated values allowed.
func (s *Spec) CheckEvent(data []byte) []Problem {
	var obj map[string]any
	if err := json.Unmarshal(data, &obj); err != nil {
		return []Problem{{"event", "not a JSON object: " + err.Error()}}
	}
	typ, _ := obj["type"].(string)
	if typ == "" {
		return []Problem{{"event", `missing "type"`}}
	}
	if _, ok := s.Models[typ]; !ok || !slices.Contains(s.Events, typ) {
		return []Problem{{typ, "not an event type in the specification"}}
	}
	return s.CheckObject(typ, obj)
}

// CheckObject checks a decoded JSON object against model (including the
// properties inherited from its parents).
func (s *Spec) CheckObject(model string, obj map[string]any) []Problem {
	props := map[string]Property{}
	for m := s.Models[model]; m != nil; m = s.Models[m.Parent] {
		for k, v := range m.Properties {
			if _, ok := props[k]; !ok {
				props[k] = v
			}
		}
		if m.Parent == "" {
			break
		}
	}
	if len(props) == 0 && s.Models[model] == nil {
		return []Problem{{model, "unknown model"}}
	}
	var probs []Problem
	for name, p := range props {
		v, ok := obj[name]
		if !ok {
			if p.Required {
				probs = append(probs, Problem{model, fmt.Sprintf("missing required property %q", name)})
			}
			continue
		}
		probs = append(probs, s.checkValue(model+"."+name, p.Type, p.Allowed, v)...)
	}
	for name := range obj {
		if _, ok := props[name]; !ok {
			probs = append(probs, Problem{model, fmt.Sprintf("property %q is not in the specification", name)})
		}
	}
	return probs
}

func (s *Spec) checkValue(where, typ string, allowed []string, v any) []Problem {
	if strings.HasPrefix(typ, "List[") {
		list, ok := v.([]any)
		if !ok {
			return []Problem{{where, fmt.Sprintf("want %s, got %T", typ, v)}}
		}
		var probs []Problem
		inner := strings.TrimSuffix(strings.TrimPrefix(typ, "List["), "]")
		for i, e := range list {
			probs = append(probs, s.checkValue(fmt.Sprintf("%s[%d]", where, i), inner, nil, e)...)
		}
		return probs
	}
	bad := func() []Problem { return []Problem{{where, fmt.Sprintf("want %s, got %T (%v)", typ, v, v)}} }
	switch typ {
	case "string":
		str, ok := v.(string)
		if !ok {
			return bad()
		}
		if len(allowed) > 0 && !slices.Contains(allowed, str) && !slices.Contains(wireDrift[where], str) {
			return []Problem{{where, fmt.Sprintf("%q not in %v", str, allowed)}}
		}
	case "int", "long":
		f, ok := v.(float64)
		if !ok || f != float64(int64(f)) {
			return bad()
		}
	case "double":
		if _, ok := v.(float64); !ok {
			return bad()
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return bad()
		}
	case "Date":
		str, ok := v.(string)
		if !ok {
			return bad()
		}
		if err := CheckTime(str); err != nil {
			return []Problem{{where, err.Error()}}
		}
	case "object":
		if _, ok := v.(map[string]any); !ok {
			return bad()
		}
	default:
		obj, ok := v.(map[string]any)
		if !ok {
			return bad()
		}
		if _, known := s.Models[typ]; !known {
			return []Problem{{where, "unknown model " + typ}}
		}
		probs := s.CheckObject(typ, obj)
		for i := range probs {
			probs[i].Where = where + " (" + probs[i].Where + ")"
		}
		return probs
	}
	return nil
}

// CheckResponse checks a 2xx reply body of op against its responseClass
// (void replies must be empty).
func (s *Spec) CheckResponse(op *Operation, body []byte) []Problem {
	where := op.Resource + "." + op.Nickname + " reply"
	rc := op.ResponseClass
	if rc == "" || rc == "void" || op.Upgrade != "" {
		if len(strings.TrimSpace(string(body))) != 0 {
			return []Problem{{where, "void operation returned a body"}}
		}
		return nil
	}
	if rc == "binary" {
		return nil
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return []Problem{{where, "not JSON: " + err.Error()}}
	}
	return s.checkValue(where, rc, nil, v)
}
