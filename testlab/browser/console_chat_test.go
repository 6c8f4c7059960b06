package browser

import (
	"slices"
	"strings"
	"testing"
)

// TestConsoleChat runs console/chat.mjs: ada and bob, each in their own
// browser context, exchange messages on the Chat page; each sees the
// other's message arrive without reloading (the events socket), bob the
// conversation appear with one unread message, and ada typing; then bob
// sets Do not disturb and ada's Chat page shows it without reloading.
func TestConsoleChat(t *testing.T) {
	l := startConsole(t, consoleOptions{})
	var res struct {
		AdaHeading  string   `json:"ada_heading"`
		BobRoom     string   `json:"bob_room"`
		BobMessages []string `json:"bob_messages"`
		BobTyping   string   `json:"bob_typing"`
		AdaMessages []string `json:"ada_messages"`
		AdaBefore   string   `json:"ada_sees_before"`
		AdaSees     string   `json:"ada_sees"`
		AdaList     string   `json:"ada_list_sees"`
		A11y        []string `json:"a11y_checked"`
	}
	l.run(t, "chat", &res)
	t.Logf("chat: %+v", res)
	checks := []struct {
		name string
		ok   bool
	}{
		{name: "ada's conversation is with Bob", ok: res.AdaHeading == "Conversation with Bob"},
		{name: "bob sees one unread message from Ada", ok: res.BobRoom == "Ada (1 unread)"},
		{name: "bob reads ada's message", ok: slices.Equal(res.BobMessages, []string{"Ada: Hello Bob, lunch at 12?"})},
		{name: "bob sees ada typing", ok: res.BobTyping == "Ada is typing…"},
		{name: "ada gets bob's answer", ok: len(res.AdaMessages) == 2 && strings.HasPrefix(res.AdaMessages[1], "Bob: Yes, see you there")},
		{name: "ada sees bob available", ok: res.AdaBefore == "Bob: Available"},
		{name: "ada sees bob's do not disturb live", ok: res.AdaSees == "Bob: Do not disturb: Board meeting"},
		{name: "and in the conversations", ok: res.AdaList == "— Do not disturb: Board meeting"},
		{name: "axe ran in every state", ok: len(res.A11y) >= 6},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: %+v", c.name, res)
		}
	}
}
