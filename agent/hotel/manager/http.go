package manager

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pbxagent/pbxagent/agent/hotel"
	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/internal/clock"
)

// Handler serves the hotel API (/api/v1/hotel, scope hotel;
// docs/hotel.md#api) over a hotel.Service.
type Handler struct {
	svc  hotel.Service
	clk  clock.Clock
	loc  *time.Location
	link func(ctx context.Context) hotel.LinkState
}

// HandlerOption sets up a Handler.
type HandlerOption func(*Handler)

// WithHTTPClock sets the clock a time of day is read against (default
// the real one).
func WithHTTPClock(c clock.Clock) HandlerOption { return func(h *Handler) { h.clk = c } }

// WithLocation sets the hotel's time zone: local times in requests, times
// in the CSV export (default time.Local).
func WithLocation(l *time.Location) HandlerOption { return func(h *Handler) { h.loc = l } }

// WithLinkStatus sets what GET /api/v1/hotel/link answers (the PMS link's
// state); without it the link reads as not configured.
func WithLinkStatus(f func(ctx context.Context) hotel.LinkState) HandlerOption {
	return func(h *Handler) { h.link = f }
}

// NewHandler returns the API of svc.
func NewHandler(svc hotel.Service, opts ...HandlerOption) *Handler {
	h := &Handler{svc: svc, clk: clock.Real{}, loc: time.Local}
	for _, o := range opts {
		o(h)
	}
	return h
}

func jsonBody(desc string, v any) platform.Body {
	return platform.Body{ContentType: "application/json", Description: desc, Schema: v}
}

func jsonReq(desc string, v any) *platform.Body { b := jsonBody(desc, v); return &b }

// billBody is a bill as JSON or, with ?format=csv, as CSV.
func billBody(desc string, v any) platform.Body {
	b := jsonBody(desc, v)
	b.Alternatives = []platform.Body{{ContentType: "text/csv", Description: desc + " as CSV (?format=csv): " + strings.Join(csvHeader, ", "),
		Schema: map[string]any{"type": "string"},
		Example: strings.Join(csvHeader, ",") + "\r\n" +
			"b-101-20261207T140000,101,Anna Rossi,c-01JEQ7H2B3C4D5E6F7G8H9J0K1,2026-12-07T19:02:11+01:00,00442071234567,international,my-trunk,125,180,default,0044,United Kingdom,0.8500,EUR,1207,true\r\n"}}
	return b
}

// eventsDoc is what the rooms' list says of the events.
const eventsDoc = "Events (socket topic `hotel`, docs/hotel.md#events), to administrators and holders of hotel_admin: `room_updated` " +
	"(RoomEvent: the room, what changed and who changed it), `room_deleted` ({\"number\"}), `wakeup_updated` and `wakeup_unanswered` " +
	"(WakeUp), `call_charged` (Charge), `bill_closed` (Bill) and `pms_link` (LinkState)."

// Routes implements platform.Router.
func (h *Handler) Routes() []platform.Route {
	str := map[string]any{"type": "string"}
	number := platform.Param{Name: "number", In: "path", Required: true, Description: "The room number", Schema: str, Example: "101"}
	groupP := platform.Param{Name: "id", In: "path", Required: true, Description: "The room group's id", Schema: str, Example: "east-wing"}
	billP := platform.Param{Name: "id", In: "path", Required: true, Description: "The bill's id", Schema: str, Example: "b-101-20261207T140000"}
	wakeP := platform.Param{Name: "id", In: "path", Required: true, Description: "The wake-up's id", Schema: str, Example: "w-01jeq7h2b3c4d5e6f7g8h9j0k1"}
	format := platform.Param{Name: "format", In: "query", Description: "json (default) or csv", Schema: map[string]any{"type": "string", "enum": []any{"json", "csv"}}, Example: "csv"}
	roomQ := platform.Param{Name: "room", In: "query", Description: "Only this room's", Schema: str, Example: "101"}
	limitQ := platform.Param{Name: "limit", In: "query", Description: "At most this many, 1 to 1000 (default 50)", Schema: map[string]any{"type": "integer", "minimum": 1, "maximum": 1000}, Example: 50}
	errBody := jsonBody("a field or parameter is invalid (named in details)", platform.ErrorBody{})
	forbidden := jsonBody("the caller may not do this (details name the role or ability missing)", platform.ErrorBody{})
	missing := jsonBody("no such room, group, bill or wake-up (named in details)", platform.ErrorBody{})
	conflictB := jsonBody("the room's state does not allow it (occupied, vacant, in use; named in details)", platform.ErrorBody{})
	unsupported := jsonBody("the body is not application/json", platform.ErrorBody{})
	route := func(method, path, id, summary, desc string, params []platform.Param, in *platform.Body, resp map[int]platform.Body, fn http.HandlerFunc) platform.Route {
		resp[403] = forbidden
		if len(params) > 0 && params[0].In == "path" {
			resp[404] = missing
		}
		if _, ok := resp[400]; !ok && (in != nil || len(params) > 0) {
			resp[400] = errBody
		}
		if in != nil {
			resp[415] = unsupported
		}
		return platform.Route{Method: method, Path: path, Scope: platform.ScopeHotel, Handler: fn, Op: platform.Operation{
			ID: id, Summary: summary, Description: desc, Params: params, Request: in, Responses: resp}}
	}
	room := []platform.Param{number}
	const rooms = "/api/v1/hotel/rooms"
	const one = rooms + "/{number}"
	return []platform.Route{
		route(http.MethodGet, rooms, "listHotelRooms", "Every room with its live state",
			"Configuration (extensions, devices, floor, type, group, class), occupancy, housekeeping, DND, message light, the class of "+
				"service in force and the guest. "+eventsDoc, nil, nil, map[int]platform.Body{200: jsonBody("the rooms", RoomList{})}, h.listRooms),
		route(http.MethodPost, rooms, "createHotelRoom", "Add a room (administrators)",
			"The room starts vacant and clean. extensions default to the number; an extension or device of another room is a conflict (409). Publishes room_updated (config).",
			nil, jsonReq("the room's configuration", hotel.Room{}), map[int]platform.Body{201: jsonBody("the room", hotel.Room{}), 409: conflictB}, h.createRoom),
		route(http.MethodGet, one, "getHotelRoom", "A room with its live state", "", room, nil,
			map[int]platform.Body{200: jsonBody("the room", hotel.Room{})}, h.getRoom),
		route(http.MethodPut, one, "putHotelRoom", "Create or replace a room's configuration (administrators)",
			"number, extensions, devices, floor, type, group and class are replaced; the state (occupancy, guest, housekeeping, DND, "+
				"message light) stays and is ignored in the body. The number in the body, if any, must be the path's. Publishes room_updated (config).",
			room, jsonReq("the room's configuration", hotel.Room{}), map[int]platform.Body{200: jsonBody("the room", hotel.Room{}), 409: conflictB}, h.putRoom),
		route(http.MethodDelete, one, "deleteHotelRoom", "Remove a vacant room (administrators)",
			"An occupied room is a conflict (409): check the guest out first. Publishes room_deleted.",
			room, nil, map[int]platform.Body{204: {Description: "removed"}, 409: conflictB}, h.deleteRoom),
		route(http.MethodPost, one+"/checkin", "checkInHotelRoom", "Check a guest in (hotel_admin)",
			"The guest's name becomes the room's caller name (\"101 – Anna Rossi\") and a directory entry, outgoing calls open by class "+
				"of service, and a fresh bill opens. An occupied room is a conflict, unless the same reservation is checked in again "+
				"(its guest is updated). Publishes room_updated (checkin).",
			room, jsonReq("the guest", hotel.Guest{}), map[int]platform.Body{200: jsonBody("the room, occupied", hotel.Room{}), 409: conflictB}, h.checkIn),
		route(http.MethodPost, one+"/checkout", "checkOutHotelRoom", "Check the guest out (hotel_admin)",
			"Bars outgoing calls (internal and emergency only), cancels pending wake-ups, closes the bill, clears the name and the "+
				"message light. A vacant room is a conflict. Publishes room_updated (checkout), bill_closed and wakeup_updated.",
			room, nil, map[int]platform.Body{200: jsonBody("the room and its closed bill", CheckOutResult{}), 409: conflictB}, h.checkOut),
		route(http.MethodPost, one+"/move", "moveHotelGuest", "Move the guest to another room (hotel_admin)",
			"The guest, the open bill, the pending wake-ups, DND and the message light go to the vacant room to; this room becomes "+
				"vacant. Publishes room_updated (move_out, move_in).",
			room, jsonReq("where to", MoveRequest{}), map[int]platform.Body{200: jsonBody("the room moved to", hotel.Room{}), 409: conflictB}, h.move),
		route(http.MethodPut, one+"/housekeeping", "setHotelHousekeeping", "Set a room's housekeeping state (hotel_admin)",
			"clean, makeup_requested, cleaning, inspected or out_of_order. Publishes room_updated (housekeeping); told to the PMS.",
			room, jsonReq("the state", HousekeepingRequest{}), map[int]platform.Body{200: jsonBody("the room", hotel.Room{})}, h.housekeeping),
		route(http.MethodPatch, one+"/status", "setHotelRoomStatus", "Change a room's housekeeping, DND, message light or class (hotel_admin)",
			"Fields left out stay. DND, the message light and the class are applied to the room's phones; every change is published "+
				"(room_updated) and told to the PMS.",
			room, jsonReq("the change", hotel.StatusChange{}), map[int]platform.Body{200: jsonBody("the room", hotel.Room{})}, h.status),
		route(http.MethodGet, one+"/bill", "getHotelRoomBill", "The room's open bill",
			"The calls of the stay so far, costed. 404 while the room is vacant. ?format=csv: CSV, one call a line.",
			[]platform.Param{number, format}, nil, map[int]platform.Body{200: billBody("the open bill", hotel.Bill{})}, h.roomBill),
		route(http.MethodGet, "/api/v1/hotel/bills", "listHotelBills", "Closed bills, newest first",
			"?format=csv: every listed bill's calls as CSV.",
			[]platform.Param{roomQ, limitQ, format}, nil, map[int]platform.Body{200: billBody("the bills", BillList{})}, h.bills),
		route(http.MethodGet, "/api/v1/hotel/bills/{id}", "getHotelBill", "A bill, open or closed", "?format=csv: CSV, one call a line.",
			[]platform.Param{billP, format}, nil, map[int]platform.Body{200: billBody("the bill", hotel.Bill{})}, h.bill),
		route(http.MethodGet, "/api/v1/hotel/wakeups", "listHotelWakeUps", "Wake-up calls",
			"The live ones (pending, calling, snoozed) and those that ended in the last day, by time.",
			[]platform.Param{roomQ}, nil, map[int]platform.Body{200: jsonBody("the wake-ups", WakeUpList{})}, h.wakeUps),
		route(http.MethodPost, "/api/v1/hotel/wakeups", "createHotelWakeUp", "Set a wake-up call (hotel_admin)",
			"For an occupied room, not in the past; a live wake-up of the room at the same minute is answered as it is (200). "+
				"At its time the room is called and the prompt plays; unanswered, it is retried, then reported to reception. Publishes wakeup_updated.",
			nil, jsonReq("the wake-up", WakeUpRequest{}), map[int]platform.Body{201: jsonBody("the wake-up", hotel.WakeUp{}), 200: jsonBody("the same wake-up, already set", hotel.WakeUp{}), 409: conflictB}, h.setWakeUp),
		route(http.MethodDelete, "/api/v1/hotel/wakeups/{id}", "cancelHotelWakeUp", "Cancel a wake-up call (hotel_admin)",
			"A wake-up already answered, unanswered or canceled is a conflict. Publishes wakeup_updated.",
			[]platform.Param{wakeP}, nil, map[int]platform.Body{204: {Description: "canceled"}, 409: conflictB}, h.cancelWakeUp),
		route(http.MethodGet, "/api/v1/hotel/rates", "getHotelRates", "The rate tables calls are costed with",
			"cost = surcharge + per_minute × billed seconds / 60, billed seconds = max(duration, minimum) rounded up to the increment; "+
				"calls shorter than no_charge cost nothing (docs/hotel.md#call-costs).",
			nil, nil, map[int]platform.Body{200: jsonBody("the tables", RateTables{})}, h.rates),
		route(http.MethodPut, "/api/v1/hotel/rates", "putHotelRates", "Replace every rate table (administrators)",
			"Checked whole first: an error names the table and the rate (tables[0].rates[2].per_minute) and nothing is applied.",
			nil, jsonReq("the tables", RateTables{}), map[int]platform.Body{200: jsonBody("the tables", RateTables{})}, h.putRates),
		route(http.MethodGet, "/api/v1/hotel/groups", "listHotelGroups", "The room groups", "", nil, nil,
			map[int]platform.Body{200: jsonBody("the groups", GroupList{})}, h.groups),
		route(http.MethodGet, "/api/v1/hotel/groups/{id}", "getHotelGroup", "A room group", "", []platform.Param{groupP}, nil,
			map[int]platform.Body{200: jsonBody("the group", hotel.RoomGroup{})}, h.group),
		route(http.MethodPut, "/api/v1/hotel/groups/{id}", "putHotelGroup", "Create or replace a room group (administrators)",
			"Its class of service applies to its occupied rooms that set none; rooms whose class changes are applied to the PBX and published.",
			[]platform.Param{groupP}, jsonReq("the group", hotel.RoomGroup{}), map[int]platform.Body{200: jsonBody("the group", hotel.RoomGroup{})}, h.putGroup),
		route(http.MethodDelete, "/api/v1/hotel/groups/{id}", "deleteHotelGroup", "Remove a room group no room is in (administrators)",
			"A group a room is in is a conflict (409).", []platform.Param{groupP}, nil,
			map[int]platform.Body{204: {Description: "removed"}, 409: conflictB}, h.deleteGroup),
		route(http.MethodGet, "/api/v1/hotel/link", "getHotelLink", "The PMS link's state",
			"Whether the FIAS link to the property-management system is up, its peer, and the messages queued for it (docs/hotel.md#the-pms-link-fias).",
			nil, nil, map[int]platform.Body{200: jsonBody("the link", hotel.LinkState{})}, h.getLink),
	}
}

// writeErr writes an error of the service: hotel.ErrNotFound as a 404
// naming field, an *platform.APIError as it says, anything else as 500.
func writeErr(w http.ResponseWriter, r *http.Request, err error, field, what string) {
	var ae *platform.APIError
	if errors.Is(err, hotel.ErrNotFound) && !errors.As(err, &ae) {
		notFound(w, r, field, what)
		return
	}
	platform.WriteErr(w, r, err)
}

// decode reads the JSON body into v; on false the error is written.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if !platform.RequireContentType(w, r, "application/json") {
		return false
	}
	if err := platform.DecodeJSON(r, v); err != nil {
		platform.WriteErr(w, r, err)
		return false
	}
	return true
}

// wantCSV reads ?format; on error it is written (ok false).
func wantCSV(w http.ResponseWriter, r *http.Request) (csv, ok bool) {
	switch f := r.URL.Query().Get("format"); f {
	case "", "json":
		return false, true
	case "csv":
		return true, true
	default:
		platform.WriteErr(w, r, platform.Invalid("invalid format", platform.FieldError{Field: "format", Message: fmt.Sprintf("must be json or csv (is %q)", f)}))
		return false, false
	}
}

// writeBills writes bills as CSV.
func (h *Handler) writeCSV(w http.ResponseWriter, name string, bills ...hotel.Bill) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	w.WriteHeader(http.StatusOK)
	_ = WriteBillCSV(w, h.loc, bills...)
}

func roomMissing(w http.ResponseWriter, r *http.Request) { notFound(w, r, "number", "no such room") }

func (h *Handler) listRooms(w http.ResponseWriter, r *http.Request) {
	platform.WriteJSON(w, http.StatusOK, RoomList{Rooms: h.svc.Rooms(r.Context())})
}

func (h *Handler) getRoom(w http.ResponseWriter, r *http.Request) {
	rm, ok := h.svc.Room(r.Context(), r.PathValue("number"))
	if !ok {
		roomMissing(w, r)
		return
	}
	platform.WriteJSON(w, http.StatusOK, rm)
}

func (h *Handler) createRoom(w http.ResponseWriter, r *http.Request) {
	if !accessOf(r).admin() {
		forbiddenAdmin(w, r)
		return
	}
	var in hotel.Room
	if !decode(w, r, &in) {
		return
	}
	if err := ValidRoomNumber(in.Number); err != nil {
		platform.WriteErr(w, r, fieldErr("invalid room", "number", err.Error()))
		return
	}
	if _, exists := h.svc.Room(r.Context(), in.Number); exists {
		platform.WriteErr(w, r, conflict("number", "room "+in.Number+" exists: PUT /api/v1/hotel/rooms/"+in.Number+" replaces its configuration"))
		return
	}
	out, err := h.svc.PutRoom(r.Context(), in)
	if err != nil {
		platform.WriteErr(w, r, err)
		return
	}
	platform.WriteJSON(w, http.StatusCreated, out)
}

func (h *Handler) putRoom(w http.ResponseWriter, r *http.Request) {
	if !accessOf(r).admin() {
		forbiddenAdmin(w, r)
		return
	}
	n := r.PathValue("number")
	var in hotel.Room
	if !decode(w, r, &in) {
		return
	}
	if in.Number != "" && in.Number != n {
		platform.WriteErr(w, r, fieldErr("invalid room", "number", "must be the path's number ("+n+") or left out: a room's number does not change"))
		return
	}
	in.Number = n
	out, err := h.svc.PutRoom(r.Context(), in)
	if err != nil {
		platform.WriteErr(w, r, err)
		return
	}
	platform.WriteJSON(w, http.StatusOK, out)
}

func (h *Handler) deleteRoom(w http.ResponseWriter, r *http.Request) {
	if !accessOf(r).admin() {
		forbiddenAdmin(w, r)
		return
	}
	if err := h.svc.DeleteRoom(r.Context(), r.PathValue("number")); err != nil {
		writeErr(w, r, err, "number", "no such room")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) checkIn(w http.ResponseWriter, r *http.Request) {
	a := accessOf(r)
	if !a.operator() {
		forbiddenOperator(w, r)
		return
	}
	var g hotel.Guest
	if !decode(w, r, &g) {
		return
	}
	out, err := h.svc.CheckIn(r.Context(), r.PathValue("number"), g, a.actor())
	if err != nil {
		writeErr(w, r, err, "number", "no such room")
		return
	}
	platform.WriteJSON(w, http.StatusOK, out)
}

func (h *Handler) checkOut(w http.ResponseWriter, r *http.Request) {
	a := accessOf(r)
	if !a.operator() {
		forbiddenOperator(w, r)
		return
	}
	rm, b, err := h.svc.CheckOut(r.Context(), r.PathValue("number"), a.actor())
	if err != nil {
		writeErr(w, r, err, "number", "no such room")
		return
	}
	platform.WriteJSON(w, http.StatusOK, CheckOutResult{Room: rm, Bill: b})
}

func (h *Handler) move(w http.ResponseWriter, r *http.Request) {
	a := accessOf(r)
	if !a.operator() {
		forbiddenOperator(w, r)
		return
	}
	var in MoveRequest
	if !decode(w, r, &in) {
		return
	}
	if in.To == "" {
		platform.WriteErr(w, r, fieldErr("invalid move", "to", "is required"))
		return
	}
	out, err := h.svc.Move(r.Context(), r.PathValue("number"), in.To, a.actor())
	if err != nil {
		writeErr(w, r, err, "number", "no such room")
		return
	}
	platform.WriteJSON(w, http.StatusOK, out)
}

func (h *Handler) housekeeping(w http.ResponseWriter, r *http.Request) {
	a := accessOf(r)
	if !a.operator() {
		forbiddenOperator(w, r)
		return
	}
	var in HousekeepingRequest
	if !decode(w, r, &in) {
		return
	}
	if in.State == "" {
		platform.WriteErr(w, r, fieldErr("invalid housekeeping state", "state", "is required"))
		return
	}
	out, err := h.svc.SetStatus(r.Context(), r.PathValue("number"), hotel.StatusChange{Housekeeping: &in.State}, a.actor())
	if err != nil {
		var ae *platform.APIError
		if errors.As(err, &ae) {
			for i := range ae.Details {
				if ae.Details[i].Field == "housekeeping" {
					ae.Details[i].Field = "state"
				}
			}
		}
		writeErr(w, r, err, "number", "no such room")
		return
	}
	platform.WriteJSON(w, http.StatusOK, out)
}

func (h *Handler) status(w http.ResponseWriter, r *http.Request) {
	a := accessOf(r)
	if !a.operator() {
		forbiddenOperator(w, r)
		return
	}
	var in hotel.StatusChange
	// A status change is a merge patch: the fields left out stay.
	if !platform.RequireContentType(w, r, "application/json", "application/merge-patch+json") {
		return
	}
	if err := platform.DecodeJSON(r, &in); err != nil {
		platform.WriteErr(w, r, err)
		return
	}
	out, err := h.svc.SetStatus(r.Context(), r.PathValue("number"), in, a.actor())
	if err != nil {
		writeErr(w, r, err, "number", "no such room")
		return
	}
	platform.WriteJSON(w, http.StatusOK, out)
}

func (h *Handler) roomBill(w http.ResponseWriter, r *http.Request) {
	csv, ok := wantCSV(w, r)
	if !ok {
		return
	}
	n := r.PathValue("number")
	if _, exists := h.svc.Room(r.Context(), n); !exists {
		roomMissing(w, r)
		return
	}
	b, ok := h.svc.Bill(r.Context(), n)
	if !ok {
		notFound(w, r, "number", "room "+n+" is vacant: no open bill")
		return
	}
	if csv {
		h.writeCSV(w, b.ID, b)
		return
	}
	platform.WriteJSON(w, http.StatusOK, b)
}

func (h *Handler) bills(w http.ResponseWriter, r *http.Request) {
	csv, ok := wantCSV(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	room := q.Get("room")
	if room != "" {
		if err := ValidRoomNumber(room); err != nil {
			platform.WriteErr(w, r, fieldErr("invalid bills query", "room", err.Error()))
			return
		}
	}
	limit := 50
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			platform.WriteErr(w, r, fieldErr("invalid bills query", "limit", fmt.Sprintf("must be 1 to 1000 (is %q)", s)))
			return
		}
		limit = n
	}
	bs := h.svc.Bills(r.Context(), room, limit)
	if csv {
		h.writeCSV(w, "bills", bs...)
		return
	}
	platform.WriteJSON(w, http.StatusOK, BillList{Bills: bs})
}

func (h *Handler) bill(w http.ResponseWriter, r *http.Request) {
	csv, ok := wantCSV(w, r)
	if !ok {
		return
	}
	b, ok := h.svc.BillByID(r.Context(), r.PathValue("id"))
	if !ok {
		notFound(w, r, "id", "no such bill")
		return
	}
	if csv {
		h.writeCSV(w, b.ID, b)
		return
	}
	platform.WriteJSON(w, http.StatusOK, b)
}

func (h *Handler) wakeUps(w http.ResponseWriter, r *http.Request) {
	room := r.URL.Query().Get("room")
	if room != "" {
		if err := ValidRoomNumber(room); err != nil {
			platform.WriteErr(w, r, fieldErr("invalid wake-ups query", "room", err.Error()))
			return
		}
	}
	platform.WriteJSON(w, http.StatusOK, WakeUpList{WakeUps: h.svc.WakeUps(r.Context(), room)})
}

func (h *Handler) setWakeUp(w http.ResponseWriter, r *http.Request) {
	a := accessOf(r)
	if !a.operator() {
		forbiddenOperator(w, r)
		return
	}
	var in WakeUpRequest
	if !decode(w, r, &in) {
		return
	}
	if in.Room == "" {
		platform.WriteErr(w, r, fieldErr("invalid wake-up", "room", "is required"))
		return
	}
	at, err := ParseWakeUpTime(in.At, h.clk.Now(), h.loc)
	if err != nil {
		platform.WriteErr(w, r, fieldErr("invalid wake-up", "at", err.Error()))
		return
	}
	before := h.svc.WakeUps(r.Context(), in.Room)
	out, err := h.svc.SetWakeUp(r.Context(), in.Room, at, in.Language, a.actor())
	if err != nil {
		platform.WriteErr(w, r, err)
		return
	}
	code := http.StatusCreated
	if slices.ContainsFunc(before, func(x hotel.WakeUp) bool { return x.ID == out.ID }) {
		code = http.StatusOK // the same wake-up, already set
	}
	platform.WriteJSON(w, code, out)
}

// ParseWakeUpTime reads a wake-up time: RFC 3339; a local date and time
// (2026-12-08T07:00 or with seconds) in loc; or a time of day HH:MM, its
// next occurrence after now in loc.
func ParseWakeUpTime(s string, now time.Time, loc *time.Location) (time.Time, error) {
	if s == "" {
		return time.Time{}, errors.New("is required")
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	if t, err := time.Parse("15:04", s); err == nil {
		return nextOccurrence(now, loc, t.Hour(), t.Minute()), nil
	}
	return time.Time{}, fmt.Errorf("must be RFC 3339, a local date and time (2026-12-08T07:00) or a time of day HH:MM (is %q)", s)
}

func (h *Handler) cancelWakeUp(w http.ResponseWriter, r *http.Request) {
	a := accessOf(r)
	if !a.operator() {
		forbiddenOperator(w, r)
		return
	}
	if err := h.svc.CancelWakeUp(r.Context(), r.PathValue("id"), a.actor()); err != nil {
		writeErr(w, r, err, "id", "no such wake-up")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) rates(w http.ResponseWriter, r *http.Request) {
	platform.WriteJSON(w, http.StatusOK, RateTables{Tables: h.svc.Rates(r.Context())})
}

func (h *Handler) putRates(w http.ResponseWriter, r *http.Request) {
	if !accessOf(r).admin() {
		forbiddenAdmin(w, r)
		return
	}
	var in RateTables
	if !decode(w, r, &in) {
		return
	}
	if in.Tables == nil {
		platform.WriteErr(w, r, fieldErr("invalid rate tables", "tables", "is required (an empty list removes every table)"))
		return
	}
	if err := h.svc.PutRates(r.Context(), in.Tables); err != nil {
		platform.WriteErr(w, r, err)
		return
	}
	platform.WriteJSON(w, http.StatusOK, RateTables{Tables: h.svc.Rates(r.Context())})
}

func (h *Handler) groups(w http.ResponseWriter, r *http.Request) {
	platform.WriteJSON(w, http.StatusOK, GroupList{Groups: h.svc.Groups(r.Context())})
}

func (h *Handler) group(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	for _, g := range h.svc.Groups(r.Context()) {
		if g.ID == id {
			platform.WriteJSON(w, http.StatusOK, g)
			return
		}
	}
	notFound(w, r, "id", "no such room group")
}

func (h *Handler) putGroup(w http.ResponseWriter, r *http.Request) {
	if !accessOf(r).admin() {
		forbiddenAdmin(w, r)
		return
	}
	id := r.PathValue("id")
	var in hotel.RoomGroup
	if !decode(w, r, &in) {
		return
	}
	if in.ID != "" && in.ID != id {
		platform.WriteErr(w, r, fieldErr("invalid room group", "id", "must be the path's id ("+id+") or left out"))
		return
	}
	in.ID = id
	out, err := h.svc.PutGroup(r.Context(), in)
	if err != nil {
		platform.WriteErr(w, r, err)
		return
	}
	platform.WriteJSON(w, http.StatusOK, out)
}

func (h *Handler) deleteGroup(w http.ResponseWriter, r *http.Request) {
	if !accessOf(r).admin() {
		forbiddenAdmin(w, r)
		return
	}
	if err := h.svc.DeleteGroup(r.Context(), r.PathValue("id")); err != nil {
		writeErr(w, r, err, "id", "no such room group")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) getLink(w http.ResponseWriter, r *http.Request) {
	if h.link == nil {
		platform.WriteJSON(w, http.StatusOK, hotel.LinkState{Error: "no PMS link configured"})
		return
	}
	platform.WriteJSON(w, http.StatusOK, h.link(r.Context()))
}
