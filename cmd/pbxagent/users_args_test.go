package main

import (
	"context"
	"strings"
	"testing"
)

func TestListFlag(t *testing.T) {
	for _, tc := range []struct {
		name string
		sets []string
		want string
	}{
		{name: "one", sets: []string{"101"}, want: "101"},
		{name: "commas and spaces", sets: []string{" 101 , 1101,"}, want: "101|1101"},
		{name: "repeated appends", sets: []string{"101", "PJSIP/1,PJSIP/2"}, want: "101|PJSIP/1|PJSIP/2"},
		{name: "empty value empties", sets: []string{""}, want: ""},
	} {
		var l listFlag
		for _, s := range tc.sets {
			if err := l.Set(s); err != nil {
				t.Fatal(err)
			}
		}
		if got := strings.Join(l, "|"); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func FuzzListFlag(f *testing.F) {
	for _, s := range []string{"", ",", "101,102", " a , ,b ", "PJSIP/101"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var l listFlag
		_ = l.Set(s)
		for _, item := range l {
			if item == "" || strings.Contains(item, ",") || strings.TrimSpace(item) != item {
				t.Fatalf("%q gave item %q", s, item)
			}
		}
	})
}

func TestReadLine(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
		max            int
		err            bool
	}{
		{name: "newline", in: "secret pw\nrest", want: "secret pw", max: 20},
		{name: "crlf", in: "secret pw\r\n", want: "secret pw", max: 20},
		{name: "no newline", in: "secret pw", want: "secret pw", max: 20},
		{name: "empty", in: "", want: "", max: 20},
		{name: "exactly max", in: "12345", want: "12345", max: 5},
		{name: "too long", in: "123456", max: 5, err: true},
		{name: "too long before newline", in: "1234567\n", max: 5, err: true},
	} {
		got, err := readLine(context.Background(), strings.NewReader(tc.in), tc.max)
		if (err != nil) != tc.err || (!tc.err && got != tc.want) {
			t.Errorf("%s: %q %v", tc.name, got, err)
		}
	}
}
