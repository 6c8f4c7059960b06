package media

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestSoundFile(t *testing.T) {
	tests := []struct {
		name, dir, sound string
		want, wantErr    string
	}{
		{name: "adds .wav", dir: "/s", sound: "moh", want: "/s/moh.wav"},
		{name: "keeps .WAV", dir: "/s", sound: "a/Info.WAV", want: "/s/a/Info.WAV"},
		{name: "parent refused", dir: "/s", sound: "../etc/passwd", wantErr: "inside the sounds folder"},
		{name: "absolute refused", dir: "/s", sound: "/etc/passwd", wantErr: "inside the sounds folder"},
		{name: "empty name", dir: "/s", sound: "", wantErr: "inside the sounds folder"},
		{name: "no folder", sound: "moh", wantErr: "not set"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := SoundFile(tc.dir, tc.sound)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestHoldAudio(t *testing.T) {
	dir := t.TempDir()
	music := []int16{1, 2, 3, 4}
	f, err := os.Create(filepath.Join(dir, "moh.wav"))
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteWAV(f, music); err != nil {
		t.Fatal(err)
	}
	f.Close()
	tone := RingbackCEPT().Audio().Samples
	tests := []struct {
		name, music string
		want        []int16
		wantErr     bool
	}{
		{name: "music", music: "moh", want: music},
		{name: "none: the tone", want: tone},
		{name: "unreadable: the tone and why", music: "gone", want: tone, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := HoldAudio(dir, tc.music)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err %v, want error %v", err, tc.wantErr)
			}
			if a == nil || !slices.Equal(a.Samples, tc.want) {
				t.Fatalf("audio of %d samples, want %d", len(a.Samples), len(tc.want))
			}
		})
	}
}
