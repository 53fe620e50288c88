package planner

import (
	"github.com/rotor-dev/rotor/internal/catalog"
)

// Data reach values (the catalogue's).
const (
	reachMoney    = catalog.ReachMoney
	reachInfra    = catalog.ReachInfra
	reachPersonal = catalog.ReachPersonal
	reachCode     = catalog.ReachCode
	reachService  = catalog.ReachService
)
