// Command benchcase is the case of the dependency-download benchmark
// (see ../main.go): a small program that uses four modules.
package main

import (
	"context"
	"fmt"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"golang.org/x/sync/errgroup"
	"golang.org/x/text/cases"
	"golang.org/x/text/language"
)

func main() {
	words := []string{"hello", "world", "modules"}
	titled := make([]string, len(words))
	g, _ := errgroup.WithContext(context.Background())
	for i, w := range words {
		i, w := i, w
		g.Go(func() error {
			titled[i] = cases.Title(language.English).String(w)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		panic(err)
	}
	id := uuid.NewSHA1(uuid.NameSpaceURL, []byte("gomatrix"))
	fmt.Println(titled, id.Version(), cmp.Diff(words, titled) != "")
}
