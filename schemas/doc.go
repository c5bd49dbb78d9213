// Package schemas is the shared vocabulary of custody: evidence kinds, the
// record types that flow from collectors to the bundle writer, the Arrow
// schemas of the bundle's tables, and media types. It imports nothing of
// custody's own; collect, archive and verify all import it.
//
// The on-disk format is specified in BUNDLE.md beside this file.
package schemas
