package smtp

// SetPipelining turns the use of PIPELINING off (or back on) for p's
// next connections, so that the tests cover the transaction sent one
// command at a time against servers that all offer it.
func SetPipelining(p *Provider, on bool) { p.noPipelining = !on }
