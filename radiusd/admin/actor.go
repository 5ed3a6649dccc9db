package admin

import (
	"context"
	"os/user"
	"strconv"
)

// Actor is the operating-system user on whose behalf an action runs, as
// the audit line names it.
type Actor struct {
	// Name is the user name (os_user=): the name of UID, or the sudo
	// caller when root runs a command through sudo.
	Name string
	// UID is the numeric user id the kernel vouches for (the socket peer,
	// or the process for a local command).
	UID int
}

type actorKey struct{}

// WithActor returns ctx carrying a, for the audit lines of the actions
// run with it.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor ctx carries; ok is false when there is none.
func ActorFrom(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok
}

// ActorFor names uid. When sudoUser (the SUDO_USER the caller reports)
// is set, the actor is the sudo caller: the audit line is about the
// person who asked, and only root and the daemon's own user are let in
// (Server), who could claim any name anyway; UID stays what the kernel
// says. A uid without a name in the user database is "uid=N".
func ActorFor(uid int, sudoUser string) Actor {
	if sudoUser != "" {
		return Actor{Name: sudoUser, UID: uid}
	}
	name := "uid=" + strconv.Itoa(uid)
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil && u.Username != "" {
		name = u.Username
	}
	return Actor{Name: name, UID: uid}
}
