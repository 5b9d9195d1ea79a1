module example.com/errgroup

go 1.13

require golang.org/x/sync v0.1.0
