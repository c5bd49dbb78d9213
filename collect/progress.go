package collect

import "github.com/custodyhq/custody/schemas"

// Progress is told what a run does, for display. Implementations must be
// safe for concurrent use.
type Progress interface {
	AddUnits(n int)
	UnitDone()
	Gap()
	Evidence(source string)
	Call(a schemas.Acquisition)
}

// NopProgress displays nothing.
type NopProgress struct{}

func (NopProgress) AddUnits(int)             {}
func (NopProgress) UnitDone()                {}
func (NopProgress) Gap()                     {}
func (NopProgress) Evidence(string)          {}
func (NopProgress) Call(schemas.Acquisition) {}
