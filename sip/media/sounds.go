package media

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// SoundFile returns the path of the prompt name in dir: name is a file
// name (sub-folders allowed, never "..", not absolute), ".wav" added when
// it has no such suffix.
func SoundFile(dir, name string) (string, error) {
	if name == "" || !filepath.IsLocal(name) || strings.ContainsRune(name, 0) {
		return "", fmt.Errorf("sound %q: want a file name inside the sounds folder", name)
	}
	if dir == "" {
		return "", errors.New("sound: the sounds folder is not set")
	}
	if !strings.HasSuffix(strings.ToLower(name), ".wav") {
		name += ".wav"
	}
	return filepath.Join(dir, name), nil
}

// ReadWAVFile reads the WAV prompt at path (see ReadWAV).
func ReadWAVFile(path string) (*Audio, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("sound: %w", err)
	}
	defer f.Close()
	a, err := ReadWAV(f)
	if err != nil {
		return nil, fmt.Errorf("sound %s: %w", path, err)
	}
	return a, nil
}

// LoadSound reads the prompt name in dir (SoundFile, then ReadWAVFile).
func LoadSound(dir, name string) (*Audio, error) {
	p, err := SoundFile(dir, name)
	if err != nil {
		return nil, err
	}
	return ReadWAVFile(p)
}

// HoldAudio is what a held or waiting caller hears: the prompt music in
// dir, looped, or — when music is empty, or cannot be read (the error
// says why, for the caller to log) — the CEPT ringing tone
// (RingbackCEPT). It always returns audio to play.
func HoldAudio(dir, music string) (*Audio, error) {
	if music == "" {
		return RingbackCEPT().Audio(), nil
	}
	a, err := LoadSound(dir, music)
	if err != nil {
		return RingbackCEPT().Audio(), fmt.Errorf("hold music: %w", err)
	}
	return a, nil
}
