module github.com/gomatrix/gomatrix

go 1.25.0

require (
	golang.org/x/mod v0.40.0
	golang.org/x/sync v0.22.0
	golang.org/x/sys v0.47.0
	golang.org/x/term v0.45.0
	gopkg.in/yaml.v3 v3.0.1
)

require golang.org/x/tools v0.49.0 // indirect

tool golang.org/x/tools/cmd/bisect
