package generate

// UpdateGolden is the -update flag, shared by the package's internal and
// external tests (a flag can be defined once per test binary).
var UpdateGolden = updatePrompts
