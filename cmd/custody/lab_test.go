package main

import "testing"

func TestParseBytes(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true}, {"1000", 1000, true}, {"3KiB", 3 << 10, true}, {"200MiB", 200 << 20, true},
		{"10GiB", 10 << 30, true}, {"", 0, false}, {"GiB", 0, false}, {"1.5GiB", 0, false},
		{"-1", 0, false}, {"10GB", 0, false}, {"9000000000GiB", 0, false},
	} {
		got, err := parseBytes(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("parseBytes(%q) = %d, %v; want %d, ok %v", c.in, got, err, c.want, c.ok)
		}
	}
}
