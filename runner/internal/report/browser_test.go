package report

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gomatrix/gomatrix/runner/internal/report/reporttest"
	"github.com/gomatrix/gomatrix/runner/internal/results"
)

// The browser test opens the HTML report in headless Chromium and checks
// it as a person would use it: the grid has a square per cell, a real
// mouse click on a square shows that cell's details, the filters work,
// nothing a case printed runs as script, and the page fits a phone's
// width. Screenshots (light, dark, narrow) go to $GOMATRIX_TEST_OUT/browser
// or a temporary directory, named in the test log.
//
// Chromium is driven over the DevTools protocol on a pipe
// (--remote-debugging-pipe: JSON messages ending in NUL on file
// descriptors 3 and 4), which needs no port, no websocket and no module
// beyond the standard library. --dump-dom could not click: this can, with
// Input.dispatchMouseEvent, at the square's on-screen position.
//
// It checks the hand-made testdata/results.json, whose cells print
// </script>, <img onerror=…> and the like; the published
// results/results.json when there is one; and the file named by
// $GOMATRIX_BROWSER_RESULTS, if set.
//
// Without Chromium the test is skipped, saying so, unless
// GOMATRIX_REQUIRE_BROWSER=1 (set by CI, which installs it): then it fails.
func TestBrowser(t *testing.T) {
	bin := findChromium()
	if bin == "" {
		msg := "no Chromium: looked for $GOMATRIX_CHROMIUM, chromium, chromium-browser, google-chrome on PATH and /usr/bin/chromium\n" +
			"hint: apt-get install chromium (.ci/run installs it)"
		if os.Getenv("GOMATRIX_REQUIRE_BROWSER") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	out := os.Getenv("GOMATRIX_TEST_OUT")
	if out == "" {
		out = t.TempDir()
	} else {
		out = filepath.Join(out, "browser")
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}

	t.Run("fixture", func(t *testing.T) {
		r := readFixture(t, "results.json")
		testPage(t, bin, r, filepath.Join(out, "fixture"))
	})
	// GOMATRIX_BROWSER_RESULTS names another results.json to check, such
	// as one a real run wrote.
	if path := os.Getenv("GOMATRIX_BROWSER_RESULTS"); path != "" {
		t.Run("given", func(t *testing.T) {
			r, err := results.Read(path)
			if err != nil {
				t.Fatal(err)
			}
			testPage(t, bin, r, filepath.Join(out, "given"))
		})
	}
	t.Run("goline", func(t *testing.T) {
		testPage(t, bin, reporttest.GoLine(), filepath.Join(out, "goline"))
	})
	t.Run("tests", func(t *testing.T) {
		testPage(t, bin, reporttest.Tests(), filepath.Join(out, "tests"))
	})
	t.Run("hostile", func(t *testing.T) {
		testPage(t, bin, reporttest.Hostile(), filepath.Join(out, "hostile"))
	})
	for name, dir := range map[string]string{"published": "results", "realcode": filepath.Join("examples", "realcode", "results")} {
		t.Run(name, func(t *testing.T) {
			r, err := results.Read(filepath.Join("..", "..", "..", dir, "results.json"))
			if errors.Is(err, fs.ErrNotExist) {
				t.Skipf("no %s/results.json yet", dir)
			}
			if err != nil {
				t.Fatal(err)
			}
			testPage(t, bin, r, filepath.Join(out, name))
		})
	}
}

func findChromium() string {
	if p := os.Getenv("GOMATRIX_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	return ""
}

// testPage renders r into dir/index.html and checks it in the browser.
func testPage(t *testing.T, bin string, r *results.Results, dir string) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var page bytes.Buffer
	if err := HTML(&page, r); err != nil {
		t.Fatal(err)
	}
	index := filepath.Join(dir, "index.html")
	if err := os.WriteFile(index, page.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	abs, err := filepath.Abs(index)
	if err != nil {
		t.Fatal(err)
	}

	b := startBrowser(t, bin)
	// Catch alert() and the like before the page's own script runs: a
	// payload that executed would leave a trace here.
	b.call("Page.addScriptToEvaluateOnNewDocument", map[string]any{"source": `
		window.__alerts = [];
		for (const f of ['alert', 'confirm', 'prompt']) window[f] = m => { window.__alerts.push(f + ':' + m); };`})
	b.call("Emulation.setDeviceMetricsOverride", map[string]any{"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": false})
	b.call("Page.navigate", map[string]any{"url": (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()})
	b.waitFor(`document.documentElement.getAttribute('data-ready') === '1'`)

	// The grid: one square per cell, one row per case × version.
	if n := b.evalInt(`document.querySelectorAll('#grid a.cell').length`); n != len(r.Cells) {
		t.Errorf("grid has %d cell squares, want %d (one per cell of results.json)", n, len(r.Cells))
	}
	if n, want := b.evalInt(`document.querySelectorAll('#grid tbody tr').length`), len(NewTable(r).Rows); n != want {
		t.Errorf("grid has %d rows, want %d (case × version)", n, want)
	}
	if !b.evalBool(`document.getElementById('details').hidden`) {
		t.Error("the details panel shows before any click")
	}
	checkNothingRan(t, b, "on load")
	b.screenshot(filepath.Join(dir, "light.png"))

	// Click every cell that printed markup, and the first cell, with the
	// mouse; each click must show that cell's details.
	clicked := 0
	for i := range r.Cells {
		c := &r.Cells[i]
		if i != 0 && !printsMarkup(c) {
			continue
		}
		b.escape() // the open details could cover the square on a wide grid
		b.click(fmt.Sprintf(`#grid a.cell[data-i="%d"]`, i))
		if got := b.evalString(`document.getElementById('details').hidden ? '' : document.getElementById('details-h').textContent`); got != c.ID() {
			t.Errorf("after clicking cell %d the details show %q, want %q", i, got, c.ID())
		}
		if got := b.evalString(`location.hash`); got != fmt.Sprintf("#cell=%d", i) {
			t.Errorf("after clicking cell %d the URL's hash is %q", i, got)
		}
		checkNothingRan(t, b, fmt.Sprintf("after clicking cell %d", i))
		text := b.evalString(`document.getElementById('details-body').textContent`)
		for _, want := range detailTexts(c) {
			if !strings.Contains(text, want) {
				t.Errorf("details of cell %d lack %q; they say:\n%s", i, want, text)
			}
		}
		b.screenshot(filepath.Join(dir, fmt.Sprintf("details-%d.png", i)))
		clicked++
	}
	t.Logf("clicked %d cells", clicked)
	checkTestGrids(t, b, r, dir)

	// Escape closes the details; the case filter hides the other cases.
	b.escape()
	if !b.evalBool(`document.getElementById('details').hidden`) {
		t.Error("Escape did not close the details")
	}
	if len(r.Cells) > 0 {
		name := r.Cells[len(r.Cells)-1].Case
		want := 0
		for _, c := range r.Cells {
			if c.Case == name {
				want++
			}
		}
		visible := fmt.Sprintf(`(() => { const s = document.getElementById('f-case'); s.value = %q; s.dispatchEvent(new Event('change', {bubbles: true}));
			return [...document.querySelectorAll('#grid a.cell')].filter(a => a.offsetParent !== null).length; })()`, name)
		if n := b.evalInt(visible); n != want {
			t.Errorf("filtering on case %q shows %d cells, want %d", name, n, want)
		}
		b.eval(`(() => { const s = document.getElementById('f-case'); s.value = ''; s.dispatchEvent(new Event('change', {bubbles: true})); })()`)
	}

	// Dark mode changes the colours; a narrow screen scrolls the grid, not
	// the page.
	light := b.evalString(`getComputedStyle(document.body).backgroundColor`)
	b.call("Emulation.setEmulatedMedia", map[string]any{"features": []map[string]string{{"name": "prefers-color-scheme", "value": "dark"}}})
	if dark := b.evalString(`getComputedStyle(document.body).backgroundColor`); dark == light {
		t.Errorf("dark mode has the light background %s", dark)
	}
	b.screenshot(filepath.Join(dir, "dark.png"))
	b.call("Emulation.setEmulatedMedia", map[string]any{"features": []map[string]string{{"name": "prefers-color-scheme", "value": "light"}}})
	b.call("Emulation.setDeviceMetricsOverride", map[string]any{"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": true})
	if over := b.evalInt(`document.documentElement.scrollWidth - document.documentElement.clientWidth`); over > 0 {
		t.Errorf("on a 390 px screen the page is %d px too wide (the grid should scroll inside its box)", over)
	}
	b.screenshot(filepath.Join(dir, "narrow.png"))
	b.click(`#grid a.cell[data-i="0"]`)
	b.screenshot(filepath.Join(dir, "narrow-details.png"))
	t.Logf("page and screenshots in %s", dir)
}

// checkTestGrids checks the sections of the test cases: one per test
// case, a row per test that differs × version; and that a click on the
// square of a test that failed or did not end shows its cell's details
// listing the cell's tests, those that failed or did not end first, with
// the clicked one marked.
func checkTestGrids(t *testing.T, b *browser, r *results.Results, dir string) {
	t.Helper()
	grids := testGrids(r, NewTable(r))
	if n := b.evalInt(`document.querySelectorAll('section.tests').length`); n != len(grids) {
		t.Errorf("%d sections of tests, want %d (one per test case)", n, len(grids))
	}
	rows := 0
	for _, g := range grids {
		rows += min(len(g.Differ), htmlMaxTests) * len(g.Table.Rows)
	}
	if n := b.evalInt(`document.querySelectorAll('table.tgrid tbody tr').length`); n != rows {
		t.Errorf("the grids of tests have %d rows, want %d (a test that differs × version)", n, rows)
	}
	if rows == 0 {
		return
	}
	sq := `table.tgrid a.t-fail, table.tgrid a.t-running`
	if b.evalInt(`document.querySelectorAll('`+sq+`').length`) == 0 {
		return
	}
	i := b.evalInt(`+document.querySelector('` + sq + `').getAttribute('data-i')`)
	name := b.evalString(`document.querySelector('` + sq + `').getAttribute('data-test')`)
	b.escape()
	b.click(`table.tgrid a.t-fail, table.tgrid a.t-running`)
	if got := b.evalString(`document.getElementById('details').hidden ? '' : document.getElementById('details-h').textContent`); got != r.Cells[i].ID() {
		t.Errorf("after clicking a test's square the details show %q, want cell %q", got, r.Cells[i].ID())
	}
	items := `[...document.querySelectorAll('#details ul.tests > li')]`
	if n := b.evalInt(items + `.length`); n != len(r.Cells[i].Tests) {
		t.Errorf("the details list %d tests, want the cell's %d", n, len(r.Cells[i].Tests))
	}
	if first := b.evalString(items + `[0].querySelector('.tbadge').textContent`); first != results.TestFail && first != results.TestRunning {
		t.Errorf("the first test listed is a %s, want one that failed or did not end first", first)
	}
	if got := b.evalString(`(document.querySelector('#details ul.tests > li.focus code') || {}).textContent || ''`); got != name {
		t.Errorf("the test marked in the details is %q, want the one clicked, %q", got, name)
	}
	checkNothingRan(t, b, "after clicking a test's square")
	b.screenshot(filepath.Join(dir, "details-test.png"))
}

// checkNothingRan fails t if anything a case printed ran as script or
// became an element of the page.
func checkNothingRan(t *testing.T, b *browser, after string) {
	t.Helper()
	if got := b.evalString(`JSON.stringify(window.__alerts)`); got != "[]" {
		t.Errorf("%s: the page called %s: a case's output ran as script", after, got)
	}
	if got := b.evalString(`document.documentElement.getAttribute('data-pwned') || ''`); got != "" {
		t.Errorf("%s: a case's output ran as script (data-pwned=%q)", after, got)
	}
	if n := b.evalInt(`document.scripts.length`); n != 2 {
		t.Errorf("%s: the page has %d <script> elements, want 2 (its data and its code)", after, n)
	}
	if n := b.evalInt(`document.querySelectorAll('img, iframe, object, embed, b').length`); n != 0 {
		t.Errorf("%s: the page has %d img/iframe/object/embed/b elements, want none: a case's output became markup", after, n)
	}
}

// printsMarkup reports whether a cell recorded text with a '<'.
func printsMarkup(c *results.Cell) bool {
	s := c.Reason + c.GoroutineDump + c.BuildOutput + c.FatalLine + c.Reproduce
	for _, t := range c.Tests {
		s += t.Name + t.Output
	}
	for _, o := range []*results.Output{c.Stdout, c.Stderr} {
		if o != nil {
			s += o.Head + o.Tail
		}
	}
	return strings.Contains(s, "<")
}

// detailTexts are texts a cell's details must show, verbatim.
func detailTexts(c *results.Cell) []string {
	var want []string
	add := func(s string) {
		if s = strings.TrimSpace(s); s != "" {
			want = append(want, s)
		}
	}
	add(c.Reason)
	add(c.GoroutineDump)
	add(c.Reproduce)
	add(c.BuildOutput)
	for _, t := range c.Tests {
		add(t.Name)
		add(t.Output)
	}
	for _, o := range []*results.Output{c.Stdout, c.Stderr} {
		if o != nil {
			add(o.Head)
			add(o.Tail)
		}
	}
	return want
}

// A browser is a headless Chromium driven over the DevTools protocol on
// a pipe, attached to one page.
type browser struct {
	t       *testing.T
	w       io.Writer
	r       *bufio.Reader
	id      int
	session string
	stderr  *bytes.Buffer
}

func startBrowser(t *testing.T, bin string) *browser {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	toChrome, ourEnd, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	fromChrome, chromeEnd, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, bin,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio",
		"--user-data-dir="+t.TempDir(), "--remote-debugging-pipe", "about:blank")
	cmd.ExtraFiles = []*os.File{toChrome, chromeEnd} // fds 3 and 4
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start %s: %v", bin, err)
	}
	toChrome.Close()
	chromeEnd.Close()
	t.Cleanup(func() {
		ourEnd.Close() // Chromium exits when its pipe closes
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cancel()
			<-done
		}
		cancel()
		fromChrome.Close()
		if t.Failed() {
			t.Logf("chromium's output:\n%s", tail(stderr.String(), 4000))
		}
	})
	b := &browser{t: t, w: ourEnd, r: bufio.NewReader(fromChrome), stderr: &stderr}
	var target struct {
		TargetID string `json:"targetId"`
	}
	b.decode(b.call("Target.createTarget", map[string]any{"url": "about:blank"}), &target)
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	b.decode(b.call("Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}), &attached)
	b.session = attached.SessionID
	b.call("Page.enable", nil)
	b.call("Runtime.enable", nil)
	return b
}

// call sends a command (to the page once attached) and returns its result,
// skipping the events that arrive meanwhile.
func (b *browser) call(method string, params any) json.RawMessage {
	b.t.Helper()
	b.id++
	msg := map[string]any{"id": b.id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	if b.session != "" {
		msg["sessionId"] = b.session
	}
	data, err := json.Marshal(msg)
	if err != nil {
		b.t.Fatal(err)
	}
	if _, err := b.w.Write(append(data, 0)); err != nil {
		b.t.Fatalf("%s: write to chromium: %v", method, err)
	}
	for {
		raw, err := b.r.ReadBytes(0)
		if err != nil {
			b.t.Fatalf("%s: read from chromium: %v\n%s", method, err, tail(b.stderr.String(), 4000))
		}
		var resp struct {
			ID     int             `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  *struct {
				Message string `json:"message"`
				Data    string `json:"data"`
			} `json:"error"`
		}
		if err := json.Unmarshal(raw[:len(raw)-1], &resp); err != nil {
			b.t.Fatalf("%s: bad message from chromium: %v: %q", method, err, raw)
		}
		if resp.ID != b.id {
			continue // an event, or an answer to no one
		}
		if resp.Error != nil {
			b.t.Fatalf("%s: %s %s", method, resp.Error.Message, resp.Error.Data)
		}
		return resp.Result
	}
}

func (b *browser) decode(raw json.RawMessage, v any) {
	b.t.Helper()
	if err := json.Unmarshal(raw, v); err != nil {
		b.t.Fatalf("decode %s: %v", raw, err)
	}
}

// eval evaluates a JavaScript expression in the page and returns its
// value as JSON.
func (b *browser) eval(expr string) json.RawMessage {
	b.t.Helper()
	var res struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		Exception *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	b.decode(b.call("Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true}), &res)
	if res.Exception != nil {
		b.t.Fatalf("evaluate %s: %s %s", expr, res.Exception.Text, res.Exception.Exception.Description)
	}
	return res.Result.Value
}

func (b *browser) evalString(expr string) string {
	b.t.Helper()
	var s string
	b.decode(b.eval(expr), &s)
	return s
}

func (b *browser) evalInt(expr string) int {
	b.t.Helper()
	var n float64
	b.decode(b.eval(expr), &n)
	return int(n)
}

func (b *browser) evalBool(expr string) bool {
	b.t.Helper()
	var v bool
	b.decode(b.eval(expr), &v)
	return v
}

// waitFor polls a JavaScript condition until it holds, for 20 seconds.
func (b *browser) waitFor(cond string) {
	b.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !b.evalBool("(() => { try { return !!(" + cond + "); } catch (e) { return false; } })()") {
		if time.Now().After(deadline) {
			b.t.Fatalf("waited 20s for %s (is the page's script blocked? see chromium's output)\n%s", cond, tail(b.stderr.String(), 4000))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// click scrolls the element into view and clicks its centre with the
// mouse, as a person would.
func (b *browser) click(selector string) {
	b.t.Helper()
	var box struct{ X, Y float64 }
	b.decode(b.eval(fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (!e) return null;
		e.scrollIntoView({block: 'center', inline: 'center'}); const r = e.getBoundingClientRect();
		return {X: r.left + r.width / 2, Y: r.top + r.height / 2}; })()`, selector)), &box)
	if box.X == 0 && box.Y == 0 {
		b.t.Fatalf("click %s: no such element on screen", selector)
	}
	b.call("Input.dispatchMouseEvent", map[string]any{"type": "mouseMoved", "x": box.X, "y": box.Y})
	for _, typ := range []string{"mousePressed", "mouseReleased"} {
		b.call("Input.dispatchMouseEvent", map[string]any{"type": typ, "x": box.X, "y": box.Y, "button": "left", "clickCount": 1})
	}
}

// escape presses and releases the Escape key.
func (b *browser) escape() {
	b.t.Helper()
	for _, typ := range []string{"keyDown", "keyUp"} {
		b.call("Input.dispatchKeyEvent", map[string]any{"type": typ, "key": "Escape", "code": "Escape", "windowsVirtualKeyCode": 27})
	}
}

// screenshot writes a PNG of the viewport to path.
func (b *browser) screenshot(path string) {
	b.t.Helper()
	var shot struct {
		Data string `json:"data"`
	}
	b.decode(b.call("Page.captureScreenshot", map[string]any{"format": "png"}), &shot)
	png, err := base64.StdEncoding.DecodeString(shot.Data)
	if err != nil {
		b.t.Fatal(err)
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG")) {
		b.t.Fatalf("screenshot is not a PNG")
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
