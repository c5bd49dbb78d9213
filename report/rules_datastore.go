package report

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/custodyhq/custody/schemas"
)

var kbChangeSev = map[string]Severity{
	"CreateDataSource": Medium, "UpdateDataSource": Medium, "DeleteDataSource": High,
	"CreateKnowledgeBase": Medium, "UpdateKnowledgeBase": Medium, "DeleteKnowledgeBase": High,
}

var agentChangeSev = map[string]Severity{
	"CreateAgent": Medium, "UpdateAgent": Medium, "CreateAgentActionGroup": Medium, "UpdateAgentActionGroup": Medium,
	"AssociateAgentKnowledgeBase": Medium, "CreateAgentAlias": Low, "UpdateAgentAlias": Low, "AssociateAgentCollaborator": Medium,
}

var s3Writes = map[string]bool{
	"PutObject": true, "CopyObject": true, "CompleteMultipartUpload": true, "DeleteObject": true, "DeleteObjects": true,
	"PutObjectAcl": true, "RestoreObject": true,
}

// ingestionLag is how soon after a write to a knowledge-base bucket an
// ingestion job counts as ingesting that write.
const ingestionLag = 2 * time.Hour

func dataStoreRules() []Rule {
	return []Rule{
		{
			ID: "datastore.knowledge-base-changed", Title: "Knowledge base or data source created, changed or deleted",
			Element: ElementDataStore, Severity: High,
			Rationale:  "A data source pointed at another bucket, or a knowledge base deleted, changes what the AI retrieves and answers from.",
			References: []string{"https://docs.aws.amazon.com/bedrock/latest/userguide/knowledge-base.html"},
			Tables:     []string{schemas.TableCloudTrailEvents},
			Columns:    []string{"event_source", "event_name", "error_code"},
			Query:      ctSQL("event_source = 'bedrock.amazonaws.com' AND event_name IN (" + namesSQL(sortedKeys(kbChangeSev)...) + ")"),
			New:        eventRule(successful(bySeverity(kbChangeSev)), calls("created, changed or deleted knowledge bases or data sources")),
		},
		{
			ID: "datastore.agent-changed", Title: "Agent, action group or agent knowledge base created or changed",
			Element: ElementDataStore, Severity: Medium,
			Rationale:  "A new agent or action group gives the AI new tools; a knowledge base associated with an agent gives it new data.",
			References: []string{"https://docs.aws.amazon.com/bedrock/latest/userguide/agents-action-create.html"},
			Tables:     []string{schemas.TableCloudTrailEvents},
			Columns:    []string{"event_source", "event_name", "error_code"},
			Query:      ctSQL("event_source = 'bedrock.amazonaws.com' AND event_name IN (" + namesSQL(sortedKeys(agentChangeSev)...) + ")"),
			New:        eventRule(successful(bySeverity(agentChangeSev)), calls("created or changed agents, action groups or their knowledge bases")),
		},
		{
			ID: "datastore.knowledge-base-bucket-write", Title: "Writes to a knowledge-base bucket",
			Element: ElementDataStore, Severity: High,
			Rationale: "Knowledge-base poisoning is a write to the data source's bucket followed by ingestion. Object versions created in the " +
				"window are listed; S3 data events from a long-term key, or from an identity that had not written to the bucket in its first day, are unusual.",
			References: []string{"https://owasp.org/www-project-top-10-for-large-language-model-applications/", "https://atlas.mitre.org/techniques/AML.T0070"},
			Tables:     []string{schemas.TableObjects, schemas.TableCloudTrailEvents},
			Columns:    []string{"event_source", "event_name", "error_code", "request_parameters", "access_key_id"},
			Query: tableSQL(schemas.TableObjects, "account, region, bucket, key, version_id, last_modified, sha256",
				"last_modified BETWEEN $since AND $until") + "; " +
				ctSQL("event_source = 's3.amazonaws.com' AND event_name IN ('PutObject', 'CopyObject', 'CompleteMultipartUpload', 'DeleteObject', 'DeleteObjects') "+
					"AND json_extract_string(request_parameters, '$.bucketName') IN (SELECT DISTINCT bucket FROM objects)"),
			New: func() Detector { return &kbWrites{buckets: map[string]*bucketWrites{}} },
		},
		{
			ID: "datastore.ingestion-after-write", Title: "Knowledge-base ingestion right after bucket writes",
			Element: ElementDataStore, Severity: High,
			Rationale: "An ingestion job that starts within two hours of writes to the knowledge base's bucket puts those writes in front of the model. " +
				"Ingestion with no write in evidence is listed at low severity, or medium from a long-term key.",
			References: []string{"https://docs.aws.amazon.com/bedrock/latest/userguide/kb-data-source-sync-ingest.html"},
			Tables:     []string{schemas.TableObjects, schemas.TableCloudTrailEvents},
			Columns:    []string{"event_source", "event_name", "error_code", "request_parameters", "access_key_id"},
			Query:      ctSQL("event_name = 'StartIngestionJob'") + " -- joined with objects.last_modified and S3 write events in the 2 h before",
			New:        func() Detector { return &ingestAfterWrite{} },
		},
		{
			ID: "datastore.instructions-in-documents", Title: "Instructions to the model in knowledge-base documents",
			Element: ElementDataStore, Severity: High,
			Rationale: "A poisoned document speaks to the model rather than to the reader: it claims to supersede other policies, tells the assistant " +
				"what it must do, asks for card numbers or credentials, or carries the prompt-injection markers of a user's prompt. Retrieval then puts " +
				"it in the model's context. Document versions written in the window are read from their blobs (up to 1 MiB each).",
			References: []string{"https://genai.owasp.org/llmrisk/llm042025-data-and-model-poisoning/", "https://atlas.mitre.org/techniques/AML.T0051.001"},
			Tables:     []string{schemas.TableObjects},
			Query: tableSQL(schemas.TableObjects, "account, region, bucket, key, version_id, last_modified, blob_sha256",
				"last_modified BETWEEN $since AND $until") + " -- each blob, read from blobs/sha256/<aa>/<sha256> (zstd-decompressed when stored as <sha256>.zst), searched for the markers",
			New: func() Detector { return &poisoned{found: map[string][]string{}} },
		},
	}
}

// maxDocument is the largest document version the poisoning rule reads.
const maxDocument = 1 << 20

var documentMarkers = append([]marker{
	{name: "claims to supersede other instructions", re: regexp.MustCompile(`(?i)\b(these|this|the following)\s+(instructions?|rules?|polic(y|ies))\s+(supersedes?|overrides?|takes? precedence over|replaces?)\b`)},
	{name: "tells the assistant what it must do", re: regexp.MustCompile(`(?i)\bthe\s+(assistant|model|ai|agent|bot|chatbot)\s+(must|shall|should always|is required to|needs to)\b`)},
	{name: "asks for card numbers or credentials", re: regexp.MustCompile(`(?i)\b(ask|request|collect|obtain)\b.{0,40}\b(full\s+card\s+number|card\s+number|cvv|security\s+code|password|credentials|social\s+security)`)},
	{name: "forbids escalation or disclosure", re: regexp.MustCompile(`(?i)\bdo\s+not\s+(escalate|tell|inform|mention|notify|report)\b`)},
}, injectionMarkers...)

// poisoned reads document versions written in the window and looks for
// instructions to the model.
type poisoned struct {
	gs    groups
	found map[string][]string
	errs  int
}

func (d *poisoned) Observe(c *Context, r *Record) {
	o := r.Object
	if o == nil || c.blobs == nil || o.BlobSHA256 == nil || o.DeleteMarker || o.Size > maxDocument || !inWindow(c.Window, o.LastModified) {
		return
	}
	rc, err := c.blobs.OpenBlob(*o.BlobSHA256)
	if err != nil {
		d.errs++
		return
	}
	b, err := io.ReadAll(io.LimitReader(rc, maxDocument))
	rc.Close()
	if err != nil {
		d.errs++
		return
	}
	hits := matchMarkers(documentMarkers, string(b))
	if len(hits) == 0 {
		return
	}
	k := o.Bucket
	d.gs.get(k).add(r, o.LastModified, "")
	if !d.gs.tracked(k) {
		return
	}
	k = own(k) // a map assignment stores its key
	for _, h := range hits {
		d.found[k] = addName(d.found[k], h)
	}
}

func (d *poisoned) limits() []string { return d.gs.limits() }

func (d *poisoned) Findings(c *Context) []Finding {
	var out []Finding
	for _, b := range d.gs.sorted() {
		g := d.gs.m[b]
		var keys []string
		for _, p := range g.evidence {
			k := strings.TrimPrefix(p.Value, "s3://"+b+"/")
			if i := strings.LastIndex(k, "?versionId="); i >= 0 {
				k = k[:i]
			}
			keys = addName(keys, k)
		}
		out = append(out, g.finding(High, fmt.Sprintf("%s of %s %s written %s speak to the model: %s (%s).",
			plural(g.count, "document version", "document versions"), c.bucketKind(b), b, span(g.first, g.last), strings.Join(d.found[b], ", "), list(keys, 4))))
	}
	return out
}

// sortedKeys returns a map's keys in order.
func sortedKeys[K cmp.Ordered, V any](m map[K]V) []K {
	return slices.Sorted(maps.Keys(m))
}

func bySeverity(m map[string]Severity) func(*Context, *schemas.CloudTrailEvent) (Severity, bool) {
	return func(_ *Context, ev *schemas.CloudTrailEvent) (Severity, bool) {
		if ev.EventSource != bedrockSrc {
			return 0, false
		}
		s, ok := m[ev.EventName]
		return s, ok
	}
}

// s3Write returns the bucket of an S3 write data event, or "".
func s3Write(ev *schemas.CloudTrailEvent) string {
	if ev.EventSource != "s3.amazonaws.com" || !s3Writes[ev.EventName] || failed(ev) {
		return ""
	}
	return jsonField(ev.RequestParameters, "bucketName")
}

type bucketWrites struct {
	objects   group                // new object versions in the window
	writers   map[string]*group    // identity -> S3 write events
	firstByID map[string]time.Time // identity -> first write
	long      map[string]bool      // identity used a long-term key
	first     time.Time            // first write by anyone
}

type kbWrites struct{ buckets map[string]*bucketWrites }

func (d *kbWrites) bucket(b string) *bucketWrites {
	bw := d.buckets[b]
	if bw == nil {
		b = own(b)
		bw = &bucketWrites{writers: map[string]*group{}, firstByID: map[string]time.Time{}, long: map[string]bool{}}
		d.buckets[b] = bw
	}
	return bw
}

func inWindow(w Window, t time.Time) bool {
	if t.IsZero() {
		return false
	}
	return (w.Since.IsZero() || !t.Before(w.Since)) && (w.Until.IsZero() || !t.After(w.Until))
}

func (d *kbWrites) Observe(c *Context, r *Record) {
	switch {
	case r.Object != nil:
		if inWindow(c.Window, r.Object.LastModified) {
			d.bucket(r.Object.Bucket).objects.add(r, r.Object.LastModified, "")
		}
	case r.Event != nil:
		b := s3Write(r.Event)
		if b == "" || !c.KnowledgeBaseBucket(b) {
			return
		}
		bw := d.bucket(b)
		id := identity(r.Event)
		g := bw.writers[id]
		if g == nil {
			if len(bw.writers) >= 1000 {
				return
			}
			id = own(id)
			g = &group{}
			bw.writers[id] = g
		}
		g.add(r, r.Event.EventTime, id)
		id = own(id) // the maps below store their key on every assignment
		t := r.Event.EventTime
		if f, ok := bw.firstByID[id]; !ok || t.Before(f) {
			bw.firstByID[id] = t
		}
		if bw.first.IsZero() || t.Before(bw.first) {
			bw.first = t
		}
		bw.long[id] = bw.long[id] || longTerm(r.Event)
	}
}

func (d *kbWrites) Findings(c *Context) []Finding {
	var out []Finding
	for _, b := range sortedKeys(d.buckets) {
		bw := d.buckets[b]
		if bw.objects.count > 0 {
			g := bw.objects
			out = append(out, g.finding(Medium, fmt.Sprintf("%s of %s %s were written %s; their content is preserved as blobs.",
				plural(g.count, "object version", "object versions"), c.bucketKind(b), b, span(g.first, g.last))))
		}
		for _, id := range sortedKeys(bw.writers) {
			g := bw.writers[id]
			unusual := bw.long[id] || bw.firstByID[id].Sub(bw.first) >= baseline
			if !unusual {
				continue
			}
			sev, why := Medium, "had not written to it in the bucket's first day of writes"
			if bw.long[id] {
				sev, why = High, "used a long-term access key"
			}
			out = append(out, g.finding(sev, fmt.Sprintf("%s wrote to %s %s (%s) %s; the identity %s.",
				shortARN(id), c.bucketKind(b), b, plural(g.count, "write", "writes"), span(g.first, g.last), why)))
		}
	}
	return out
}

// ingestAfterWrite keeps ingestion starts and the times of writes to
// knowledge-base buckets, by account, as minute sets.
type ingestAfterWrite struct {
	ingest groups                   // identity -> StartIngestionJob events
	long   map[string]bool          // identity used a long-term key
	writes map[string]map[int64]ref // account -> minute -> first write
}

func (d *ingestAfterWrite) write(acct string, t time.Time, r *Record) {
	if d.writes == nil {
		d.writes = map[string]map[int64]ref{}
	}
	m := d.writes[acct]
	if m == nil {
		m = map[int64]ref{}
		d.writes[acct] = m
	}
	k := t.Unix() / 60
	if _, ok := m[k]; !ok {
		m[k] = r.ref()
	}
}

func (d *ingestAfterWrite) Observe(c *Context, r *Record) {
	switch {
	case r.Object != nil:
		if inWindow(c.Window, r.Object.LastModified) && c.bucketKind(r.Object.Bucket) != "training-data bucket" {
			d.write(r.Partition.Account, r.Object.LastModified, r)
		}
	case r.Event != nil:
		if b := s3Write(r.Event); b != "" && c.KnowledgeBaseBucket(b) {
			d.write(r.Partition.Account, r.Event.EventTime, r)
			return
		}
		if r.Event.EventName != "StartIngestionJob" || failed(r.Event) {
			return
		}
		id := identity(r.Event)
		d.ingest.get(id).add(r, r.Event.EventTime, id)
		if !d.ingest.tracked(id) {
			return
		}
		if d.long == nil {
			d.long = map[string]bool{}
		}
		if lt := longTerm(r.Event); lt && !d.long[id] {
			d.long[own(id)] = true
		} else if _, ok := d.long[id]; !ok {
			d.long[own(id)] = lt
		}
	}
}

func (d *ingestAfterWrite) limits() []string { return d.ingest.limits() }

func (d *ingestAfterWrite) Findings(*Context) []Finding {
	var out []Finding
	for _, id := range d.ingest.sorted() {
		g := d.ingest.m[id]
		// Writes in the lag before any of the identity's ingestion starts.
		var w group
		counted := map[string]bool{}
		for _, p := range g.evidence {
			acct, _, _ := strings.Cut(strings.TrimPrefix(p.Partition, "account="), "/")
			end := p.Time.Unix() / 60
			for k := end - int64(ingestionLag/time.Minute); k <= end; k++ {
				if r, ok := d.writes[acct][k]; ok && !counted[fmt.Sprint(acct, k)] {
					counted[fmt.Sprint(acct, k)] = true
					w.addRef(r, r.ptr.Time, "")
				}
			}
		}
		if w.count > 0 {
			all := *g
			all.evidence = slices.Clone(g.evidence)
			all.merge(&w)
			out = append(out, all.finding(High, fmt.Sprintf("%s started %s %s, within %s after %s to knowledge-base buckets.",
				shortARN(id), plural(g.count, "ingestion job", "ingestion jobs"), span(g.first, g.last), hours(ingestionLag),
				plural(w.count, "write", "writes"))))
			continue
		}
		sev := Low
		if d.long[id] {
			sev = Medium
		}
		out = append(out, g.finding(sev, fmt.Sprintf("%s started %s %s; no write to a knowledge-base bucket is in evidence in the %s before.",
			shortARN(id), plural(g.count, "ingestion job", "ingestion jobs"), span(g.first, g.last), hours(ingestionLag))))
	}
	return out
}

// hours writes a whole number of hours for a sentence.
func hours(d time.Duration) string { return plural(int64(d/time.Hour), "hour", "hours") }
