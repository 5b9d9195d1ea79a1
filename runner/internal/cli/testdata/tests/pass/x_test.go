package pass

import "testing"

func TestA(t *testing.T) {}
func TestB(t *testing.T) {
	t.Run("sub", func(t *testing.T) {})
}
func TestSkip(t *testing.T) { t.Skip("not here") }
