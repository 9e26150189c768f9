// Package lbheader names the headers the load balancer adds to what it
// forwards. It imports nothing, so a client of the load balancer (the
// scenario load generator) can read them without the engine.
package lbheader

// Target names, in every response a target served or failed, the target
// that served it.
const Target = "X-Cattle-Target"
