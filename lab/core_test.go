package lab

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/account"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

func TestSTSIdentityAndAssumeRole(t *testing.T) {
	s, url := startLab(t, Options{NoQuotas: true})
	ctx := context.Background()
	r := s.Responder()
	if r.Account != ManagementAccount || r.ARN != "arn:aws:iam::"+ManagementAccount+":user/ir-responder" || r.AccessKeyID[:4] != "AKIA" {
		t.Fatalf("responder = %+v", r)
	}
	st := sts.NewFromConfig(sdkConfig(url, r, "us-east-1", false))
	id, err := st.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(id.Account) != r.Account || aws.ToString(id.Arn) != r.ARN || aws.ToString(id.UserId) == "" {
		t.Fatalf("identity = %+v", id)
	}

	roleARN := "arn:aws:iam::" + ProdAccount + ":role/OrganizationAccountAccessRole"
	out, err := st.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("custody-ir")})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	if c == nil || aws.ToString(c.AccessKeyId)[:4] != "ASIA" || aws.ToString(c.SessionToken) == "" || c.Expiration.Before(time.Now()) {
		t.Fatalf("credentials = %+v", c)
	}
	wantARN := "arn:aws:sts::" + ProdAccount + ":assumed-role/OrganizationAccountAccessRole/custody-ir"
	if aws.ToString(out.AssumedRoleUser.Arn) != wantARN || aws.ToString(out.AssumedRoleUser.AssumedRoleId) == "" {
		t.Fatalf("assumed role user = %+v", out.AssumedRoleUser)
	}
	member := Credentials{AccessKeyID: *c.AccessKeyId, SecretAccessKey: *c.SecretAccessKey, SessionToken: *c.SessionToken}
	mid, err := sts.NewFromConfig(sdkConfig(url, member, "us-west-2", false)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(mid.Account) != ProdAccount || aws.ToString(mid.Arn) != wantARN {
		t.Fatalf("member identity = %+v", mid)
	}

	// A role the account does not have, and an unknown key.
	_, err = st.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + ProdAccount + ":role/NoSuchRole"), RoleSessionName: aws.String("x1")})
	wantCode(t, err, "AccessDenied")
	bad := Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "x"}
	_, err = sts.NewFromConfig(sdkConfig(url, bad, "us-east-1", false)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantCode(t, err, "InvalidClientTokenId")
	// The temporary key without its token.
	member.SessionToken = ""
	_, err = sts.NewFromConfig(sdkConfig(url, member, "us-east-1", false)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantCode(t, err, "InvalidClientTokenId")
}

// wantCode fails unless err is an AWS API error with the code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error = %v, want API error %s", err, code)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("error code = %s (%v), want %s", ae.ErrorCode(), err, code)
	}
}

func TestOrganizationsListAccountsPaged(t *testing.T) {
	t.Parallel()
	sc := builtinScale()
	s, url := startLab(t, Options{Scenario: sc, NoQuotas: true})
	org := organizations.NewFromConfig(sdkConfig(url, s.Responder(), "us-east-1", false))
	var ids []string
	pages := 0
	p := organizations.NewListAccountsPaginator(org, &organizations.ListAccountsInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, a := range out.Accounts {
			if aws.ToString(a.Arn) == "" || aws.ToString(a.Email) == "" || aws.ToString(a.Name) == "" || a.Status == "" || a.State == "" || a.JoinedMethod == "" || a.JoinedTimestamp == nil || a.JoinedTimestamp.IsZero() {
				t.Fatalf("account lacks fields: %+v", a)
			}
			ids = append(ids, aws.ToString(a.Id))
		}
	}
	if pages < 2 || !slices.Equal(ids, sc.Accounts()) {
		t.Fatalf("%d pages, ids %v, want %v", pages, ids, sc.Accounts())
	}
}

func TestAccountListRegions(t *testing.T) {
	s, url := startLab(t, Options{NoQuotas: true})
	cfg, rec := memberConfig(t, s, url, ManagementAccount, "us-east-1")
	cl := account.NewFromConfig(cfg)
	var enabled []string
	p := account.NewListRegionsPaginator(cl, &account.ListRegionsInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		arrived(t, "ListRegions", rec.body(), out)
		for _, r := range out.Regions {
			if r.RegionOptStatus == "ENABLED" || r.RegionOptStatus == "ENABLED_BY_DEFAULT" {
				enabled = append(enabled, aws.ToString(r.RegionName))
			}
		}
	}
	if len(enabled) != 17 || !slices.Contains(enabled, "eu-west-1") {
		t.Fatalf("enabled regions = %v", enabled)
	}
	// An opt-in region the account has not enabled refuses its credentials.
	_, err := sts.NewFromConfig(sdkConfig(url, s.Responder(), "af-south-1", false)).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	wantCode(t, err, "InvalidClientTokenId")
	_, err = cloudtrail.NewFromConfig(sdkConfig(url, s.Responder(), "me-south-1", false)).LookupEvents(context.Background(), &cloudtrail.LookupEventsInput{})
	wantCode(t, err, "UnrecognizedClientException")
	// The management account may ask about a member.
	st, err := cl.GetRegionOptStatus(context.Background(), &account.GetRegionOptStatusInput{AccountId: aws.String(ProdAccount), RegionName: aws.String("af-south-1")})
	if err != nil {
		t.Fatal(err)
	}
	arrived(t, "GetRegionOptStatus", rec.body(), st)
	if st.RegionOptStatus != "DISABLED" {
		t.Fatalf("af-south-1 = %s", st.RegionOptStatus)
	}
}

func TestLookupEventsPagingMatchesScenario(t *testing.T) {
	s, url := startLab(t, Options{NoQuotas: true})
	sc := s.Scenario()
	ct := cloudtrail.NewFromConfig(sdkConfig(url, s.Responder(), "us-east-1", false))
	since, until := sc.Window()
	// A window inside the scenario, cut at odd seconds.
	since, until = since.Add(37*time.Hour+13*time.Second), until.Add(-29*time.Hour-7*time.Second)
	want := sc.EventIDs(ManagementAccount, "us-east-1", since, until)
	if len(want) < 200 {
		t.Fatalf("window too small: %d events", len(want))
	}
	var got []string
	seen := map[string]bool{}
	p := cloudtrail.NewLookupEventsPaginator(ct, &cloudtrail.LookupEventsInput{StartTime: &since, EndTime: &until, MaxResults: aws.Int32(50)})
	var last time.Time
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Events) > 50 {
			t.Fatalf("page of %d events", len(out.Events))
		}
		for _, e := range out.Events {
			id := aws.ToString(e.EventId)
			if seen[id] {
				t.Fatalf("event %s returned twice", id)
			}
			seen[id] = true
			got = append(got, id)
			if !last.IsZero() && e.EventTime.After(last) {
				t.Fatalf("events not newest first at %s", id)
			}
			last = *e.EventTime
			if aws.ToString(e.CloudTrailEvent) == "" || aws.ToString(e.EventName) == "" || aws.ToString(e.EventSource) == "" || aws.ToString(e.ReadOnly) == "" {
				t.Fatalf("event lacks fields: %+v", e)
			}
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got %d events, want %d (same order)", len(got), len(want))
	}

	// One attribute filter.
	out, err := ct.LookupEvents(context.Background(), &cloudtrail.LookupEventsInput{
		LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String("ListAccounts")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range out.Events {
		if aws.ToString(e.EventName) != "ListAccounts" {
			t.Fatalf("filter returned %s", aws.ToString(e.EventName))
		}
	}
	if len(out.Events) == 0 {
		t.Fatal("filter returned nothing")
	}
}

func TestLookupEventsThrottled(t *testing.T) {
	s, url := startLab(t, Options{})
	ct := cloudtrail.NewFromConfig(sdkConfig(url, s.Responder(), "eu-west-1", false))
	var throttled error
	for range 20 {
		_, err := ct.LookupEvents(context.Background(), &cloudtrail.LookupEventsInput{MaxResults: aws.Int32(1)})
		if err != nil {
			throttled = err
			break
		}
	}
	if throttled == nil {
		t.Fatal("20 back-to-back LookupEvents were not throttled")
	}
	wantCode(t, throttled, "ThrottlingException")
	var re interface{ HTTPStatusCode() int }
	if !errors.As(throttled, &re) || re.HTTPStatusCode() != 400 {
		t.Fatalf("throttling status: %v", throttled)
	}
	// Another region has its own bucket.
	ct2 := cloudtrail.NewFromConfig(sdkConfig(url, s.Responder(), "us-west-2", false))
	if _, err := ct2.LookupEvents(context.Background(), &cloudtrail.LookupEventsInput{MaxResults: aws.Int32(1)}); err != nil {
		t.Fatalf("other region throttled too: %v", err)
	}
	// The bucket refills at 2 a second.
	time.Sleep(600 * time.Millisecond)
	if _, err := ct.LookupEvents(context.Background(), &cloudtrail.LookupEventsInput{MaxResults: aws.Int32(1)}); err != nil {
		t.Fatalf("still throttled after refill: %v", err)
	}
}

func TestTrailDescriptions(t *testing.T) {
	s, url := startLab(t, Options{NoQuotas: true})
	ctx := context.Background()
	ct := cloudtrail.NewFromConfig(sdkConfig(url, s.Responder(), "us-west-2", false))
	d, err := ct.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.TrailList) != 1 {
		t.Fatalf("trails = %+v", d.TrailList)
	}
	tr := d.TrailList[0]
	if aws.ToString(tr.Name) != "org-trail" || aws.ToString(tr.HomeRegion) != "us-east-1" || !aws.ToBool(tr.IsMultiRegionTrail) ||
		!aws.ToBool(tr.IsOrganizationTrail) || !aws.ToBool(tr.LogFileValidationEnabled) || aws.ToString(tr.S3BucketName) == "" ||
		aws.ToString(tr.TrailARN) == "" || aws.ToString(tr.KmsKeyId) == "" || !aws.ToBool(tr.HasCustomEventSelectors) || !aws.ToBool(tr.IncludeGlobalServiceEvents) {
		t.Fatalf("trail = %+v", tr)
	}
	st, err := ct.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: tr.TrailARN})
	if err != nil {
		t.Fatal(err)
	}
	if !aws.ToBool(st.IsLogging) || st.StartLoggingTime == nil || st.LatestDeliveryTime == nil {
		t.Fatalf("status = %+v", st)
	}
	sel, err := ct.GetEventSelectors(ctx, &cloudtrail.GetEventSelectorsInput{TrailName: tr.Name})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(sel.TrailARN) != aws.ToString(tr.TrailARN) || len(sel.EventSelectors) != 1 || len(sel.EventSelectors[0].DataResources) != 1 ||
		len(sel.EventSelectors[0].DataResources[0].Values) != 1 || sel.EventSelectors[0].ReadWriteType != "All" || !aws.ToBool(sel.EventSelectors[0].IncludeManagementEvents) {
		t.Fatalf("selectors = %+v", sel)
	}
	keys, err := ct.ListPublicKeys(ctx, &cloudtrail.ListPublicKeysInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(keys.PublicKeyList) != 1 || len(keys.PublicKeyList[0].Value) < 200 || aws.ToString(keys.PublicKeyList[0].Fingerprint) == "" ||
		keys.PublicKeyList[0].ValidityStartTime == nil || keys.PublicKeyList[0].ValidityEndTime == nil {
		t.Fatalf("public keys = %+v", keys.PublicKeyList)
	}
	_, err = ct.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String("nope")})
	wantCode(t, err, "TrailNotFoundException")
}
