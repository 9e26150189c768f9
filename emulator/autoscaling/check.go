package autoscaling

// The checks the API makes, for callers that check before there is a
// service to ask: a scenario file is refused at check time for what the
// API would refuse at run time, by the same code.

// ValidateCapacity applies AWS's rule min <= desired <= max, within the
// size a group may have, as CreateGroup and ScaleGroup do.
func ValidateCapacity(min, desired, max int) error { return validateCapacity(min, desired, max) }

// ValidateMaxHealthy checks a group's max healthy percentage, as
// CreateGroup does.
func ValidateMaxHealthy(p int) error { return validateMaxHealthy(p) }

// CheckRefresh checks a refresh's preferences as StartRefresh does, on a
// group whose max healthy percentage is maxHealthy (0: the default, 100).
func CheckRefresh(maxHealthy int, spec RefreshSpec) error {
	if maxHealthy == 0 {
		maxHealthy = 100
	}
	_, err := (&Service{}).preferences(Group{MaxHealthyPercentage: maxHealthy}, spec)
	return err
}
