package app

func scenarioCommand() *command {
	return &command{name: "scenario", summary: "run scripted, checkable scenarios (start with: scenario run tour)", subs: []*command{}}
}
