package results

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "sub", "results.json")
	if err := WriteFile(p, []byte("one")); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(p, []byte("two")); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(p)
	if string(data) != "two" {
		t.Errorf("content %q", data)
	}
	entries, _ := os.ReadDir(filepath.Dir(p))
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
	// A directory in the way: an error naming the file, the old content kept elsewhere untouched.
	if err := os.MkdirAll(filepath.Join(dir, "blocked", "results.json", "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(filepath.Join(dir, "blocked", "results.json"), []byte("x")); err == nil || !strings.Contains(err.Error(), "results.json") {
		t.Errorf("err = %v", err)
	}
}

func TestReadRoundTrip(t *testing.T) {
	r := &Results{Schema: SchemaVersion, Complete: true, Cells: []Cell{{Case: "a", Go: "go1.26.8", Outcome: Hang, Runs: 1}}}
	data, err := Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "results.json")
	WriteFile(p, data)
	got, err := Read(p)
	if err != nil || len(got.Cells) != 1 || got.Cells[0].ID() != "a go1.26.8" {
		t.Fatalf("%+v, %v", got, err)
	}
	os.WriteFile(p, []byte(`{"schema": 99}`), 0o644)
	if _, err := Read(p); err == nil || !strings.Contains(err.Error(), "schema 99") {
		t.Errorf("future schema: %v", err)
	}
	os.WriteFile(p, []byte(`{"schema": 1, "cells": [`), 0o644)
	if _, err := Read(p); err == nil {
		t.Error("torn file read without error")
	}
}

func TestCache(t *testing.T) {
	c := &Cache{Dir: t.TempDir()}
	key := strings.Repeat("ab", 32)
	if _, ok := c.Get(key); ok {
		t.Fatal("hit in an empty cache")
	}
	if err := c.Put(key, &Cell{Case: "a", Outcome: Complete}); err != nil {
		t.Fatal(err)
	}
	got, ok := c.Get(key)
	if !ok || got.Case != "a" {
		t.Errorf("Get = %+v, %v", got, ok)
	}
	// A damaged entry is a miss, not an error.
	os.WriteFile(c.path(key), []byte("{"), 0o644)
	if _, ok := c.Get(key); ok {
		t.Error("damaged entry was a hit")
	}
	var nilCache *Cache
	if _, ok := nilCache.Get(key); ok || nilCache.Put(key, &Cell{}) != nil {
		t.Error("nil cache")
	}
	if RunnerID() == "" {
		t.Error("no runner id")
	}
}

// A reader never sees a torn results file, whatever instant it reads at.
func TestWriteFileNeverTorn(t *testing.T) {
	p := filepath.Join(t.TempDir(), "results.json")
	big := &Results{Schema: SchemaVersion}
	for i := range 2000 {
		big.Cells = append(big.Cells, Cell{Case: strings.Repeat("x", i%50), Outcome: Complete})
	}
	docs := [][]byte{}
	for _, r := range []*Results{{Schema: SchemaVersion}, big} {
		data, _ := Marshal(r)
		docs = append(docs, data)
	}
	WriteFile(p, docs[0])
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 200 {
			if err := WriteFile(p, docs[i%2]); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for reads := 0; ; reads++ {
		select {
		case <-done:
			return
		default:
		}
		if _, err := Read(p); err != nil {
			t.Fatalf("read %d: %v", reads, err)
		}
	}
}
