package report

import (
	"bytes"
	"encoding/csv"
	"gomatrix/runner/internal/golden"
	"testing"
)

func TestCSVGolden(t *testing.T) {
	r := readFixture(t, "results.json")
	var buf bytes.Buffer
	if err := CSV(&buf, r); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/"+"results.csv", buf.Bytes())

	// It reads back: a header, then one row per cell with every column.
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(r.Cells)+1 {
		t.Fatalf("%d rows, want a header and %d cells", len(rows), len(r.Cells))
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
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
