package pipeline

// An InputError is an error in what the user gave — flags, the matrix
// file, a case, an environment variable — found before anything ran.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

func inputErr(err error) error {
	if err == nil {
		return nil
	}
	return &InputError{Err: err}
}
