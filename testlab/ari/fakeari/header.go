package fakeari

import (
	"reflect"

	"github.com/pbxagent/pbxagent/ari"
)

var headerType = reflect.TypeOf(ari.Header{})

// headerOf returns the embedded ari.Header of an event struct pointer.
func headerOf(ev any) *ari.Header {
	v := reflect.ValueOf(ev)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return nil
	}
	f := v.Elem().FieldByName("Header")
	if !f.IsValid() || f.Type() != headerType {
		return nil
	}
	return f.Addr().Interface().(*ari.Header)
}
