package steps

// Steps whose API is not in a build yet are registered here with
// scenarios.RegisterPending, so that scenarios using them still parse and
// list; a real step of the same name replaces its placeholder. None is
// pending now.
