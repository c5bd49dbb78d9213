package collect

// Progress is told what a run does, for display. Implementations must be
// safe for concurrent use.
type Progress interface {
	AddUnits(n int)
	UnitDone()
	Gap()
}

// NopProgress displays nothing.
type NopProgress struct{}

func (NopProgress) AddUnits(int) {}
func (NopProgress) UnitDone()    {}
func (NopProgress) Gap()         {}
