package hang

import (
	"testing"
	"time"
)

func TestFine(t *testing.T) {}
func TestHangs(t *testing.T) {
	t.Run("forever", func(t *testing.T) { time.Sleep(time.Hour) })
}
