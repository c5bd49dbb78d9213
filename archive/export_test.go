package archive

// WaitSettled waits until every blob handed to Put is durable under its
// name, as a run killed a while after its last Put leaves them.
func WaitSettled(w *Writer) { w.settled.Wait() }
