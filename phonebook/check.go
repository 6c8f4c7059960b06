package phonebook

// Check vets the contact a write is about to change (UpdateIf, DeleteIf,
// RevertToSourceIf): it runs inside the write's transaction, so no other
// write changes the contact between the check and the write. An error it
// returns aborts the write and is returned, wrapped.
type Check func(cur *Contact) error

// run applies c to cur; a nil Check allows every write.
func (c Check) run(cur *Contact) error {
	if c == nil {
		return nil
	}
	return c(cur)
}
