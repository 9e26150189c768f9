package app

func groupsCommand() *command {
	return &command{name: "groups", summary: "auto scaling groups, instance refresh and rollback", subs: []*command{}}
}
