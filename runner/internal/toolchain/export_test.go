package toolchain

import "time"

// This file lends the internals the external tests (package
// toolchain_test) check: they are external because the fake toolchains
// of toolchaintest import this package (see its package doc).

// SDKMarker is the file golang.org/dl writes last into $HOME/sdk/goX.Y.Z.
const SDKMarker = sdkMarker

var (
	ReadMarker  = readMarker
	UnzipModule = unzipModule
	ErrNoSpace  = errNoSpace
	// CreateFile is the seam through which extraction creates files.
	CreateFile = &createFile
)

// IsInstalled reports whether dir holds a whole toolchain: its marker.
func IsInstalled(dir string) bool { return isComplete(dir, completeMarker) }

func (m *Manager) ToolchainsDir() string       { return m.toolchainsDir() }
func (m *Manager) DownloadsDir() string        { return m.downloadsDir() }
func (m *Manager) GocacheDir(v string) string  { return m.gocacheDir(v) }
func (m *Manager) SetNow(now func() time.Time) { m.now = now }
