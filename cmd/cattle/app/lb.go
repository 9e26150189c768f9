package app

func lbCommand() *command {
	return &command{name: "lb", summary: "load balancers, their targets and stats", subs: []*command{}}
}
