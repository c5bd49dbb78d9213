package bedrockagents

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagent"

	"github.com/custodyhq/custody/collect/discover"
	"github.com/custodyhq/custody/collect/internal/snapshot"
	"github.com/custodyhq/custody/schemas"
)

// knowledgeBases snapshots every knowledge base, each of its data sources,
// and each data source's ingestion jobs with their statistics.
func (s *snap) knowledgeBases(ctx context.Context) error {
	var ids []string
	p := bedrockagent.NewListKnowledgeBasesPaginator(s.api, &bedrockagent.ListKnowledgeBasesInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("bedrockagents: list knowledge bases %s/%s: %w", s.u.Target.Account, s.u.Target.Region, err)
		}
		for _, kb := range page.KnowledgeBaseSummaries {
			ids = append(ids, aws.ToString(kb.KnowledgeBaseId))
		}
	}
	for _, id := range ids {
		out, err := s.api.GetKnowledgeBase(ctx, &bedrockagent.GetKnowledgeBaseInput{KnowledgeBaseId: aws.String(id)})
		if err != nil {
			return fmt.Errorf("bedrockagents: get knowledge base %s: %w", id, err)
		}
		kb := out.KnowledgeBase
		if kb == nil {
			return fmt.Errorf("bedrockagents: get knowledge base %s: response has no knowledge base", id)
		}
		arn := aws.ToString(kb.KnowledgeBaseArn)
		row := &schemas.Resource{
			Kind: schemas.KindKnowledgeBase, ARN: arn, ID: id, Name: aws.ToString(kb.Name), Status: string(kb.Status),
			CreatedAt: aws.ToTime(kb.CreatedAt).UTC(), UpdatedAt: aws.ToTime(kb.UpdatedAt).UTC(),
		}
		norm := map[string]any{
			"role_arn": kb.RoleArn, "description": kb.Description, "configuration": kb.KnowledgeBaseConfiguration,
			"storage": kb.StorageConfiguration, "failure_reasons": kb.FailureReasons,
		}
		if err := s.put(ctx, row, norm, snapshot.Call{Operation: "GetKnowledgeBase", Metadata: out.ResultMetadata}); err != nil {
			return err
		}
		if err := s.dataSources(ctx, id, arn); err != nil {
			return err
		}
	}
	return nil
}

func (s *snap) dataSources(ctx context.Context, kb, kbARN string) error {
	var ids []string
	p := bedrockagent.NewListDataSourcesPaginator(s.api, &bedrockagent.ListDataSourcesInput{KnowledgeBaseId: aws.String(kb)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("bedrockagents: list data sources of knowledge base %s: %w", kb, err)
		}
		for _, ds := range page.DataSourceSummaries {
			ids = append(ids, aws.ToString(ds.DataSourceId))
		}
	}
	for _, id := range ids {
		out, err := s.api.GetDataSource(ctx, &bedrockagent.GetDataSourceInput{KnowledgeBaseId: aws.String(kb), DataSourceId: aws.String(id)})
		if err != nil {
			return fmt.Errorf("bedrockagents: get data source %s of knowledge base %s: %w", id, kb, err)
		}
		ds := out.DataSource
		if ds == nil {
			return fmt.Errorf("bedrockagents: get data source %s of knowledge base %s: response has no data source", id, kb)
		}
		arn := discover.DataSourceARN(kbARN, id)
		row := &schemas.Resource{
			Kind: schemas.KindDataSource, ARN: arn, ID: id, Name: aws.ToString(ds.Name), Status: string(ds.Status),
			CreatedAt: aws.ToTime(ds.CreatedAt).UTC(), UpdatedAt: aws.ToTime(ds.UpdatedAt).UTC(),
		}
		norm := map[string]any{
			"knowledge_base_id": kb, "description": ds.Description, "deletion_policy": ds.DataDeletionPolicy,
			"encryption": ds.ServerSideEncryptionConfiguration, "ingestion": ds.VectorIngestionConfiguration,
		}
		if c := ds.DataSourceConfiguration; c != nil {
			norm["type"] = c.Type
			if s3c := c.S3Configuration; s3c != nil {
				norm["bucket_arn"], norm["inclusion_prefixes"], norm["bucket_owner"] = s3c.BucketArn, s3c.InclusionPrefixes, s3c.BucketOwnerAccountId
			}
		}
		if err := s.put(ctx, row, norm, snapshot.Call{Operation: "GetDataSource", Metadata: out.ResultMetadata}); err != nil {
			return err
		}
		if err := s.ingestionJobs(ctx, kb, id, arn); err != nil {
			return err
		}
	}
	return nil
}

func (s *snap) ingestionJobs(ctx context.Context, kb, ds, dsARN string) error {
	var ids []string
	p := bedrockagent.NewListIngestionJobsPaginator(s.api, &bedrockagent.ListIngestionJobsInput{KnowledgeBaseId: aws.String(kb), DataSourceId: aws.String(ds)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("bedrockagents: list ingestion jobs of data source %s: %w", ds, err)
		}
		for _, j := range page.IngestionJobSummaries {
			ids = append(ids, aws.ToString(j.IngestionJobId))
		}
	}
	for _, id := range ids {
		out, err := s.api.GetIngestionJob(ctx, &bedrockagent.GetIngestionJobInput{KnowledgeBaseId: aws.String(kb), DataSourceId: aws.String(ds), IngestionJobId: aws.String(id)})
		if err != nil {
			return fmt.Errorf("bedrockagents: get ingestion job %s of data source %s: %w", id, ds, err)
		}
		j := out.IngestionJob
		if j == nil {
			return fmt.Errorf("bedrockagents: get ingestion job %s of data source %s: response has no job", id, ds)
		}
		row := &schemas.Resource{
			Kind: schemas.KindIngestionJob, ARN: dsARN + "/ingestion-job/" + id, ID: id, Status: string(j.Status),
			CreatedAt: aws.ToTime(j.StartedAt).UTC(), UpdatedAt: aws.ToTime(j.UpdatedAt).UTC(),
		}
		norm := map[string]any{
			"knowledge_base_id": kb, "data_source_id": ds, "description": j.Description,
			"statistics": j.Statistics, "failure_reasons": j.FailureReasons,
			"started_at": j.StartedAt, "updated_at": j.UpdatedAt,
		}
		if err := s.put(ctx, row, norm, snapshot.Call{Operation: "GetIngestionJob", Metadata: out.ResultMetadata}); err != nil {
			return err
		}
	}
	return nil
}
