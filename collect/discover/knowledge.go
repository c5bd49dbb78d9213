package discover

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagent"

	"github.com/custodyhq/custody/collect"
)

// knowledgeBases finds each knowledge base's role and the S3 locations of
// its data sources: the bucket and every inclusion prefix, or the whole
// bucket when there are none.
func knowledgeBases(ctx context.Context, api AgentsAPI, t collect.Target, f *Found) error {
	var ids []string
	p := bedrockagent.NewListKnowledgeBasesPaginator(api, &bedrockagent.ListKnowledgeBasesInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("discover: list knowledge bases %s/%s: %w", t.Account, t.Region, err)
		}
		for _, kb := range page.KnowledgeBaseSummaries {
			ids = append(ids, aws.ToString(kb.KnowledgeBaseId))
		}
	}
	for _, id := range ids {
		out, err := api.GetKnowledgeBase(ctx, &bedrockagent.GetKnowledgeBaseInput{KnowledgeBaseId: aws.String(id)})
		if err != nil {
			return fmt.Errorf("discover: get knowledge base %s: %w", id, err)
		}
		kbARN := fmt.Sprintf("arn:aws:bedrock:%s:%s:knowledge-base/%s", t.Region, t.Account, id)
		if kb := out.KnowledgeBase; kb != nil {
			kbARN = aws.ToString(kb.KnowledgeBaseArn)
			if r := aws.ToString(kb.RoleArn); r != "" {
				f.Roles = append(f.Roles, Role{ARN: r, LedBy: kbARN})
			}
		}
		if err := dataSources(ctx, api, id, kbARN, f); err != nil {
			return err
		}
	}
	return nil
}

// DataSourceARN names a data source under its knowledge base's ARN: AWS
// gives data sources no ARN of their own.
func DataSourceARN(kbARN, id string) string { return kbARN + "/data-source/" + id }

func dataSources(ctx context.Context, api AgentsAPI, kb, kbARN string, f *Found) error {
	var ids []string
	p := bedrockagent.NewListDataSourcesPaginator(api, &bedrockagent.ListDataSourcesInput{KnowledgeBaseId: aws.String(kb)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("discover: list data sources of knowledge base %s: %w", kb, err)
		}
		for _, ds := range page.DataSourceSummaries {
			ids = append(ids, aws.ToString(ds.DataSourceId))
		}
	}
	for _, id := range ids {
		out, err := api.GetDataSource(ctx, &bedrockagent.GetDataSourceInput{KnowledgeBaseId: aws.String(kb), DataSourceId: aws.String(id)})
		if err != nil {
			return fmt.Errorf("discover: get data source %s of knowledge base %s: %w", id, kb, err)
		}
		if out.DataSource == nil || out.DataSource.DataSourceConfiguration == nil || out.DataSource.DataSourceConfiguration.S3Configuration == nil {
			continue
		}
		s3c := out.DataSource.DataSourceConfiguration.S3Configuration
		bucket, ok := BucketOfARN(aws.ToString(s3c.BucketArn))
		if !ok {
			continue
		}
		led := DataSourceARN(kbARN, id)
		prefixes := s3c.InclusionPrefixes
		if len(prefixes) == 0 {
			prefixes = []string{""}
		}
		for _, pre := range prefixes {
			f.Locations = append(f.Locations, Location{Owner: aws.ToString(s3c.BucketOwnerAccountId), Bucket: bucket, Prefix: pre, LedBy: led})
		}
	}
	return nil
}
