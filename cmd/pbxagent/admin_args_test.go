package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestSetFlag(t *testing.T) {
	tests := []struct {
		name    string
		sets    []string
		want    string // the JSON document
		wantErr string
	}{
		{name: "string", sets: []string{"name=crm"}, want: `{"name":"crm"}`},
		{name: "nested", sets: []string{"settings.url=https://x.example/a=b", "settings.page_size=50"}, want: `{"settings":{"page_size":50,"url":"https://x.example/a=b"}}`},
		{name: "JSON values", sets: []string{"enabled=false", "ids=[1,2]", "gone=null"}, want: `{"enabled":false,"gone":null,"ids":[1,2]}`},
		{name: "quoted keeps a string", sets: []string{`code="0123"`}, want: `{"code":"0123"}`},
		{name: "empty value", sets: []string{"owner="}, want: `{"owner":""}`},
		{name: "forced JSON", sets: []string{"n:=5"}, want: `{"n":5}`},
		{name: "forced JSON refused", sets: []string{"n:=five"}, wantErr: "not JSON"},
		{name: "no equals", sets: []string{"name"}, wantErr: "want KEY=VALUE"},
		{name: "no key", sets: []string{"=v"}, wantErr: "want KEY=VALUE"},
		{name: "scalar replaced by object", sets: []string{"a=1", "a.b=2"}, want: `{"a":{"b":2}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var s setFlag
			var err error
			for _, v := range tc.sets {
				if err = s.Set(v); err != nil {
					break
				}
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.Marshal(s.doc)
			if string(got) != tc.want {
				t.Errorf("%s, want %s", got, tc.want)
			}
		})
	}
}

func FuzzSetFlag(f *testing.F) {
	for _, s := range []string{"a=b", "a.b.c=1", "x:=[1]", "=", "a..b=c", `q="x"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		var s setFlag
		if err := s.Set(v); err != nil {
			return
		}
		if _, err := json.Marshal(s.doc); err != nil {
			t.Fatalf("%q made a document that does not encode: %v", v, err)
		}
	})
}
