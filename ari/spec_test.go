package ari_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/ari"
	"github.com/pbxagent/pbxagent/testlab/ari/spec"
)

// goTypes maps spec model ids to this package's types; every model of the
// resources pbxagent drives must be here.
var goTypes = map[string]any{
	"Channel": ari.Channel{}, "CallerID": ari.CallerID{}, "DialplanCEP": ari.DialplanCEP{}, "RTPstat": ari.RTPstat{},
	"Bridge": ari.Bridge{}, "Playback": ari.Playback{}, "LiveRecording": ari.LiveRecording{}, "StoredRecording": ari.StoredRecording{},
	"Endpoint": ari.Endpoint{}, "TextMessage": ari.TextMessage{}, "DeviceState": ari.DeviceState{}, "Application": ari.Application{},
	"AsteriskInfo": ari.AsteriskInfo{}, "BuildInfo": ari.BuildInfo{}, "SystemInfo": ari.SystemInfo{}, "ConfigInfo": ari.ConfigInfo{},
	"StatusInfo": ari.StatusInfo{}, "SetId": ari.SetId{}, "AsteriskPing": ari.AsteriskPing{}, "Variable": ari.Variable{},
	"Module": ari.Module{}, "LogChannel": ari.LogChannel{}, "ConfigTuple": ari.ConfigTuple{}, "Sound": ari.Sound{}, "Mailbox": ari.Mailbox{},
	"ContactInfo": ari.ContactInfo{}, "Peer": ari.Peer{},
}

func jsonFields(t reflect.Type, out map[string]reflect.StructField) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous {
			jsonFields(f.Type, out)
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "" || tag == "-" || !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		out[name] = f
	}
}

func wantKind(specType string) reflect.Kind {
	switch {
	case strings.HasPrefix(specType, "List["):
		return reflect.Slice
	case specType == "string":
		return reflect.String
	case specType == "int":
		return reflect.Int
	case specType == "long":
		return reflect.Int64
	case specType == "double":
		return reflect.Float64
	case specType == "boolean":
		return reflect.Bool
	case specType == "object":
		return reflect.Map
	}
	return reflect.Struct // models and Date
}

// TestModelsMatchSpec keeps the Go models and events equal to the JSON:
// same property names, same types, required ones without omitempty.
func TestModelsMatchSpec(t *testing.T) {
	s := spec.MustLoad()
	check := func(id string, typ reflect.Type) {
		t.Helper()
		fields := map[string]reflect.StructField{}
		jsonFields(typ, fields)
		props := map[string]spec.Property{}
		for m := s.Models[id]; m != nil; m = s.Models[m.Parent] {
			for k, v := range m.Properties {
				props[k] = v
			}
			if m.Parent == "" {
				break
			}
		}
		for name, p := range props {
			f, ok := fields[name]
			if !ok {
				t.Errorf("%s: property %q has no Go field", id, name)
				continue
			}
			k := f.Type.Kind()
			if k == reflect.Pointer {
				k = f.Type.Elem().Kind()
			}
			if k != wantKind(p.Type) {
				t.Errorf("%s.%s: Go kind %v, spec type %s", id, name, k, p.Type)
			}
			omit := strings.Contains(f.Tag.Get("json"), "omitempty")
			if p.Required && omit {
				t.Errorf("%s.%s: required but omitempty", id, name)
			}
			if p.Required && f.Type.Kind() == reflect.Pointer {
				t.Errorf("%s.%s: required but a pointer", id, name)
			}
		}
		for name := range fields {
			if _, ok := props[name]; !ok {
				t.Errorf("%s: Go field %q not in the specification", id, name)
			}
		}
	}
	for id, v := range goTypes {
		if s.Models[id] == nil {
			t.Errorf("model %s not in the specification", id)
			continue
		}
		check(id, reflect.TypeOf(v))
	}
	for _, ev := range s.Events {
		e, err := ari.DecodeEvent([]byte(`{"type":"` + ev + `"}`))
		if err != nil {
			t.Fatal(err)
		}
		if _, unknown := e.(*ari.UnknownEvent); unknown {
			t.Errorf("event %s has no Go type", ev)
			continue
		}
		check(ev, reflect.TypeOf(e).Elem())
	}
}
