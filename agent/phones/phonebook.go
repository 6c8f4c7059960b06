package phones

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/beevik/etree"
	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/provisioning"
)

// Route prefixes.
const (
	bookPrefix = "/phonebook/"
	provPrefix = "/provisioning/"
	// tokPrefix carries the token in the path, for phones that append to the
	// configured URL (Grandstream appends /phonebook.xml).
	tokPrefix = "/phonebook/tok/"
)

// Page sizes of the paged formats.
const (
	snomPageSize    = 20
	polycomPageSize = 20
)

// request is a parsed, authenticated phone request.
type request struct {
	r       *http.Request
	id      identity
	token   string // the URL token the phone used, repeated in links
	name    string // file name after the route prefix
	charset provisioning.Charset
	term    string
	hasTerm bool
	number  string
	page    int
	cursor  string
}

func (s *Service) servePhone(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	path := r.URL.Path
	query := parsePhoneQuery(r.URL.RawQuery)
	var toks urlTokens
	if strings.HasPrefix(path, tokPrefix) {
		rest := strings.TrimPrefix(path, tokPrefix)
		t, after, ok := strings.Cut(rest, "/")
		if !ok || t == "" {
			http.NotFound(w, r)
			return
		}
		toks.add(t)
		path = bookPrefix + after
	}
	toks.merge(query.toks)
	id, fail := s.authenticate(r, toks)
	token := toks.first
	if fail != nil {
		s.refuse(w, r, fail)
		return
	}
	req := &request{r: r, id: id, token: token, charset: provisioning.NegotiateCharset(r.Header.Get("Accept-Charset"))}
	if id.phone != nil {
		s.noteUserAgent(id.phone.MAC, r)
	}
	switch {
	case strings.HasPrefix(path, provPrefix):
		req.name = strings.TrimPrefix(path, provPrefix)
		s.serveProvisioning(w, req)
	case strings.HasPrefix(path, bookPrefix):
		req.name = strings.TrimPrefix(path, bookPrefix)
		if err := req.parseQuery(&query); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s.serveBook(w, req)
	default:
		http.NotFound(w, r)
	}
}

// parseQuery takes q (or term), number, page and cursor. "#SEARCH" left
// unsubstituted by a Yealink (wazo-provd-plugins
// plugins/wazo_yealink/common/common.py: term=#SEARCH) counts as empty,
// our own defensive choice.
func (q *request) parseQuery(v *phoneQuery) error {
	q.hasTerm, q.term = v.hasTerm, strings.TrimSpace(v.term)
	if q.term == "#SEARCH" || q.term == provisioning.SnomInputToken {
		q.term = ""
	}
	q.number = strings.TrimSpace(v.number)
	q.cursor = v.cursor
	q.page = 1
	if p := v.page; p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 1_000_000 {
			return fmt.Errorf("page: must be an integer from 1, got %q", p)
		}
		q.page = n
	}
	return nil
}

// bookKey is the cache key part shared by every phonebook body: what the
// requester may see (its owner) and the parameters.
func (q *request) bookKey(format string) string {
	var b strings.Builder
	o := q.id.owner()
	b.Grow(len(format) + len(o) + len(q.term) + len(q.number) + len(q.cursor) + 40)
	b.WriteString(format)
	if o != "" {
		b.WriteString("\x00owner:")
		b.WriteString(o)
	} else {
		b.WriteString("\x00global")
	}
	for _, part := range []string{string(q.charset), q.term, q.number, q.cursor} {
		b.WriteByte(0)
		b.WriteString(part)
	}
	b.WriteByte(0)
	if q.hasTerm {
		b.WriteByte('t')
	}
	b.WriteByte(0)
	b.WriteString(strconv.Itoa(q.page))
	return b.String()
}

// linkKey adds what links inside a body depend on: base URL and token.
func (s *Service) linkKey(q *request, format string) string {
	return q.bookKey(format) + "\x00" + s.base(q.r) + "\x00" + q.token
}

// base is the public base URL: the configured one, else the request's
// scheme and Host (where the phone reached us), else (an HTTP/1.0 request
// without Host) the address of the connection's local end.
func (s *Service) base(r *http.Request) string {
	if s.cfg.baseURL != "" {
		return s.cfg.baseURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := r.Host
	if host == "" {
		if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
			host = a.String()
		}
	}
	return scheme + "://" + host
}

// link builds an absolute phonebook URL carrying the request's token.
func (s *Service) link(q *request, name string, params url.Values) string {
	if params == nil {
		params = url.Values{}
	}
	if q.token != "" {
		params.Set("token", q.token)
	}
	u := s.base(q.r) + bookPrefix + name
	if enc := params.Encode(); enc != "" {
		u += "?" + enc
	}
	return u
}

func marshal(doc *etree.Document, cs provisioning.Charset) ([]byte, string, error) {
	b, err := provisioning.Marshal(doc, cs)
	if err != nil {
		return nil, "", err
	}
	return b, cs.ContentType(), nil
}

// bookJob renders a contact list format: build gets the contacts the
// request may see (limit 0: all of them); when the directory fails, the
// answer is build(nil), an empty but valid document, with failStatus.
func (s *Service) bookJob(q *request, limit, failStatus int, build func([]*phonebook.Contact) *etree.Document) job {
	return job{
		render: func(ctx context.Context) ([]byte, string, error) {
			cs, err := s.contactsFor(ctx, q, limit)
			if err != nil {
				return nil, "", err
			}
			return marshal(build(cs), q.charset)
		},
		onError: emptyOn(failStatus, func() *etree.Document { return build(nil) }, q.charset)}
}

// emptyOn answers a failed render with an empty but valid document: 503 for
// full-book downloads (the phone keeps its copy), 200 for interactive pages.
func emptyOn(status int, doc func() *etree.Document, cs provisioning.Charset) func(error) (int, []byte, string) {
	return func(error) (int, []byte, string) {
		b, ct, err := marshal(doc(), cs)
		if err != nil {
			return http.StatusServiceUnavailable, []byte("directory unavailable\n"), "text/plain; charset=utf-8"
		}
		return status, b, ct
	}
}

func (s *Service) serveBook(w http.ResponseWriter, q *request) {
	title := s.cfg.bookName
	download := !q.hasTerm && q.number == ""
	failStatus := http.StatusOK
	if download {
		failStatus = http.StatusServiceUnavailable
	}
	// Each case names its body (spec) and how to render it (mk, called only
	// when the body is not revalidated by the phone or found in the cache).
	var spec jobSpec
	var mk func() job
	switch q.name {
	case "yealink.xml":
		spec = jobSpec{key: q.bookKey("yealink"), useGen: true}
		mk = func() job {
			return s.cappedBookJob(q, "yealink", s.cfg.bookMax.Yealink, failStatus, func(cs []*phonebook.Contact) *etree.Document {
				return provisioning.YealinkDirectory(provisioning.Book{Contacts: cs})
			})
		}
	case "yealink-groups.xml":
		spec = jobSpec{key: q.bookKey("yealink-groups"), useGen: true}
		mk = func() job {
			return s.cappedBookJob(q, "yealink", s.cfg.bookMax.Yealink, failStatus, func(cs []*phonebook.Contact) *etree.Document {
				return provisioning.YealinkPhoneBook(title, provisioning.GroupContacts(cs, s.cfg.groupBy))
			})
		}
	case "grandstream.xml", "grandstream/phonebook.xml":
		spec = jobSpec{key: q.bookKey("grandstream"), useGen: true}
		mk = func() job {
			return s.cappedBookJob(q, "grandstream", s.cfg.bookMax.Grandstream, failStatus, func(cs []*phonebook.Contact) *etree.Document {
				return provisioning.GrandstreamAddressBook(provisioning.GroupContacts(cs, s.cfg.groupBy))
			})
		}
	case "fanvil.xml":
		if q.hasTerm || q.number != "" {
			spec = jobSpec{key: q.bookKey("fanvil-search"), useGen: true}
			mk = func() job {
				return s.bookJob(q, s.cfg.searchLimit, failStatus, func(cs []*phonebook.Contact) *etree.Document {
					return provisioning.FanvilDirectory(provisioning.Book{Title: title, Contacts: cs})
				})
			}
			break
		}
		spec = jobSpec{key: q.bookKey("fanvil"), useGen: true}
		mk = func() job {
			return s.cappedBookJob(q, "fanvil", s.cfg.bookMax.Fanvil, failStatus, func(cs []*phonebook.Contact) *etree.Document {
				return provisioning.FanvilPhoneBook(provisioning.GroupContacts(cs, s.cfg.groupBy))
			})
		}
	case "snom.xml":
		if q.hasTerm || q.number != "" {
			spec = jobSpec{key: s.linkKey(q, "snom-menu"), useGen: true}
			mk = func() job { return s.snomMenuJob(q, title) }
			break
		}
		spec = jobSpec{key: q.bookKey("snom"), useGen: true}
		mk = func() job {
			return s.cappedBookJob(q, "snom", s.cfg.bookMax.Snom, failStatus, func(cs []*phonebook.Contact) *etree.Document {
				return provisioning.SnomTBook(cs)
			})
		}
	case "snom-search.xml":
		spec = jobSpec{key: s.linkKey(q, "snom-search")}
		mk = func() job {
			return job{render: func(context.Context) ([]byte, string, error) {
				u := s.link(q, "snom.xml", url.Values{"q": {provisioning.SnomInputToken}})
				return marshal(provisioning.SnomInput(title, "Name or number", u), q.charset)
			}}
		}
	case "cisco-menu.xml":
		spec = jobSpec{key: s.linkKey(q, "cisco-menu")}
		mk = func() job {
			return job{render: func(context.Context) ([]byte, string, error) {
				doc, err := provisioning.CiscoMenu(title, "", []provisioning.CiscoMenuItem{
					{Name: "Search " + title, URL: s.link(q, "cisco-search.xml", nil)},
					{Name: "Browse " + title, URL: s.link(q, "cisco.xml", nil)},
				})
				if err != nil {
					return nil, "", err
				}
				return marshal(doc, q.charset)
			}}
		}
	case "cisco-search.xml":
		spec = jobSpec{key: s.linkKey(q, "cisco-search")}
		mk = func() job {
			return job{render: func(context.Context) ([]byte, string, error) {
				doc, err := provisioning.CiscoInput(title, "Name or number", s.link(q, "cisco.xml", nil), "q")
				if err != nil {
					return nil, "", err
				}
				return marshal(doc, q.charset)
			}}
		}
	case "cisco.xml":
		spec = jobSpec{key: s.linkKey(q, "cisco"), useGen: true}
		mk = func() job { return s.ciscoJob(q, title) }
	case "polycom.html":
		spec = jobSpec{key: s.linkKey(q, "polycom-page"), useGen: true}
		mk = func() job { return s.polycomPageJob(q, title) }
	default:
		http.NotFound(w, q.r)
		return
	}
	s.serve(w, q, spec, mk)
}

// contactsFor returns the contacts a list format shows: the lookup match
// for ?number=, the search results for ?q=, else the whole visible book.
func (s *Service) contactsFor(ctx context.Context, q *request, limit int) ([]*phonebook.Contact, error) {
	switch {
	case q.number != "":
		c, err := s.lookup(ctx, q.id, q.number)
		if err != nil || c == nil {
			return nil, err
		}
		return []*phonebook.Contact{c}, nil
	case q.term != "":
		if limit == 0 {
			limit = s.cfg.searchLimit
		}
		return s.search(ctx, q.id, q.term, limit)
	}
	cs, _, err := s.all(ctx, q.id, q.id.query(""), 0)
	return cs, err
}

// pagedLinks returns the prev/next links of page n, carrying the cursor to
// the next page when the URL stays within maxLen bytes.
func (s *Service) pagedLinks(q *request, name string, res pageResult, maxLen int) (prev, next string) {
	params := func(page int, cursor string) url.Values {
		v := url.Values{"page": {strconv.Itoa(page)}}
		if q.term != "" {
			v.Set("q", q.term)
		}
		if cursor != "" {
			v.Set("cursor", cursor)
		}
		return v
	}
	if q.page > 1 {
		prev = s.link(q, name, params(q.page-1, ""))
	}
	if res.next != "" {
		next = s.link(q, name, params(q.page+1, res.next))
		if len(next) > maxLen {
			next = s.link(q, name, params(q.page+1, ""))
		}
	}
	if len(prev) > maxLen {
		prev = ""
	}
	if len(next) > maxLen {
		next = ""
	}
	return prev, next
}

func (s *Service) ciscoJob(q *request, title string) job {
	return job{
		render: func(ctx context.Context) ([]byte, string, error) {
			var res pageResult
			if q.number != "" {
				c, err := s.lookup(ctx, q.id, q.number)
				if err != nil {
					return nil, "", err
				}
				if c != nil {
					res = pageResult{contacts: []*phonebook.Contact{c}, total: 1}
				}
			} else {
				var err error
				res, err = s.page(ctx, q.id, q.id.query(q.term), q.page, provisioning.CiscoMaxEntries, q.cursor)
				if err != nil {
					return nil, "", err
				}
			}
			entries := provisioning.CiscoEntries(provisioning.Book{Contacts: res.contacts})
			prompt := "No entries"
			if len(entries) > 0 {
				from := (q.page-1)*provisioning.CiscoMaxEntries + 1
				to := from + len(res.contacts) - 1
				prompt = fmt.Sprintf("%d-%d of %s", from, to, totalLabel(res, to))
			}
			prev, next := "", ""
			if q.number == "" {
				prev, next = s.pagedLinks(q, "cisco.xml", res, provisioning.CiscoMaxURL)
			}
			doc, err := provisioning.CiscoDirectory(provisioning.CiscoPage{Title: title, Prompt: prompt, Entries: entries, PrevURL: prev, NextURL: next})
			if err != nil {
				return nil, "", err
			}
			return marshal(doc, q.charset)
		},
		onError: func(error) (int, []byte, string) {
			b, ct, _ := marshal(provisioning.CiscoText(title, "The directory is unavailable. Try again later."), q.charset)
			return http.StatusOK, b, ct
		}}
}

// totalLabel is how a page shows the number of matches: "75", or "1000+"
// when the store stopped counting (Page.TotalCapped: the total is a lower
// bound). On the last page the count is known: the last entry shown. A
// total below the last entry shown (a count bounded from where a cursor
// started) is raised to it.
func totalLabel(res pageResult, shownTo int) string {
	if res.next == "" && shownTo > 0 {
		return strconv.Itoa(shownTo)
	}
	total := max(res.total, shownTo)
	if res.capped || (res.total < shownTo && res.next != "") {
		return strconv.Itoa(total) + "+"
	}
	return strconv.Itoa(total)
}

func (s *Service) snomMenuJob(q *request, title string) job {
	return job{
		render: func(ctx context.Context) ([]byte, string, error) {
			var res pageResult
			if q.number != "" {
				c, err := s.lookup(ctx, q.id, q.number)
				if err != nil {
					return nil, "", err
				}
				if c != nil {
					res.contacts = []*phonebook.Contact{c}
				}
			} else {
				var err error
				res, err = s.page(ctx, q.id, q.id.query(q.term), q.page, snomPageSize, q.cursor)
				if err != nil {
					return nil, "", err
				}
			}
			prev, next := s.pagedLinks(q, "snom.xml", res, 1024)
			return marshal(provisioning.SnomMenu(provisioning.SnomPage{Title: title, Contacts: res.contacts, PrevURL: prev, NextURL: next}), q.charset)
		},
		onError: emptyOn(http.StatusOK, func() *etree.Document { return provisioning.SnomMenu(provisioning.SnomPage{Title: title}) }, q.charset)}
}

func (s *Service) polycomPageJob(q *request, title string) job {
	page := func(cs []*phonebook.Contact, prev, next string) provisioning.PolycomPage {
		p := provisioning.PolycomPage{Title: title, Action: s.base(q.r) + bookPrefix + "polycom.html",
			Term: q.term, Contacts: cs, Searched: q.hasTerm, PrevURL: prev, NextURL: next}
		if q.token != "" {
			p.Hidden = map[string]string{"token": q.token}
		}
		return p
	}
	return job{
		render: func(ctx context.Context) ([]byte, string, error) {
			var res pageResult
			if q.hasTerm {
				var err error
				res, err = s.page(ctx, q.id, q.id.query(q.term), q.page, polycomPageSize, q.cursor)
				if err != nil {
					return nil, "", err
				}
			}
			prev, next := s.pagedLinks(q, "polycom.html", res, 1024)
			b, err := provisioning.Marshal(provisioning.PolycomSearchPage(page(res.contacts, prev, next)), provisioning.UTF8)
			return b, provisioning.UTF8.MediaType("text/html"), err
		},
		onError: func(error) (int, []byte, string) {
			b, _ := provisioning.Marshal(provisioning.PolycomSearchPage(page(nil, "", "")), provisioning.UTF8)
			return http.StatusOK, b, provisioning.UTF8.MediaType("text/html")
		}}
}

// noteUserAgent logs, once per change, when a phone's User-Agent carries
// another MAC than the phone it authenticated as. The User-Agent is never
// proof of identity; a mismatch hints at a copied token or credentials.
func (s *Service) noteUserAgent(mac string, r *http.Request) {
	ua := r.UserAgent()
	if prev, ok := s.lastUA.Load(mac); ok && prev.(string) == ua {
		return
	}
	s.lastUA.Store(mac, ua)
	if p, ok := provisioning.ParseUserAgent(ua); ok && p.MAC != "" && p.MAC != mac {
		s.log.Info("phone User-Agent MAC differs from the authenticated phone",
			"phone", mac, "user_agent_mac", p.MAC, "url", ScrubURL(r.URL))
	}
}
