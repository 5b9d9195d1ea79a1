module benchcase

go 1.17

require (
	github.com/google/go-cmp v0.6.0
	github.com/google/uuid v1.6.0
	golang.org/x/sync v0.1.0
	golang.org/x/text v0.3.7
)
