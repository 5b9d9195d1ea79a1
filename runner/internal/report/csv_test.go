package report

import (
	"bytes"
	"encoding/csv"
	"io"
	"testing"

	"github.com/gomatrix/gomatrix/runner/internal/golden"
)

func TestCSVGolden(t *testing.T) {
	r := readFixture(t, "results.json")
	var buf bytes.Buffer
	if err := CSV(&buf, r); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/"+"results.csv", buf.Bytes())

	// It reads back: a header, then one row per cell with every column.
	rows, col := readCSV(t, &buf, len(r.Cells))
	for i, c := range r.Cells {
		row := rows[i+1]
		if row[col["case"]] != c.Case || row[col["outcome"]] != c.Outcome || row[col["godebug"]] != c.GODEBUG {
			t.Errorf("row %d = %q, want cell %s", i+1, row, c.ID())
		}
		if c.Stdout != nil && row[col["stdout_head"]] != c.Stdout.Head {
			t.Errorf("row %d: stdout_head %q, want %q", i+1, row[col["stdout_head"]], c.Stdout.Head)
		}
	}
}

// readCSV reads CSV output back: a header and a row per cell, and the
// index of each column by name.
func readCSV(t *testing.T, r io.Reader, cells int) (rows [][]string, col map[string]int) {
	t.Helper()
	rows, err := csv.NewReader(r).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != cells+1 {
		t.Fatalf("%d rows, want a header and %d cells", len(rows), cells)
	}
	col = map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	return rows, col
}
