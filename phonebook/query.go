package phonebook

// Search limits.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// Query selects contacts for Search and Iterate.
type Query struct {
	// Q is the search text. Words match name tokens by prefix (case- and
	// accent-folded), company and e-mail; text made of digits (with spaces,
	// dashes, dots, parentheses) or starting with '+' searches numbers by
	// digit prefix ("+387 61" finds "+38761111111"). Empty matches all.
	Q string
	// Scope restricts to global or personal contacts; empty means any.
	Scope Scope
	// Owner restricts personal contacts to one owner.
	Owner string
	// VisibleTo, when set, selects what that user (or that user's phone)
	// may see: every global contact plus the user's own personal contacts.
	// It overrides Scope and Owner.
	VisibleTo string
	// Source restricts to one source ("local", "csv" or a sync source).
	Source string
	// Limit is the page size: DefaultLimit when 0, at most MaxLimit.
	Limit int
	// Cursor continues a previous page (Page.NextCursor).
	Cursor string
	// CountLimit, when between 1 and TotalCap, is the count up to which a
	// query that matches many contacts counts them (TotalCap when 0): a
	// phone that shows "100+" need not count to a thousand.
	CountLimit int
}

// countCap is the count up to which Page.Total is exact for q.
func (q *Query) countCap() int {
	if q.CountLimit > 0 && q.CountLimit < TotalCap {
		return q.CountLimit
	}
	return TotalCap
}

// Page is one page of search results, sorted by display name.
type Page struct {
	Contacts []*Contact `json:"contacts" doc:"The contacts of this page, sorted by display name"`
	// Total counts every contact the query matches, across pages, when
	// TotalCapped is false. Counting a query that matches many contacts
	// stops at TotalCap matches (or after a bounded scan): then
	// TotalCapped is set and Total is a lower bound ("1000+").
	Total int `json:"total" doc:"How many contacts match across all pages; a lower bound when total_capped is set (counting stops at a cap on large results)" example:"1"`
	// TotalCapped says that Total is a lower bound.
	TotalCapped bool `json:"total_capped,omitempty" doc:"total is a lower bound: the count stopped at its cap" example:"false"`
	// NextCursor fetches the next page; empty on the last page.
	NextCursor string `json:"next_cursor,omitempty" doc:"Pass as cursor to get the next page; absent on the last page" example:"MDFKRVE3RzhaSzRNMk41UDZSN1M4VDlWMFc"`
}
