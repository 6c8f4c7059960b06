package browser

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestConsoleHotel runs console/hotel.mjs, then console/hotel-reception.mjs,
// against the daemon: ada adds a
// room through the form and sees one added through the API appear, checks
// a guest in (the card turns occupied, red), sets a wake-up (listed
// pending), sees another session's housekeeping change live (the focus
// and a half-typed field kept), checks out (the closed bill shown and
// listed, its CSV served); bob, without hotel_admin, has no Hotel entry
// and gets 403. The test then checks through the API what the page did.
func TestConsoleHotel(t *testing.T) {
	l := startConsole(t, consoleOptions{})
	var out struct {
		AdminNav         []string `json:"admin_nav"`
		Empty            string   `json:"empty"`
		FreeCard         string   `json:"free_card"`
		FreeColour       string   `json:"free_colour"`
		OccupiedCard     string   `json:"occupied_card"`
		OccupiedColour   string   `json:"occupied_colour"`
		FocusAfterDialog string   `json:"focus_after_dialog"`
		WakeUpRow        string   `json:"wakeup_row"`
		WakeUpCounter    string   `json:"wakeup_counter"`
		MakeUpCard       string   `json:"makeup_card"`
		FocusKept        string   `json:"focus_kept"`
		FieldKept        string   `json:"field_kept"`
		MakeUpCounter    string   `json:"makeup_counter"`
		CanceledRow      string   `json:"canceled_row"`
		MovedCard        string   `json:"moved_card"`
		ReceptionNav     []string `json:"reception_nav"`
		ReceptionAdmin   int      `json:"reception_admin_parts"`
		ReceptionCard    string   `json:"reception_card"`
		ClosedBill       string   `json:"closed_bill"`
		BillCSV          string   `json:"bill_csv"`
		VacantCard       string   `json:"vacant_card"`
		BillsRow         string   `json:"bills_row"`
		CSVStatus        int      `json:"csv_status"`
		CSVHead          string   `json:"csv_head"`
		Link             string   `json:"link"`
		RateError        string   `json:"rate_error"`
		RatesRow         string   `json:"rates_row"`
		UserNav          []string `json:"user_nav"`
		UserPage         string   `json:"user_page"`
		UserAPI          int      `json:"user_api"`
		A11y             []string `json:"a11y_checked"`
	}
	l.run(t, "hotel", &out)
	adminA11y := out.A11y
	l.run(t, "hotel-reception", &out) // fills the user_* and reception_* fields
	t.Logf("hotel: %+v", out)
	checks := []struct {
		name string
		ok   bool
	}{
		{name: "the admin's navigation has Hotel", ok: slices.Contains(out.AdminNav, "Hotel")},
		{name: "no room at first", ok: strings.Contains(out.Empty, "There is no room yet")},
		{name: "a free card: number, type, word and colour", ok: strings.Contains(out.FreeCard, "101") && strings.Contains(out.FreeCard, "double") &&
			strings.Contains(out.FreeCard, "Free (vacant, clean)") && out.FreeColour == "rgb(30, 123, 52)"},
		{name: "checked in: occupied, red, the guest's name", ok: strings.Contains(out.OccupiedCard, "Occupied") && strings.Contains(out.OccupiedCard, "Anna Rossi") &&
			out.OccupiedColour == "rgb(180, 35, 24)"},
		{name: "Escape closes the dialog, the focus back on the card", ok: out.FocusAfterDialog == "ht-room-101"},
		{name: "the wake-up listed, pending, counted", ok: strings.HasPrefix(out.WakeUpRow, "101") && strings.Contains(out.WakeUpRow, "Pending") && out.WakeUpCounter == "1"},
		{name: "the card shows the wake-up", ok: strings.Contains(out.MakeUpCard, "1 wake-up(s)")},
		{name: "the housekeeping change shown live", ok: strings.Contains(out.MakeUpCard, "To clean") && strings.Contains(out.MakeUpCard, "Make-up requested") && out.MakeUpCounter == "1"},
		{name: "the focus and a half-filled field kept through the update", ok: out.FocusKept == "ht-room-102" && strings.HasSuffix(out.FieldKept, "T08:30")},
		{name: "a wake-up set from the page's form and cancelled from the list", ok: strings.Contains(out.CanceledRow, "Cancelled") && strings.Contains(out.CanceledRow, "8:30")},
		{name: "moved: 102 occupied by the guest, with DND", ok: strings.Contains(out.MovedCard, "Anna Rossi") && strings.Contains(out.MovedCard, "Do not disturb") && strings.Contains(out.MovedCard, "1 wake-up(s)")},
		{name: "checked out: the closed bill with its total and CSV", ok: strings.Contains(out.ClosedBill, "Rossi") && strings.Contains(out.ClosedBill, "Total") &&
			strings.Contains(out.BillCSV, "format=csv")},
		{name: "the card vacant again", ok: strings.Contains(out.VacantCard, "Vacant") && !strings.Contains(out.VacantCard, "Rossi")},
		{name: "the bill listed", ok: strings.HasPrefix(out.BillsRow, "102") && strings.Contains(out.BillsRow, "Rossi")},
		{name: "the bill's CSV served", ok: out.CSVStatus == http.StatusOK && out.CSVHead != ""},
		{name: "the PMS link is not connected (none configured)", ok: strings.Contains(out.Link, "Not connected") && strings.Contains(out.Link, "no PMS link configured")},
		{name: "a bad rate row named by its line and field", ok: strings.Contains(out.RateError, "line 2: per_minute")},
		{name: "the rate table listed", ok: strings.HasPrefix(out.RatesRow, "default Main trunk Any Any EUR 2")},
		{name: "bob has no Hotel entry", ok: len(out.UserNav) > 0 && !slices.Contains(out.UserNav, "Hotel")},
		{name: "bob is told he lacks the right", ok: strings.Contains(out.UserPage, "You do not have the right")},
		{name: "bob gets 403 from the API", ok: out.UserAPI == http.StatusForbidden},
		{name: "with hotel_admin bob has the Hotel entry, without the administration", ok: slices.Contains(out.ReceptionNav, "Hotel") && out.ReceptionAdmin == 0},
		{name: "a hotel_admin user gets the room's change live", ok: strings.Contains(out.ReceptionCard, "Out of order")},
		{name: "axe ran in every state", ok: len(adminA11y) >= 7 && len(out.A11y) == 1},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: %+v", c.name, out)
		}
	}
	var room struct {
		Number       string   `json:"number"`
		Floor        string   `json:"floor"`
		Type         string   `json:"type"`
		Devices      []string `json:"devices"`
		Occupancy    string   `json:"occupancy"`
		Housekeeping string   `json:"housekeeping"`
	}
	l.apiJSON(t, "GET", "/api/v1/hotel/rooms/101", nil, http.StatusOK, &room)
	var rates struct {
		Tables []struct {
			ID       string `json:"id"`
			Currency string `json:"currency"`
			Rates    []struct {
				Prefix    string  `json:"prefix"`
				PerMinute float64 `json:"per_minute"`
				Increment int     `json:"increment"`
				Minimum   int     `json:"minimum"`
				NoCharge  int     `json:"no_charge"`
				Surcharge float64 `json:"surcharge"`
			} `json:"rates"`
		} `json:"tables"`
	}
	l.apiJSON(t, "GET", "/api/v1/hotel/rates", nil, http.StatusOK, &rates)
	if tb := rates.Tables; len(tb) != 1 || tb[0].ID != "default" || tb[0].Currency != "EUR" || len(tb[0].Rates) != 2 ||
		tb[0].Rates[0].Prefix != "0044" || tb[0].Rates[0].PerMinute != 0.25 || tb[0].Rates[0].Increment != 60 || tb[0].Rates[0].NoCharge != 5 ||
		tb[0].Rates[0].Surcharge != 0.1 || tb[0].Rates[1].PerMinute != 0.035 || tb[0].Rates[1].Increment != 30 {
		t.Errorf("the rates as the page saved them: %+v", rates)
	}
	if room.Floor != "1" || room.Type != "double" || !slices.Equal(room.Devices, []string{"PJSIP/101"}) || room.Occupancy != "vacant" || room.Housekeeping != "out_of_order" {
		t.Errorf("room 101 as the page left it: %+v", room)
	}
}
