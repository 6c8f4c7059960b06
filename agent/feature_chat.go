package agent

import (
	"context"
	"fmt"

	"github.com/pbxagent/pbxagent/agent/chat"
	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/agent/users"
	"github.com/pbxagent/pbxagent/internal/clock"
)

// chatNamespace is the store namespace of the chat.
const chatNamespace = "chat"

// chatFeature is the users' chat (docs/chat.md): rooms and messages in
// the store, events on the socket, SIP MESSAGEs to desk phones through
// ARI when chat.sip_messages is on.
type chatFeature struct {
	svc *chat.Service
	h   *chat.Handler
}

func newChat(b *build) (platform.Component, error) {
	if b.d.users == nil {
		return nil, nil // chat is between users
	}
	kv := historyKV{RangeKV: b.store.MetaRange(chatNamespace), batch: b.store.MetaBatch(chatNamespace)}
	opts := []chat.Option{chat.WithLogger(b.logger("chat")), chat.WithClock(clock.Real{})}
	if b.d.events != nil {
		opts = append(opts, chat.WithPublisher(b.d.events))
	}
	if b.cfg.Chat.SIPMessages && b.d.ari != nil && b.d.sockets != nil {
		opts = append(opts, chat.WithSIP(b.d.ari.Endpoints(), b.d.sockets))
	} else if b.cfg.Chat.SIPMessages {
		b.logger("chat").Warn("chat.sip_messages is on but there is no ARI connection (ari.url): no SIP MESSAGEs are sent")
	}
	svc, err := chat.New(kv, chatUsers{b.d.users}, b.cfg.Chat, opts...)
	if err != nil {
		return nil, fmt.Errorf("chat: %w", err)
	}
	return &chatFeature{svc: svc, h: chat.NewHandler(svc)}, nil
}

// Name implements platform.Component.
func (*chatFeature) Name() string { return "chat" }

// Routes implements platform.Router.
func (f *chatFeature) Routes() []platform.Route { return f.h.Routes() }

// Run prunes old messages (chat.retention) and sends the SIP MESSAGEs
// until ctx ends.
func (f *chatFeature) Run(ctx context.Context) error { return f.svc.Run(ctx) }

// chatUsers are the users who may chat.
type chatUsers struct{ users *users.Service }

// Person implements chat.Users.
func (u chatUsers) Person(_ context.Context, id string) (chat.Person, bool) {
	usr, ok := u.users.ByID(id)
	if !ok {
		return chat.Person{}, false
	}
	return chatPerson(usr), true
}

// People implements chat.Users.
func (u chatUsers) People(context.Context) []chat.Person {
	all := u.users.Enabled()
	out := make([]chat.Person, 0, len(all))
	for _, usr := range all {
		out = append(out, chatPerson(usr))
	}
	return out
}

func chatPerson(usr users.User) chat.Person {
	name := usr.DisplayName
	if name == "" {
		name = usr.Username
	}
	return chat.Person{ID: usr.ID, Username: usr.Username, Name: name, Extensions: usr.Extensions, Endpoints: usr.Devices.Endpoints}
}
